"""Every numeric option of every subcommand in its range (one line, exit status 2, before any work); outputs that
would overwrite an input refused; gradcheck's overflow a failure; and one line on stderr meaning one line, with
library warnings folded into it (real files, links, a real file-size limit)."""

import argparse
import os
import resource
import signal
import subprocess
import sys
import time

import pytest

from digitnet.cli import build_parser, main
from digitnet.errors import UsageError
from digitnet.nn.activations import HIDDEN_ACTIVATIONS

QUICK = ["--hidden-layer-sizes", "8", "--max-iter", "3"]
SEEDS = "the number of seeds must be from 1 to 10,000, got 0"
JOBS = "the number of worker processes must be at least 1, or -1 for every core; got "


def one_line(capsys, argv, code=2):
    """Run ``main(argv)``: its exit status is ``code`` and its stderr one line, which is returned."""
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert status == code, (out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("digitnet: error: ") and "Traceback" not in err, err
    return lines[0]


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.npz"
    assert main(["train", *QUICK, "--save", str(path)]) == 0
    return path


# ------------------------------------------------------------------------------ every numeric option in its range

#: (command, option) -> (a value out of its range, what the one line says). The model and data options, shared by
#: train, compare and sweep (one function adds them to each), are tried with train.
OUT_OF_RANGE = {
    ("train", "--seed"): ("-5", "argument --seed: a seed is an integer from 0 to 4294967295, got -5"),
    ("train", "--split-seed"): (
        "4294967296",
        "argument --split-seed: a seed is an integer from 0 to 4294967295, got 4294967296",
    ),
    ("train", "--test-size"): ("0", "test_size must be between 0 and 1 (exclusive), got 0.0"),
    ("train", "--validation-size"): ("1", "validation_size must be in [0, 1), got 1.0"),
    ("train", "--hidden-layer-sizes"): ("0", "hidden layer sizes are positive integers joined by '-'"),
    ("train", "--alpha"): (
        "-1",
        "The 'alpha' parameter of NumpyMLPClassifier must be a float in the range [0.0, inf). Got -1.0 instead.",
    ),
    ("train", "--batch-size"): (
        "0",
        "The 'batch_size' parameter of NumpyMLPClassifier must be a str among {'auto'} or"
        " an int in the range [1, inf). Got 0 instead.",
    ),
    ("train", "--learning-rate-init"): (
        "0",
        "The 'learning_rate_init' parameter of NumpyMLPClassifier must be a float"
        " in the range (0.0, inf). Got 0.0 instead.",
    ),
    ("train", "--power-t"): (
        "-1",
        "The 'power_t' parameter of NumpyMLPClassifier must be a float in the range [0.0, inf). Got -1.0 instead.",
    ),
    ("train", "--max-iter"): (
        "0",
        "The 'max_iter' parameter of NumpyMLPClassifier must be an int in the range [1, inf). Got 0 instead.",
    ),
    ("train", "--tol"): (
        "-1",
        "The 'tol' parameter of NumpyMLPClassifier must be a float in the range [0.0, inf). Got -1.0 instead.",
    ),
    ("train", "--n-iter-no-change"): (
        "0",
        "The 'n_iter_no_change' parameter of NumpyMLPClassifier must be an int in"
        " the range [1, inf) or a float among {inf}. Got 0 instead.",
    ),
    ("train", "--momentum"): (
        "1.5",
        "The 'momentum' parameter of NumpyMLPClassifier must be a float in the range [0.0, 1.0]. Got 1.5 instead.",
    ),
    ("train", "--validation-fraction"): (
        "1",
        "The 'validation_fraction' parameter of NumpyMLPClassifier must be a"
        " float in the range [0.0, 1.0). Got 1.0 instead.",
    ),
    ("train", "--beta-1"): (
        "1",
        "The 'beta_1' parameter of NumpyMLPClassifier must be a float in the range [0.0, 1.0). Got 1.0 instead.",
    ),
    ("train", "--beta-2"): (
        "-0.1",
        "The 'beta_2' parameter of NumpyMLPClassifier must be a float in the range [0.0, 1.0). Got -0.1 instead.",
    ),
    ("train", "--epsilon"): (
        "0",
        "The 'epsilon' parameter of NumpyMLPClassifier must be a float in the range (0.0, inf). Got 0.0 instead.",
    ),
    ("train", "--max-fun"): (
        "0",
        "The 'max_fun' parameter of NumpyMLPClassifier must be an int in the range [1, inf). Got 0 instead.",
    ),
    # the features scikit-learn declined (issue 21)
    ("train", "--dropout"): (
        "1",
        "argument --dropout: a dropout rate is a number in [0, 1) (the share of units dropped), got 1",
    ),
    ("train", "--class-weight"): (
        "3:-2",
        "argument --class-weight: a class weight is a finite number >= 0, got -2 for class 3",
    ),
    ("train", "--label-smoothing"): (
        "1.5",
        "The 'label_smoothing' parameter of NumpyMLPClassifier must be a float in"
        " the range [0.0, 1.0]. Got 1.5 instead.",
    ),
    ("train", "--weight-decay"): (
        "-1",
        "The 'weight_decay' parameter of NumpyMLPClassifier must be a float in the range [0.0, inf). Got -1.0 instead.",
    ),
    ("train", "--rho"): (
        "1",
        "The 'rho' parameter of NumpyMLPClassifier must be a float in the range [0.0, 1.0). Got 1.0 instead.",
    ),
    ("train", "--warmup"): (
        "-1",
        "The 'warmup' parameter of NumpyMLPClassifier must be an int in the range [0, inf). Got -1 instead.",
    ),
    ("train", "--step-every"): (
        "0",
        "The 'step_every' parameter of NumpyMLPClassifier must be an int in the range [1, inf). Got 0 instead.",
    ),
    ("train", "--step-factor"): (
        "0",
        "The 'step_factor' parameter of NumpyMLPClassifier must be a float in the range (0.0, inf). Got 0.0 instead.",
    ),
    ("train", "--plateau-factor"): ("1", "--plateau-factor must be a number in (0, 1), got 1.0"),
    ("train", "--patience"): ("0", "argument --patience: the number of epochs of patience must be at least 1, got 0"),
    # DigitsClassifier's (issue 21: augmentation, an ensemble, test-time augmentation)
    ("train", "--members"): ("0", "argument --members: the number of members must be at least 1, got 0"),
    ("train", "--augment-copies"): (
        "-1",
        "argument --augment-copies: the number of jittered copies must be at least 0, got -1",
    ),
    ("train", "--shift"): ("-1", "--shift -1.0: it must be a float in the range [0.0, inf)"),
    ("train", "--rotation"): ("181", "--rotation 181.0: it must be a float in the range [0.0, 180.0]"),
    ("train", "--zoom"): ("1", "--zoom 1.0: it must be a float in the range [0.0, 1.0)"),
    ("train", "--elastic"): ("-0.5", "--elastic -0.5: it must be a float in the range [0.0, inf)"),
    ("train", "--elastic-sigma"): ("0", "--elastic-sigma 0.0: it must be a float in the range (0.0, inf)"),
    ("train", "--tta"): ("-1", "argument --tta: the number of test-time copies must be at least 0, got -1"),
    ("train", "--jobs"): ("0", f"argument --jobs: {JOBS}0"),
    ("predict", "--tta"): ("-1", "argument --tta: the number of test-time copies must be at least 0, got -1"),
    ("predict", "--test-size"): ("1", "test_size must be between 0 and 1 (exclusive), got 1.0"),
    ("predict", "--split-seed"): ("-5", "argument --split-seed: a seed is an integer from 0 to 4294967295, got -5"),
    ("compare", "--seeds"): ("0", f"argument --seeds: {SEEDS}"),
    ("compare", "--jobs"): ("0", f"argument --jobs: {JOBS}0"),
    ("sweep", "--seeds"): ("0", f"argument --seeds: {SEEDS}"),
    ("sweep", "--jobs"): ("-2", f"argument --jobs: {JOBS}-2"),
    ("sweep", "--cv"): ("1", "--cv needs at least 2 folds, got 1"),
    ("report", "--seeds"): ("0", f"argument --seeds: {SEEDS}"),
    ("report", "--jobs"): ("0", f"argument --jobs: {JOBS}0"),
    ("results", "--top"): ("0", "argument --top: the number of configurations to list must be at least 1, got 0"),
    ("gradcheck", "--seed"): ("-5", "argument --seed: a seed is an integer from 0 to 4294967295, got -5"),
    ("gradcheck", "--samples"): ("0", "--samples must be from 1 to 10000, got 0"),
    ("gradcheck", "--classes"): ("1", "--classes must be from 2 to 100, got 1"),
    ("gradcheck", "--eps"): ("0", "--eps must be a number in (0, 0.01], got 0.0"),
    ("gradcheck", "--alpha"): ("-1", "--alpha must be a finite number >= 0, got -1.0"),
    ("gradcheck", "--tolerance"): ("1", "--tolerance must be a number in (0, 1), got 1.0"),
    ("gradcheck", "--hidden-layer-sizes"): ("1000-1000", "gives 1,009,003 parameters"),
    ("lr-find", "--hidden-layer-sizes"): ("0", "hidden layer sizes are positive integers joined by '-'"),
    ("lr-find", "--alpha"): ("nan", "--alpha must be a finite number >= 0, got nan"),
    ("lr-find", "--momentum"): ("1.5", "--momentum must be in [0, 1], got 1.5"),
    ("lr-find", "--batch-size"): ("0", "--batch-size must be at least 1, 'auto' or 'full', got 0"),
    ("lr-find", "--min-lr"): ("0", "--min-lr must be a finite number > 0, got 0.0"),
    ("lr-find", "--max-lr"): ("1e-6", "--max-lr must be a finite number above --min-lr (1e-05), got 1e-06"),
    ("lr-find", "--steps"): ("1", "--steps must be from 2 to 100,000, got 1"),
    ("lr-find", "--seed"): ("-5", "argument --seed: a seed is an integer from 0 to 4294967295, got -5"),
    ("lr-find", "--test-size"): ("0", "test_size must be between 0 and 1 (exclusive), got 0.0"),
    ("lr-find", "--validation-size"): ("1", "validation_size must be in [0, 1), got 1.0"),
    ("lr-find", "--split-seed"): ("-1", "argument --split-seed: a seed is an integer from 0 to 4294967295, got -1"),
    ("gradcheck", "--dropout"): ("nan", "--dropout must be a number in [0, 1), got nan"),
    ("gradcheck", "--label-smoothing"): ("-0.1", "--label-smoothing must be a number in [0, 1], got -0.1"),
}
#: What each command needs besides the option tried (its required arguments).
REQUIRED = {
    "train": [],
    "predict": ["--model", "{model}", "--dataset", "digits"],
    "gradcheck": [],
    "compare": ["--out", "{tmp}/o"],
    "sweep": ["--param", "max_iter=2", "--out", "{tmp}/o"],
    "report": ["--out", "{tmp}/o"],
    "results": ["{tmp}"],
    "lr-find": [],
}
#: Options whose values are words, not numbers.
WORDS = {"string", "parse_bool"}


def _numeric_options():
    """(command, option) of every option of every subcommand whose value is a number (or numbers)."""
    subcommands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    found = set()
    for command, parser in subcommands.items():
        for action in parser._actions:
            if (
                action.option_strings
                and action.type is not None
                and not action.choices
                and action.type.__name__ not in WORDS
            ):
                found.add((command, action.option_strings[0]))
    return found


def test_every_numeric_option_of_every_command_has_its_range_tried_here():
    shared = {option for command, option in OUT_OF_RANGE if command == "train"}
    untried = {
        (command, option)
        for command, option in _numeric_options()
        if (command, option) not in OUT_OF_RANGE and not (command in ("compare", "sweep") and option in shared)
    }
    assert not untried, f"no out-of-range test for {sorted(untried)}"


@pytest.mark.parametrize("command, option", sorted(OUT_OF_RANGE))
def test_an_option_out_of_its_range_is_one_line_before_any_work(capsys, tmp_path, model_file, command, option):
    value, message = OUT_OF_RANGE[command, option]
    extra = [a.format(tmp=tmp_path, model=model_file) for a in REQUIRED[command]]
    start = time.perf_counter()
    line = one_line(capsys, [command, *extra, option, value])
    assert message in line, line
    assert time.perf_counter() - start < 30  # a hang guard: nothing was trained
    assert not (tmp_path / "o").exists()  # no output directory was made


def test_no_seeds_is_refused_alike_by_every_command_and_function(capsys, tmp_path):
    """``--seeds 0`` used to run one seed in sweep while compare and report refused it."""
    lines = [
        one_line(capsys, argv)
        for argv in (
            ["compare", "--seeds", "0", "--out", tmp_path / "c"],
            ["sweep", "--param", "max_iter=2", "--seeds", "0", "--out", tmp_path / "s"],
            ["sweep", "--preset", "epochs", "--seeds", "0", "--out", tmp_path / "p"],
            ["report", "--seeds", "0", "--out", tmp_path / "r"],
        )
    ]
    assert {line.split(" (see ")[0] for line in lines} == {f"digitnet: error: argument --seeds: {SEEDS}"}
    from digitnet.experiments import compare, sweep
    from digitnet.report import build_report
    from digitnet.studies import run_preset

    for call in (
        lambda: compare(seeds=0),
        lambda: sweep({"max_iter": [2]}, seeds=0),
        lambda: run_preset("epochs", seeds=0),
        lambda: build_report(tmp_path / "r", seeds=0),
    ):
        with pytest.raises(UsageError) as caught:
            call()
        assert str(caught.value) == SEEDS
    assert os.listdir(tmp_path) == []


def test_gradcheck_counts_an_overflow_as_a_failure(capsys):
    """With --alpha 1e308 the losses and their differences overflow; the norms once did too, to an error of
    0 ("within tolerance"). Not finite is a failure, and said to be an overflow; no numpy warning around it."""
    code = main(["gradcheck", "--alpha", "1e308"])
    out, err = capsys.readouterr()
    assert code == 1 and err == ""
    rows = out.strip().splitlines()[2:-1]
    assert len(rows) == len(HIDDEN_ACTIVATIONS) and all(row.split()[1:] == ["inf", "FAIL"] for row in rows), rows
    assert out.strip().splitlines()[-1] == (
        f"worst inf (ABOVE tolerance 1e-05): {', '.join(HIDDEN_ACTIVATIONS)} failed (a loss or gradient"
        " overflowed: --alpha 1e+308 is too large to check)"
    )
    assert main(["gradcheck"]) == 0 and "(within tolerance 1e-05)" in capsys.readouterr().out


# ------------------------------------------------------------------------------ outputs never overwrite inputs


@pytest.fixture
def inputs(tmp_path, model_file):
    """A CSV of digits, a model file, a picture, each with the bytes it holds."""
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits(as_frame=True).frame.iloc[:300]
    (tmp_path / "d.csv").write_text(digits.to_csv(index=False))
    (tmp_path / "m.npz").write_bytes(model_file.read_bytes())
    Image.new("L", (8, 8), 255).save(tmp_path / "p.png")
    return {name: (tmp_path / name).read_bytes() for name in ("d.csv", "m.npz", "p.png")}


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["train", *QUICK, "--csv", "{d}/d.csv", "--save", "{d}/d.csv"],
            "--save {d}/d.csv would overwrite the --csv file {d}/d.csv, which this command reads",
        ),
        (
            ["train", *QUICK, "--csv", "{d}/d.csv", "--save", "{d}/link.csv"],  # a symbolic link to it
            "--save {d}/link.csv would overwrite the --csv file {d}/d.csv, which this command reads",
        ),
        (
            [
                "train",
                *QUICK,
                "--csv",
                "{d}/d.csv",
                "--save",
                "{d}/hard.csv",
            ],  # a hard link: the same file, another name
            "--save {d}/hard.csv would overwrite the --csv file {d}/d.csv, which this command reads",
        ),
        (
            ["predict", "--model", "{d}/m.npz", "--dataset", "digits", "--out", "{d}/m.npz"],
            "--out {d}/m.npz would overwrite the --model file {d}/m.npz, which this command reads",
        ),
        (
            ["predict", "--model", "{d}/m.npz", "--csv", "{d}/d.csv", "--out", "{d}/d.csv"],
            "--out {d}/d.csv would overwrite the --csv file {d}/d.csv, which this command reads",
        ),
        (
            ["predict", "--model", "{d}/m.npz", "--image", "{d}/p.png", "--out", "{d}/p.png"],
            "--out {d}/p.png would overwrite the --image file {d}/p.png, which this command reads",
        ),
        (
            ["compare", *QUICK, "--seeds", "1", "--csv", "{d}/compare.csv", "--target", "target", "--out", "{d}"],
            "--out {d} (where it writes compare.csv) would overwrite the --csv file {d}/compare.csv, which this command"
            " reads",
        ),
        (
            ["sweep", "--param", "max_iter=2", "--csv", "{d}/sweep.csv", "--target", "target", "--out", "{d}"],
            "--out {d} (where it writes sweep.csv) would overwrite the --csv file {d}/sweep.csv, which this command reads",
        ),
    ],
    ids=[
        "train-csv",
        "train-symlink",
        "train-hard-link",
        "predict-model",
        "predict-csv",
        "predict-image",
        "compare-dir",
        "sweep-dir",
    ],
)
def test_an_output_that_would_overwrite_an_input_is_refused_before_any_work(capsys, tmp_path, inputs, argv, message):
    os.symlink(tmp_path / "d.csv", tmp_path / "link.csv")
    os.link(tmp_path / "d.csv", tmp_path / "hard.csv")
    (tmp_path / "compare.csv").write_bytes(inputs["d.csv"])
    (tmp_path / "sweep.csv").write_bytes(inputs["d.csv"])
    before = {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)}
    start = time.perf_counter()
    line = one_line(capsys, [a.format(d=tmp_path) for a in argv])
    assert line == f"digitnet: error: {message.format(d=tmp_path)}; write the output somewhere else"
    assert time.perf_counter() - start < 30  # a hang guard: nothing was trained
    assert {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)} == before  # nothing written


def test_an_output_beside_an_input_is_fine(capsys, tmp_path, inputs):
    assert (
        main(
            [
                "train",
                *QUICK,
                "--csv",
                str(tmp_path / "d.csv"),
                "--target",
                "target",
                "--save",
                str(tmp_path / "model.npz"),
            ]
        )
        == 0
    )
    assert (tmp_path / "d.csv").read_bytes() == inputs["d.csv"] and (tmp_path / "model.npz").exists()
    capsys.readouterr()


# ------------------------------------------------------------------------------ one line means one line


def _digitnet(*argv, fsize=None):
    """The command in a process of its own, with a file-size limit (bytes) if given: past it, a write fails as on a
    full disk."""

    def limit():
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run(
        [sys.executable, "-m", "digitnet.cli", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=limit,
    )


def test_a_full_disk_under_a_pool_of_processes_is_one_line(tmp_path):
    """The store fills the disk while two worker processes still train: joblib then warned that their tasks were
    cancelled, around the one line that says what happened."""
    done = _digitnet(
        "sweep",
        "--param",
        "hidden_layer_sizes=6,9,12,15,18",
        "--param",
        "alpha=0.0001,0.001,0.01",
        "--max-iter",
        "40",
        "--tol",
        "0",
        "--seeds",
        "2",
        "--backend",
        "processes",
        "--jobs",
        "2",
        "--no-progress",
        "--out",
        tmp_path / "grid",
        fsize=96 * 1024,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"digitnet: error: cannot write to the results store {tmp_path / 'grid'}/sweep.sqlite")
    assert "runs saved in" in lines[0] and "run the same command again to finish once there is room" in lines[0]


def test_numpy_warnings_of_a_diverging_fit_are_folded_into_its_line(tmp_path):
    """scikit-learn's MLPClassifier overflowing in compare: numpy's RuntimeWarnings came before the line that says
    training diverged."""
    done = _digitnet(
        "compare",
        "--learning-rate-init",
        "1e100",
        "--solver",
        "sgd",
        "--momentum",
        "0",
        "--seeds",
        "1",
        *QUICK,
        "--no-progress",
        "--out",
        tmp_path / "c",
    )
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("digitnet: error: training failed: ") and "diverged" in lines[0], (
        done.stderr
    )
    assert "RuntimeWarning" not in done.stderr


def test_a_library_warning_of_a_command_that_succeeds_is_one_line(capsys, tmp_path):
    """A warning raised while a command runs, by a library, and not said otherwise: shown once, on one line."""
    import warnings

    from digitnet.cli import COMMANDS

    def warns(args):
        for _ in range(3):
            warnings.warn("something a library thinks you should know,\n  over two lines", RuntimeWarning)
        return 0

    COMMANDS["results"], saved = (COMMANDS["results"][0], warns), COMMANDS["results"]
    try:
        assert main(["results", str(tmp_path)]) == 0
    finally:
        COMMANDS["results"] = saved
    assert capsys.readouterr().err == (
        "digitnet: warning: something a library thinks you should know, over two lines\n"
    )
    from sklearn.datasets import load_iris
    from sklearn.exceptions import ConvergenceWarning

    from digitnet import NumpyMLPClassifier

    with pytest.warns(ConvergenceWarning):  # used from Python after the command, digitnet warns its caller as ever
        NumpyMLPClassifier(hidden_layer_sizes=(4,), max_iter=1).fit(*load_iris(return_X_y=True))
