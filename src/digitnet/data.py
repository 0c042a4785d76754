"""Datasets and the project's standard split.

Every experiment reads its data through :func:`load_split`: a stratified 80/20
train/test split with ``random_state=42`` and a :class:`~sklearn.preprocessing.StandardScaler`
fitted on the rows the model trains on (never on validation or test rows), so
that every number in the project is computed on the same rows, scaled the same way.

Sources: scikit-learn's bundled ``digits`` (the default), ``iris``, ``wine`` and
``breast_cancer``, or a CSV file with one row per sample, numeric feature
columns and one target column.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn import datasets as sk_datasets
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler

from .errors import UsageError

__all__ = ["DATASETS", "Dataset", "Split", "UsageError", "load_dataset", "load_split", "read_csv_dataset",
           "read_features_csv"]

DATASETS = {
    "digits": sk_datasets.load_digits,
    "iris": sk_datasets.load_iris,
    "wine": sk_datasets.load_wine,
    "breast_cancer": sk_datasets.load_breast_cancer,
}


@dataclass
class Dataset:
    """A whole dataset, unscaled.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,)
        Class labels (ints, or strings from a CSV).
    feature_names : list of str, length n_features
    name : str
        ``"digits"``, ..., or the CSV file's path.
    target_name : str
    images : ndarray of shape (n_samples, 8, 8) or None
        The digit images (``digits`` only).
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: list
    name: str
    target_name: str = "target"
    images: np.ndarray | None = None


@dataclass
class Split:
    """Train / (validation) / test parts of a dataset, scaled on the training rows.

    Attributes
    ----------
    X_train : ndarray of shape (n_train, n_features)
    y_train : ndarray of shape (n_train,)
    X_val, y_val : ndarray of shape (n_val, n_features) and (n_val,), or None
        Present when ``validation_size > 0``.
    X_test : ndarray of shape (n_test, n_features)
    y_test : ndarray of shape (n_test,)
    classes : ndarray of shape (n_classes,)
        Sorted class labels.
    feature_names : list of str
    name : str
        Dataset name or CSV path.
    images_test : ndarray of shape (n_test, 8, 8) or None
        Unscaled images of the test rows (``digits`` only), for plotting.
    target_name : str
    scaler : StandardScaler
        Fitted on ``X_train`` (before scaling); maps raw features to model inputs.
    X_dev_raw, y_dev : ndarray
        All non-test rows (train + validation), unscaled: what cross-validation
        splits into folds, scaling each fold on its own training rows.
    X_test_raw : ndarray of shape (n_test, n_features)
        The test rows, unscaled.
    test_size, validation_size, random_state : the arguments that made the split.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    X_test: np.ndarray
    y_test: np.ndarray
    classes: np.ndarray
    feature_names: list
    name: str
    images_test: np.ndarray | None = None
    target_name: str = "target"
    scaler: StandardScaler | None = field(default=None, repr=False)
    X_dev_raw: np.ndarray | None = field(default=None, repr=False)
    y_dev: np.ndarray | None = field(default=None, repr=False)
    X_test_raw: np.ndarray | None = field(default=None, repr=False)
    test_size: float = 0.2
    validation_size: float = 0.0
    random_state: int | None = 42

    def describe(self):
        """What made this split, as a JSON-ready dict (for result files)."""
        return {
            "dataset": self.name,
            "target": self.target_name,
            "n_features": int(self.X_train.shape[1]),
            "classes": [_plain(c) for c in self.classes],
            "n_train": int(len(self.y_train)),
            "n_val": 0 if self.y_val is None else int(len(self.y_val)),
            "n_test": int(len(self.y_test)),
            "test_size": self.test_size,
            "validation_size": self.validation_size,
            "random_state": self.random_state,
            "dtype": str(self.X_train.dtype),
            "scaling": "StandardScaler fitted on the training rows only",
        }

    def cv_folds(self, n_splits, random_state=None):
        """Stratified K-fold indices over the non-test rows (``X_dev_raw``).

        Returns
        -------
        list of (train_index, val_index) pairs of int arrays.
        """
        seed = self.random_state if random_state is None else random_state
        counts = np.unique(self.y_dev, return_counts=True)[1]
        if n_splits < 2:
            raise UsageError(f"cv must be at least 2 folds, got {n_splits}")
        if counts.min() < n_splits:
            raise UsageError(f"cv={n_splits} folds need at least {n_splits} rows of every class in the training"
                             f" part of {self.name}; the smallest class has {counts.min()}")
        folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        return list(folds.split(self.X_dev_raw, self.y_dev))

    def dev_split(self):
        """All non-test rows as the training part (no validation part), scaled on them: for a final
        refit after cross-validation, as GridSearchCV refits on everything but the test set."""
        scaler = StandardScaler().fit(self.X_dev_raw)
        dtype = self.X_train.dtype
        return Split(X_train=scaler.transform(self.X_dev_raw).astype(dtype), y_train=self.y_dev, X_val=None,
                     y_val=None, X_test=scaler.transform(self.X_test_raw).astype(dtype), y_test=self.y_test,
                     classes=self.classes, feature_names=self.feature_names, name=self.name)

    def fold(self, train_index, val_index):
        """The arrays of one cross-validation fold, scaled on that fold's training rows.

        Returns
        -------
        X_train, y_train, X_val, y_val, X_test : ndarrays
            ``X_test`` is the test part scaled with the fold's scaler.
        """
        dtype = self.X_train.dtype
        X_tr = self.X_dev_raw[train_index]
        scaler = StandardScaler().fit(X_tr)
        scale = lambda A: np.ascontiguousarray(scaler.transform(A), dtype=dtype)  # noqa: E731
        return (scale(X_tr), self.y_dev[train_index], scale(self.X_dev_raw[val_index]), self.y_dev[val_index],
                scale(self.X_test_raw))


def _plain(value):
    """A NumPy scalar as the equivalent Python value (for JSON)."""
    return value.item() if isinstance(value, np.generic) else value


def _read_csv(path):
    """pandas.read_csv with every way of failing turned into a one-line UsageError."""
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise UsageError(f"cannot read {path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"cannot read {path}: it is a directory, not a CSV file") from None
    except PermissionError:
        raise UsageError(f"cannot read {path}: permission denied") from None
    except pd.errors.EmptyDataError:
        raise UsageError(f"{path} is empty: expected a CSV file with a header row") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} is not a valid CSV file: {' '.join(str(exc).split())}") from None
    if len(frame) == 0:
        raise UsageError(f"{path} has a header but no data rows")
    return frame


def _check_values(path, frame, features):
    """No missing values anywhere, numeric finite features; else a UsageError naming column and line."""
    for column in frame.columns:  # line numbers count the header as line 1
        missing = frame[column].isna().to_numpy()
        if missing.any():
            raise UsageError(f"{path}: column {column!r} has {missing.sum()} missing value(s), the first on line"
                             f" {int(np.argmax(missing)) + 2}")
    for column in features.columns:
        values = features[column]
        if not pd.api.types.is_numeric_dtype(values):
            bad = pd.to_numeric(values, errors="coerce").isna().to_numpy()
            line = int(np.argmax(bad)) + 2
            raise UsageError(f"{path}: column {column!r} is not numeric ({values.iloc[line - 2]!r} on line {line})")
    X = features.to_numpy(dtype=np.float64)
    if not np.isfinite(X).all():
        row, col = np.argwhere(~np.isfinite(X))[0]
        raise UsageError(f"{path}: column {features.columns[col]!r} has a non-finite value on line {row + 2}")
    return X


def read_csv_dataset(path, target=None):
    """Read a dataset from a CSV file: numeric feature columns plus one target column.

    Parameters
    ----------
    path : str or path-like
        CSV file with a header row.
    target : str, optional
        Name of the target column; the last column if omitted.

    Returns
    -------
    Dataset

    Raises
    ------
    UsageError
        If the file cannot be read, the target column does not exist, a value is
        missing or a feature column is not numeric (the message names the file,
        the column and the first offending line).
    """
    path = os.fspath(path)
    frame = _read_csv(path)
    if target is None:
        target = frame.columns[-1]
    if target not in frame.columns:
        raise UsageError(f"{path} has no column {target!r}; its columns are {', '.join(map(str, frame.columns))}")
    features = frame.drop(columns=[target])
    if features.shape[1] == 0:
        raise UsageError(f"{path} has no feature columns besides the target {target!r}")
    X = _check_values(path, frame, features)
    return Dataset(X=X, y=frame[target].to_numpy(), feature_names=[str(c) for c in features.columns], name=path,
                   target_name=str(target))


def read_features_csv(path, n_features, feature_names=None, target=None):
    """Read new data to predict from a CSV file.

    Columns are matched by name when the file has every one of
    ``feature_names``; otherwise the file must have exactly ``n_features``
    columns besides ``target``, taken in order.

    Parameters
    ----------
    path : str or path-like
    n_features : int
        Features the model expects.
    feature_names : list of str, optional
        Their names, if known.
    target : str, optional
        A column of true labels to leave out of the features (and return), if present.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or None
        The ``target`` column, if the file has it.
    """
    path = os.fspath(path)
    frame = _read_csv(path)
    y = None
    if target is not None and target in frame.columns:
        y = frame[target].to_numpy()
    if feature_names and all(name in frame.columns for name in feature_names):
        features = frame[list(feature_names)]
    else:
        features = frame.drop(columns=[target]) if y is not None else frame
        if features.shape[1] != n_features:
            named = f" ({', '.join(feature_names[:3])}, ...)" if feature_names else ""
            raise UsageError(f"{path} has {features.shape[1]} feature column(s), but the model expects"
                             f" {n_features}{named}")
    X = _check_values(path, frame if y is None else frame[[*features.columns, target]], features)
    return X, y


def load_dataset(dataset="digits", *, path=None, target=None):
    """A whole dataset, unscaled: one of scikit-learn's bundled ones, or a CSV file.

    Parameters
    ----------
    dataset : {"digits", "iris", "wine", "breast_cancer"}
        Ignored when ``path`` is given.
    path : str, optional
        CSV file to read instead (see :func:`read_csv_dataset`).
    target : str, optional
        Target column of the CSV file.

    Returns
    -------
    Dataset
    """
    if path is not None:
        return read_csv_dataset(path, target)
    if dataset not in DATASETS:
        raise UsageError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)} or give a CSV path")
    bunch = DATASETS[dataset]()
    return Dataset(X=np.asarray(bunch.data, dtype=np.float64), y=np.asarray(bunch.target),
                   feature_names=[str(f) for f in bunch.feature_names], name=dataset,
                   images=getattr(bunch, "images", None))


def load_split(dataset="digits", *, path=None, target=None, test_size=0.2, validation_size=0.0, random_state=42,
               dtype=np.float64):
    """The project's standard split of a dataset.

    Stratified train/test split (``test_size`` of the rows for testing), then,
    if ``validation_size > 0``, a stratified validation split taken from the
    training part (so the test rows never change); a ``StandardScaler`` is
    fitted on the remaining training rows and applied to all parts.

    Parameters
    ----------
    dataset : {"digits", "iris", "wine", "breast_cancer"}, default="digits"
    path : str, optional
        Read a CSV file instead (numeric features, one target column).
    target : str, optional
        CSV target column (default: the last column).
    test_size : float in (0, 1), default=0.2
        Fraction of all rows held out for testing.
    validation_size : float in [0, 1), default=0.0
        Fraction of the *training part* held out for validation.
    random_state : int, default=42
        Seed of both splits.
    dtype : {np.float64, np.float32}, default=np.float64
        Type of the scaled feature arrays.

    Returns
    -------
    Split

    Raises
    ------
    UsageError
        For an unreadable CSV, a dataset with fewer than two classes, or a split
        that cannot be stratified (a class too small for the requested parts).
    """
    data = load_dataset(dataset, path=path, target=target)
    name = data.name
    if not 0 < test_size < 1:
        raise UsageError(f"test_size must be between 0 and 1 (exclusive), got {test_size}")
    if not 0 <= validation_size < 1:
        raise UsageError(f"validation_size must be in [0, 1), got {validation_size}")
    classes, counts = np.unique(data.y, return_counts=True)
    if len(classes) < 2:
        raise UsageError(f"{name}: the target {data.target_name!r} has only one class ({_plain(classes[0])!r});"
                         " a classifier needs at least 2")
    if counts.min() < 2:
        small = classes[np.argmin(counts)]
        raise UsageError(f"{name}: class {_plain(small)!r} of {data.target_name!r} has only 1 row; a stratified"
                         " split needs at least 2 rows of every class")
    index = np.arange(len(data.y))
    try:
        dev, test = train_test_split(index, test_size=test_size, stratify=data.y, random_state=random_state)
        train, val = dev, None
        if validation_size > 0:
            train, val = train_test_split(dev, test_size=validation_size, stratify=data.y[dev],
                                          random_state=random_state)
    except ValueError as exc:  # a part too small to hold every class
        raise UsageError(f"{name}: cannot split {len(index)} rows of {len(classes)} classes with"
                         f" test_size={test_size}, validation_size={validation_size}: {exc}") from None
    scaler = StandardScaler().fit(data.X[train])

    def scaled(rows):
        return np.ascontiguousarray(scaler.transform(data.X[rows]), dtype=dtype)

    return Split(
        X_train=scaled(train), y_train=data.y[train],
        X_val=None if val is None else scaled(val), y_val=None if val is None else data.y[val],
        X_test=scaled(test), y_test=data.y[test],
        classes=classes, feature_names=data.feature_names, name=name,
        images_test=None if data.images is None else data.images[test],
        target_name=data.target_name, scaler=scaler,
        X_dev_raw=data.X[dev], y_dev=data.y[dev], X_test_raw=data.X[test],
        test_size=test_size, validation_size=validation_size, random_state=random_state,
    )
