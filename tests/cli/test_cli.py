"""The ``digitnet`` command: every subcommand, its --help, and every bad-input path (one line, exit status 2)."""

import io
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from digitnet.cli import MODEL_OPTIONS, main
from digitnet.nn.activations import HIDDEN_ACTIVATIONS

QUICK = ["--hidden-layer-sizes", "8", "--max-iter", "3"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_usage_error(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("digitnet: error: "), err
    assert message in lines[0], lines[0]
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.npz"
    assert main(["train", *QUICK, "--save", str(path)]) == 0
    return path


def test_train_prints_metrics_and_saves(capsys, tmp_path):
    path = tmp_path / "m.npz"
    code, out, _ = run(capsys, "train", *QUICK, "--validation-size", "0.2", "--save", str(path))
    assert code == 0
    assert "digits: 1149 training, 288 validation, 360 test rows; 64 features, 10 classes" in out
    assert "validation accuracy 0." in out and "test accuracy 0." in out and "f1 0." in out
    assert path.exists() and f"saved model to {path}" in out


def test_predict_dataset_and_csv(capsys, model_file, tmp_path):
    code, out, err = run(capsys, "predict", "--model", str(model_file), "--dataset", "digits")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns[:2]) == ["true", "prediction"] and len(table) == 360
    assert [f"probability_{d}" for d in range(10)] == list(table.columns[2:])
    np.testing.assert_allclose(table.filter(like="probability").sum(axis=1), 1, atol=1e-5)
    assert "360 predictions for the test part of digits; accuracy 0." in err
    # the same rows as a CSV of raw pixels (with names), plus the target column
    from digitnet.data import load_split

    split = load_split()
    frame = pd.DataFrame(split.X_test_raw, columns=split.feature_names)
    frame["target"] = split.y_test
    frame.to_csv(tmp_path / "new.csv", index=False)
    code, out, _ = run(
        capsys,
        "predict",
        "--model",
        str(model_file),
        "--csv",
        str(tmp_path / "new.csv"),
        "--out",
        str(tmp_path / "pred.csv"),
    )
    assert code == 0 and "accuracy" in out
    predicted = pd.read_csv(tmp_path / "pred.csv")
    pd.testing.assert_series_equal(predicted["prediction"], table["prediction"])


def test_compare_writes_compare_csv_and_prints_the_summary(capsys, tmp_path):
    out_dir = tmp_path / "cmp"
    code, out, _ = run(capsys, "compare", "--seeds", "2", *QUICK, "--out", str(out_dir))
    assert code == 0
    table = pd.read_csv(out_dir / "compare.csv")
    assert list(table.columns) == ["model", "seed", "accuracy", "precision", "recall", "f1", "fit_seconds", "n_iter"]
    assert sorted(set(table.model)) == ["digitnet", "sklearn"] and sorted(set(table.seed)) == [0, 1]
    assert "digitnet" in out and "sklearn" in out and "±" in out and "paired t-test" in out
    assert (out_dir / "results.json").exists() and (out_dir / "summary.csv").exists()


def test_sweep_with_params(capsys, tmp_path):
    out_dir = tmp_path / "sweep"
    code, out, _ = run(
        capsys,
        "sweep",
        "--param",
        "hidden_layer_sizes=6,6-4",
        "--param",
        "max_iter=2,3",
        "--param",
        "batch_size=full,100",
        "--seeds",
        "2",
        "--no-progress",
        "--out",
        str(out_dir),
    )
    assert code == 0
    table = pd.read_csv(out_dir / "sweep.csv")
    assert len(table) == 16
    assert {"hidden_layer_sizes", "max_iter", "batch_size", "seed", "run_id", "val_accuracy", "test_accuracy"} <= set(
        table.columns
    )
    assert set(table.hidden_layer_sizes) == {"6", "6-4"} and set(table.batch_size) == {"full", "100"}
    curves = json.loads((out_dir / "curves.json").read_text())
    assert set(curves) == set(table.run_id)
    assert "16 runs (8 configurations × 2 seeds) from 8 trainings" in out


def test_sweep_preset_with_an_axis_replaced_and_cv(capsys, tmp_path):
    out_dir = tmp_path / "epochs"
    code, out, _ = run(
        capsys,
        "sweep",
        "--preset",
        "epochs",
        "--param",
        "max_iter=2,4",
        "--cv",
        "2",
        "--no-progress",
        "--out",
        str(out_dir),
    )
    assert code == 0
    table = pd.read_csv(out_dir / "sweep.csv")
    assert sorted(table.max_iter) == [2, 2, 2, 4, 4, 4] and list(table.n_folds) == [2] * 6  # the preset's 3 seeds
    meta = json.loads((out_dir / "results.json").read_text())
    assert meta["config"]["preset"] == "epochs" and meta["config"]["base_params"]["solver"] == "adam"
    assert meta["config"]["base_params"]["n_iter_no_change"] == "inf"


def test_gradcheck(capsys):
    code, out, _ = run(capsys, "gradcheck")
    assert code == 0
    for activation in HIDDEN_ACTIVATIONS:  # the registry: every hidden activation
        line = next(l for l in out.splitlines() if l.startswith(activation + " "))
        assert float(line.split()[1]) < 1e-4 and line.endswith("ok")
    code, out, _ = run(capsys, "gradcheck", "--tolerance", "1e-30")
    assert code == 1 and "FAIL" in out


@pytest.mark.parametrize("command", ["train", "compare", "sweep", "predict", "gradcheck"])
def test_help_explains_every_option_with_its_default(capsys, command):
    import argparse

    from digitnet.cli import build_parser

    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    if command in ("train", "compare", "sweep"):
        for name, _, _ in MODEL_OPTIONS:
            assert "--" + name.replace("_", "-") in out
    subparsers = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for action in subparsers.choices[command]._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.option_strings[0] in out
        text = " ".join(action.help.split())
        assert action.help and ("(default: " in text or "(required" in text or action.required), action.option_strings
    assert " ".join(out.split()).count("(default: ") >= 4


def test_console_script_runs_and_fails_cleanly(tmp_path):
    """A real ``digitnet`` process: a bad --param is one stderr line and exit status 2, no traceback."""
    exe = shutil.which("digitnet")
    command = [exe] if exe else [sys.executable, "-m", "digitnet.cli"]
    done = subprocess.run(
        [*command, "sweep", "--param", "activation=relu,swish", "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("digitnet: error: --param activation=swish")
    assert not (tmp_path / "o" / "sweep.csv").exists()
    ok = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "sweep" in ok.stdout


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["sweep", "--param", "hiden_layer_sizes=8", "--out", "{tmp}/o"],
            "unknown parameter 'hiden_layer_sizes'; did you mean 'hidden_layer_sizes'?",
        ),
        (
            ["sweep", "--param", "activation=relu,swish", "--out", "{tmp}/o"],
            "--param activation=swish: The 'activation' parameter of NumpyMLPClassifier must be a str among",
        ),
        (
            ["sweep", "--param", "max_iter=10,ten", "--out", "{tmp}/o"],
            "--param max_iter: expected an integer, got 'ten'",
        ),
        (
            ["sweep", "--param", "learning_rate_init=-0.1", "--out", "{tmp}/o"],
            "The 'learning_rate_init' parameter of NumpyMLPClassifier must be a float in the range (0.0, inf)",
        ),
        (
            ["sweep", "--param", "hidden_layer_sizes=64-x", "--out", "{tmp}/o"],
            "hidden layer sizes are positive integers joined by '-'",
        ),
        (["sweep", "--param", "max_iter", "--out", "{tmp}/o"], "--param takes NAME=VALUE1,VALUE2,...; got 'max_iter'"),
        (["sweep", "--param", "random_state=1,2", "--out", "{tmp}/o"], "set by the experiment itself"),
        (["sweep", "--param", "max_iter=2", "--param", "max_iter=3", "--out", "{tmp}/o"], "given twice"),
        (["sweep", "--out", "{tmp}/o"], "give --preset NAME or at least one --param"),
        (["sweep", "--preset", "lr", "--out", "{tmp}/o"], "argument --preset: invalid choice: 'lr'"),
        (["sweep", "--param", "max_iter=2", "--cv", "1", "--out", "{tmp}/o"], "--cv needs at least 2 folds"),
        (["train", "--activation", "swish"], "The 'activation' parameter"),
        (["train", "--max-iter", "many"], "argument --max-iter: expected an integer, got 'many'"),
        (
            [
                "train",
                "--learning-rate-init",
                "1e100",
                "--solver",
                "sgd",
                "--momentum",
                "0",
                "--max-iter",
                "3",
                "--hidden-layer-sizes",
                "8",
            ],
            "training diverged at epoch 1: the loss became nan (from 2.719 with the starting"
            " weights); use a smaller --learning-rate-init (now 1e+100)",
        ),
        (["compare", "--activation", "elu", "--out", "{tmp}/o"], "MLPClassifier has no activation 'elu'"),
        (["compare", "--seeds", "2"], "the following arguments are required: --out"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["train", "--csv", "{tmp}/missing.csv"], "cannot read {tmp}/missing.csv: no such file"),
        (
            ["train", "--csv", "{tmp}/holes.csv", "--target", "y"],
            "column 'b' has 1 missing value(s), the first on line 3",
        ),
        (["train", "--csv", "{tmp}/words.csv", "--target", "y"], "column 'b' is not numeric ('x' on line 3)"),
        (["train", "--csv", "{tmp}/words.csv", "--target", "label"], "has no column 'label'"),
        (["train", "--csv", "{tmp}/oneclass.csv", "--target", "y"], "has only one class"),
        (["sweep", "--param", "max_iter=2", "--out", "{tmp}/afile"], "cannot write to output directory {tmp}/afile"),
        (["compare", "--out", "{tmp}/afile/sub"], "cannot write to output directory {tmp}/afile/sub"),
        (["train", "--save", "{tmp}/afile/m.npz"], "cannot write to output directory {tmp}/afile"),
        (
            ["predict", "--model", "{tmp}/missing.npz", "--dataset", "digits"],
            "model file {tmp}/missing.npz does not exist",
        ),
        (
            ["predict", "--model", "{tmp}/holes.csv", "--dataset", "digits"],
            "{tmp}/holes.csv is not a digitnet model file",
        ),
        (
            ["predict", "--model", "{tmp}/truncated.npz", "--dataset", "digits"],
            "{tmp}/truncated.npz is truncated or corrupt",
        ),
        (["predict", "--model", "{model}", "--dataset", "iris"], "expects 64 features, but iris has 4"),
        (
            ["predict", "--model", "{model}", "--csv", "{tmp}/words.csv"],
            "none of its columns (a, b, y) are the model's features (pixel_0_0, pixel_0_1",
        ),
        (["predict", "--model", "{model}"], "one of the arguments --csv --dataset --image is required"),
        (
            ["sweep", "--param", "hiden=8", "--out", "{tmp}/o"],
            "unknown parameter 'hiden'; did you mean 'hidden_layer_sizes'?",
        ),
        (["sweep", "--param", "epochs=8", "--out", "{tmp}/o"], "unknown parameter 'epochs'; did you mean 'max_iter'?"),
        (["gradcheck", "--eps", "nan"], "--eps must be a number in (0, 0.01], got nan"),
        (["gradcheck", "--eps", "1e300"], "--eps must be a number in (0, 0.01], got 1e+300"),
        (["gradcheck", "--alpha", "nan"], "--alpha must be a finite number >= 0, got nan"),
        (["gradcheck", "--samples", "100000000"], "--samples must be from 1 to 10000"),
        (["gradcheck", "--hidden-layer-sizes", "1000-1000"], "gives 1,009,003 parameters"),
        (["compare", "--seeds", "1000000000", "--out", "{tmp}/o"], "the number of seeds must be from 1 to 10,000"),
        (["train", "--hidden-layer-sizes", "100000-100000"], "needs about"),
        (["train", "--csv", "{tmp}/nohead.csv"], "holds numbers, not column names"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(capsys, tmp_path, model_file, argv, message):
    (tmp_path / "holes.csv").write_text("a,b,y\n1,2,0\n3,,1\n5,6,0\n")
    (tmp_path / "words.csv").write_text("a,b,y\n1,2,0\n3,x,1\n5,6,0\n")
    (tmp_path / "oneclass.csv").write_text("a,y\n1,0\n2,0\n3,0\n4,0\n")
    (tmp_path / "nohead.csv").write_text("1,2,0\n3,4,1\n5,6,0\n")
    (tmp_path / "afile").write_text("a file where a directory should be")
    (tmp_path / "truncated.npz").write_bytes(model_file.read_bytes()[:500])
    fill = dict(tmp=str(tmp_path), model=str(model_file))
    assert_usage_error(capsys, [a.format(**fill) for a in argv], message.format(**fill))


def test_failed_sweep_leaves_earlier_results_intact(capsys, tmp_path):
    out_dir = tmp_path / "o"
    assert run(capsys, "sweep", "--param", "max_iter=2", *QUICK[:2], "--no-progress", "--out", str(out_dir))[0] == 0
    before = {name: (out_dir / name).read_bytes() for name in os.listdir(out_dir)}
    assert_usage_error(
        capsys, ["sweep", "--param", "max_iter=2", "--param", "alpha=-1", "--out", str(out_dir)], "alpha"
    )
    assert {name: (out_dir / name).read_bytes() for name in os.listdir(out_dir)} == before


def test_predict_refuses_raw_data_for_a_model_that_holds_no_scaling(capsys, tmp_path):
    """Saved from Python without its scaler, a model trained on standardised pixels is given raw pixels (0-16): it
    would predict at about 80% instead of 97% without a word. predict says why, and predicts with
    --no-input-check; the same model saved with its scaler takes the raw pixels."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.pipeline import Pipeline

    from digitnet import NumpyMLPClassifier
    from digitnet.data import load_split
    from digitnet.model_file import save_model

    split = load_split("digits")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = NumpyMLPClassifier((32,), max_iter=30, random_state=0).fit(split.X_train, split.y_train)
    save_model(model, tmp_path / "bare.npz")
    save_model(Pipeline([("scaler", split.scaler), ("mlp", model)]), tmp_path / "scaled.npz")
    pd.DataFrame(split.X_test_raw).to_csv(tmp_path / "raw.csv", index=False)  # header 0..63, as pandas writes it
    line = assert_usage_error(
        capsys,
        ["predict", "--model", str(tmp_path / "bare.npz"), "--csv", str(tmp_path / "raw.csv")],
        "the data do not look like what model",
    )
    assert "lie far outside the ranges the model was trained on" in line and "holds no scaling" in line
    assert "--no-input-check predicts anyway" in line
    code, out, err = run(
        capsys, "predict", "--model", str(tmp_path / "bare.npz"), "--csv", str(tmp_path / "raw.csv"), "--no-input-check"
    )
    assert code == 0 and len(pd.read_csv(pd.io.common.StringIO(out))) == 360
    assert err.startswith("digitnet: warning: ") and "360 predictions" in err
    code, out, err = run(capsys, "predict", "--model", str(tmp_path / "scaled.npz"), "--csv", str(tmp_path / "raw.csv"))
    assert code == 0 and "warning" not in err


def test_predict_reads_a_headerless_csv_only_when_told(capsys, model_file, tmp_path):
    from digitnet.data import load_split

    raw = load_split("digits").X_test_raw[:3]
    (tmp_path / "three.csv").write_text("\n".join(",".join(str(int(v)) for v in row) for row in raw) + "\n")
    assert_usage_error(
        capsys,
        ["predict", "--model", str(model_file), "--csv", str(tmp_path / "three.csv")],
        "holds numbers, not column names: if the file has no header row, give --no-header",
    )
    code, out, err = run(
        capsys, "predict", "--model", str(model_file), "--csv", str(tmp_path / "three.csv"), "--no-header"
    )
    assert code == 0 and len(pd.read_csv(pd.io.common.StringIO(out))) == 3 and "3 predictions" in err


def test_gradcheck_counts_a_nan_as_a_failure(capsys, monkeypatch):
    from digitnet.cli import gradcheck

    monkeypatch.setattr(gradcheck, "gradient_check", lambda activation, *args: np.nan if activation == "tanh" else 1e-9)
    code, out, _ = run(capsys, "gradcheck")
    assert code == 1
    assert "tanh                          nan  FAIL" in out
    assert out.strip().splitlines()[-1] == "worst nan (ABOVE tolerance 1e-05): tanh failed"


def test_predict_reads_a_picture_of_a_digit(capsys, model_file, tmp_path):
    from PIL import Image
    from sklearn.datasets import load_digits

    from digitnet.digit_image import image_to_input
    from digitnet.model_file import load_model

    digits = load_digits()
    ink = np.kron(digits.images[11] / 16, np.ones((15, 15)))
    Image.fromarray(np.round(255 * (1 - ink)).astype(np.uint8)).save(tmp_path / "digit.png")
    Image.fromarray(np.round(255 * ink).astype(np.uint8)).save(tmp_path / "reverse.png")
    code, out, err = run(capsys, "predict", "--model", str(model_file), "--image", str(tmp_path / "digit.png"))
    assert code == 0
    pixels = image_to_input(tmp_path / "digit.png")
    expected = load_model(model_file).predict(pixels.reshape(1, -1))[0]
    assert out.splitlines()[1].split(",")[0] == str(expected)
    assert "as the model sees it (8x8, ink 0-16)" in err
    assert " ".join(f"{v:2d}" for v in pixels[:8]) in err
    code, out_reverse, _ = run(capsys, "predict", "--model", str(model_file), "--image", str(tmp_path / "reverse.png"))
    assert code == 0 and out_reverse == out  # light ink on dark paper: the same reading
    (tmp_path / "x.png").write_text("no picture")
    assert_usage_error(
        capsys, ["predict", "--model", str(model_file), "--image", str(tmp_path / "x.png")], "cannot read"
    )


# ---------------------------------------------------------------------------------------------- --task regression


@pytest.fixture(scope="module")
def regression_csv(tmp_path_factory):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 3))
    table = pd.DataFrame(X, columns=["a", "b", "c"]).assign(
        price=2 * X[:, 0] - X[:, 1] ** 2 + 0.1 * rng.normal(size=240)
    )
    path = tmp_path_factory.mktemp("regression") / "prices.csv"
    table.to_csv(path, index=False)
    return path


def test_a_continuous_target_points_to_regression(capsys, regression_csv):
    assert_usage_error(
        capsys,
        ["train", "--csv", str(regression_csv), "--target", "price"],
        "looks continuous (240 distinct values in 240 rows",
    )
    assert_usage_error(
        capsys,
        ["train", "--csv", str(regression_csv), "--target", "price"],
        "or fit a regression ('digitnet train --task regression')",
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_train_and_predict_a_regression_from_csv(capsys, regression_csv, tmp_path):
    from sklearn.metrics import r2_score

    from digitnet import NumpyMLPRegressor
    from digitnet.data import load_split
    from digitnet.model_file import load_model

    saved = tmp_path / "prices.npz"
    code, out, err = run(
        capsys,
        "train",
        "--csv",
        str(regression_csv),
        "--target",
        "price",
        "--task",
        "regression",
        "--hidden-layer-sizes",
        "16",
        "--max-iter",
        "50",
        "--seed",
        "3",
        "--save",
        str(saved),
    )
    assert code == 0, err
    assert "target 'price' (a regression)" in out and "trained NumpyMLPRegressor(" in out
    # the same model as NumpyMLPRegressor fitted in Python on the same (random, not stratified) split
    split = load_split(path=str(regression_csv), target="price", task="regression")
    assert split.classes is None
    direct = NumpyMLPRegressor(hidden_layer_sizes=(16,), max_iter=50, random_state=3).fit(split.X_train, split.y_train)
    r2 = r2_score(split.y_test, direct.predict(split.X_test))
    assert f"test R2 {r2:.4f}  RMSE " in out
    loaded = load_model(saved)
    np.testing.assert_array_equal(loaded.predict(split.X_test_raw), direct.predict(split.X_test))
    code, out, err = run(capsys, "predict", "--model", str(saved), "--csv", str(regression_csv))
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == ["true", "prediction"]  # no probabilities for a regressor
    everything = pd.read_csv(regression_csv)
    np.testing.assert_allclose(table.prediction, loaded.predict(everything[["a", "b", "c"]].to_numpy()), rtol=1e-5)
    assert err.strip() == (
        f"240 predictions for {regression_csv}; R2 {r2_score(everything.price, table.prediction):.4f};"
        " 192 of these 240 rows were used for training the model: a score on them says little"
        " about new data"
    )  # the file holds the 192 training rows and the 48 test rows


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_regressors_true_values_must_be_numbers(capsys, regression_csv, tmp_path):
    saved = tmp_path / "prices.npz"
    assert (
        main(
            [
                "train",
                "--csv",
                str(regression_csv),
                "--target",
                "price",
                "--task",
                "regression",
                "--hidden-layer-sizes",
                "4",
                "--max-iter",
                "3",
                "--save",
                str(saved),
            ]
        )
        == 0
    )
    capsys.readouterr()
    table = pd.read_csv(regression_csv).astype({"price": object})
    table.loc[5, "price"] = "cheap"
    table.to_csv(tmp_path / "words.csv", index=False)
    assert_usage_error(
        capsys,
        ["predict", "--model", str(saved), "--csv", str(tmp_path / "words.csv")],
        f"the true values in {tmp_path / 'words.csv'} are not all numbers; a regressor's target is",
    )


def test_a_regression_target_must_be_numbers(capsys, tmp_path):
    path = tmp_path / "words.csv"
    path.write_text("a,b,label\n" + "".join(f"{i},{i % 3},{'cat' if i % 2 else 'dog'}\n" for i in range(30)))
    assert_usage_error(
        capsys,
        ["train", "--csv", str(path), "--task", "regression"],
        f"{path}: column 'label' is not numeric ('dog' on line 2)",
    )
