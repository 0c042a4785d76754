"""CSV files of data, read the way the user meant: a real header, numeric features, labels as written.

- **Header.** A file must start with a row of column names. A first row of numbers is data, not
  names, so the file is refused with a line saying to give ``--no-header`` (``header=False``),
  which reads every row as data and numbers the columns 0, 1, ... (A header of exactly
  ``0,1,...,n-1``, as ``DataFrame.to_csv`` writes it, is a header.) A name given twice is refused.
- **Features** are numbers; an empty cell or a missing-value word (``NA``, ``nan``, ...) in a
  feature column is reported with its line, as is text, an infinity (``inf``), a number beyond
  float64's range (``1e999``) and one beyond ±:data:`MAX_MAGNITUDE`, whose square overflows the
  arithmetic that standardises features and scores a regression.
- **Labels** keep the text they have in the file: ``"1"`` and ``"01"`` are two classes, ``"NA"``
  is a class; a missing label is an empty cell. Labels written as plain integers come out as
  integers. A target column that looks continuous (fractional values, or almost every row
  its own value) is refused with a line suggesting ``--target``.
- **Rows** have as many cells as the header; a row with more or fewer is refused with its line.
- For predictions, columns are matched to the model's features **by name** when the model knows
  them; a missing or an extra column is named in the error.
- **Compressed files** (gzip, bzip2, xz, recognised by their first bytes, whatever their name) are
  read as they are decompressed, up to :data:`MAX_DECOMPRESSED` bytes of text: a file that
  decompresses to more (a decompression bomb, or data too large to read this way) is refused.
  A zip or zstd file is refused with a line saying to extract it.
- **Memory.** The text is read twice, as a stream, never held whole: once by Python's ``csv``
  module (row lengths, line numbers, the target's labels as integer codes) and once by pandas'
  C parser, in chunks of about :data:`CHUNK_CELLS` cells, straight into a float64 matrix sized
  from the first pass. Reading takes at most :data:`MEMORY_PER_BYTE` times the file's
  (uncompressed) size, plus a few megabytes for a chunk; a file that would need more than the
  machine has available is refused before it is read.

Every problem is one :class:`~digitnet.errors.UsageError` line naming the file, the column and
the first offending line (the file's line number, the header being line 1). Every check is
linear in the file's size.
"""

from __future__ import annotations

import array
import bz2
import csv
import gzip
import io
import lzma
import os
import re
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import pandas as pd

from .errors import UsageError
from .files import check_regular_file
from .resources import available_memory, gib

#: Cells that mean "no value" in a feature column (pandas' default missing-value words).
MISSING = frozenset(
    {
        "",
        "NA",
        "N/A",
        "n/a",
        "NaN",
        "nan",
        "-nan",
        "-NaN",
        "NULL",
        "null",
        "None",
        "<NA>",
        "#N/A",
        "#NA",
        "1.#IND",
        "-1.#IND",
        "1.#QNAN",
        "-1.#QNAN",
        "#N/A N/A",
    }
)
_INTEGER = re.compile(r"^-?(0|[1-9][0-9]*)$")
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_INFINITY = frozenset({"inf", "infinity"})
#: A numeric target with more distinct values than this share of its rows does not look like class labels.
CONTINUOUS_SHARE = 0.5
#: ... provided it also has more distinct values than this.
CONTINUOUS_MIN_VALUES = 20
#: The largest magnitude of a value read: its square (1e200), summed over any number of rows, stays finite.
MAX_MAGNITUDE = 1e100
#: Reading a file takes at most this many times its size in memory: 8 bytes for each number, a cell being at least
#: 2 bytes of text (a digit and a comma), and 4 + 8 bytes a row for a target's codes and labels.
MEMORY_PER_BYTE = 6
#: The most text a compressed CSV file may decompress to.
MAX_DECOMPRESSED = 1 << 30
#: The longest line read (characters): 100,000 columns of 160 characters each.
MAX_LINE = 16 << 20
#: About this many cells are converted at a time.
CHUNK_CELLS = 1 << 20
#: Compressed files, by their first bytes: what they are, and how to open them as a stream.
_COMPRESSED = {b"\x1f\x8b": ("gzip", gzip.open), b"BZh": ("bzip2", bz2.open), b"\xfd7zXZ\x00": ("xz", lzma.open)}
#: Files that hold a CSV file but are not read as one.
_ARCHIVES = {b"PK\x03\x04": "a zip archive", b"(\xb5/\xfd": "zstd-compressed"}
#: What reading a damaged or foreign file raises.
_UNREADABLE = (UnicodeDecodeError, csv.Error, pd.errors.ParserError, EOFError, zlib.error, lzma.LZMAError)
#: pandas before 3.1 needs to be asked for correctly rounded numbers (3.1 always rounds correctly, and warns).
_ROUND_TRIP = (
    {} if tuple(int(p) for p in re.findall(r"\d+", pd.__version__)[:2]) >= (3, 1) else {"float_precision": "round_trip"}
)


@dataclass
class Table:
    """A CSV file's header, and how to read its rows again (nothing but the header is read yet).

    Attributes
    ----------
    path : str
    columns : list of str
        The header's names, or ``"0"``, ``"1"``, ... for a file read without header.
    header : bool
        Whether the file has a header row.
    skip : int
        Records before the first data row (the header, and blank lines before it).
    size : int
        Bytes of text (after decompression).
    compression : str or None
        ``"gzip"``, ``"bzip2"``, ``"xz"`` or None.
    """

    path: str
    columns: list
    header: bool
    skip: int
    size: int
    compression: str | None = None

    def open(self) -> BinaryIO:
        """The file's text as a binary stream (decompressed)."""
        opener = _COMPRESSED_OPENERS.get(self.compression, open)
        return opener(self.path, "rb")

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """``(line number, cells)`` of every data row, read again from the file (blank lines skipped)."""
        with self.open() as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
            reader = csv.reader(_lines(text, self.path))
            for _ in range(self.skip):
                next(reader)
            for row in reader:
                if row and (len(row) > 1 or row[0].strip()):  # pandas skips blank and whitespace-only lines too
                    yield reader.line_num, row

    def line_of(self, row: int) -> tuple[int, list[str]] | None:
        """``(line number, cells)`` of data row ``row`` (0-based)."""
        for i, record in enumerate(self.records()):
            if i == row:
                return record
        raise UsageError(f"{self.path} changed while it was being read")


_COMPRESSED_OPENERS = {name: opener for name, opener in _COMPRESSED.values()}


def _lines(text, path):
    """The lines of ``text``, each read with a bound: a line longer than MAX_LINE characters is refused."""
    for number, line in enumerate(iter(lambda: text.readline(MAX_LINE + 1), ""), 1):
        if len(line) > MAX_LINE:
            raise UsageError(
                f"{path}: line {number} is longer than {MAX_LINE >> 20} MiB: this is not a CSV file of"
                " data (or its lines do not end in line breaks)"
            )
        yield line


def _compression(path):
    """The compression of ``path`` by its first bytes (None: plain text), and its size as text."""
    with open(path, "rb") as f:
        magic = f.read(6)
    for prefix, what in _ARCHIVES.items():
        if magic.startswith(prefix):
            raise UsageError(
                f"{path} is {what}, not a CSV file: extract (decompress) the CSV file from it and give that"
            )
    name, opener = next((kind for prefix, kind in _COMPRESSED.items() if magic.startswith(prefix)), (None, None))
    if name is None:
        return None, os.path.getsize(path)
    size = 0
    with opener(path, "rb") as f:
        while size <= MAX_DECOMPRESSED and (block := f.read(1 << 20)):
            size += len(block)
    if size > MAX_DECOMPRESSED:
        raise UsageError(
            f"{path} is {name}-compressed and decompresses to more than {gib(MAX_DECOMPRESSED)}, the"
            " most digitnet reads from a compressed file: decompress it yourself and check that it is"
            " the data you meant"
        )
    return name, size


def _check_memory(path, size):
    """Refuse a file whose reading would need more memory than is available."""
    available = available_memory()
    if available is not None and size * MEMORY_PER_BYTE > available:
        raise UsageError(
            f"{path} holds {gib(size)} of text; reading it needs up to {gib(size * MEMORY_PER_BYTE)} of"
            f" memory, more than the {gib(available)} available: use a part of it, or a larger machine"
        )


def _looks_like_numbers(names):
    """A header row that is data: every cell a number, and not the names 0..n-1 that to_csv writes."""
    if not all(_NUMBER.match(name) for name in names):
        return False
    return [name.strip() for name in names] != [str(i) for i in range(len(names))]


def _first_rows(path, compression, size):
    """``(records before the first data row, the first non-blank row, whether a data row follows it)``."""
    table = Table(path, [], header=False, skip=0, size=size, compression=compression)
    with table.open() as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(_lines(text, path))
        skip, first = 0, None
        for row in reader:
            skip += 1
            if row and (len(row) > 1 or row[0].strip()):
                first = row
                break
        more = any(row and (len(row) > 1 or row[0].strip()) for row in reader)
    return skip, first, more


def read_table(path: str | os.PathLike[str], header: bool = True) -> Table:
    """The header of a CSV file (the rows are read later, by :func:`read_columns`), after checking that it is a
    regular file, not too large for memory, with a header of distinct names (if ``header``) and data rows."""
    path = check_regular_file(path, "CSV file")
    try:
        compression, size = _compression(path)
        _check_memory(path, size)
        skip, first, more = _first_rows(path, compression, size)
    except _UNREADABLE as exc:
        raise UsageError(f"{path} is not a valid CSV file: {_one_line(exc)}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or _one_line(exc)}") from None
    if first is None:
        raise UsageError(f"{path} is empty: expected a CSV file with a header row")
    if not header:
        return Table(path, [str(i) for i in range(len(first))], False, skip - 1, size, compression)
    if _looks_like_numbers(first):
        shown = ", ".join(first[:4]) + (", ..." if len(first) > 4 else "")
        raise UsageError(
            f"{path}: its first line ({shown}) holds numbers, not column names: if the file has no"
            " header row, give --no-header (its columns are then numbered 0, 1, ...); otherwise put"
            " the column names on the first line"
        )
    duplicated = sorted(name for name, count in Counter(first).items() if count > 1)
    if duplicated:
        raise UsageError(f"{path}: column name(s) {list_names([repr(n) for n in duplicated])} appear more than once")
    if not more:
        raise UsageError(f"{path} has a header but no data rows")
    return Table(path, first, True, skip, size, compression)


def _one_line(exc, limit=200):
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[:limit] + "..."


# ----------------------------------------------------------------------------------------------
# The rows: a first pass for their shape and the target's labels, a second for the numbers
# ----------------------------------------------------------------------------------------------


@dataclass
class _Codes:
    """A text column as integer codes (one per row) into its distinct values, in order of first appearance."""

    codes: np.ndarray
    values: list

    def text(self):
        """The column: int64 if every value is a plain integer (within int64), else text (an object array)."""
        if all(is_integer(v) for v in self.values):
            numbers = [int(v) for v in self.values]
            if all(-(2**63) <= n < 2**63 for n in numbers):
                return np.array(numbers, dtype=np.int64)[self.codes]
        return np.array(self.values, dtype=object)[self.codes]


def _scan(table, target):
    """First pass: ``(number of data rows, the target column as _Codes or None)``; a row whose number of cells
    differs from the header's is refused."""
    n_columns, index = len(table.columns), (None if target is None else table.columns.index(target))
    codes, seen, rows = array.array("i"), {}, 0
    for line, row in table.records():
        if len(row) != n_columns:
            raise UsageError(
                f"{table.path}: line {line} has {len(row)} cell(s), but the header has {n_columns}"
                " columns (an unquoted comma in a cell?)"
            )
        rows += 1
        if index is not None:
            codes.append(seen.setdefault(row[index], len(seen)))
    if index is None:
        return rows, None
    return rows, _Codes(np.frombuffer(codes, dtype=np.int32) if rows else np.zeros(0, np.int32), list(seen))


def _numbers(table, columns, n_rows):
    """Second pass: the named columns as float64 arrays (NaN where a cell is missing), one matrix per list of
    ``columns`` (``[features]``, or ``[features, [target]]``); and whether any value is missing or too large.

    pandas' C parser converts a chunk of rows at a time, straight into the matrices; a chunk with a
    cell that is not a number is reported by :func:`_not_numeric`.
    """
    where = {name: j for j, name in enumerate(table.columns)}
    used = sorted({where[c] for group in columns for c in group})
    position = {j: i for i, j in enumerate(used)}
    orders = [[position[where[c]] for c in group] for group in columns]  # each group's columns among those read
    orders = [None if order == list(range(len(used))) else order for order in orders]  # None: all, in order
    out = [np.empty((n_rows, len(group))) for group in columns]
    done, suspicious = 0, False
    with (
        table.open() as raw,
        pd.read_csv(
            raw,
            header=None,
            skiprows=table.skip,
            usecols=used,
            dtype=np.float64,
            na_values=sorted(MISSING),
            keep_default_na=False,
            skip_blank_lines=True,
            chunksize=max(1, CHUNK_CELLS // len(table.columns)),
            engine="c",
            encoding="utf-8",
            compression=None,
            **_ROUND_TRIP,
        ) as chunks,
    ):
        while done <= n_rows:
            try:
                block = next(chunks).to_numpy(dtype=np.float64)
            except StopIteration:
                break
            except ValueError:  # text in a column of numbers: find it, with its line
                raise _not_numeric(table, [c for group in columns for c in group]) from None
            if done + len(block) <= n_rows:
                suspicious = suspicious or not (np.abs(block) <= MAX_MAGNITUDE).all()  # NaN is not <= anything
                for array, order in zip(out, orders):
                    array[done : done + len(block)] = block if order is None else block[:, order]
            done += len(block)
    if done != n_rows:
        raise UsageError(
            f"{table.path} reads as {n_rows} rows with Python's csv module but {done} with pandas: check"
            " its quoting and line endings"
        )
    return out, suspicious


def _not_numeric(table, columns):
    """The UsageError for the first cell of ``columns`` that is neither a number nor missing."""
    indices = [table.columns.index(c) for c in columns]
    for line, row in table.records():
        for j, column in zip(indices, columns):
            text = row[j].strip()
            if text not in MISSING and not _NUMBER.match(text) and text.lower().lstrip("+-") not in _INFINITY:
                return UsageError(f"{table.path}: column {column!r} is not numeric ({row[j]!r} on line {line})")
    return UsageError(f"{table.path}: a value in column(s) {list_names(columns)} cannot be read as a number")


def _check_numbers(table, X, columns):
    """Refuse a missing cell, an infinity, a number beyond float64's range or beyond ±MAX_MAGNITUDE (its line)."""
    for j, column in enumerate(columns):
        values = X[:, j]
        missing = np.isnan(values)
        if missing.any():
            line, _ = table.line_of(int(np.argmax(missing)))
            raise UsageError(
                f"{table.path}: column {column!r} has {int(missing.sum())} missing value(s), the first on line {line}"
            )
        large = np.abs(values) > MAX_MAGNITUDE
        if large.any():
            raise _too_large(table, column, int(np.argmax(large)))


def _too_large(table, column, row):
    """The UsageError for a value beyond ±MAX_MAGNITUDE, saying whether it is infinite, beyond float64 or large."""
    line, cells = table.line_of(row)
    text = cells[table.columns.index(column)].strip()
    if text.lower().lstrip("+-") in _INFINITY:
        return UsageError(
            f"{table.path}: column {column!r} has a non-finite value on line {line} ({text!r}, an"
            " infinity): values must be finite numbers"
        )
    if _NUMBER.match(text) and not np.isfinite(float(text)):
        return UsageError(
            f"{table.path}: column {column!r} has a non-finite value on line {line} ({text}, beyond"
            " the range of float64 numbers, about ±1.8e308): values must be finite numbers"
        )
    return UsageError(
        f"{table.path}: column {column!r} has {text} on line {line}: values beyond"
        f" ±{MAX_MAGNITUDE:g} are refused, as their squares (to standardise the column, or in a squared"
        " error) overflow float64; rescale the column (divide it by a power of ten)"
    )


def read_columns(
    table: Table, features: Sequence[str], target: str | None = None, target_kind: str = "labels"
) -> tuple[np.ndarray, np.ndarray | None]:
    """The data rows of ``table``: the ``features`` columns as numbers, and the ``target`` column.

    Parameters
    ----------
    table : Table
    features : list of str
        Columns of numbers, in the order wanted.
    target : str, optional
    target_kind : {"labels", "values", "text"}, default="labels"
        Class labels (checked: none missing, not continuous), numbers, or the column as written
        (integers if every cell is a plain integer, else text).

    Returns
    -------
    X : ndarray of shape (n_rows, len(features)), float64
    y : ndarray of shape (n_rows,), or None without ``target``
    """
    numeric_target = target is not None and target_kind == "values"
    groups = [features] + ([[target]] if numeric_target else [])
    try:
        n_rows, codes = _scan(table, None if numeric_target else target)
        arrays, suspicious = _numbers(table, groups, n_rows)
    except _UNREADABLE as exc:
        raise UsageError(f"{table.path} is not a valid CSV file: {_one_line(exc)}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {table.path}: {exc.strerror or _one_line(exc)}") from None
    if suspicious:
        for array, group in zip(arrays, groups):
            _check_numbers(table, array, group)
    if target is None:
        return arrays[0], None
    if numeric_target:
        return arrays[0], arrays[1][:, 0]
    if target_kind == "labels":
        _check_labels(table, target, codes)
    return arrays[0], codes.text()


def _check_labels(table, column, codes):
    """Refuse an empty label, and a column of numbers that looks continuous rather than like class labels."""
    empty = np.flatnonzero([not v.strip() for v in codes.values])
    if len(empty):
        rows = np.isin(codes.codes, empty)
        line, _ = table.line_of(int(np.argmax(rows)))
        raise UsageError(
            f"{table.path}: column {column!r} has {int(rows.sum())} missing label(s) (empty cells), the"
            f" first on line {line}"
        )
    numbers = pd.to_numeric(pd.Series(codes.values, dtype=object), errors="coerce").to_numpy(dtype=float)
    if np.isnan(numbers).any() or not np.isfinite(numbers).all():
        return  # text labels (or infinite numbers): classes
    n_values = len(np.unique(numbers))
    fractional = numbers != np.round(numbers)
    many = n_values > max(CONTINUOUS_MIN_VALUES, CONTINUOUS_SHARE * len(codes.codes))
    if fractional.any() or many:
        example = codes.values[int(np.argmax(fractional))] if fractional.any() else codes.values[0]
        raise UsageError(
            f"{table.path}: the target column {column!r} looks continuous ({n_values} distinct values"
            f" in {len(codes.codes)} rows, such as {example}), not like class labels: choose the column"
            f" of class labels with --target (columns: {list_names(table.columns)}), or fit a regression"
            " ('digitnet train --task regression')"
        )


def is_integer(text: object) -> bool:
    """Is this label written as a plain integer (no sign but minus, no leading zero, no spaces)?"""
    return bool(_INTEGER.match(str(text)))


def list_names(columns: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(map(str, columns[:limit]))
    return shown + (f", ... ({len(columns)} in all)" if len(columns) > limit else "")


def feature_columns(
    table: Table, n_features: int, feature_names: Sequence[str] | None = None, target: str | None = None
) -> list[str]:
    """Which columns of ``table`` are the model's features, in the model's order (see the module docstring)."""
    others = [c for c in table.columns if c != target]
    if feature_names and table.header:
        present, wanted = set(table.columns), set(feature_names)
        missing = [f for f in feature_names if f not in present]
        extra = [c for c in others if c not in wanted]
        if missing and len(missing) == len(feature_names):
            raise UsageError(
                f"{table.path}: none of its columns ({list_names(table.columns)}) are the model's features"
                f" ({list_names(feature_names)})"
            )
        if missing:
            raise UsageError(f"{table.path} lacks {len(missing)} of the model's feature columns: {list_names(missing)}")
        if extra:
            hint = "" if target else "; if one holds the true labels, name it with --target"
            raise UsageError(
                f"{table.path} has column(s) the model does not use: {list_names(extra)} (remove them{hint})"
            )
        return list(feature_names)
    if len(others) != n_features:
        raise UsageError(
            f"{table.path} has {len(others)} feature column(s), but the model expects {n_features}"
            + ("" if table.header else " (with --no-header the columns are taken in order)")
        )
    return others
