"""The results store: every finished run of a sweep, committed at once to an SQLite database.

A sweep writes to ``DIR/sweep.sqlite`` (standard library :mod:`sqlite3`, WAL
journal): one row per run, holding its full configuration, seed, fold,
metrics, per-epoch curve, timing and package versions, as numbers and JSON
text (nothing is pickled). ``sweep.csv`` and ``curves.json`` are exported from it.

**Identity.** Each row is keyed by its run's id (:mod:`digitnet.experiments.identity`): the
same run asked for again is found, not trained again.

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

import json
import math
import os
import socket
import sqlite3
import time
import urllib.parse
from dataclasses import dataclass

from ..errors import UsageError
from ..files import check_regular_file, process_alive
from ..jsonify import canonical_json, dumps
from .runs import METRICS, RunRecord

__all__ = ["FILENAME", "SCHEMA_VERSION", "Store", "StoreDamaged", "StoredRun", "SweepEntry"]

#: The store's file name inside a sweep's output directory.
FILENAME = "sweep.sqlite"
#: Bumped when the table layout changes; a store of another version is refused, not misread.
#: 2: a sweep records the process that runs it (``owner``), so a killed one is seen as interrupted.
#: 3: a run records the epoch at which it diverged (``diverged_at``).
SCHEMA_VERSION = 3
#: Older layouts this digitnet still reads, and brings up to date when it writes.
READABLE_VERSIONS = ("1", "2", "3")
#: What bringing a store of layout ``v`` to ``v + 1`` takes.
_MIGRATIONS = {1: ("ALTER TABLE sweeps ADD COLUMN owner TEXT",), 2: ("ALTER TABLE runs ADD COLUMN diverged_at INTEGER",)}

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
    versions_json TEXT,
    diverged_at INTEGER
);
CREATE TABLE IF NOT EXISTS sweeps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    n_runs INTEGER,
    n_found INTEGER,
    config_json TEXT,
    owner TEXT
);
"""

_COLUMNS = ("run_id", "sweep", "config_json", "seed", "fold", "max_iter", "data_json", *METRICS, "n_iter",
            "fit_seconds", "curve_json", "error", "created_at", "versions_json", "diverged_at")


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


class StoreDamaged(UsageError):
    """The store's database file is damaged (SQLite's integrity check failed); ``detail`` says where."""

    def __init__(self, path, detail):
        super().__init__(f"the results store {path} is damaged ({detail})")
        self.path, self.detail = path, detail


def _process_start(pid):
    """When process ``pid`` started (clock ticks after boot), to tell it from a later process of the same id."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def this_process():
    """``host:pid:start`` of this process: a sweep's owner."""
    return f"{socket.gethostname()}:{os.getpid()}:{_process_start(os.getpid())}"


def _gone(owner):
    """Is the sweep's owning process, on this host, no longer running? (False when it cannot be told.)"""
    try:
        host, pid, start = owner.rsplit(":", 2)
        pid = int(pid)
    except (AttributeError, ValueError):
        return False
    if host != socket.gethostname():
        return False
    if start == "None":  # its start time was not known: gone if no process has its id
        return not process_alive(pid)
    return _process_start(pid) != start


def _connect_readonly(path, timeout):
    """A read-only connection that writes nothing, not even in a directory it cannot write to.

    ``mode=ro`` needs the write-ahead log's shared-memory file; where that cannot be created (a
    read-only directory), the database is opened as immutable, which no one can be writing to there.
    """
    uri = "file:" + urllib.parse.quote(os.path.abspath(path))
    conn = sqlite3.connect(uri + "?mode=ro", uri=True, timeout=timeout, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
        return sqlite3.connect(uri + "?mode=ro&immutable=1", uri=True, timeout=timeout, isolation_level=None)


class Store:
    """An open results store (one SQLite connection).

    Opening checks the database's integrity. Opened for writing, a damaged store raises
    :class:`StoreDamaged` (a sweep then keeps what is readable, see :func:`salvage`), and a sweep
    left "running" by a process that no longer exists is marked "interrupted". Opened read-only,
    a damaged store is read run by run, keeping every readable one (``damage`` says what is wrong).

    Parameters
    ----------
    path : str or path-like
        The database file; created, with its tables, if it does not exist.
    timeout : float, default=30
        Seconds to wait for another process's write lock before giving up.
    readonly : bool, default=False
        Open an existing store for reading only (``digitnet results``); works in a read-only directory.

    Raises
    ------
    UsageError
        If the file is not a digitnet results store, is of another layout
        version, cannot be created, or (``readonly``) does not exist.
    """

    def __init__(self, path, *, timeout=30.0, readonly=False):
        self.path, self.readonly, self.damage, self.version = os.fspath(path), readonly, None, SCHEMA_VERSION
        if readonly and not os.path.exists(self.path):
            raise UsageError(f"no results store at {self.path}")
        if readonly:
            check_regular_file(self.path, "results store")
        try:
            self._conn = (_connect_readonly(self.path, timeout) if readonly else
                          sqlite3.connect(self.path, timeout=timeout, isolation_level=None))
        except sqlite3.Error as exc:
            raise UsageError(f"cannot open results store {self.path}: {exc}") from None
        try:
            self._setup_waiting(readonly, timeout)
            self._check_integrity()
            if not readonly:
                self._mark_abandoned()
        except UsageError:
            self._conn.close()
            raise
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            if "malformed" in str(exc) or "corrupt" in str(exc):
                raise StoreDamaged(self.path, str(exc)) from None
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
        if not readonly:
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
        if not {"meta", "runs", "sweeps"} <= tables:
            raise sqlite3.DatabaseError("it has no runs table")
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None or row[0] not in READABLE_VERSIONS:
            found = "none" if row is None else row[0]
            raise sqlite3.DatabaseError(f"layout version {found}, this digitnet reads version {SCHEMA_VERSION}")
        self.version = int(row[0])
        if self.version < SCHEMA_VERSION and not readonly:
            with self.transaction():  # the new columns are empty in the old rows (no owner, not diverged)
                for version in range(self.version, SCHEMA_VERSION):
                    for statement in _MIGRATIONS[version]:
                        conn.execute(statement)
                conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
            self.version = SCHEMA_VERSION

    @property
    def _columns(self):
        """The runs table's columns, as a SELECT list (one an older layout lacks read as NULL)."""
        return ",".join("NULL AS diverged_at" if c == "diverged_at" and self.version < 3 else c for c in _COLUMNS)

    def _check_integrity(self):
        try:
            problems = [r[0] for r in self._conn.execute("PRAGMA quick_check").fetchall() if r[0] != "ok"]
        except sqlite3.DatabaseError as exc:  # too damaged even to be checked
            problems = [str(exc)]
        if problems:
            detail = f"{problems[0]}" + (f" and {len(problems) - 1} more problems" if len(problems) > 1 else "")
            if not self.readonly:
                raise StoreDamaged(self.path, detail)
            self.damage = detail

    def _mark_abandoned(self):
        """Sweeps left "running" by a process of this host that has ended (killed) were interrupted."""
        running = self._conn.execute("SELECT id, owner FROM sweeps WHERE status = 'running'").fetchall()
        abandoned = [sweep_id for sweep_id, owner in running if _gone(owner)]
        if abandoned:
            with self.transaction():
                self._conn.executemany("UPDATE sweeps SET status = 'interrupted', finished_at = ? WHERE id = ?",
                                       [(_now(), i) for i in abandoned])

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
                record.diverged_at,
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
        names = ("run_id", "seed", "fold", *METRICS, "n_iter", "fit_seconds", "curve_json", "error", "diverged_at")
        for start in range(0, len(run_ids), 500):
            batch = run_ids[start:start + 500]
            marks = ",".join("?" * len(batch))
            for row in self._conn.execute(f"SELECT {','.join(names)} FROM runs WHERE run_id IN ({marks})", batch):
                row = dict(zip(names, row))
                out[row["run_id"]] = RunRecord(
                    config=-1, seed=row["seed"], fold=row["fold"], **{m: _float(row[m]) for m in METRICS},
                    n_iter=int(row["n_iter"]), fit_seconds=_float(row["fit_seconds"]),
                    curve=json.loads(row["curve_json"]), error=row["error"], diverged_at=row["diverged_at"])
        return out

    def add_rows(self, rows, sweeps=()):
        """Copy runs (:class:`StoredRun`) and sweeps (:class:`SweepEntry`) read from another store into this one."""
        values = []
        for r in rows:
            v = {**vars(r), **{f"{k}_json": json.dumps(getattr(r, k), separators=(",", ":")) if k == "curve" else
                                (None if getattr(r, k) is None else canonical_json(getattr(r, k)))
                                for k in ("config", "data", "curve", "versions")}}
            values.append(tuple(_real(v[c]) if c in (*METRICS, "fit_seconds") else v[c] for c in _COLUMNS))
        with self.transaction():
            self._conn.executemany(f"INSERT OR IGNORE INTO runs ({','.join(_COLUMNS)}) VALUES"
                                   f" ({','.join('?' * len(_COLUMNS))})", values)
            self._conn.executemany(
                "INSERT INTO sweeps (name, started_at, finished_at, status, n_runs, n_found, config_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(w.name, w.started_at, w.finished_at, "interrupted" if w.status == "running" else w.status, w.n_runs,
                  w.n_found, dumps(w.config, sort_keys=True)) for w in sweeps])

    def rows(self):
        """Every run in the store, oldest first, as :class:`StoredRun` records (of a damaged store: the readable ones)."""
        if self.damage is not None:
            return self._readable_rows()
        cursor = self._conn.execute(f"SELECT {self._columns} FROM runs ORDER BY created_at, run_id")
        return [_stored_run(values) for values in cursor]

    def _readable_rows(self, misses=1000):
        """The runs of a damaged store, one row at a time: a damaged page loses its rows, not the others."""
        try:
            last = self._conn.execute("SELECT max(rowid) FROM runs").fetchone()[0] or 0
        except sqlite3.DatabaseError:
            last = None  # even the last row id is unreadable: look until ``misses`` row ids in a row give nothing
        out, rowid, missed = [], 0, 0
        while (rowid < last) if last is not None else (missed < misses):
            rowid += 1
            try:
                values = self._conn.execute(f"SELECT {self._columns} FROM runs WHERE rowid = ?",
                                            (rowid,)).fetchone()
                row = None if values is None else _stored_run(values)
            except (sqlite3.DatabaseError, ValueError, TypeError):
                row = None
            missed = 0 if row is not None else missed + 1
            if row is not None:
                out.append(row)
        return sorted(out, key=lambda r: (r.created_at, r.run_id))

    # -------------------------------------------------------------------------------- sweeps

    def start_sweep(self, name, config, n_runs, n_found):
        """Record that a sweep started; returns its id (for :meth:`finish_sweep`)."""
        with self.transaction():
            cursor = self._conn.execute(
                "INSERT INTO sweeps (name, started_at, status, n_runs, n_found, config_json, owner)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (name, _now(), "running", n_runs, n_found, dumps(config, sort_keys=True), this_process()))
            return cursor.lastrowid

    def finish_sweep(self, sweep_id, status):
        """Mark a sweep ``finished``, ``interrupted`` or ``failed``."""
        with self.transaction():
            self._conn.execute("UPDATE sweeps SET finished_at = ?, status = ? WHERE id = ?",
                               (_now(), status, sweep_id))

    def sweeps(self):
        """Every sweep run on this store, oldest first, as :class:`SweepEntry` records (one whose process is gone
        reads "interrupted", also where a read-only store could not be marked)."""
        names = ("id", "name", "started_at", "finished_at", "status", "n_runs", "n_found", "config_json",
                 "owner" if self.version >= 2 else "NULL")
        out = []
        try:
            for values in self._conn.execute(f"SELECT {','.join(names)} FROM sweeps ORDER BY id"):
                row = dict(zip(names[:-1], values))
                row["config"] = json.loads(row.pop("config_json") or "null")
                if row["status"] == "running" and _gone(values[-1]):
                    row["status"] = "interrupted"
                out.append(SweepEntry(**row))
        except sqlite3.DatabaseError:
            if self.damage is None:
                raise
        return out


def salvage(path):
    """Keep what a damaged store holds: move it aside (``PATH.damaged-TIME``, with its log files) and copy its
    readable runs and sweeps into a new store at ``path``.

    Returns
    -------
    (str, int)
        The damaged file's new name, and the number of runs copied (0 if nothing could be read).
    """
    aside = f"{path}.damaged-{time.strftime('%Y%m%d-%H%M%S')}"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.replace(path + suffix, aside + suffix)
    try:
        with Store(aside, readonly=True) as old:
            rows, sweeps = old.rows(), old.sweeps()
    except UsageError:  # not even its tables can be read
        rows, sweeps = [], []
    with Store(path) as new:
        new.add_rows(rows, sweeps)
    return aside, len(rows)


def _stored_run(values):
    row = dict(zip(_COLUMNS, values))
    for name in ("config_json", "data_json", "curve_json", "versions_json"):
        text = row.pop(name)
        row[name[:-5]] = None if text is None else json.loads(text)
    for m in (*METRICS, "fit_seconds"):
        row[m] = _float(row[m])
    return StoredRun(**row)


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


