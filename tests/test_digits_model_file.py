"""A DigitsClassifier's model file: saved and loaded back as it was (members, scaler, parameters, TTA); every field
tampered with is refused in one line naming the file; nothing is pickled."""

import json
import warnings
import zipfile

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from digitnet import DigitsClassifier
from digitnet.data import MaxScaler
from digitnet.errors import UsageError
from digitnet.model_file import load_model, save_model


@pytest.fixture(scope="module")
def data():
    X, y = load_digits(return_X_y=True)
    return X[:300], y[:300], X[300:400]


def fit(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return DigitsClassifier(**{"hidden_layer_sizes": (12, 8), "max_iter": 5, "random_state": 0, **params}).fit(X, y)


@pytest.fixture(scope="module")
def saved(data, tmp_path_factory):
    X, y, _ = data
    model = fit(X, y, n_members=3, augment_copies=1, tta=2, dropout=(0.1, 0.0), class_weight={3: 2.0}, elastic=0.3)
    path = tmp_path_factory.mktemp("digits") / "model.npz"
    save_model(model, path, training_rows=X, feature_names=[f"pixel_{i}" for i in range(64)])
    return model, path


@pytest.mark.parametrize(
    "params",
    [
        dict(scaling="standard", n_members=2),
        dict(scaling="max", tta=3),
        dict(solver="sgd", learning_rate="cosine", warmup=1, label_smoothing=0.1),
    ],
)
def test_a_saved_model_is_loaded_back_as_it_was(data, tmp_path, params):
    X, y, X_new = data
    model = fit(X, y, **params)
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert type(loaded) is DigitsClassifier and loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(X_new), model.predict_proba(X_new))
    np.testing.assert_array_equal(loaded.predict(X_new), model.predict(X_new))
    assert loaded.member_seeds_ == model.member_seeds_ and list(loaded.n_iter_) == list(model.n_iter_)
    assert type(loaded.scaler_) is type(model.scaler_)
    with zipfile.ZipFile(tmp_path / "m.npz") as archive:  # plain arrays: nothing pickled
        assert all(not info.filename.endswith(".pkl") for info in archive.infolist())
    np.load(tmp_path / "m.npz", allow_pickle=False)["meta"]


def test_every_parameter_and_member_comes_back(saved, data):
    model, path = saved
    _, _, X_new = data
    loaded = load_model(path)
    assert loaded.get_params() == model.get_params()
    assert (loaded.dropout, loaded.class_weight, loaded.image_shape, loaded.elastic) == (
        (0.1, 0.0),
        {3: 2.0},
        (8, 8),
        0.3,
    )
    for ours, theirs in zip(loaded.estimators_, model.estimators_):
        assert all(
            np.array_equal(a, b) for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_)
        )
        assert ours.get_params() == theirs.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(X_new), model.predict_proba(X_new))  # tta=2, same copies
    assert loaded.model_file_meta_["estimator"] == "DigitsClassifier"


def test_string_labels_and_a_float32_model(data, tmp_path):
    X, y, X_new = data
    labels = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])[y]
    model = fit(X.astype(np.float32), labels, n_members=2)
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert list(loaded.classes_) == sorted(set(labels))
    np.testing.assert_array_equal(loaded.predict(X_new.astype(np.float32)), model.predict(X_new.astype(np.float32)))


def test_an_unfitted_model_is_refused(tmp_path):
    with pytest.raises(ValueError, match="save_model needs a fitted model"):
        save_model(DigitsClassifier(), tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()


# ---------------------------------------------------------------------------------------------- tampering


def _arrays(path):
    with np.load(path) as archive:
        return dict(archive)


def _tampered(path, tmp_path, change_meta=None, change_arrays=None):
    arrays = _arrays(path)
    meta = json.loads(str(arrays["meta"]))
    if change_meta:
        change_meta(meta)
    if change_arrays:
        change_arrays(arrays)
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "bad.npz", **arrays)
    return tmp_path / "bad.npz"


def _refused(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UsageError) as info:
            load_model(path)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message and len(message) < 400
    return message


def _set(key, value):
    return lambda meta: meta.__setitem__(key, value)


def _set_param(key, value):
    return lambda meta: meta["params"].__setitem__(key, value)


@pytest.mark.parametrize(
    "change, expected",
    [
        (_set_param("n_members", 4), "the model metadata's 'member_seeds' is missing or invalid ([209652396,"),
        (_set("member_seeds", [1, 2]), "the model metadata's 'member_seeds' is missing or invalid ([1, 2])"),
        (_set("member_seeds", [1, 2, -3]), "'member_seeds' is missing or invalid"),
        (_set("n_iter_", [5, 5]), "the model metadata's 'n_iter_' is missing or invalid ([5, 5])"),
        (_set("n_features_in_", 63), "the model metadata's 'n_features_in_' is missing or invalid (63)"),
        (_set("y_type", "multilabel-indicator"), "the model metadata's 'y_type' is missing or invalid"),
        (
            _set("out_activation_", "logistic"),
            "the model metadata's 'out_activation_' is missing or invalid ('logistic')",
        ),
        (_set("feature_names", ["a"] * 64), "the model metadata's 'feature_names' is missing or invalid"),
        (_set("not_stored", {"callbacks": "ProgressBar"}), "the model metadata's 'not_stored' is missing or invalid"),
        (_set("params", []), "the model metadata's 'params' is missing or invalid ([])"),
        (
            _set_param("zoom", 2.0),
            "invalid parameters in the metadata: The 'zoom' parameter of DigitsClassifier must be",
        ),
        (
            _set_param("shuffle", "yes"),
            "invalid parameters in the metadata: The 'shuffle' parameter of DigitsClassifier",
        ),
        (
            _set_param("colour", "blue"),
            "invalid parameters in the metadata: DigitsClassifier.__init__() got an unexpected",
        ),
        (_set_param("image_shape", [4, 4]), "invalid parameters in the metadata: DigitJitter takes rows of 4 x 4 = 16"),
        (
            _set_param("hidden_layer_sizes", [12, 9]),
            "hidden_layer_sizes [12, 9] in the metadata does not match the stored weights [12, 8]",
        ),
        (_set_param("activation", "swish"), "the activation 'swish' is not registered in this process"),
        (_set_param("solver", "lbfgs"), "invalid parameters in the metadata: dropout needs a stochastic solver"),
        (_set("estimator", ["DigitsClassifier"]), "the model metadata's 'estimator' is missing or invalid"),
    ],
)
def test_tampered_metadata_is_refused(saved, tmp_path, change, expected):
    _, path = saved
    assert expected in _refused(_tampered(path, tmp_path, change_meta=change))


def _drop(name):
    return lambda arrays: arrays.pop(name)


def _put(name, value):
    return lambda arrays: arrays.__setitem__(name, value)


@pytest.mark.parametrize(
    "change, expected",
    [
        (_drop("member2_coefs_1"), "missing array 'member2_coefs_1' for a network of layer sizes [64, 12, 8, 10]"),
        (
            _put("member3_coefs_0", np.zeros((64, 12))),
            "arrays member3_coefs_0 do not belong to a DigitsClassifier of 3 member(s) of 3 layer(s)",
        ),
        (_put("coefs_0", np.zeros((64, 12))), "arrays coefs_0 do not belong to a DigitsClassifier"),
        (
            _put("member0_coefs_0", np.zeros((64, 11))),
            "member0_coefs_0 has shape (64, 11) and dtype float64, but the model"
            " needs an array of shape (64, 12) of floats",
        ),
        (_put("member1_intercepts_2", np.full(10, np.nan)), "member1_intercepts_2 holds non-finite values"),
        (_drop("scaler_mean"), "has only one of scaler_mean / scaler_scale"),
        (lambda a: (a.pop("scaler_mean"), a.pop("scaler_scale")), "missing the scaling of the raw pixels"),
        (_put("scaler_mean", np.ones(64)), "its scaler is not scaling='max' (every mean 0, one scale for every pixel)"),
        (_put("scaler_scale", np.linspace(1, 16, 64)), "its scaler is not scaling='max'"),
        (_put("scaler_scale", np.zeros(64)), "the scaler has a scale that is not positive"),
        (_put("classes", np.arange(9)), "9 classes do not fit an output layer of 10 unit(s)"),
        (_put("input_min", np.full(64, 5.0)), "an input range's minimum is above its maximum"),
        (_drop("training_rows"), "the training rows' fingerprint and its count come together"),
        (_put("classes", np.array([object()] * 10, dtype=object)), "holds pickled Python objects; refusing to load it"),
    ],
)
def test_tampered_arrays_are_refused(saved, tmp_path, change, expected):
    _, path = saved
    assert expected in _refused(_tampered(path, tmp_path, change_arrays=change))


def test_a_max_scaler_is_rebuilt_as_one(saved):
    _, path = saved
    assert type(load_model(path).scaler_) is MaxScaler
