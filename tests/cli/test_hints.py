"""scikit-learn's names used the way a newcomer would: each refused in one line that points to what was meant."""

import pytest

from digitnet.cli import main
from digitnet.errors import UsageError
from digitnet.experiments.params import check_params

SCHEDULE = "(--learning-rate is the schedule: constant, invscaling, adaptive, cosine, step, onecycle)"


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["train", "--learning-rate", "0.1"],
            f"argument --learning-rate: got '0.1': did you mean --learning-rate-init 0.1? {SCHEDULE}",
        ),
        (["train", "--learning-rate", "1e-3"], f"did you mean --learning-rate-init 1e-3? {SCHEDULE}"),
        (
            ["compare", "--learning-rate-init", "adaptive", "--out", "{tmp}/o"],
            "argument --learning-rate-init: got 'adaptive': did you mean --learning-rate adaptive? (--learning-rate-init is"
            " the initial step size, a number)",
        ),
        (
            ["train", "--activation", "sigmoid"],
            "argument --activation: got 'sigmoid': did you mean --activation logistic? (scikit-learn's name for the sigmoid)",
        ),
        (["train", "--activation", "softmax"], "softmax is the output layer's activation, which the estimator chooses"),
        (
            ["sweep", "--solver", "SGD", "--param", "max_iter=2", "--out", "{tmp}/o"],
            "argument --solver: got 'SGD': did you mean --solver sgd? (choices are lower case)",
        ),
        (
            ["sweep", "--param", "learning_rate=0.1", "--out", "{tmp}/o"],
            "--param learning_rate=0.1: The 'learning_rate' parameter of NumpyMLPClassifier must be a str among",
        ),
        (
            ["sweep", "--param", "learning_rate=constant,0.1", "--out", "{tmp}/o"],
            "did you mean learning_rate_init=0.1? (learning_rate is the schedule: constant, invscaling, adaptive, cosine,"
            " step, onecycle)",
        ),
        (
            ["sweep", "--param", "learning_rate_init=0.1,adaptive", "--out", "{tmp}/o"],
            "--param learning_rate_init: expected a number, got 'adaptive'; did you mean learning_rate=adaptive?"
            " (learning_rate_init is the initial step size, a number)",
        ),
        (
            ["sweep", "--param", "activation=relu,sigmoid", "--out", "{tmp}/o"],
            "did you mean activation=logistic? (scikit-learn's name for the sigmoid)",
        ),
        (
            ["train", "--lr", "0.1"],
            "unrecognized arguments: --lr 0.1; did you mean --learning-rate-init? (see 'digitnet train --help')",
        ),
        (["train", "--epochs", "3"], "unrecognized arguments: --epochs 3; did you mean --max-iter?"),
        (
            ["sweep", "--learning_rate_init", "0.1", "--param", "max_iter=2", "--out", "{tmp}/o"],
            "unrecognized arguments: --learning_rate_init 0.1; did you mean --learning-rate-init? (see 'digitnet sweep"
            " --help')",
        ),
    ],
)
def test_a_scikit_learn_name_used_wrongly_gets_a_pointer_in_one_line(capsys, tmp_path, argv, message):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert out == "" and len(lines) == 1 and lines[0].startswith("digitnet: error: ") and message in lines[0], err
    assert not (tmp_path / "o").exists()  # refused before anything was made


def test_no_pointer_where_there_is_nothing_to_point_to(capsys, tmp_path):
    assert main(["results", str(tmp_path), "--lr", "3"]) == 2  # results has no option like it
    assert capsys.readouterr().err.strip() == (
        "digitnet: error: unrecognized arguments: --lr 3 (see 'digitnet results --help')"
    )
    # right values pass: the schedule as a word, the rate as a number
    assert (
        main(
            [
                "train",
                "--learning-rate",
                "adaptive",
                "--solver",
                "sgd",
                "--learning-rate-init",
                "0.1",
                "--activation",
                "logistic",
                "--hidden-layer-sizes",
                "4",
                "--max-iter",
                "2",
            ]
        )
        == 0
    )
    assert "test accuracy" in capsys.readouterr().out


def test_the_python_api_gives_the_same_pointer():
    with pytest.raises(
        UsageError,
        match=r"Got 0\.1 instead; did you mean learning_rate_init=0\.1\? \(learning_rate"
        r" is the schedule: constant, invscaling, adaptive, cosine, step, onecycle\)$",
    ):
        check_params({"learning_rate": 0.1})
    assert check_params({"learning_rate": "invscaling", "learning_rate_init": 0.1}) == {
        "learning_rate": "invscaling",
        "learning_rate_init": 0.1,
    }
