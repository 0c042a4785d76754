"""The features scikit-learn declined on the command line: train with them (and its callbacks), save and predict,
sweep over them; every bad use one line with exit status 2, before any training (real files)."""

import os

import pytest

from digitnet.cli import main
from digitnet.model_file import load_model

QUICK = ["--hidden-layer-sizes", "16", "--max-iter", "6"]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(capsys, *argv):
    code, out, err = run(capsys, *argv)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("digitnet: error: "), (out, err)
    return lines[0]


def test_train_with_every_feature_saves_a_model_that_keeps_them(capsys, tmp_path):
    path = tmp_path / "m.npz"
    code, out, err = run(
        capsys,
        "train",
        *QUICK,
        "--dropout",
        "0.2",
        "--solver",
        "adamw",
        "--weight-decay",
        "0.05",
        "--learning-rate",
        "cosine",
        "--warmup",
        "2",
        "--label-smoothing",
        "0.1",
        "--class-weight",
        "balanced",
        "--activation",
        "gelu",
        "--save",
        path,
    )
    assert code == 0, err
    assert (
        "trained NumpyMLPClassifier(hidden_layer_sizes=16, activation=gelu, solver=adamw, learning_rate=cosine,"
        " max_iter=6, dropout=0.2, class_weight=balanced, label_smoothing=0.1, weight_decay=0.05, warmup=2)"
    ) in out
    model = load_model(path).steps[1][1]
    assert (
        model.dropout,
        model.solver,
        model.weight_decay,
        model.learning_rate,
        model.warmup,
        model.label_smoothing,
        model.class_weight,
        model.activation,
    ) == (0.2, "adamw", 0.05, "cosine", 2, 0.1, "balanced", "gelu")
    code, _, err = run(capsys, "predict", "--model", path, "--dataset", "digits")
    assert code == 0 and "360 predictions for the test part of digits; accuracy 0." in err


def test_per_layer_dropout_class_weight_pairs_rmsprop_and_the_step_schedule(capsys, tmp_path):
    path = tmp_path / "m.npz"
    code, out, err = run(
        capsys,
        "train",
        "--hidden-layer-sizes",
        "16-8",
        "--max-iter",
        "4",
        "--dropout",
        "0.3-0.1",
        "--class-weight",
        "3:2/8:0.5",
        "--solver",
        "rmsprop",
        "--rho",
        "0.9",
        "--learning-rate",
        "step",
        "--step-every",
        "2",
        "--step-factor",
        "0.5",
        "--save",
        path,
    )
    assert code == 0, err
    model = load_model(path).steps[1][1]
    assert model.dropout == (0.3, 0.1) and model.class_weight == {3: 2.0, 8: 0.5} and model.rho == 0.9
    assert (model.step_every, model.step_factor) == (2, 0.5)


def test_train_stops_early_restores_the_best_weights_and_checkpoints_them(capsys, tmp_path):
    checkpoint = tmp_path / "best.npz"
    code, out, err = run(
        capsys,
        "train",
        "--hidden-layer-sizes",
        "32",
        "--max-iter",
        "300",
        "--learning-rate-init",
        "0.05",
        "--n-iter-no-change",
        "inf",
        "--validation-size",
        "0.2",
        "--stop-early-on",
        "val_loss",
        "--patience",
        "3",
        "--restore-best-weights",
        "--checkpoint",
        checkpoint,
        "--reduce-lr-on",
        "loss",
        "--plateau-factor",
        "0.5",
    )
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.startswith("stopped early"))
    stopped, best = (int(w.rstrip(":")) for w in (line.split()[4], line.split()[9]))
    assert stopped == best + 3 and ", its weights kept" in line
    saved = load_model(checkpoint)  # written whenever val_loss improved: the best epoch's model, with its scaler
    assert saved.steps[1][1].model_file_meta_["n_iter_"] == best
    assert sorted(os.listdir(tmp_path)) == ["best.npz"]


def test_train_shows_a_progress_bar_on_stderr(capsys):
    code, out, err = run(capsys, "train", *QUICK, "--progress")
    assert code == 0 and "NumpyMLPClassifier" in err and "6/6" in err and "loss=" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--stop-early-on", "val_loss"],
            "--stop-early-on val_loss: this training records loss, accuracy (the val_"
            " quantities need --validation-size above 0)",
        ),
        (
            ["--reduce-lr-on", "val_r2", "--validation-size", "0.2"],
            "--reduce-lr-on val_r2: this training records loss, accuracy, val_loss, val_accuracy",
        ),
        (["--restore-best-weights"], "--restore-best-weights needs --stop-early-on QUANTITY"),
        (
            ["--task", "regression", "--label-smoothing", "0.1"],
            "--label-smoothing is for classification (a regression's target has no classes)",
        ),
        (
            ["--solver", "lbfgs", "--dropout", "0.3"],
            "dropout needs a stochastic solver (sgd, adam, adamw, rmsprop, nadam)",
        ),
        (["--dropout", "0.1-0.2"], "dropout has 2 rates but the network has 1 hidden layer(s)"),
        (
            ["--learning-rate", "cosine", "--warmup", "6"],
            "the cosine schedule's warmup (6 epochs) must be shorter than max_iter (6)",
        ),
        (
            ["--dropout", "half"],
            "argument --dropout: dropout is a rate in [0, 1), or one per hidden layer joined by '-'",
        ),
        (
            ["--class-weight", "3=2"],
            "argument --class-weight: class weights are 'balanced' or LABEL:WEIGHT pairs joined by '/'",
        ),
        (
            ["--solver", "AdamW"],
            "argument --solver: got 'AdamW': did you mean --solver adamw? (choices are lower case)",
        ),
        (
            ["--learning-rate", "0.1"],
            "did you mean --learning-rate-init 0.1? (--learning-rate is the schedule: constant,"
            " invscaling, adaptive, cosine, step, onecycle)",
        ),
    ],
)
def test_bad_uses_of_the_features_are_one_line_before_training(capsys, argv, message):
    line = one_line(capsys, "train", *QUICK, *argv)
    assert message in line, line


def test_a_checkpoint_may_not_overwrite_an_input_or_the_saved_model(capsys, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a,b,target\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,1,0\n2,3,1\n4,5,0\n6,7,1\n8,9,0\n1,1,1\n")
    before = data.read_bytes()
    line = one_line(capsys, "train", *QUICK, "--csv", data, "--checkpoint", data)
    assert f"--checkpoint {data}" in line and data.read_bytes() == before
    line = one_line(capsys, "train", *QUICK, "--save", tmp_path / "m.npz", "--checkpoint", tmp_path / "m.npz")
    assert f"--checkpoint {tmp_path / 'm.npz'}" in line and "--save" in line
    (tmp_path / "dir.npz").mkdir()
    line = one_line(capsys, "train", *QUICK, "--checkpoint", tmp_path / "dir.npz")
    assert "cannot write the checkpoint file" in line and "it is a directory" in line


def test_a_sweep_takes_the_features_as_parameters(capsys, tmp_path):
    code, out, err = run(
        capsys,
        "sweep",
        "--param",
        "dropout=0,0.2-0.1",
        "--param",
        "solver=nadam,rmsprop",
        "--hidden-layer-sizes",
        "8-4",
        "--max-iter",
        "2",
        "--out",
        tmp_path / "o",
    )
    assert code == 0, err
    assert (tmp_path / "o" / "results.json").exists()
    line = one_line(capsys, "sweep", "--param", "callbacks=x", "--out", tmp_path / "p")
    assert "parameter 'callbacks' takes objects that act during one fit" in line
    line = one_line(capsys, "sweep", "--param", "dropout=0.2,1.5", "--out", tmp_path / "q")
    assert "--param dropout: a dropout rate is a number in [0, 1)" in line
    assert not (tmp_path / "p").exists() and not (tmp_path / "q").exists()


def test_compare_refuses_a_solver_mlpclassifier_lacks(capsys, tmp_path):
    line = one_line(capsys, "compare", "--solver", "nadam", "--seeds", "1", "--out", tmp_path / "o")
    assert "MLPClassifier has no solver 'nadam'; compare needs one both support: lbfgs, sgd, adam" in line


def test_gradcheck_checks_dropout_and_label_smoothing(capsys):
    code, out, _ = run(capsys, "gradcheck", "--dropout", "0.4", "--label-smoothing", "0.1")
    assert code == 0 and "dropout 0.4 (masks held fixed), label smoothing 0.1" in out
    rows = [line.split() for line in out.splitlines()[2:-1]]
    assert len(rows) >= 8 and all(row[-1] == "ok" and float(row[1]) < 1e-5 for row in rows), out
    line = one_line(capsys, "gradcheck", "--dropout", "1")
    assert "--dropout must be a number in [0, 1), got 1.0" in line
