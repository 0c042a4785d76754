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

**Edited by hand.** A row that cannot be read (text in a metric, invalid JSON: see
:mod:`digitnet.experiments.store_rows`) is skipped and counted, never a traceback; a sweep trains
that run again and keeps the row under a new id (:meth:`Store.set_aside`). A store holding a
trigger, a view or another table or index is refused when it is opened: a trigger could delete
committed runs as digitnet writes.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import time
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import UsageError
from ..files import check_regular_file
from ..jsonify import canonical_json, dumps
from .runs import METRICS, RunRecord
from .store_owner import _gone, this_process
from .store_rows import COLUMNS as _COLUMNS
from .store_rows import SWEEP_COLUMNS, StoredRun, SweepEntry, Unreadable, decode_run, decode_sweep, record_of
from .store_schema import _MIGRATIONS, _SCHEMA, _SQLITE_TABLES, _TABLES, READABLE_VERSIONS, SCHEMA_VERSION
from .store_sqlite import _connect_readonly, _Transaction

__all__ = [
    "FILENAME",
    "SCHEMA_VERSION",
    "UNREADABLE_SUFFIX",
    "Store",
    "StoreDamaged",
    "StoredRun",
    "SweepEntry",
    "Unreadable",
]

#: The store's file name inside a sweep's output directory.
FILENAME = "sweep.sqlite"
#: Added to the run id of a row that cannot be read when a sweep trains its run again (:meth:`Store.set_aside`).
UNREADABLE_SUFFIX = "~unreadable"


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


class StoreDamaged(UsageError):
    """The store's database file is damaged (SQLite's integrity check failed); ``detail`` says where."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"the results store {path} is damaged ({detail})")
        self.path, self.detail = path, detail


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
    foreign_objects : {"refuse", "ignore"}, default="refuse"
        A trigger, view, table or index that digitnet did not make is refused (a UsageError naming it),
        before anything is written; "ignore" is for reading a damaged store's rows (:func:`salvage`).

    Raises
    ------
    UsageError
        If the file is not a digitnet results store, is of another layout
        version, holds objects digitnet did not make, cannot be created, or
        (``readonly``) does not exist.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = 30.0,
        readonly: bool = False,
        foreign_objects: str = "refuse",
    ) -> None:
        self.path, self.readonly, self.damage, self.version = os.fspath(path), readonly, None, SCHEMA_VERSION
        self.unreadable, self._foreign = [], foreign_objects
        if readonly and not os.path.exists(self.path):
            raise UsageError(f"no results store at {self.path}")
        if readonly:
            check_regular_file(self.path, "results store")
        try:
            self._conn = (
                _connect_readonly(self.path, timeout)
                if readonly
                else sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            )
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
        if self._foreign == "refuse":
            self._refuse_foreign_objects()  # before anything is written: a trigger fires on digitnet's own writes
        if not readonly:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.DatabaseError(f"cannot switch to the write-ahead log (journal mode {mode})")
            conn.execute("PRAGMA synchronous = NORMAL")  # with WAL: atomic commits, durable against killed processes
            with self.transaction():
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                )
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

    def _refuse_foreign_objects(self):
        """Refuse a store holding a trigger, a view, or a table or index that is not digitnet's (see :data:`_TABLES`)."""
        foreign = []
        for kind, name, table, sql in self._conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"):
            known = (
                (kind == "table" and name in _TABLES and str(sql).startswith("CREATE TABLE"))
                or (kind == "table" and name in _SQLITE_TABLES)
                or (kind == "index" and str(name).startswith("sqlite_autoindex_") and table in _TABLES)
            )
            if not known:
                foreign.append((kind, name))
        if foreign:
            kind, name = (str(v) for v in foreign[0])
            more = f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""
            why = (
                "a trigger runs its own SQL as digitnet writes, and could change or delete committed runs"
                if kind == "trigger"
                else "a store holds only digitnet's own tables"
            )
            raise UsageError(
                f"the results store {self.path} holds {'an' if kind[0] in 'aeiou' else 'a'} {kind}"
                f" {name!r}{more} that digitnet did not make ({why}): remove it (sqlite3 {self.path}"
                f" 'DROP {kind.upper()} \"{name}\"') and run again, or use another folder"
            )

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
            # SQLite's report has several lines in a row ("*** in database main ***\nPage 4: ..."): a problem a line
            problems = [
                line.strip()
                for p in problems
                for line in str(p).splitlines()
                if line.strip() and not line.startswith("*** in database")
            ] or ["the integrity check failed"]
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
                self._conn.executemany(
                    "UPDATE sweeps SET status = 'interrupted', finished_at = ? WHERE id = ?",
                    [(_now(), i) for i in abandoned],
                )

    # -------------------------------------------------------------------------------- basics

    def close(self) -> None:
        self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def transaction(self) -> _Transaction:
        """``with store.transaction():`` a write transaction (``BEGIN IMMEDIATE``), committed or rolled back."""
        return _Transaction(self._conn)

    def rollback(self) -> None:
        """End a write transaction left open (by an interrupt), discarding it."""
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: ``"ok"`` for a sound database."""
        return self._conn.execute("PRAGMA integrity_check").fetchone()[0]

    # -------------------------------------------------------------------------------- runs

    def existing(self, run_ids: Iterable[str]) -> set[str]:
        """The subset of ``run_ids`` already in the store."""
        return {values[0] for values in self._select("run_id", run_ids)}

    def _select(self, columns, run_ids):
        """The rows (``columns``, a SELECT list) of the runs ``run_ids``, asked for 500 at a time."""
        run_ids = list(dict.fromkeys(run_ids))
        for start in range(0, len(run_ids), 500):
            batch = run_ids[start : start + 500]
            yield from self._conn.execute(
                f"SELECT {columns} FROM runs WHERE run_id IN ({','.join('?' * len(batch))})", batch
            )

    def count(self, run_ids: Iterable[str] | None = None) -> int:
        """Rows in the store (among ``run_ids``, if given)."""
        if run_ids is None:
            return self._conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        return len(self.existing(run_ids))

    def add(
        self,
        runs: Iterable[tuple[str, Mapping[str, Any], RunRecord]],
        *,
        sweep: str | None = None,
        versions: Mapping[str, str] | None = None,
        info: Mapping[str, Any] | None = None,
    ) -> int:
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
            rows.append(
                (
                    rid,
                    sweep,
                    canonical_json(params),
                    int(identity["seed"]),
                    identity.get("fold"),
                    params.get("max_iter"),
                    canonical_json(
                        {**(info or {}), **{k: v for k, v in identity.items() if k not in ("params", "seed", "fold")}}
                    ),
                    *(_real(getattr(record, m)) for m in METRICS),
                    int(record.n_iter),
                    _real(record.fit_seconds),
                    json.dumps(record.curve or {}, separators=(",", ":")),
                    record.error,
                    created,
                    versions_json,
                    record.diverged_at,
                )
            )
        if not rows:
            return 0
        marks = ",".join("?" * len(_COLUMNS))
        with self.transaction():
            before = self._conn.total_changes
            self._conn.executemany(f"INSERT OR IGNORE INTO runs ({','.join(_COLUMNS)}) VALUES ({marks})", rows)
            return self._conn.total_changes - before

    def readable(self, run_ids: Iterable[str]) -> tuple[dict[str, StoredRun], dict[str, str]]:
        """The runs ``run_ids`` present in the store: ``(records, unreadable)``.

        ``records`` maps each readable run's id to its :class:`StoredRun`; ``unreadable`` maps the id of
        each row that cannot be read (see :func:`~digitnet.experiments.store_rows.decode_run`) to what is
        wrong with it.
        """
        records, unreadable = {}, {}
        for values in self._select(self._columns, run_ids):
            try:
                records[values[0]] = decode_run(values)
            except Unreadable as exc:
                unreadable[values[0]] = str(exc)
        return records, unreadable

    def get(self, run_ids: Iterable[str]) -> dict[str, RunRecord]:
        """``run_id`` -> :class:`~digitnet.experiments.runs.RunRecord` for the readable runs among ``run_ids``
        (``config`` is -1: a configuration index belongs to a sweep, not to the store)."""
        return {rid: record_of(run) for rid, run in self.readable(run_ids)[0].items()}

    def set_aside(self, run_ids: Iterable[str]) -> dict[str, str]:
        """Give the rows of ``run_ids`` (unreadable ones) new ids, ``ID~unreadable`` (``-2``, ... added if taken), so
        that those runs can be trained and stored again while the rows themselves are kept as they are.

        Returns
        -------
        dict
            Old id -> the id the row has now.
        """
        moved = {}
        with self.transaction():
            for rid in dict.fromkeys(run_ids):
                new, n = f"{rid}{UNREADABLE_SUFFIX}", 1
                while self._conn.execute("SELECT 1 FROM runs WHERE run_id = ?", (new,)).fetchone():
                    n += 1
                    new = f"{rid}{UNREADABLE_SUFFIX}-{n}"
                if self._conn.execute("UPDATE runs SET run_id = ? WHERE run_id = ?", (new, rid)).rowcount:
                    moved[rid] = new
        return moved

    def add_rows(self, rows: Iterable[StoredRun], sweeps: Iterable[SweepEntry] = ()) -> None:
        """Copy runs (:class:`StoredRun`) and sweeps (:class:`SweepEntry`) read from another store into this one."""
        values = []
        for r in rows:
            v = {
                **vars(r),
                **{
                    f"{k}_json": json.dumps(getattr(r, k), separators=(",", ":"))
                    if k == "curve"
                    else (None if getattr(r, k) is None else canonical_json(getattr(r, k)))
                    for k in ("config", "data", "curve", "versions")
                },
            }
            values.append(tuple(_real(v[c]) if c in (*METRICS, "fit_seconds") else v[c] for c in _COLUMNS))
        with self.transaction():
            self._conn.executemany(
                f"INSERT OR IGNORE INTO runs ({','.join(_COLUMNS)}) VALUES ({','.join('?' * len(_COLUMNS))})", values
            )
            self._conn.executemany(
                "INSERT INTO sweeps (name, started_at, finished_at, status, n_runs, n_found, config_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        w.name,
                        w.started_at,
                        w.finished_at,
                        "interrupted" if w.status == "running" else w.status,
                        w.n_runs,
                        w.n_found,
                        dumps(w.config, sort_keys=True),
                    )
                    for w in sweeps
                ],
            )

    def rows(self, run_ids: Iterable[str] | None = None) -> list[StoredRun]:
        """Every run in the store (or those of ``run_ids``), oldest first, as :class:`StoredRun` records.

        A row that cannot be read is skipped and counted in :attr:`unreadable` (an :class:`Unreadable` each); of
        a damaged store, the rows that can be read are returned.
        """
        if self.damage is not None:
            wanted = None if run_ids is None else set(run_ids)
            return [r for r in self._readable_rows() if wanted is None or r.run_id in wanted]
        if run_ids is None:
            cursor = self._conn.execute(f"SELECT {self._columns} FROM runs ORDER BY created_at, run_id")
            return [run for run in map(self._decode, cursor) if run is not None]
        out = [run for run in map(self._decode, self._select(self._columns, run_ids)) if run is not None]
        return sorted(out, key=lambda r: (r.created_at, r.run_id))

    def _decode(self, values, decode=decode_run):
        """A row decoded, or None for one that cannot be read (then kept in :attr:`unreadable`)."""
        try:
            return decode(values)
        except Unreadable as exc:
            self.unreadable.append(exc)
            return None

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
                values = self._conn.execute(f"SELECT {self._columns} FROM runs WHERE rowid = ?", (rowid,)).fetchone()
                row = None if values is None else decode_run(values)
            except (sqlite3.DatabaseError, Unreadable):
                row = None
            missed = 0 if row is not None else missed + 1
            if row is not None:
                out.append(row)
        return sorted(out, key=lambda r: (r.created_at, r.run_id))

    # -------------------------------------------------------------------------------- sweeps

    def start_sweep(self, name: str, config: Mapping[str, Any], n_runs: int, n_found: int) -> int:
        """Record that a sweep started; returns its id (for :meth:`finish_sweep`)."""
        with self.transaction():
            cursor = self._conn.execute(
                "INSERT INTO sweeps (name, started_at, status, n_runs, n_found, config_json, owner)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (name, _now(), "running", n_runs, n_found, dumps(config, sort_keys=True), this_process()),
            )
            return cursor.lastrowid

    def finish_sweep(self, sweep_id: int, status: str) -> None:
        """Mark a sweep ``finished``, ``interrupted`` or ``failed``."""
        with self.transaction():
            self._conn.execute("UPDATE sweeps SET finished_at = ?, status = ? WHERE id = ?", (_now(), status, sweep_id))

    def sweeps(self) -> list[SweepEntry]:
        """Every sweep run on this store, oldest first, as :class:`SweepEntry` records (one whose process is gone
        reads "interrupted", also where a read-only store could not be marked)."""
        names = SWEEP_COLUMNS if self.version >= 2 else (*SWEEP_COLUMNS[:-1], "NULL")
        out = []
        try:
            for values in self._conn.execute(f"SELECT {','.join(names)} FROM sweeps ORDER BY id"):
                entry = self._decode(values, decode_sweep)
                if entry is not None and entry.status == "running" and _gone(values[-1]):
                    entry.status = "interrupted"
                if entry is not None:
                    out.append(entry)
        except sqlite3.DatabaseError:
            if self.damage is None:
                raise
        return out


def salvage(path: str | os.PathLike[str]) -> tuple[str, int]:
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
        with Store(aside, readonly=True, foreign_objects="ignore") as old:  # read only: no trigger can fire
            rows, sweeps = old.rows(), old.sweeps()
    except UsageError:  # not even its tables can be read
        rows, sweeps = [], []
    with Store(path) as new:
        new.add_rows(rows, sweeps)
    return aside, len(rows)
