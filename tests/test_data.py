"""The standard split, the bundled datasets and CSV files (including every bad-CSV message)."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from digitnet.data import load_split, read_features_csv
from digitnet.errors import UsageError


def test_digits_split_is_the_projects_standard_split(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    split = load_split()
    np.testing.assert_array_equal(split.X_train, X_train)
    np.testing.assert_array_equal(split.X_test, X_test)
    np.testing.assert_array_equal(split.y_train, y_train)
    np.testing.assert_array_equal(split.y_test, y_test)
    assert split.X_val is None and split.y_val is None
    assert split.name == "digits" and list(split.classes) == list(range(10))
    assert len(split.feature_names) == 64 and split.feature_names[0] == "pixel_0_0"


def test_images_test_are_the_unscaled_test_images():
    split = load_split()
    digits = load_digits()
    assert split.images_test.shape == (len(split.y_test), 8, 8)
    np.testing.assert_array_equal(split.images_test.reshape(len(split.y_test), 64), split.X_test_raw)
    # each test image is one of the dataset's images, with its label
    first = np.flatnonzero((digits.images == split.images_test[0]).all(axis=(1, 2)))
    assert split.y_test[0] in digits.target[first]


def test_validation_part_comes_from_the_training_part_and_scaling_from_training_rows():
    plain, split = load_split(), load_split(validation_size=0.25)
    np.testing.assert_array_equal(split.y_test, plain.y_test)  # the test rows never change
    assert len(split.y_train) + len(split.y_val) == len(plain.y_train)
    assert abs(len(split.y_val) - 0.25 * len(plain.y_train)) <= 1
    # the scaler saw the training rows only: they have mean 0, the validation rows do not exactly
    assert np.allclose(split.X_train.mean(axis=0), 0, atol=1e-12)
    assert not np.allclose(split.X_val.mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(split.scaler.transform(split.X_test_raw), split.X_test)
    # stratified: every class in every part
    for part in (split.y_train, split.y_val, split.y_test):
        assert set(part) == set(range(10))


@pytest.mark.parametrize("name, n_features, n_classes", [("iris", 4, 3), ("wine", 13, 3), ("breast_cancer", 30, 2)])
def test_other_bundled_datasets(name, n_features, n_classes):
    split = load_split(name, validation_size=0.2, dtype=np.float32)
    assert split.X_train.shape[1] == n_features and len(split.classes) == n_classes
    assert split.X_train.dtype == np.float32 and split.images_test is None


def test_cross_validation_folds_are_scaled_on_their_own_training_rows():
    split = load_split(validation_size=0.2)
    folds = split.cv_folds(4)
    assert len(folds) == 4
    seen = np.concatenate([val for _, val in folds])
    assert sorted(seen) == list(range(len(split.y_dev)))  # every non-test row validates exactly once
    X_tr, y_tr, X_va, y_va, X_te = split.fold(*folds[0])
    assert np.allclose(X_tr.mean(axis=0), 0, atol=1e-12)
    assert X_te.shape == split.X_test.shape and len(y_va) == len(folds[0][1])


def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_csv_dataset(tmp_path):
    rows = "\n".join(f"{i},{i % 3 * 1.5},{'cat' if i % 2 else 'dog'}" for i in range(20))
    path = _write(tmp_path, "a,b,animal\n" + rows + "\n")
    split = load_split(path=path, target="animal")
    assert list(split.classes) == ["cat", "dog"] and split.feature_names == ["a", "b"]
    assert len(split.y_test) == 4 and split.name == path and split.target_name == "animal"
    default_target = load_split(path=path)  # the last column
    assert default_target.target_name == "animal"


@pytest.mark.parametrize(
    "text, target, message",
    [
        ("a,b,y\n1,2,0\n3,,1\n5,6,0\n", "y", "column 'b' has 1 missing value(s), the first on line 3"),
        ("a,b,y\n1,2,0\n3,x,1\n5,6,0\n", "y", "column 'b' is not numeric ('x' on line 3)"),
        ("a,b,y\n1,2,0\n3,4,1\n", "label", "has no column 'label'; its columns are a, b, y"),
        (
            "a,b,y\n1,2,0\n3,4,0\n5,6,0\n7,8,0\n",
            "y",
            "the target 'y' has only one class (0); a classifier needs at least 2",
        ),
        ("a,y\n1,0\n2,0\n3,0\n4,1\n", "y", "class 1 of 'y' has only 1 row"),
        ("", None, "is empty"),
        ("a,b,y\n", "y", "has a header but no data rows"),
        ("y\n0\n1\n", "y", "has no feature columns"),
        ("a,b,y\n1,inf,0\n3,4,1\n", "y", "column 'b' has a non-finite value on line 2"),
    ],
)
def test_bad_csv_gives_one_clear_line(tmp_path, text, target, message):
    path = _write(tmp_path, text)
    with pytest.raises(UsageError) as info:
        load_split(path=path, target=target)
    assert message in str(info.value)
    assert path in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_csv_file_and_unknown_dataset(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        load_split(path=str(tmp_path / "nope.csv"))
    with pytest.raises(UsageError, match="unknown dataset 'mnist'"):
        load_split("mnist")
    with pytest.raises(UsageError, match="test_size must be between 0 and 1"):
        load_split(test_size=1.5)


def test_split_too_small_for_the_classes(tmp_path):
    rows = "\n".join(f"{i},{i % 5}" for i in range(10))
    path = _write(tmp_path, "a,y\n" + rows + "\n")
    with pytest.raises(UsageError, match="cannot split 10 rows of 5 classes"):
        load_split(path=path, test_size=0.2)


def test_read_features_csv_by_name_or_position(tmp_path):
    """By name when the model knows its features (any order; the target column apart); in order when it does not."""
    path = _write(tmp_path, "b,a,y\n1,2,x\n3,4,z\n")
    X, y = read_features_csv(path, 2, ["a", "b"], "y")
    np.testing.assert_array_equal(X, [[2, 1], [4, 3]])
    assert list(y) == ["x", "z"]
    X, y = read_features_csv(_write(tmp_path, "p,q\n1,2\n", "n.csv"), 2, None, "y")
    np.testing.assert_array_equal(X, [[1, 2]])
    assert y is None
    with pytest.raises(UsageError, match="has 3 feature column\\(s\\), but the model expects 2"):
        read_features_csv(_write(tmp_path, "p,q,r\n1,2,3\n", "m.csv"), 2)
