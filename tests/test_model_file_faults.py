"""Model files that cannot crash us: crafted zip members, deep or invalid metadata, impossible class labels, any
corrupted byte; and every model save_model writes is one load_model reads (multilabel, multi-output, scaled target)."""

import json
import warnings
import zipfile

import numpy as np
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from digitnet import NumpyMLPClassifier, NumpyMLPRegressor
from digitnet.errors import UsageError
from digitnet.model_file import load_model, save_model
from digitnet.model_file_checks import MAX_META_DEPTH
from digitnet.model_inputs import FINGERPRINT_ROWS, fingerprint, row_hashes, training_rows_seen


@pytest.fixture(scope="module")
def model_path(small_digits, tmp_path_factory):
    X, y = small_digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = NumpyMLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X, y)
    path = tmp_path_factory.mktemp("model") / "model.npz"
    save_model(model, path, training_rows=X)
    return path


def _error(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning on the way to the error line is a defect too
        with pytest.raises(UsageError) as info:
            load_model(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message and len(message) < 400
    return message


def _arrays(path):
    with np.load(path) as archive:
        return dict(archive)


def _with_meta(model_path, tmp_path, text):
    arrays = _arrays(model_path)
    arrays["meta"] = np.array(text)
    np.savez(tmp_path / "bad.npz", **arrays)
    return tmp_path / "bad.npz"


# ---------------------------------------------------------------------------------------------- the metadata


@pytest.mark.parametrize("depth", [5_000, 50_000])
def test_metadata_nested_thousands_deep_is_refused_before_it_is_parsed(model_path, tmp_path, depth):
    meta = json.loads(str(_arrays(model_path)["meta"]))
    text = json.dumps(meta)[:-1] + ', "notes": ' + "[" * depth + "]" * depth + "}"
    message = _error(_with_meta(model_path, tmp_path, text))
    assert f"its metadata is nested {depth + 1} levels deep (a model's has a few; at most {MAX_META_DEPTH}" in message
    assert "nested 50000 levels deep" in _error(_with_meta(model_path, tmp_path, "[" * 50_000 + "]" * 50_000))


def test_brackets_inside_metadata_strings_nest_nothing(model_path, tmp_path):
    meta = json.loads(str(_arrays(model_path)["meta"]))
    meta["extra"] = {"note": "[{" * 10_000 + '\\"]'}  # escaped quotes do not end the string
    loaded = load_model(_with_meta(model_path, tmp_path, json.dumps(meta)))
    assert loaded.model_file_meta_["extra"]["note"].startswith("[{[{")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("estimator", ["NumpyMLPClassifier"], "'estimator' is missing or invalid (['NumpyMLPClassifier'])"),
        ("y_type", {"multiclass": 1}, "'y_type' is missing or invalid ({'multiclass': 1})"),
        ("out_activation_", ["softmax"], "'out_activation_' is missing or invalid (['softmax'])"),
        ("feature_names", ["\ud800"] * 64, "metadata holds text that is not valid Unicode (a lone surrogate)"),
        (
            "version",
            list(range(1000)),
            "format version [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 1...",
        ),
        ("training_rows", 0, "'training_rows' is missing or invalid (0)"),
        ("target_scaled", True, "'target_scaled' is missing or invalid (True)"),  # a classifier's target is not scaled
    ],
)
def test_metadata_values_of_the_wrong_type_are_one_line(model_path, tmp_path, field, value, message):
    meta = json.loads(str(_arrays(model_path)["meta"]))
    meta[field] = value
    assert message in _error(_with_meta(model_path, tmp_path, json.dumps(meta)))


# ---------------------------------------------------------------------------------------------- the zip members


def _patched(source, target, method=None, flags=0):
    """A copy of ``source`` whose every member claims compression ``method`` and has flag bits ``flags`` set, in
    both its local header and the central directory (raw bytes, as a crafted file has them)."""
    data = bytearray(source.read_bytes())
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = data.find(signature)
        while at >= 0:
            data[at + flag_at] |= flags
            if method is not None:
                data[at + method_at : at + method_at + 2] = method.to_bytes(2, "little")
            at = data.find(signature, at + 4)
    target.write_bytes(bytes(data))
    return target


@pytest.mark.parametrize(
    "method, flags, message",
    [
        (93, 0, "is compressed with zip method 93"),  # zstd
        (99, 0, "is compressed with zip method 99"),  # WinZip AES
        (None, 0x1, "is encrypted"),
        (None, 0x40, "is encrypted"),
        (None, 0x20, "uses zip features digitnet does not read (flags 0x20)"),
    ],
)
def test_members_encrypted_or_compressed_otherwise_are_refused(model_path, tmp_path, method, flags, message):
    line = _error(_patched(model_path, tmp_path / "crafted.npz", method, flags))
    assert message in line and "a model file's members are stored or deflated, as NumPy writes them" in line


@pytest.mark.parametrize("method", [zipfile.ZIP_LZMA, zipfile.ZIP_BZIP2])
def test_members_compressed_with_lzma_or_bzip2_are_refused_intact_or_corrupt(model_path, tmp_path, method):
    with zipfile.ZipFile(model_path) as source, zipfile.ZipFile(tmp_path / "other.npz", "w", method) as out:
        for info in source.infolist():
            out.writestr(info.filename, source.read(info))
    assert f"is compressed with zip method {method}" in _error(tmp_path / "other.npz")
    data = bytearray((tmp_path / "other.npz").read_bytes())
    at = data.find(b"meta.npy") + 60
    data[at : at + 40] = bytes(b ^ 0x55 for b in data[at : at + 40])  # a corrupt LZMA (or bzip2) stream
    (tmp_path / "corrupt.npz").write_bytes(bytes(data))
    assert "compressed with zip method" in _error(tmp_path / "corrupt.npz")


@pytest.mark.parametrize("compress", [False, True])
def test_any_corrupted_bytes_give_one_line_or_a_model(model_path, tmp_path, compress):
    """300 copies of a model file (stored, or deflated as np.savez_compressed writes it), each with 1 to 3 bytes
    changed at random: every one loads, or is one UsageError line, never a traceback or a warning."""
    source = model_path
    if compress:
        np.savez_compressed(tmp_path / "deflated.npz", **_arrays(model_path))
        source = tmp_path / "deflated.npz"
    data = source.read_bytes()
    rng = np.random.default_rng(7)
    outcomes = set()
    for _ in range(300):
        damaged = bytearray(data)
        for _ in range(rng.integers(1, 4)):
            damaged[rng.integers(len(damaged))] = rng.integers(256)
        path = tmp_path / "damaged.npz"
        path.write_bytes(bytes(damaged))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                load_model(path)
                outcomes.add("loaded")
            except UsageError as exc:
                assert "\n" not in str(exc) and len(str(exc)) < 400
                outcomes.add("refused")
    assert outcomes == {"loaded", "refused"}  # both happen: the damage was not all in one place


# ---------------------------------------------------------------------------------------------- class labels


@pytest.mark.parametrize(
    "classes, message",
    [
        (np.array([np.nan, *range(9)]), "a label that is not a finite number"),
        (np.array([np.inf, *range(9)]), "a label that is not a finite number"),
        (np.array([1e300, *range(9)]), "a label that is not a whole number of at most 2^53"),
        (np.array([0.5, *range(9)]), "a label that is not a whole number"),
        (np.array([2.5, *range(9)], dtype=np.float16), "a label that is not a whole number"),  # read as float64
        (np.array(["\ud800", *"abcdefghi"]), "a label that is not valid Unicode (a lone surrogate)"),
    ],
)
def test_class_labels_no_classifier_can_have_are_refused(model_path, tmp_path, classes, message):
    arrays = _arrays(model_path)
    arrays["classes"] = classes
    np.savez(tmp_path / "labels.npz", **arrays)
    assert f"its class labels include {message}" in _error(tmp_path / "labels.npz")


def test_labels_any_classifier_can_have_load(model_path, tmp_path, small_digits):
    X, _ = small_digits
    for classes in (np.arange(10, dtype=np.uint64) + 2**63, np.arange(10.0), np.array(list("abcdefghij"))):
        arrays = _arrays(model_path)
        arrays["classes"] = classes
        np.savez(tmp_path / "labels.npz", **arrays)
        assert set(load_model(tmp_path / "labels.npz").predict(X)) <= set(classes)


# ---------------------------------------------------------------------------------------------- every model saved loads


def _quiet_fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def test_a_multilabel_classifier_round_trips(small_digits, tmp_path):
    X, y = small_digits
    Y = np.column_stack([y % 2, y > 5, y == 0]).astype(int)
    model = _quiet_fit(NumpyMLPClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0), X, Y)
    save_model(model, tmp_path / "multilabel.npz")
    loaded = load_model(tmp_path / "multilabel.npz")
    assert loaded.model_file_meta_["y_type"] == "multilabel-indicator" and list(loaded.classes_) == [0, 1, 2]
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    arrays = _arrays(tmp_path / "multilabel.npz")
    arrays["classes"] = np.array([0, 1, 5])
    np.savez(tmp_path / "bad.npz", **arrays)
    assert "a multilabel model's classes are its outputs' numbers 0 .. 2" in _error(tmp_path / "bad.npz")


def test_a_multi_output_regressor_with_a_standardised_target_round_trips(small_digits, tmp_path):
    X, y = small_digits
    Y = np.column_stack([100.0 + y, y**2 / 10.0])
    model = TransformedTargetRegressor(
        Pipeline(
            [
                ("scaler", StandardScaler()),
                ("mlp", NumpyMLPRegressor(hidden_layer_sizes=(8,), max_iter=20, random_state=0)),
            ]
        ),
        transformer=StandardScaler(),
    )
    _quiet_fit(model, X, Y)
    save_model(model, tmp_path / "two.npz")
    loaded = load_model(tmp_path / "two.npz")
    assert isinstance(loaded, TransformedTargetRegressor) and isinstance(loaded.regressor_, Pipeline)
    assert loaded.predict(X).shape == (len(X), 2)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    arrays = _arrays(tmp_path / "two.npz")
    arrays["target_scale"] = np.array([1.0, 0.0])
    np.savez(tmp_path / "bad.npz", **arrays)
    assert "the target's scaling has a scale that is not positive" in _error(tmp_path / "bad.npz")
    del arrays["target_scale"], arrays["target_mean"]
    np.savez(tmp_path / "bad.npz", **arrays)
    assert "'target_scaled' (True) does not fit the file, which has no target_mean/target_scale" in _error(
        tmp_path / "bad.npz"
    )


def test_save_model_refuses_what_it_cannot_write_back(small_digits, tmp_path):
    X, y = small_digits
    regressor = _quiet_fit(NumpyMLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0), X, y * 1.0)
    for transformer in ({"func": np.log1p, "inverse_func": np.expm1}, {"transformer": FunctionTransformer()}):
        wrapped = _quiet_fit(TransformedTargetRegressor(regressor=regressor, check_inverse=False, **transformer), X, y)
        with pytest.raises(TypeError, match="only with transformer=StandardScaler"):
            save_model(wrapped, tmp_path / "m.npz")
    with pytest.raises(ValueError, match="training_rows must be a numeric matrix of 64 columns"):
        save_model(regressor, tmp_path / "m.npz", training_rows=X[:, :10])
    assert not (tmp_path / "m.npz").exists()


# ---------------------------------------------------------------------------------------------- the training rows


def test_the_training_rows_fingerprint_finds_them_in_any_order(model_path, small_digits):
    X, _ = small_digits
    mlp = load_model(model_path)
    assert mlp._training_rows.n_rows == len(np.unique(row_hashes(X))) and mlp._training_rows.complete
    new = X[:50] + 0.5  # rows it never saw
    assert training_rows_seen(mlp, np.vstack([new, X[::-1][:70]])) == (70, False)
    assert training_rows_seen(mlp, new) == (0, False)
    assert (row_hashes(np.array([[-0.0, 1.0]])) == row_hashes(np.array([[0.0, 1.0]]))).all()


def test_a_fingerprint_of_many_rows_keeps_a_bounded_sample_and_estimates(tmp_path):
    rows = np.arange(3 * FINGERPRINT_ROWS, dtype=np.float64).reshape(-1, 1)
    kept = fingerprint(rows)
    assert len(kept.hashes) == FINGERPRINT_ROWS and kept.n_rows == 3 * FINGERPRINT_ROWS and not kept.complete

    class Model:
        _training_rows = kept

    count, estimated = training_rows_seen(Model, np.vstack([rows[:30_000], rows[:30_000] + 0.5]))
    assert estimated and 27_000 <= count <= 33_000  # about half of the 60,000 rows (a sample of a third of them)
