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

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, DTypeLike
from sklearn import datasets as sk_datasets
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler

from . import csv_data
from .errors import UsageError

if TYPE_CHECKING:
    import os

__all__ = [
    "DATASETS",
    "Dataset",
    "Split",
    "UsageError",
    "load_dataset",
    "load_split",
    "read_csv_dataset",
    "read_features_csv",
]

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


#: How raw pixels become a network's inputs: standardised per feature (mean 0, variance 1 on the training rows;
#: StandardScaler, the default), or divided by the largest value of the training rows (16 for Digits), which
#: keeps every pixel in [0, 1] and leaves the nearly constant border pixels small instead of blowing them up.
STANDARD, MAX = "standard", "max"
SCALINGS = (STANDARD, MAX)


class MaxScaler(StandardScaler):
    """Divide every feature by the largest absolute value of the rows it is fitted on (one number for all).

    A StandardScaler whose ``mean_`` is 0 and whose ``scale_`` is that value for every feature: it transforms
    as ``X / largest`` and is saved, loaded and run by the page exactly as a StandardScaler is.
    """

    def fit(self, X: ArrayLike, y: object = None, sample_weight: ArrayLike | None = None) -> MaxScaler:
        """Fit on the rows of ``X`` (those of a positive ``sample_weight``, if given: a row of weight 0 is absent)."""
        X = np.asarray(X, dtype=np.float64)
        if sample_weight is not None:
            X = X[np.asarray(sample_weight) > 0]
        largest = float(np.max(np.abs(X))) if X.size else 0.0
        n_features = X.shape[1]
        self.mean_ = np.zeros(n_features)
        self.scale_ = np.full(n_features, largest if largest > 0 else 1.0)
        self.var_ = self.scale_**2
        self.n_features_in_, self.n_samples_seen_ = n_features, X.shape[0]
        return self


def scaler_for(scaling: str) -> StandardScaler:
    """An unfitted scaler for one of :data:`SCALINGS`."""
    if scaling == STANDARD:
        return StandardScaler()
    if scaling == MAX:
        return MaxScaler()
    raise UsageError(f"scaling must be one of {', '.join(SCALINGS)}, got {scaling!r}")


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
    classes : ndarray of shape (n_classes,), or None
        Sorted class labels (None for a regression's numeric target).
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
    X_train_raw, X_val_raw, X_test_raw : ndarray
        The training, validation (or None) and test rows, unscaled.
    test_size, validation_size, random_state : the arguments that made the split.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    X_test: np.ndarray
    y_test: np.ndarray
    classes: np.ndarray | None
    feature_names: list
    name: str
    images_test: np.ndarray | None = None
    target_name: str = "target"
    scaler: StandardScaler | None = field(default=None, repr=False)
    X_dev_raw: np.ndarray | None = field(default=None, repr=False)
    y_dev: np.ndarray | None = field(default=None, repr=False)
    X_test_raw: np.ndarray | None = field(default=None, repr=False)
    X_train_raw: np.ndarray | None = field(default=None, repr=False)
    X_val_raw: np.ndarray | None = field(default=None, repr=False)
    test_size: float = 0.2
    validation_size: float = 0.0
    random_state: int | None = 42

    def describe(self) -> dict:
        """What made this split, as a JSON-ready dict (for result files)."""
        return {
            "dataset": self.name,
            "target": self.target_name,
            "n_features": int(self.X_train.shape[1]),
            "classes": None if self.classes is None else [_plain(c) for c in self.classes],
            "n_train": int(len(self.y_train)),
            "n_val": 0 if self.y_val is None else int(len(self.y_val)),
            "n_test": int(len(self.y_test)),
            "test_size": self.test_size,
            "validation_size": self.validation_size,
            "random_state": self.random_state,
            "dtype": str(self.X_train.dtype),
            "scaling": "StandardScaler fitted on the training rows only",
        }

    def cv_folds(self, n_splits: int, random_state: int | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
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
            raise UsageError(
                f"cv={n_splits} folds need at least {n_splits} rows of every class in the training"
                f" part of {self.name}; the smallest class has {counts.min()}"
            )
        folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        return list(folds.split(self.X_dev_raw, self.y_dev))

    def dev_split(self) -> Split:
        """All non-test rows as the training part (no validation part), scaled on them: for a final
        refit after cross-validation, as GridSearchCV refits on everything but the test set. Its raw rows are
        kept, so that :meth:`scaled` can scale them another way (``"max"``) on the same rows."""
        scaler = StandardScaler().fit(self.X_dev_raw)
        dtype = self.X_train.dtype
        return Split(
            X_train=scaler.transform(self.X_dev_raw).astype(dtype),
            y_train=self.y_dev,
            X_val=None,
            y_val=None,
            X_test=scaler.transform(self.X_test_raw).astype(dtype),
            y_test=self.y_test,
            classes=self.classes,
            feature_names=self.feature_names,
            name=self.name,
            images_test=self.images_test,
            target_name=self.target_name,
            scaler=scaler,
            X_dev_raw=self.X_dev_raw,
            y_dev=self.y_dev,
            X_test_raw=self.X_test_raw,
            X_train_raw=self.X_dev_raw,
            test_size=self.test_size,
            random_state=self.random_state,
        )

    def fold(
        self, train_index: np.ndarray, val_index: np.ndarray, scaling: str = STANDARD
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The arrays of one cross-validation fold, scaled on that fold's training rows (see :func:`scaler_for`).

        Returns
        -------
        X_train, y_train, X_val, y_val, X_test : ndarrays
            ``X_test`` is the test part scaled with the fold's scaler.
        """
        dtype = self.X_train.dtype
        X_tr = self.X_dev_raw[train_index]
        scaler = scaler_for(scaling).fit(X_tr)
        scale = lambda A: np.ascontiguousarray(scaler.transform(A), dtype=dtype)  # noqa: E731
        return (
            scale(X_tr),
            self.y_dev[train_index],
            scale(self.X_dev_raw[val_index]),
            self.y_dev[val_index],
            scale(self.X_test_raw),
        )

    def scaled(self, scaling: str = STANDARD) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """``(X_train, X_val, X_test)`` scaled on the training rows as ``scaling`` says (the split's own arrays
        for :data:`STANDARD`, which is how they were made); ``X_val`` is None without a validation part."""
        if scaling == STANDARD:
            return self.X_train, self.X_val, self.X_test
        scaler = scaler_for(scaling).fit(self.X_train_raw)
        dtype = self.X_train.dtype

        def scale(A):
            return None if A is None else np.ascontiguousarray(scaler.transform(A), dtype=dtype)

        return scale(self.X_train_raw), scale(self.X_val_raw), scale(self.X_test_raw)


def _plain(value):
    """A NumPy scalar as the equivalent Python value (for JSON)."""
    return value.item() if isinstance(value, np.generic) else value


#: What a model learns from the target: its class (a label), or its value (a number).
TASKS = ("classification", "regression")


def read_csv_dataset(
    path: str | os.PathLike[str], target: str | None = None, header: bool = True, task: str = "classification"
) -> Dataset:
    """Read a dataset from a CSV file: numeric feature columns plus one target column.

    Parameters
    ----------
    path : str or path-like
        CSV file with a header row (see :mod:`digitnet.csv_data` for how it is read).
    target : str, optional
        Name of the target column; the last column if omitted.
    header : bool, default=True
        False: the file has no header row; its columns are named ``"0"``, ``"1"``, ...
    task : {"classification", "regression"}, default="classification"
        Class labels (kept as written) or numbers (float64).

    Returns
    -------
    Dataset

    Raises
    ------
    UsageError
        If the file cannot be read, has numbers for a header, the target column does not exist
        or looks continuous, a value is missing, infinite or beyond ±1e100, a feature column is
        not numeric or a row has another number of cells than the header (the message names the
        file, the column and the first offending line); if it decompresses to more than 1 GiB,
        or would take more memory than is available (see :mod:`digitnet.csv_data`).
    """
    table = csv_data.read_table(path, header)
    target = table.columns[-1] if target is None else str(target)
    if target not in table.columns:
        raise UsageError(f"{table.path} has no column {target!r}; its columns are {csv_data.list_names(table.columns)}")
    features = [c for c in table.columns if c != target]
    if not features:
        raise UsageError(f"{table.path} has no feature columns besides the target {target!r}")
    X, y = csv_data.read_columns(table, features, target, "values" if task == "regression" else "labels")
    return Dataset(X=X, y=y, feature_names=features, name=table.path, target_name=target)


def read_features_csv(
    path: str | os.PathLike[str],
    n_features: int,
    feature_names: Sequence[str] | None = None,
    target: str | None = None,
    header: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Read new data to predict from a CSV file.

    Columns are matched by name when the model knows its ``feature_names`` (a missing or an
    extra column is an error that names it); otherwise the file must have exactly ``n_features``
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
    header : bool, default=True
        False: the file has no header row (columns in the model's order).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or None
        The ``target`` column, if the file has it.
    """
    table = csv_data.read_table(path, header)
    target = None if target is None else str(target)
    has_target = target is not None and target in table.columns
    columns = csv_data.feature_columns(table, n_features, feature_names, target if has_target else None)
    return csv_data.read_columns(table, columns, target if has_target else None, "text")


def load_dataset(
    dataset: str = "digits",
    *,
    path: str | os.PathLike[str] | None = None,
    target: str | None = None,
    header: bool = True,
    task: str = "classification",
) -> Dataset:
    """A whole dataset, unscaled: one of scikit-learn's bundled ones, or a CSV file.

    Parameters
    ----------
    dataset : {"digits", "iris", "wine", "breast_cancer"}
        Ignored when ``path`` is given.
    path : str, optional
        CSV file to read instead (see :func:`read_csv_dataset`).
    target : str, optional
        Target column of the CSV file.
    header : bool, default=True
        Whether the CSV file starts with a header row.
    task : {"classification", "regression"}, default="classification"
        For a regression the target is read as numbers (a bundled dataset's labels as their values).

    Returns
    -------
    Dataset
    """
    if task not in TASKS:
        raise UsageError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    if path is not None:
        return read_csv_dataset(path, target, header, task)
    if dataset not in DATASETS:
        raise UsageError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)} or give a CSV path")
    bunch = DATASETS[dataset]()
    y = np.asarray(bunch.target, dtype=np.float64 if task == "regression" else None)
    return Dataset(
        X=np.asarray(bunch.data, dtype=np.float64),
        y=y,
        feature_names=[str(f) for f in bunch.feature_names],
        name=dataset,
        images=getattr(bunch, "images", None),
    )


def _check_classes(data):
    """The sorted class labels of a dataset a classifier can learn and a stratified split can cut."""
    classes, counts = np.unique(data.y, return_counts=True)
    if len(classes) < 2:
        raise UsageError(
            f"{data.name}: the target {data.target_name!r} has only one class ({_plain(classes[0])!r});"
            " a classifier needs at least 2"
        )
    if counts.min() < 2:
        small = classes[np.argmin(counts)]
        raise UsageError(
            f"{data.name}: class {_plain(small)!r} of {data.target_name!r} has only 1 row; a stratified"
            " split needs at least 2 rows of every class"
        )
    return classes


def load_split(
    dataset: str = "digits",
    *,
    path: str | os.PathLike[str] | None = None,
    target: str | None = None,
    header: bool = True,
    test_size: float = 0.2,
    validation_size: float = 0.0,
    random_state: int | None = 42,
    dtype: DTypeLike = np.float64,
    task: str = "classification",
) -> Split:
    """The project's standard split of a dataset.

    Stratified train/test split (``test_size`` of the rows for testing), then,
    if ``validation_size > 0``, a stratified validation split taken from the
    training part (so the test rows never change); a ``StandardScaler`` is
    fitted on the remaining training rows and applied to all parts. (For a
    regression the splits are random, not stratified, and ``classes`` is None.)

    Parameters
    ----------
    dataset : {"digits", "iris", "wine", "breast_cancer"}, default="digits"
    path : str, optional
        Read a CSV file instead (numeric features, one target column).
    target : str, optional
        CSV target column (default: the last column).
    header : bool, default=True
        Whether the CSV file starts with a header row.
    test_size : float in (0, 1), default=0.2
        Fraction of all rows held out for testing.
    validation_size : float in [0, 1), default=0.0
        Fraction of the *training part* held out for validation.
    random_state : int, default=42
        Seed of both splits.
    dtype : {np.float64, np.float32}, default=np.float64
        Type of the scaled feature arrays.
    task : {"classification", "regression"}, default="classification"
        What the target is: class labels, or numbers.

    Returns
    -------
    Split

    Raises
    ------
    UsageError
        For an unreadable CSV, a dataset with fewer than two classes, or a split
        that cannot be stratified (a class too small for the requested parts).
    """
    data = load_dataset(dataset, path=path, target=target, header=header, task=task)
    name = data.name
    if not 0 < test_size < 1:
        raise UsageError(f"test_size must be between 0 and 1 (exclusive), got {test_size}")
    if not 0 <= validation_size < 1:
        raise UsageError(f"validation_size must be in [0, 1), got {validation_size}")
    classes = _check_classes(data) if task == "classification" else None
    index = np.arange(len(data.y))
    stratify = (lambda rows: data.y[rows]) if classes is not None else (lambda rows: None)
    try:
        dev, test = train_test_split(index, test_size=test_size, stratify=stratify(index), random_state=random_state)
        train, val = dev, None
        if validation_size > 0:
            train, val = train_test_split(
                dev, test_size=validation_size, stratify=stratify(dev), random_state=random_state
            )
    except ValueError as exc:  # a part too small to hold every class
        kinds = "" if classes is None else f" of {len(classes)} classes"
        raise UsageError(
            f"{name}: cannot split {len(index)} rows{kinds} with test_size={test_size},"
            f" validation_size={validation_size}: {exc}"
        ) from None
    # each part's raw rows once (without a validation part the training rows are the non-test rows, the same
    # array); then the whole matrix is let go, so that a split takes about twice the data's memory, not five times
    X_dev, X_test = data.X[dev], data.X[test]
    X_train, X_val = (X_dev, None) if val is None else (data.X[train], data.X[val])
    data.X = None
    scaler = StandardScaler().fit(X_train)

    def scaled(X):
        return np.ascontiguousarray(scaler.transform(X), dtype=dtype)

    return Split(
        X_train=scaled(X_train),
        y_train=data.y[train],
        X_val=None if val is None else scaled(X_val),
        y_val=None if val is None else data.y[val],
        X_test=scaled(X_test),
        y_test=data.y[test],
        classes=classes,
        feature_names=data.feature_names,
        name=name,
        images_test=None if data.images is None else data.images[test],
        target_name=data.target_name,
        scaler=scaler,
        X_dev_raw=X_dev,
        y_dev=data.y[dev],
        X_test_raw=X_test,
        X_train_raw=X_train,
        X_val_raw=X_val,
        test_size=test_size,
        validation_size=validation_size,
        random_state=random_state,
    )
