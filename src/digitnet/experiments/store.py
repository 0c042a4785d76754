"""The results store: every finished run of a sweep, committed at once to an SQLite database.

A sweep writes to ``DIR/sweep.sqlite`` (standard library :mod:`sqlite3`, WAL
journal): one row per run, holding its full configuration, seed, fold,
metrics, per-epoch curve, timing and package versions, as numbers and JSON
text (nothing is pickled). ``sweep.csv`` and ``curves.json`` are exported from it.

**Identity.** A run is identified by :func:`run_id`: the SHA-256 of the
canonical JSON (:func:`digitnet.jsonify.canonical_json`: sorted keys, tuples as lists, NumPy
scalars as Python numbers, infinities as strings) of everything that determines its numbers: every
estimator parameter (defaults filled in, ``max_iter`` included), the seed,
a fingerprint of the data (the exact arrays it trains and is scored on, and the
cross-validation folds), the fold, and whether it is scored on the test part.
The same run asked for again, by the same command, an extended grid or another
grid that contains it, has the same id and is not trained again.

**Crash safety.** Rows are written in one transaction per finished chunk of
work (``BEGIN IMMEDIATE`` ... ``COMMIT``, ``INSERT OR IGNORE`` on the id): a
process killed at any moment leaves every committed row intact and no
half-written one (SQLite's write-ahead log makes a commit atomic and durable
against a killed process). Runs are deterministic, so a run committed twice,
by two sweeps racing on one store, is the same row: the second is ignored.

**Concurrency.** Several processes may use one store at once: writers take
SQLite's lock in turn, waiting up to ``timeout`` seconds for it (the busy
timeout), readers never block.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sqlite3
import time
from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from ..jsonify import canonical_json, dumps
from .runs import METRICS, RunRecord

__all__ = ["FILENAME", "SCHEMA_VERSION", "Store", "StoredRun", "SweepEntry", "data_fingerprint", "run_id"]

#: The store's file name inside a sweep's output directory.
FILENAME = "sweep.sqlite"
#: Bumped when the table layout changes; a store of another version is refused, not misread.
SCHEMA_VERSION = 1
#: Bumped when what goes into a run's identity changes (old runs are then simply not found).
IDENTITY_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    sweep TEXT,
    config_json TEXT NOT NULL,
    seed INTEGER NOT NULL,
    fold INTEGER,
    max_iter INTEGER,
    data_json TEXT NOT NULL,
    val_accuracy REAL,
    test_accuracy REAL,
    test_f1 REAL,
    train_loss REAL,
    train_accuracy REAL,
    n_iter INTEGER,
    fit_seconds REAL,
    curve_json TEXT NOT NULL,
    error TEXT,
    created_at TEXT NOT NULL,
    versions_json TEXT
);
CREATE TABLE IF NOT EXISTS sweeps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    n_runs INTEGER,
    n_found INTEGER,
    config_json TEXT
);
"""

_COLUMNS = ("run_id", "sweep", "config_json", "seed", "fold", "max_iter", "data_json", *METRICS, "n_iter",
            "fit_seconds", "curve_json", "error", "created_at", "versions_json")


# ----------------------------------------------------------------------------------------------
# Identity
# ----------------------------------------------------------------------------------------------


def run_id(identity):
    """The stable id of a run: the SHA-256 (hex) of the canonical JSON of its identity dict."""
    return hashlib.sha256(canonical_json(identity).encode("utf-8")).hexdigest()


def _hash_array(hasher, name, array):
    if array is None:
        hasher.update(f"{name}:none;".encode())
        return
    array = np.asarray(array)
    if array.dtype.kind in "OUS":  # labels read from a CSV: hash their text, not object pointers
        array = array.astype(str)
    array = np.ascontiguousarray(array)
    hasher.update(f"{name}:{array.dtype.str}:{array.shape};".encode())
    hasher.update(array.tobytes())


def data_fingerprint(split, folds=None):
    """SHA-256 (hex) of exactly the data a run sees: the split's arrays, and the cross-validation folds.

    Without folds, runs train on ``X_train`` and are scored on ``X_val`` /
    ``X_test``; with folds, they train and validate on folds of the raw
    non-test rows (``X_dev_raw``) and are scored on the raw test rows, each
    scaled on its fold's training rows. Only the arrays in use are hashed.
    """
    hasher = hashlib.sha256()
    if folds is None:
        names = ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test")
    else:
        names = ("X_dev_raw", "y_dev", "X_test_raw", "y_test")
        hasher.update(f"dtype:{np.dtype(split.X_train.dtype).str};".encode())
    for name in names:
        _hash_array(hasher, name, getattr(split, name))
    for k, (train, val) in enumerate(folds or ()):
        _hash_array(hasher, f"fold{k}.train", train)
        _hash_array(hasher, f"fold{k}.val", val)
    return hasher.hexdigest()


# ----------------------------------------------------------------------------------------------
# The store
# ----------------------------------------------------------------------------------------------


def _now():
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _real(value):
    """A float for a REAL column: NaN becomes NULL (SQLite would store NULL anyway)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _float(value):
    return math.nan if value is None else float(value)


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


class Store:
    """An open results store (one SQLite connection).

    Parameters
    ----------
    path : str or path-like
        The database file; created, with its tables, if it does not exist.
    timeout : float, default=30
        Seconds to wait for another process's write lock before giving up.
    readonly : bool, default=False
        Open an existing store for reading only (``digitnet results``).

    Raises
    ------
    UsageError
        If the file is not a digitnet results store, is of another layout
        version, cannot be created, or (``readonly``) does not exist.
    """

    def __init__(self, path, *, timeout=30.0, readonly=False):
        self.path = os.fspath(path)
        if readonly and not os.path.isfile(self.path):
            raise UsageError(f"no results store at {self.path}")
        try:
            self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise UsageError(f"cannot open results store {self.path}: {exc}") from None
        try:
            self._setup_waiting(readonly, timeout)
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise UsageError(f"{self.path} is not a usable digitnet results store: {exc}") from None
        except BaseException:
            self._conn.close()
            raise

    def _setup_waiting(self, readonly, timeout):
        # SQLite does not always call its busy handler while a new file is switched to WAL and given its tables
        # by two processes at once ("database is locked" at once): wait for the other one here instead.
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self._setup(readonly)
            except sqlite3.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _setup(self, readonly):
        conn = self._conn
        if readonly:
            conn.execute("PRAGMA query_only = ON")
        else:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.DatabaseError(f"cannot switch to the write-ahead log (journal mode {mode})")
            conn.execute("PRAGMA synchronous = NORMAL")  # with WAL: atomic commits, durable against killed processes
            with self.transaction():
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                             (str(SCHEMA_VERSION),))
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"meta", "runs"} <= tables:
            raise sqlite3.DatabaseError("it has no runs table")
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None or row[0] != str(SCHEMA_VERSION):
            found = "none" if row is None else row[0]
            raise sqlite3.DatabaseError(f"layout version {found}, this digitnet reads version {SCHEMA_VERSION}")

    # -------------------------------------------------------------------------------- basics

    def close(self):
        self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def transaction(self):
        """``with store.transaction():`` a write transaction (``BEGIN IMMEDIATE``), committed or rolled back."""
        return _Transaction(self._conn)

    def rollback(self):
        """End a write transaction left open (by an interrupt), discarding it."""
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def integrity_check(self):
        """SQLite's ``PRAGMA integrity_check``: ``"ok"`` for a sound database."""
        return self._conn.execute("PRAGMA integrity_check").fetchone()[0]

    # -------------------------------------------------------------------------------- runs

    def existing(self, run_ids):
        """The subset of ``run_ids`` already in the store."""
        run_ids = list(dict.fromkeys(run_ids))
        found = set()
        for start in range(0, len(run_ids), 500):
            batch = run_ids[start:start + 500]
            marks = ",".join("?" * len(batch))
            found.update(r[0] for r in self._conn.execute(f"SELECT run_id FROM runs WHERE run_id IN ({marks})", batch))
        return found

    def count(self, run_ids=None):
        """Rows in the store (among ``run_ids``, if given)."""
        if run_ids is None:
            return self._conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        return len(self.existing(run_ids))

    def add(self, runs, *, sweep=None, versions=None, info=None):
        """Commit finished runs, all in one transaction; runs already present are left as they are.

        Parameters
        ----------
        runs : iterable of (run_id, identity, record)
            ``identity`` is the dict hashed into ``run_id`` (its ``params``,
            ``seed``, ``fold`` and ``data`` are stored as columns); ``record``
            is the run's :class:`~digitnet.experiments.runs.RunRecord`.
        sweep : str, optional
            Name of the sweep that produced them.
        versions : dict, optional
            Package versions, stored as JSON with every row.
        info : dict, optional
            A description of the data (not part of the identity), stored with
            the identity's data fingerprint in ``data_json``.

        Returns
        -------
        int
            Rows inserted (runs already in the store are not counted).
        """
        created = _now()
        versions_json = None if versions is None else canonical_json(versions)
        rows = []
        for rid, identity, record in runs:
            params = identity["params"]
            rows.append((
                rid, sweep, canonical_json(params), int(identity["seed"]), identity.get("fold"),
                params.get("max_iter"), canonical_json({**(info or {}), **{k: v for k, v in identity.items()
                                                                            if k not in ("params", "seed", "fold")}}),
                *(_real(getattr(record, m)) for m in METRICS), int(record.n_iter), _real(record.fit_seconds),
                json.dumps(record.curve or {}, separators=(",", ":")), record.error, created, versions_json,
            ))
        if not rows:
            return 0
        marks = ",".join("?" * len(_COLUMNS))
        with self.transaction():
            before = self._conn.total_changes
            self._conn.executemany(f"INSERT OR IGNORE INTO runs ({','.join(_COLUMNS)}) VALUES ({marks})", rows)
            return self._conn.total_changes - before

    def get(self, run_ids):
        """``run_id`` -> :class:`~digitnet.experiments.runs.RunRecord` for the ids present
        (``config`` is -1: a configuration index belongs to a sweep, not to the store)."""
        run_ids = list(dict.fromkeys(run_ids))
        out = {}
        names = ("run_id", "seed", "fold", *METRICS, "n_iter", "fit_seconds", "curve_json", "error")
        for start in range(0, len(run_ids), 500):
            batch = run_ids[start:start + 500]
            marks = ",".join("?" * len(batch))
            for row in self._conn.execute(f"SELECT {','.join(names)} FROM runs WHERE run_id IN ({marks})", batch):
                row = dict(zip(names, row))
                out[row["run_id"]] = RunRecord(
                    config=-1, seed=row["seed"], fold=row["fold"], **{m: _float(row[m]) for m in METRICS},
                    n_iter=int(row["n_iter"]), fit_seconds=_float(row["fit_seconds"]),
                    curve=json.loads(row["curve_json"]), error=row["error"])
        return out

    def rows(self):
        """Every run in the store, oldest first, as :class:`StoredRun` records."""
        cursor = self._conn.execute(f"SELECT {','.join(_COLUMNS)} FROM runs ORDER BY created_at, run_id")
        out = []
        for values in cursor:
            row = dict(zip(_COLUMNS, values))
            for name in ("config_json", "data_json", "curve_json", "versions_json"):
                text = row.pop(name)
                row[name[:-5]] = None if text is None else json.loads(text)
            for m in (*METRICS, "fit_seconds"):
                row[m] = _float(row[m])
            out.append(StoredRun(**row))
        return out

    # -------------------------------------------------------------------------------- sweeps

    def start_sweep(self, name, config, n_runs, n_found):
        """Record that a sweep started; returns its id (for :meth:`finish_sweep`)."""
        with self.transaction():
            cursor = self._conn.execute(
                "INSERT INTO sweeps (name, started_at, status, n_runs, n_found, config_json) VALUES (?, ?, ?, ?, ?, ?)",
                (name, _now(), "running", n_runs, n_found, dumps(config, sort_keys=True)))
            return cursor.lastrowid

    def finish_sweep(self, sweep_id, status):
        """Mark a sweep ``finished``, ``interrupted`` or ``failed``."""
        with self.transaction():
            self._conn.execute("UPDATE sweeps SET finished_at = ?, status = ? WHERE id = ?",
                               (_now(), status, sweep_id))

    def sweeps(self):
        """Every sweep run on this store, oldest first, as :class:`SweepEntry` records."""
        names = ("id", "name", "started_at", "finished_at", "status", "n_runs", "n_found", "config_json")
        out = []
        for values in self._conn.execute(f"SELECT {','.join(names)} FROM sweeps ORDER BY id"):
            row = dict(zip(names, values))
            row["config"] = json.loads(row.pop("config_json") or "null")
            out.append(SweepEntry(**row))
        return out


class _Transaction:
    def __init__(self, conn):
        self._conn = conn

    def __enter__(self):
        self._conn.execute("BEGIN IMMEDIATE")  # take the write lock now (waiting up to the busy timeout)
        return self._conn

    def __exit__(self, kind, exc, tb):
        if kind is None:
            self._conn.execute("COMMIT")
        elif self._conn.in_transaction:
            self._conn.execute("ROLLBACK")
        return False


