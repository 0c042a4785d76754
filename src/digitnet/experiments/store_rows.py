"""Rows of the results store read back and checked: a row that cannot be read is named, never a traceback.

A store is a file anyone can edit with ``sqlite3``, and SQLite's column types are only
affinities: a column declared INTEGER holds text, NULL or a fraction if it is given one. So every
row read back is checked here, column by column, before anything uses it: :func:`decode_run`
returns a :class:`StoredRun` or raises :class:`Unreadable` saying which column holds what; the
store skips such rows and counts them (:mod:`digitnet.experiments.store`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .runs import METRICS, RunRecord

__all__ = [
    "COLUMNS",
    "SWEEP_COLUMNS",
    "StoredRun",
    "SweepEntry",
    "Unreadable",
    "decode_run",
    "decode_sweep",
    "record_of",
]

#: The ``runs`` table's columns, in the order rows are written and read.
COLUMNS = (
    "run_id",
    "sweep",
    "config_json",
    "seed",
    "fold",
    "max_iter",
    "data_json",
    *METRICS,
    "n_iter",
    "fit_seconds",
    "curve_json",
    "error",
    "created_at",
    "versions_json",
    "diverged_at",
)
#: The ``sweeps`` table's columns as :class:`SweepEntry` reads them (the owner, last, is not kept).
SWEEP_COLUMNS = ("id", "name", "started_at", "finished_at", "status", "n_runs", "n_found", "config_json", "owner")


@dataclass
class StoredRun:
    """One row of the ``runs`` table, its JSON columns parsed (see :meth:`Store.rows`)."""

    run_id: str
    sweep: str | None
    config: dict
    seed: int
    fold: int | None
    max_iter: int | None
    data: dict
    val_accuracy: float
    test_accuracy: float
    test_f1: float
    train_loss: float
    train_accuracy: float
    n_iter: int
    fit_seconds: float
    curve: dict
    error: str | None
    created_at: str
    versions: dict | None
    diverged_at: int | None = None


@dataclass
class SweepEntry:
    """One sweep command run on a store: when, how it ended, how many runs it asked for and found."""

    id: int
    name: str
    started_at: str
    finished_at: str | None
    status: str
    n_runs: int
    n_found: int
    config: dict | None


class Unreadable(ValueError):
    """A store row whose columns do not hold what digitnet writes; ``str(exc)`` names the row and the column,
    ``table`` and ``key`` say which row it is (``"runs"`` and its run id, or ``"sweeps"`` and its id)."""

    def __init__(self, message: str, table: str | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.table, self.key = table, key


def _what(value):
    """What a column holds, in words."""
    if value is None:
        return "empty (NULL)"
    if isinstance(value, bytes):
        return f"{len(value)} bytes of binary data"
    if isinstance(value, str):
        return f"the text {value[:20]!r}" + ("..." if len(value) > 20 else "")
    return f"the number {value!r}"


def _integer(value, name, optional=False, minimum=None):
    if value is None and optional:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and (minimum is None or value >= minimum):
        return value
    raise Unreadable(f"{name} is {_what(value)}, not an integer" + (f" >= {minimum}" if minimum is not None else ""))


def _number(value, name):
    """A metric: a float (NaN for NULL, which is how a missing score is stored)."""
    if value is None:
        return math.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise Unreadable(f"{name} is {_what(value)}, not a number")


def _text(value, name, optional=False):
    if (value is None and optional) or isinstance(value, str):
        return value
    raise Unreadable(f"{name} is {_what(value)}, not text")


def _json(value, name, optional=False):
    """A JSON object (a dict) from a ``*_json`` column."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise Unreadable(f"{name} is {_what(value)}, not JSON text")
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):
        raise Unreadable(f"{name} is not valid JSON") from None
    if parsed is None and optional:
        return None
    if not isinstance(parsed, dict):
        raise Unreadable(f"{name} is JSON but not an object")
    return parsed


def _curve(value):
    curve = _json(value, "curve_json")
    for key, series in curve.items():
        if not isinstance(series, list) or not all(
            v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in series
        ):
            raise Unreadable(f"curve_json's {str(key)[:20]!r} is not a list of numbers")
    return curve


def decode_run(values: Sequence[Any]) -> StoredRun:
    """One ``runs`` row (values in :data:`COLUMNS` order) as a :class:`StoredRun`.

    Raises
    ------
    Unreadable
        If a column holds what digitnet never writes there (text in a metric, an empty ``n_iter``,
        invalid JSON...): its message starts with the row's run id and names the column.
    """
    row = dict(zip(COLUMNS, values))
    name = row["run_id"] if isinstance(row["run_id"], str) else repr(row["run_id"])
    try:
        return StoredRun(
            run_id=_text(row["run_id"], "run_id"),
            sweep=_text(row["sweep"], "sweep", optional=True),
            config=_json(row["config_json"], "config_json"),
            seed=_integer(row["seed"], "seed"),
            fold=_integer(row["fold"], "fold", optional=True),
            max_iter=_integer(row["max_iter"], "max_iter", True),
            data=_json(row["data_json"], "data_json"),
            **{m: _number(row[m], m) for m in METRICS},
            n_iter=_integer(row["n_iter"], "n_iter", minimum=0),
            fit_seconds=_number(row["fit_seconds"], "fit_seconds"),
            curve=_curve(row["curve_json"]),
            error=_text(row["error"], "error", optional=True),
            created_at=_text(row["created_at"], "created_at"),
            versions=_json(row["versions_json"], "versions_json", optional=True),
            diverged_at=_integer(row["diverged_at"], "diverged_at", optional=True),
        )
    except Unreadable as exc:
        raise Unreadable(f"run {name[:16]}: {exc}", "runs", row["run_id"]) from None


def decode_sweep(values: Sequence[Any]) -> SweepEntry:
    """One ``sweeps`` row (values in :data:`SWEEP_COLUMNS` order) as a :class:`SweepEntry`; raises :class:`Unreadable`."""
    row = dict(zip(SWEEP_COLUMNS, values))
    try:
        return SweepEntry(
            id=_integer(row["id"], "id"),
            name=_text(row["name"], "name", optional=True),
            started_at=_text(row["started_at"], "started_at"),
            finished_at=_text(row["finished_at"], "finished_at", optional=True),
            status=_text(row["status"], "status"),
            n_runs=_integer(row["n_runs"], "n_runs", optional=True),
            n_found=_integer(row["n_found"], "n_found", optional=True),
            config=_json(row["config_json"], "config_json", optional=True),
        )
    except Unreadable as exc:
        raise Unreadable(f"sweep entry {row['id']!r}: {exc}", "sweeps", row["id"]) from None


def record_of(run: StoredRun) -> RunRecord:
    """A :class:`StoredRun` as the :class:`~digitnet.experiments.runs.RunRecord` a sweep tabulates
    (``config`` is -1: a configuration index belongs to a sweep, not to the store)."""
    return RunRecord(
        config=-1,
        seed=run.seed,
        fold=run.fold,
        **{m: getattr(run, m) for m in METRICS},
        n_iter=run.n_iter,
        fit_seconds=run.fit_seconds,
        curve=run.curve,
        error=run.error,
        diverged_at=run.diverged_at,
    )
