"""CSV files of data, read the way the user meant: a real header, numeric features, labels as written.

- **Header.** A file must start with a row of column names. A first row of numbers is data, not
  names, so the file is refused with a line saying to give ``--no-header`` (``header=False``),
  which reads every row as data and numbers the columns 0, 1, ... (A header of exactly
  ``0,1,...,n-1``, as ``DataFrame.to_csv`` writes it, is a header.)
- **Features** are numbers; an empty cell or a missing-value word (``NA``, ``nan``, ...) in a
  feature column is reported with its line, as is text or an infinity.
- **Labels** keep the text they have in the file: ``"1"`` and ``"01"`` are two classes, ``"NA"``
  is a class; a missing label is an empty cell. Labels written as plain integers come out as
  integers. A target column that looks continuous (fractional values, or almost every row
  its own value) is refused with a line suggesting ``--target``.
- For predictions, columns are matched to the model's features **by name** when the model knows
  them; a missing or an extra column is named in the error.

Every problem is one :class:`~digitnet.errors.UsageError` line naming the file, the column and
the first offending line (line numbers count the header as line 1).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import UsageError
from .files import check_regular_file

#: Cells that mean "no value" in a feature column (pandas' default missing-value words).
MISSING = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "-nan", "-NaN", "NULL", "null", "None", "<NA>", "#N/A",
                     "#NA", "1.#IND", "-1.#IND", "1.#QNAN", "-1.#QNAN", "#N/A N/A"})
_INTEGER = re.compile(r"^-?(0|[1-9][0-9]*)$")
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
#: A numeric target with more distinct values than this share of its rows does not look like class labels.
CONTINUOUS_SHARE = 0.5
#: ... provided it also has more distinct values than this.
CONTINUOUS_MIN_VALUES = 20


@dataclass
class Table:
    """A CSV file's cells as text (nothing converted yet), with its column names.

    Attributes
    ----------
    path : str
    columns : list of str
        The header's names, or ``"0"``, ``"1"``, ... for a file read without header.
    cells : DataFrame
        Every cell as text, columns named by ``columns``.
    first_line : int
        The file's line number of the first data row (2 with a header, 1 without).
    """

    path: str
    columns: list
    cells: pd.DataFrame
    first_line: int

    def line(self, row):
        return row + self.first_line


def _looks_like_numbers(names):
    """A header row that is data: every cell a number, and not the names 0..n-1 that to_csv writes."""
    if not all(_NUMBER.match(name) for name in names):
        return False
    return [name.strip() for name in names] != [str(i) for i in range(len(names))]


def read_table(path, header=True):
    """Read a CSV file as text cells, checking first that it is a regular file with a header (if ``header``)."""
    path = check_regular_file(path, "CSV file")
    try:
        cells = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, na_filter=False,
                            skip_blank_lines=True)
    except pd.errors.EmptyDataError:
        raise UsageError(f"{path} is empty: expected a CSV file with a header row") from None
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"{path} is not a valid CSV file: {' '.join(str(exc).split())}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not header:
        columns = [str(i) for i in range(cells.shape[1])]
        return Table(path, columns, cells.set_axis(columns, axis=1), first_line=1)
    names = [str(v) for v in cells.iloc[0]]
    if _looks_like_numbers(names):
        shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
        raise UsageError(f"{path}: its first line ({shown}) holds numbers, not column names: if the file has no"
                         " header row, give --no-header (its columns are then numbered 0, 1, ...); otherwise put"
                         " the column names on the first line")
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise UsageError(f"{path}: column name(s) {', '.join(map(repr, duplicated))} appear more than once")
    body = cells.iloc[1:].reset_index(drop=True).set_axis(names, axis=1)
    if body.empty:
        raise UsageError(f"{path} has a header but no data rows")
    return Table(path, names, body, first_line=2)


def feature_matrix(table, columns):
    """The named columns as a float64 matrix; a missing, non-numeric or infinite cell is a UsageError."""
    X = np.empty((len(table.cells), len(columns)))
    for j, column in enumerate(columns):
        text = table.cells[column].str.strip()
        missing = text.isin(MISSING).to_numpy()
        if missing.any():
            raise UsageError(f"{table.path}: column {column!r} has {missing.sum()} missing value(s), the first on"
                             f" line {table.line(int(np.argmax(missing)))}")
        try:
            X[:, j] = text.to_numpy(dtype=float)
        except ValueError:
            bad = int(np.argmax(~text.map(_is_float).to_numpy()))
            raise UsageError(f"{table.path}: column {column!r} is not numeric ({text.iloc[bad]!r} on line"
                             f" {table.line(bad)})") from None
    if not np.isfinite(X).all():
        row, col = np.argwhere(~np.isfinite(X))[0]
        raise UsageError(f"{table.path}: column {columns[col]!r} has a non-finite value on line {table.line(row)}")
    return X


def _is_float(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def is_integer(text):
    """Is this label written as a plain integer (no sign but minus, no leading zero, no spaces)?"""
    return bool(_INTEGER.match(str(text)))


def labels(table, column):
    """The target column's labels, as written: integers if every label is a plain integer, else text.

    Raises
    ------
    UsageError
        For an empty label cell, or a column that looks continuous rather than like class labels.
    """
    text = table.cells[column]
    empty = (text.str.strip() == "").to_numpy()
    if empty.any():
        raise UsageError(f"{table.path}: column {column!r} has {empty.sum()} missing label(s) (empty cells), the"
                         f" first on line {table.line(int(np.argmax(empty)))}")
    if text.map(is_integer).all():
        values = text.to_numpy(dtype=np.int64)
    else:
        values = text.to_numpy(dtype=object)
    _refuse_continuous(table, column, text, values)
    return values


def values(table, column):
    """The target column of a regression, as float64 numbers (a missing, non-numeric or infinite cell is a
    UsageError naming its line)."""
    return feature_matrix(table, [column])[:, 0]


def _refuse_continuous(table, column, text, values):
    numbers = pd.to_numeric(text, errors="coerce")
    if numbers.isna().any():
        return  # text labels: classes
    n_values = numbers.nunique()
    fractional = not np.all(np.mod(numbers.to_numpy(dtype=float), 1) == 0)
    many = n_values > max(CONTINUOUS_MIN_VALUES, CONTINUOUS_SHARE * len(values))
    if fractional or many:
        example = text.iloc[int(np.argmax(np.mod(numbers.to_numpy(dtype=float), 1) != 0))] if fractional else \
            text.iloc[0]
        raise UsageError(f"{table.path}: the target column {column!r} looks continuous ({n_values} distinct values"
                         f" in {len(values)} rows, such as {example}), not like class labels: choose the column of"
                         f" class labels with --target (columns: {_names(table.columns)}), or fit a regression"
                         " ('digitnet train --task regression')")


def _names(columns, limit=8):
    shown = ", ".join(map(str, columns[:limit]))
    return shown + (f", ... ({len(columns)} in all)" if len(columns) > limit else "")


def feature_columns(table, n_features, feature_names=None, target=None):
    """Which columns of ``table`` are the model's features, in the model's order (see the module docstring)."""
    others = [c for c in table.columns if c != target]
    known = feature_names and table.first_line == 2
    if known:
        missing = [f for f in feature_names if f not in table.columns]
        extra = [c for c in others if c not in feature_names]
        if missing and len(missing) == len(feature_names):
            raise UsageError(f"{table.path}: none of its columns ({_names(table.columns)}) are the model's features"
                             f" ({_names(feature_names)})")
        if missing:
            raise UsageError(f"{table.path} lacks {len(missing)} of the model's feature columns: {_names(missing)}")
        if extra:
            hint = "" if target else "; if one holds the true labels, name it with --target"
            raise UsageError(f"{table.path} has column(s) the model does not use: {_names(extra)} (remove them{hint})")
        return list(feature_names)
    if len(others) != n_features:
        raise UsageError(f"{table.path} has {len(others)} feature column(s), but the model expects {n_features}"
                         + ("" if table.first_line == 2 else " (with --no-header the columns are taken in order)"))
    return others
