"""DigitsClassifier on the command line: ``train --members/--augment-copies/--tta/--scaling ...`` fits one on the raw
pixels and saves it; ``predict`` reads it (``--dataset``, ``--csv``, ``--image``, ``--tta``); every misuse is one
line with exit status 2, before any training (real files)."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from digitnet import DigitsClassifier
from digitnet.cli import main
from digitnet.data import load_split
from digitnet.model_file import load_model

QUICK = ["--hidden-layer-sizes", "16", "--max-iter", "6", "--learning-rate-init", "0.01"]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(capsys, *argv):
    code, out, err = run(capsys, *argv)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("digitnet: error: "), (out, err)
    return lines[0]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A DigitsClassifier trained and saved by ``digitnet train`` (two members, jittered copies, TTA)."""
    path = tmp_path_factory.mktemp("digits") / "ensemble.npz"
    code = main(
        [
            "train",
            *QUICK,
            "--members",
            "2",
            "--augment-copies",
            "1",
            "--tta",
            "2",
            "--rotation",
            "8",
            "--scaling",
            "standard",
            "--jobs",
            "2",
            "--seed",
            "3",
            "--save",
            str(path),
        ]
    )
    assert code == 0
    return path


def test_train_fits_a_digits_classifier_on_the_raw_pixels_and_saves_it(trained, capsys):
    model = load_model(trained)
    assert isinstance(model, DigitsClassifier)
    assert (
        model.n_members,
        model.augment_copies,
        model.tta,
        model.rotation,
        model.scaling,
        model.random_state,
        model.hidden_layer_sizes,
        model.max_iter,
    ) == (2, 1, 2, 8.0, "standard", 3, (16,), 6)
    split = load_split("digits")
    expected = model.score(split.X_test_raw, split.y_test)
    code, _, err = run(capsys, "predict", "--model", trained, "--dataset", "digits")
    assert code == 0 and f"360 predictions for the test part of digits; accuracy {expected:.4f}" in err
    # the same numbers as the library's, trained in one process
    same = DigitsClassifier(
        16,
        n_members=2,
        augment_copies=1,
        tta=2,
        rotation=8.0,
        scaling="standard",
        max_iter=6,
        learning_rate_init=0.01,
        random_state=3,
    ).fit(split.X_train_raw, split.y_train)
    np.testing.assert_array_equal(same.predict_proba(split.X_test_raw), model.predict_proba(split.X_test_raw))


def test_train_prints_what_it_trained(capsys, tmp_path):
    code, out, err = run(capsys, "train", *QUICK, "--members", "2", "--augment-copies", "1")
    assert code == 0, err
    assert (
        "trained DigitsClassifier(n_members=2, augment_copies=1, hidden_layer_sizes=16, learning_rate_init=0.01,"
        " max_iter=6) in "
        in out
        and ": 2 members, 6 epochs (not converged: max_iter reached)" in out
    )
    assert "test accuracy 0." in out


def test_jobs_beyond_the_members_or_the_cores_are_capped_and_said(capsys):
    code, out, err = run(capsys, "train", *QUICK, "--members", "2", "--jobs", "64")
    assert code == 0, err
    assert "--jobs 64: using" in out and "(2 members to run" in out


def test_predict_tta_changes_the_models_test_time_copies(trained, capsys, tmp_path):
    split = load_split("digits")
    model = load_model(trained).set_params(tta=5)
    expected = model.score(split.X_test_raw, split.y_test)
    code, out, err = run(
        capsys, "predict", "--model", trained, "--dataset", "digits", "--tta", "5", "--out", tmp_path / "p.csv"
    )
    assert code == 0 and f"360 predictions for the test part of digits; accuracy {expected:.4f}" in out, err
    assert expected != load_model(trained).score(split.X_test_raw, split.y_test)  # not the model's own tta=2


def test_predict_reads_a_drawn_digit_and_a_csv_of_raw_pixels(trained, capsys, tmp_path):
    picture = Image.new("L", (120, 120), 255)
    ImageDraw.Draw(picture).line([(60, 15), (60, 105)], fill=0, width=14)  # a one
    picture.save(tmp_path / "one.png")
    code, out, err = run(capsys, "predict", "--model", trained, "--image", tmp_path / "one.png")
    assert code == 0 and out.splitlines()[0].startswith("prediction,probability_0")
    split = load_split("digits")
    header = ",".join(split.feature_names)
    rows = "\n".join(",".join(str(int(v)) for v in row) for row in split.X_test_raw[:20])
    (tmp_path / "rows.csv").write_text(header + "\n" + rows + "\n")
    code, out, err = run(capsys, "predict", "--model", trained, "--csv", tmp_path / "rows.csv")
    assert code == 0 and "20 predictions for" in err and "far outside" not in err


@pytest.mark.parametrize(
    "argv, expected",
    [
        (
            ["--members", "2", "--stop-early-on", "loss"],
            "--stop-early-on acts on one network's training; a DigitsClassifier's members train apart",
        ),
        (["--members", "2", "--progress"], "--progress acts on one network's training"),
        (["--zoom", "1.5"], "--zoom 1.5: it must be a float in the range [0.0, 1.0)"),
        (["--rotation", "-3"], "--rotation -3.0: it must be a float in the range [0.0, 180.0]"),
        (["--shift", "nan"], "--shift nan: it must be a float in the range [0.0, inf)"),
        (["--members", "0"], "argument --members: the number of members must be at least 1, got 0"),
        (["--tta", "-1"], "argument --tta: the number of test-time copies must be at least 0, got -1"),
        (["--scaling", "none"], "argument --scaling: invalid choice: 'none' (choose from 'standard', 'max')"),
        (["--jobs", "2"], "--jobs trains a DigitsClassifier's members on worker processes; give --members"),
        (
            ["--augment-copies", "2", "--task", "regression"],
            "--augment-copies is a DigitsClassifier option, which classifies; a regression trains NumpyMLPRegressor",
        ),
        (
            ["--augment-copies", "2", "--dataset", "iris"],
            "--augment-copies and --tta jitter images: DigitJitter takes rows"
            " of 8 x 8 = 64 pixels (image_shape=(8, 8)), got 4 features",
        ),
        (
            ["--augment-copies", "1", "--solver", "lbfgs"],
            "training failed: augment draws new copies every epoch, which needs a stochastic solver",
        ),
    ],
)
def test_misuse_is_one_line(capsys, argv, expected):
    assert expected in one_line(capsys, "train", *QUICK, *argv)


def test_predict_tta_needs_a_digits_classifier(capsys, tmp_path):
    path = tmp_path / "one.npz"
    assert main(["train", *QUICK, "--save", str(path)]) == 0
    capsys.readouterr()
    line = one_line(capsys, "predict", "--model", path, "--dataset", "digits", "--tta", "4")
    assert f"--tta jitters the images a DigitsClassifier predicts; model {path} is a Pipeline" in line
