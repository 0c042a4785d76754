"""train and predict with files that used to go wrong in silence: values that overflow a regression, a target far
from standardised (--scale-target, or a hint), the rows a model was trained on, models of several outputs."""

import io
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.pipeline import Pipeline

from digitnet import NumpyMLPClassifier, NumpyMLPRegressor
from digitnet.cli import main
from digitnet.data import load_split
from digitnet.model_file import load_model, save_model

QUICK = ["--hidden-layer-sizes", "8", "--max-iter", "3"]


def run(capsys, *argv):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the fits here are short on purpose
        code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def usage_error(capsys, *argv):
    """The one line of a refused command (exit status 2, nothing else on stderr: no warning, no traceback)."""
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("digitnet: error: "), err
    return lines[0]


# ---------------------------------------------------------------------------------------------- overflow


@pytest.fixture
def regression_rows():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    return pd.DataFrame(X, columns=["a", "b", "c"]).assign(price=2 * X[:, 0] + 0.1 * rng.normal(size=100))


def test_a_regression_with_a_value_of_1e308_is_one_line_naming_the_column(capsys, tmp_path, regression_rows):
    """It printed 'R2 nan RMSE inf' and warnings (a target of 1e308), or 'Input X contains NaN' (a feature of
    ±1e308 in half the rows) though the file holds no NaN."""
    target = regression_rows.copy()
    target.loc[7, "price"] = 1e308
    target.to_csv(tmp_path / "target.csv", index=False)
    line = usage_error(capsys, "train", "--csv", tmp_path / "target.csv", "--task", "regression", *QUICK)
    assert line.endswith(
        "target.csv: column 'price' has 1e+308 on line 9: values beyond ±1e+100 are refused, as their"
        " squares (to standardise the column, or in a squared error) overflow float64; rescale the"
        " column (divide it by a power of ten)"
    )
    feature = regression_rows.copy()
    feature.loc[::2, "b"] = 1e308
    feature.loc[1::4, "b"] = -1e308
    feature.to_csv(tmp_path / "feature.csv", index=False)
    line = usage_error(capsys, "train", "--csv", tmp_path / "feature.csv", "--task", "regression", *QUICK)
    assert "feature.csv: column 'b' has 1e+308 on line 2: values beyond ±1e+100 are refused" in line


def test_a_target_float32_cannot_square_is_one_line(capsys, tmp_path, regression_rows):
    regression_rows.assign(price=regression_rows.price * 1e20).to_csv(tmp_path / "big.csv", index=False)
    line = usage_error(
        capsys, "train", "--csv", tmp_path / "big.csv", "--task", "regression", "--dtype", "float32", *QUICK
    )
    assert "with --dtype float32 the squares of values beyond ±1e+15 overflow; give --scale-target" in line
    code, out, err = run(
        capsys,
        "train",
        "--csv",
        tmp_path / "big.csv",
        "--task",
        "regression",
        "--dtype",
        "float32",
        "--scale-target",
        *QUICK,
    )
    assert code == 0 and "test R2 " in out and "nan" not in out and "warning" not in err


def test_true_values_a_regressor_cannot_score_are_one_line(capsys, tmp_path, regression_rows):
    regression_rows.to_csv(tmp_path / "prices.csv", index=False)
    assert (
        run(
            capsys,
            "train",
            "--csv",
            tmp_path / "prices.csv",
            "--task",
            "regression",
            *QUICK,
            "--save",
            tmp_path / "m.npz",
        )[0]
        == 0
    )
    table = regression_rows.astype({"price": object})
    table.loc[3, "price"] = "1e999"
    table.to_csv(tmp_path / "new.csv", index=False)
    line = usage_error(capsys, "predict", "--model", tmp_path / "m.npz", "--csv", tmp_path / "new.csv")
    assert (
        "the true values in" in line
        and "include '1e999' (row 4): a regressor's target must be a finite number within ±1e+100" in line
    )


# ---------------------------------------------------------------------------------------------- scaling the target


@pytest.fixture(scope="module")
def wine_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("wine") / "wine.csv"
    load_wine(as_frame=True).frame.to_csv(path, index=False)
    return path


def test_a_target_far_from_standardised_gets_a_hint_and_scale_target_fits_it(capsys, tmp_path, wine_csv):
    """Wine's alcohol (mean 13, std 0.8): R2 -12.6 with no word of why. Now a hint names --scale-target, which
    standardises the target as TransformedTargetRegressor(transformer=StandardScaler()) does, and the model file
    keeps the scaling."""
    argv = ["train", "--csv", wine_csv, "--target", "alcohol", "--task", "regression"]
    code, out, err = run(capsys, *argv)
    assert code == 0 and "test R2 -12.6187" in out
    assert err.strip() == (
        "digitnet: hint: the target 'alcohol' has mean 12.98 and standard deviation 0.8172 in the"
        " training rows; the network's output starts near 0 with a spread near 1, so it learns"
        " such a target slowly, if at all: --scale-target standardises it for training and puts"
        " predictions back in its units (as scikit-learn's TransformedTargetRegressor with a"
        " StandardScaler)"
    )
    code, out, err = run(capsys, *argv, "--scale-target", "--save", tmp_path / "alcohol.npz")
    assert code == 0 and err == "" and "(of the standardised target)" in out
    split = load_split(path=str(wine_csv), target="alcohol", task="regression")
    from sklearn.preprocessing import StandardScaler

    direct = TransformedTargetRegressor(NumpyMLPRegressor(random_state=0), transformer=StandardScaler())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        direct.fit(split.X_train, split.y_train)
    r2 = r2_score(split.y_test, direct.predict(split.X_test))
    assert r2 > 0.5 and f"test R2 {r2:.4f}" in out  # the same model as scikit-learn's wrapper around ours
    loaded = load_model(tmp_path / "alcohol.npz")
    assert isinstance(loaded, TransformedTargetRegressor)
    np.testing.assert_allclose(loaded.predict(split.X_test_raw), direct.predict(split.X_test), rtol=1e-12)
    code, out, err = run(capsys, "predict", "--model", tmp_path / "alcohol.npz", "--csv", wine_csv)
    table = pd.read_csv(io.StringIO(out))
    assert code == 0 and 11 < table.prediction.mean() < 15  # in the target's units, not standardised ones


def test_scale_target_is_for_a_regression(capsys):
    line = usage_error(capsys, "train", "--dataset", "iris", "--scale-target", *QUICK)
    assert line.endswith(
        "--scale-target standardises a regression's numeric target; give --task regression (class"
        " labels are not scaled)"
    )


# ---------------------------------------------------------------------------------------------- training rows


def test_predict_says_which_rows_the_model_was_trained_on(capsys, tmp_path):
    """predict on the CSV the model was trained on reported 99.4% without a word: now it counts the training rows
    among them (the model file keeps their fingerprint), whatever the order of rows and columns."""
    assert run(capsys, "train", *QUICK, "--save", tmp_path / "m.npz")[0] == 0  # digits' standard split
    split = load_split("digits")
    frame = pd.DataFrame(np.vstack([split.X_train_raw, split.X_test_raw]), columns=split.feature_names)
    frame.assign(target=np.concatenate([split.y_train, split.y_test])).to_csv(tmp_path / "digits.csv", index=False)
    code, out, err = run(capsys, "predict", "--model", tmp_path / "m.npz", "--csv", tmp_path / "digits.csv")
    assert code == 0 and err.strip().endswith(
        "; 1437 of these 1797 rows were used for training the model: a score on them says little about new data"
    )
    shuffled = frame.iloc[::-1, ::-1].astype(int)  # rows and columns reversed, the numbers written as integers
    shuffled.to_csv(tmp_path / "shuffled.csv", index=False)
    code, out, err = run(capsys, "predict", "--model", tmp_path / "m.npz", "--csv", tmp_path / "shuffled.csv")
    assert code == 0 and "; 1437 of these 1797 rows were used for training the model" in err
    code, out, err = run(capsys, "predict", "--model", tmp_path / "m.npz", "--dataset", "digits")
    assert code == 0 and "rows were used for training" not in err  # the test part: none of them
    code, out, err = run(capsys, "predict", "--model", tmp_path / "m.npz", "--dataset", "digits", "--split-seed", "7")
    assert code == 0 and "of these 360 rows were used for training the model" in err  # another split's test part


# ---------------------------------------------------------------------------------------------- several outputs


def test_a_multilabel_classifier_and_a_multi_output_regressor_predict_from_the_command(capsys, tmp_path):
    """save_model wrote multilabel classifiers that load_model refused, and multi-output regressors that predict
    crashed on: both now predict, one column per output."""
    split = load_split("digits")
    Y = np.column_stack([split.y_train % 2, split.y_train > 5, split.y_train == 0]).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        labels = NumpyMLPClassifier(hidden_layer_sizes=(16,), max_iter=30, random_state=0).fit(split.X_train, Y)
        values = NumpyMLPRegressor(hidden_layer_sizes=(16,), max_iter=30, random_state=0).fit(split.X_train, Y * 1.0)
    pd.DataFrame(split.X_test_raw, columns=split.feature_names).to_csv(tmp_path / "new.csv", index=False)
    for name, model in (("labels", labels), ("values", values)):
        save_model(
            Pipeline([("scaler", split.scaler), ("mlp", model)]),
            tmp_path / f"{name}.npz",
            feature_names=split.feature_names,
        )
        code, out, err = run(capsys, "predict", "--model", tmp_path / f"{name}.npz", "--csv", tmp_path / "new.csv")
        assert code == 0, err
        table = pd.read_csv(io.StringIO(out))
        predictions = ["prediction_0", "prediction_1", "prediction_2"]
        assert list(table.columns) == predictions + ([f"probability_{j}" for j in range(3)] if name == "labels" else [])
        np.testing.assert_allclose(table[predictions], model.predict(split.X_test), rtol=1e-5, atol=1e-6)
        line = usage_error(capsys, "predict", "--model", tmp_path / f"{name}.npz", "--dataset", "digits")
        assert "the model predicts 3 outputs per row, but the test part of digits gives one true value per row" in line
