"""The results store's table layout: its version, the migrations from older layouts, and what a store may hold.

:class:`~digitnet.experiments.store.Store` creates these tables, brings an older store up to date with
:data:`_MIGRATIONS`, and refuses a store holding anything besides :data:`_TABLES` and SQLite's own.
"""

from __future__ import annotations

#: Bumped when the table layout changes; a store of another version is refused, not misread.
#: 2: a sweep records the process that runs it (``owner``), so a killed one is seen as interrupted.
#: 3: a run records the epoch at which it diverged (``diverged_at``).
SCHEMA_VERSION = 3
#: Older layouts this digitnet still reads, and brings up to date when it writes.
READABLE_VERSIONS = ("1", "2", "3")
#: What bringing a store of layout ``v`` to ``v + 1`` takes.
_MIGRATIONS = {
    1: ("ALTER TABLE sweeps ADD COLUMN owner TEXT",),
    2: ("ALTER TABLE runs ADD COLUMN diverged_at INTEGER",),
}

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

#: What a store may hold besides its rows: digitnet's three tables and what SQLite makes for them (the
#: indexes of their primary keys, AUTOINCREMENT's counter, ANALYZE's statistics). Anything else (a trigger,
#: a view, another table or index) was put there by someone else, and a trigger could change or delete
#: committed runs as digitnet writes: such a store is refused.
_TABLES = ("meta", "runs", "sweeps")
_SQLITE_TABLES = ("sqlite_sequence", "sqlite_stat1", "sqlite_stat2", "sqlite_stat3", "sqlite_stat4")
