"""A learning rate that makes training diverge within its first epoch (issue 18), for real: the digitnet command in
a process of its own, and a sweep's SQLite store. Judged against the first epoch's mean loss, which is already
astronomical, it went unnoticed: exit 0 with "final training loss 4.3e+115", a sweep row with no divergence."""

import json
import sqlite3
import subprocess
import sys

import pandas as pd
import pytest

from digitnet.experiments.store import FILENAME

# the command of issue 18, with one row a step: 1437 updates happen before the first epoch's loss is known
BLOW_UP = [
    "--solver",
    "sgd",
    "--learning-rate-init",
    "10",
    "--batch-size",
    "1",
    "--hidden-layer-sizes",
    "128-64",
    "--momentum",
    "0",
]
SAID = (
    "digitnet: error: training diverged at epoch 1: the loss rose from 2.514 with the starting weights to 2.173e+121,"
    " more than 10 times as much; use a smaller --learning-rate-init (now 10)"
)


def digitnet(*argv):
    return subprocess.run(
        [sys.executable, "-m", "digitnet.cli", *map(str, argv)], capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("extra", [[], ["--early-stopping", "true"]])
def test_train_that_diverges_within_its_first_epoch_is_one_line_and_exit_status_2(tmp_path, extra):
    model = tmp_path / "model.npz"
    done = digitnet("train", *BLOW_UP, "--max-iter", "6", *extra, "--save", model)
    assert done.returncode == 2 and done.stdout == ""
    if extra:  # early stopping holds out a tenth of the rows: another starting loss, the same verdict
        assert done.stderr.startswith(
            "digitnet: error: training diverged at epoch 1: the loss rose from 2.51 with the starting weights to "
        )
        assert done.stderr.endswith(
            ", more than 10 times as much; use a smaller --learning-rate-init (now 10); the model was not saved\n"
        )
    else:
        assert done.stderr == SAID + "; the model was not saved\n"
    assert not model.exists() and list(tmp_path.iterdir()) == []


def test_a_sweep_records_a_run_that_diverges_within_its_first_epoch(tmp_path):
    out = tmp_path / "sweep"
    done = digitnet(
        "sweep",
        "--param",
        "learning_rate_init=10,0.01",
        *BLOW_UP,
        "--param",
        "max_iter=2,6",
        "--seeds",
        "1",
        "--backend",
        "serial",
        "--no-progress",
        "--out",
        out,
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(out / FILENAME) as db:
        rows = db.execute(
            "SELECT r.diverged_at, r.n_iter, r.train_loss, r.test_accuracy, r.error, r.curve_json"
            " FROM runs r ORDER BY r.diverged_at IS NULL, r.n_iter"
        ).fetchall()
    assert len(rows) == 4
    for diverged_at, n_iter, train_loss, test_accuracy, error, curve in rows[:2]:  # rate 10, at 2 and 6 epochs
        assert (diverged_at, n_iter, train_loss, test_accuracy, error) == (1, 0, None, None, None)
        assert json.loads(curve) == {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}  # nothing drawn
    assert [(r[0], r[1]) for r in rows[2:]] == [(None, 2), (None, 6)] and all(r[3] > 0.9 for r in rows[2:])
    table = pd.read_csv(out / "sweep.csv")
    diverged = table[table.learning_rate_init == 10]
    assert list(diverged.diverged_at) == [1, 1] and diverged.test_accuracy.isna().all()
    assert table[table.learning_rate_init == 0.01].diverged_at.isna().all()
