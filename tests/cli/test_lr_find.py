"""``digitnet lr-find``: the range test from the command line, as from Python; its files, written atomically; bad
input in one line (real files, a real file-size limit, a real picture read back)."""

import os
import resource
import signal
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import digitnet.functional as F
from digitnet.cli import main
from digitnet.data import load_split

SMALL = ["--hidden-layer-sizes", "16", "--steps", "40"]


def one_line(capsys, argv, code=2):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert status == code, (out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("digitnet: error: ") and "Traceback" not in err, err
    return lines[0]


def test_help_describes_the_test(capsys):
    assert main(["lr-find", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "learning-rate range test (Smith 2017, as fastai's lr_find)" in text
    assert "the rate rising exponentially from --min-lr to --max-lr" in text
    assert "steepest descent of the smoothed loss" in text and "--out DIR writes DIR/lr_find.csv" in text
    for option in ("--batch-size", "--solver", "--momentum", "--dataset", "--csv", "--validation-size", "--seed"):
        assert option in text
    done = subprocess.run([sys.executable, "-m", "digitnet.cli", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "lr-find" in done.stdout


def test_the_command_writes_what_python_computes(capsys, tmp_path):
    out = tmp_path / "lr"
    assert (
        main(["lr-find", *SMALL, "--batch-size", "full", "--validation-size", "0.2", "--seed", "3", "--out", str(out)])
        == 0
    )
    printed = capsys.readouterr().out
    assert "digits: 1149 training, 288 validation, 360 test rows" in printed
    table = pd.read_csv(out / "lr_find.csv")
    assert list(table.columns) == ["step", "rate", "loss", "smoothed"] and len(table) == 40
    split = load_split("digits", validation_size=0.2)
    test = F.lr_find(
        split.X_train, split.y_train, hidden_layer_sizes=(16,), batch_size="full", steps=40, random_state=3
    )
    np.testing.assert_array_equal(table["loss"].to_numpy(), test.losses)  # repr round-trips a float exactly
    np.testing.assert_array_equal(table["rate"].to_numpy(), test.rates)
    assert f"suggested learning rate: {test.suggested:.3g} (steepest descent" in printed
    assert f"a tenth of it: {test.minimum_over_10:.3g}" in printed
    with Image.open(out / "lr_find.png") as picture:
        picture.load()
        assert picture.format == "PNG" and picture.size[0] > 600
    assert sorted(os.listdir(out)) == ["lr_find.csv", "lr_find.png"]  # no temporary file left


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--activation", "sigmoid"], "--activation must be one of identity, logistic, tanh, relu"),
        (["--weight-init", "zeros"], "--weight-init must be one of glorot, he, small_normal, got 'zeros'"),
        (["--batch-size", "some"], "batch size is an integer, 'auto' or 'full'; got 'some'"),
        (["--min-lr", "1", "--max-lr", "1"], "--max-lr must be a finite number above --min-lr (1), got 1.0"),
        (["--max-lr", "inf"], "--max-lr must be a finite number above --min-lr (1e-05), got inf"),
        (["--steps", "1000000"], "--steps must be from 2 to 100,000, got 1000000"),
        (["--solver", "lbfgs"], "argument --solver: invalid choice: 'lbfgs'"),
        (["--hidden-layer-sizes", "100000-100000"], "needs about"),
    ],
)
def test_bad_values_are_one_line(capsys, argv, message):
    assert message in one_line(capsys, ["lr-find", *argv])


def test_outputs_are_checked_before_any_work(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("mine")
    line = one_line(capsys, ["lr-find", *SMALL, "--out", blocker])
    assert "cannot write to output directory" in line and "a file of that name exists" in line
    assert blocker.read_text() == "mine"
    data = tmp_path / "data"
    data.mkdir()
    csv = data / "lr_find.csv"
    rng = np.random.default_rng(0)
    pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60), "y": np.arange(60) % 3}).to_csv(csv, index=False)
    before = csv.read_bytes()
    line = one_line(capsys, ["lr-find", *SMALL, "--csv", csv, "--target", "y", "--out", data])
    assert f"would overwrite the --csv file {csv}" in line
    assert csv.read_bytes() == before


def test_a_file_size_limit_is_one_line_and_keeps_the_old_files(tmp_path):
    """The picture does not fit under a 20 KB limit: nothing of the new run is kept, the old files are intact."""
    out = tmp_path / "lr"
    out.mkdir()
    (out / "lr_find.csv").write_text("old table\n")
    (out / "lr_find.png").write_bytes(b"old picture")

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    done = subprocess.run(
        [sys.executable, "-m", "digitnet.cli", "lr-find", *SMALL, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limit,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"digitnet: error: cannot write results to {out}: File too large"), (
        done.stderr
    )
    assert (out / "lr_find.csv").read_text() == "old table\n" and (out / "lr_find.png").read_bytes() == b"old picture"
    assert sorted(os.listdir(out)) == ["lr_find.csv", "lr_find.png"]


def test_a_regression_from_a_csv_and_adam(capsys, tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 3))
    csv = tmp_path / "houses.csv"
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "price": X @ [1.0, -2.0, 0.5]}).to_csv(csv, index=False)
    assert main(["lr-find", *SMALL, "--csv", str(csv), "--target", "price", "--task", "regression"]) == 0
    printed = capsys.readouterr().out
    assert "target 'price' (a regression)" in printed and "suggested learning rate:" in printed
    assert main(["lr-find", *SMALL, "--solver", "adam", "--min-lr", "1e-6", "--max-lr", "1"]) == 0
    assert "suggested learning rate:" in capsys.readouterr().out
