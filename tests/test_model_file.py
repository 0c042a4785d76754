"""Model files: round trips, and a one-line error for every kind of bad file; nothing is ever unpickled."""

import json
import os
import subprocess
import sys
import warnings
import zipfile

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline

from digitnet import NumpyMLPClassifier, NumpyMLPRegressor
from digitnet.data import load_split
from digitnet.errors import UsageError
from digitnet.model_file import load_model, save_model


def _fit(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return NumpyMLPClassifier(**{"hidden_layer_sizes": (8, 5), "max_iter": 5, "random_state": 0, **params}).fit(
            X, y
        )


@pytest.fixture(scope="module")
def fitted(small_digits):
    return _fit(*small_digits)


def test_round_trip_gives_the_same_predictions(fitted, small_digits, tmp_path):
    X, _ = small_digits
    path = tmp_path / "model.npz"
    save_model(fitted, path, feature_names=[f"f{i}" for i in range(64)], extra={"dataset": "digits"})
    loaded = load_model(path)
    assert isinstance(loaded, NumpyMLPClassifier)
    np.testing.assert_array_equal(loaded.predict(X), fitted.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    assert loaded.get_params() == {**fitted.get_params(), "hidden_layer_sizes": (8, 5)}
    assert loaded.model_file_meta_["feature_names"][3] == "f3"
    assert loaded.model_file_meta_["extra"] == {"dataset": "digits"}


def test_round_trip_with_scaler_string_labels_and_binary_output(tmp_path):
    split = load_split("breast_cancer")
    y = np.where(split.y_train == 1, "benign", "malignant")
    model = _fit(split.X_train, y, activation="elu", n_iter_no_change=np.inf)
    assert model.coefs_[-1].shape[1] == 1  # two classes: one logistic unit
    pipeline = Pipeline([("scaler", split.scaler), ("mlp", model)])
    save_model(pipeline, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert isinstance(loaded, Pipeline)
    np.testing.assert_array_equal(loaded.predict(split.X_test_raw), model.predict(split.X_test))
    np.testing.assert_allclose(loaded.predict_proba(split.X_test_raw), model.predict_proba(split.X_test), rtol=1e-12)
    assert list(loaded.classes_) == ["benign", "malignant"]


def _error(path):
    with pytest.raises(UsageError) as info:
        load_model(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    return message


def test_missing_empty_and_foreign_files(tmp_path):
    assert "does not exist" in _error(tmp_path / "nope.npz")
    (tmp_path / "empty.npz").write_bytes(b"")
    assert "it is empty" in _error(tmp_path / "empty.npz")
    (tmp_path / "text.npz").write_text("hello, I am not a model")
    assert "not an .npz archive" in _error(tmp_path / "text.npz")
    np.save(tmp_path / "array.npy", np.arange(3))
    assert "not an .npz archive" in _error(tmp_path / "array.npy")
    np.savez(tmp_path / "other.npz", x=np.arange(3))
    assert "no 'meta' entry" in _error(tmp_path / "other.npz")
    assert "is a directory" in _error(tmp_path)


def test_truncated_file(fitted, tmp_path):
    path = tmp_path / "model.npz"
    save_model(fitted, path)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 10):
        (tmp_path / "cut.npz").write_bytes(data[:cut])
        assert "truncated or corrupt" in _error(tmp_path / "cut.npz")


def test_pickled_objects_are_refused_never_loaded(fitted, tmp_path):
    path = tmp_path / "model.npz"
    save_model(fitted, path)
    with np.load(path) as archive:
        arrays = dict(archive)
    arrays["classes"] = np.array([object()] * 10, dtype=object)  # an object array is stored pickled
    np.savez(tmp_path / "evil.npz", **arrays)
    assert "pickled Python objects; refusing to load it" in _error(tmp_path / "evil.npz")


def _tampered(fitted, tmp_path, change):
    path = tmp_path / "model.npz"
    save_model(fitted, path)
    with np.load(path) as archive:
        arrays = dict(archive)
    change(arrays)
    np.savez(tmp_path / "bad.npz", **arrays)
    return tmp_path / "bad.npz"


def _meta(change):
    def apply(arrays):
        meta = json.loads(str(arrays["meta"]))
        change(meta)
        arrays["meta"] = np.array(json.dumps(meta))

    return apply


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda a: a.update(coefs_1=np.zeros((8, 7))), "coefs_1 has shape (8, 7)"),
        (lambda a: a.pop("intercepts_2"), "missing array 'intercepts_2'"),
        (lambda a: a.update(coefs_3=np.zeros((10, 2))), "coefs_3 do not belong"),
        (lambda a: a.update(meta=np.array("{not json")), "not JSON"),
        (_meta(lambda m: m.update(layer_sizes=[64, 16, 10])), "coefs_0 has shape (64, 8)"),
        (_meta(lambda m: m["params"].update(hidden_layer_sizes=[8, 6])), "does not match the stored weights"),
        (_meta(lambda m: m.update(format="something-else")), "has no format 'digitnet-model'"),
        (_meta(lambda m: m.update(version=99)), "format version 99"),
        (_meta(lambda m: m["params"].update(activation="swish")), "invalid parameters in the metadata"),
        (lambda a: a.update(classes=np.arange(4)), "4 classes do not fit an output layer of 10 unit(s)"),
        (lambda a: a.update(coefs_0=np.full((64, 8), np.nan)), "non-finite"),
    ],
)
def test_model_from_another_architecture_or_tampered(fitted, tmp_path, change, message):
    assert message in _error(_tampered(fitted, tmp_path, change))


def test_saved_model_is_a_regular_readable_file(fitted, tmp_path):
    path = tmp_path / "model.npz"
    save_model(fitted, path)
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)  # the temporary file it was written to was private


def test_saving_is_atomic(fitted, tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    save_model(fitted, path)
    before = path.read_bytes()

    def broken_savez(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError):
        save_model(fitted, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]


@pytest.mark.parametrize(
    "change, message",
    [
        (_meta(lambda m: m.update(out_activation_="logistic")), "out_activation_ 'logistic' does not fit a multiclass"),
        (_meta(lambda m: m.update(out_activation_="identity")), "'out_activation_' is missing or invalid"),
        (lambda a: a.update(classes=np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 8])), "class labels are not unique"),
        (
            _meta(lambda m: m["params"].update(hidden_layer_sizes=[8.0, 5])),
            "hidden_layer_sizes [8.0, 5] in the metadata",
        ),
        (_meta(lambda m: m.update(layer_sizes=[64, 8.5, 5, 10])), "'layer_sizes' is missing or invalid"),
        (_meta(lambda m: m.update(n_iter_=-3)), "'n_iter_' is missing or invalid"),
        (_meta(lambda m: m.update(n_iter_="many")), "'n_iter_' is missing or invalid"),
        (_meta(lambda m: m.update(feature_names=["a"] * 64)), "'feature_names' is missing or invalid"),
        (_meta(lambda m: m.update(feature_names=["a", "b"])), "names 2 features for a model of 64 inputs"),
        (lambda a: a.update(scaler_mean=np.zeros(64), scaler_scale=np.zeros(64)), "scale that is not positive"),
        (lambda a: a.update(scaler_mean=np.full(64, np.inf), scaler_scale=np.ones(64)), "scaler holds non-finite"),
        (lambda a: a.update(input_min=np.ones(64), input_max=np.zeros(64)), "minimum is above its maximum"),
        (lambda a: a.update(notes=np.arange(3)), "holds arrays no model has (notes)"),
    ],
)
def test_every_metadata_field_is_checked(fitted, tmp_path, change, message):
    assert message in _error(_tampered(fitted, tmp_path, change))


def _rewritten(path, target, member, payload, compress=zipfile.ZIP_STORED):
    """A copy of model file ``path`` with one member (an .npy file's raw bytes) added or replaced."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", compress) as out:
        for info in source.infolist():
            if info.filename != member:
                out.writestr(info, source.read(info))
        with out.open(member, "w", force_zip64=True) as f:
            payload(f)
    return target


def test_a_member_declaring_a_huge_shape_is_refused_before_reading(fitted, tmp_path):
    path = tmp_path / "model.npz"
    save_model(fitted, path)

    def huge(f):  # a header promising 10^13 floats (80 TB), and no data
        np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False, "shape": (10**13,)})

    bad = _rewritten(path, tmp_path / "huge.npz", "classes.npy", huge)
    assert "classes declares 74505.8 GiB of data, more than a model may hold here" in _error(bad)
    bad = _rewritten(path, tmp_path / "wide.npz", "coefs_0.npy", huge)
    assert "coefs_0 has shape (10000000000000,)" in _error(bad)


def test_an_inflating_extra_member_is_never_read(fitted, tmp_path):
    """A valid model plus a member that inflates to 512 MiB: refused at once, in a process that stays small."""
    path = tmp_path / "model.npz"
    save_model(fitted, path)

    def bomb(f):
        np.lib.format.write_array_header_1_0(f, {"descr": "|u1", "fortran_order": False, "shape": (512 << 20,)})
        block = bytes(1 << 20)
        for _ in range(512):
            f.write(block)

    bad = _rewritten(path, tmp_path / "bomb.npz", "padding.npy", bomb, zipfile.ZIP_DEFLATED)
    assert bad.stat().st_size < 5 << 20  # it is small on disk
    code = (
        "import sys\nfrom digitnet.model_file import load_model\nfrom digitnet.errors import UsageError\n"
        "try:\n    load_model(sys.argv[1])\nexcept UsageError as e:\n    print(e)\n"
        # VmHWM, the peak memory of this program: ru_maxrss would count the test process it was forked from
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(bad)], capture_output=True, text=True, timeout=120)
    message, maxrss_kib = done.stdout.strip().splitlines()
    assert "holds arrays no model has (padding)" in message
    assert int(maxrss_kib) < 400 * 1024  # never near the 512 MiB the member would inflate to


def test_a_loaded_model_goes_on_training(fitted, small_digits, tmp_path):
    X, y = small_digits
    path = tmp_path / "model.npz"
    save_model(fitted, path)
    loaded = load_model(path)
    assert loaded.t_ == fitted.t_ and loaded.n_iter_ == fitted.n_iter_
    loaded.partial_fit(X, y)  # no missing attribute (t_, loss_curve_, ...)
    assert loaded.t_ == fitted.t_ + len(X) and len(loaded.loss_curve_) == 1
    again = load_model(path)
    again.set_params(warm_start=True, max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        again.fit(X, y)
    assert again.n_iter_ == 2


def test_the_training_input_ranges_are_kept(fitted, small_digits, tmp_path):
    X, _ = small_digits
    path = tmp_path / "model.npz"
    save_model(fitted, path)
    meta = load_model(path).model_file_meta_
    assert meta["preprocessing"] == "none: the model takes its input features as they are"
    low, high = load_model(path)._input_range
    np.testing.assert_array_equal(low, X.min(axis=0))
    np.testing.assert_array_equal(high, X.max(axis=0))


# ---------------------------------------------------------------------------------------------- a regressor's file


@pytest.fixture(scope="module")
def regressor(small_digits):
    X, y = small_digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return NumpyMLPRegressor(hidden_layer_sizes=(8,), loss="poisson", max_iter=5, random_state=0).fit(X, y + 1.0)


def test_a_regressor_round_trips_and_goes_on_training(regressor, small_digits, tmp_path):
    X, y = small_digits
    save_model(regressor, tmp_path / "r.npz", feature_names=[f"f{i}" for i in range(64)])
    loaded = load_model(tmp_path / "r.npz")
    assert type(loaded) is NumpyMLPRegressor and loaded.out_activation_ == "exp"
    assert loaded.get_params() == {**regressor.get_params(), "hidden_layer_sizes": (8,)}
    np.testing.assert_array_equal(loaded.predict(X), regressor.predict(X))
    with np.load(tmp_path / "r.npz") as archive:
        assert "classes" not in archive.files and json.loads(str(archive["meta"]))["estimator"] == "NumpyMLPRegressor"
    loaded.partial_fit(X, y + 1.0)
    assert loaded.n_iter_ == 1 and np.isfinite(loaded.loss_)


def test_a_classifiers_file_of_the_first_format_says_no_estimator_and_still_loads(fitted, small_digits, tmp_path):
    X, _ = small_digits
    loaded = load_model(_tampered(fitted, tmp_path, _meta(lambda m: m.pop("estimator"))))
    assert type(loaded) is NumpyMLPClassifier
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))


@pytest.mark.parametrize(
    "change, message",
    [
        (
            _meta(lambda m: m.update(out_activation_="identity")),
            "out_activation_ 'identity' does not fit the loss 'poisson'",
        ),
        (_meta(lambda m: m.update(out_activation_="softmax")), "'out_activation_' is missing or invalid"),
        (_meta(lambda m: m.update(y_type="multiclass")), "'y_type' is missing or invalid"),
        (_meta(lambda m: m.update(estimator="MLPRegressor")), "'estimator' is missing or invalid"),
        (_meta(lambda m: m["params"].update(loss="absolute_error")), "invalid parameters in the metadata"),
        (lambda a: a.update(classes=np.arange(10)), "a regressor's file holds class labels"),
    ],
)
def test_every_field_of_a_regressors_file_is_checked(regressor, tmp_path, change, message):
    assert message in _error(_tampered(regressor, tmp_path, change))


def test_a_classifiers_file_claiming_to_be_a_regressor_is_refused(fitted, tmp_path):
    message = _error(_tampered(fitted, tmp_path, _meta(lambda m: m.update(estimator="NumpyMLPRegressor"))))
    assert "'out_activation_' is missing or invalid ('softmax')" in message
