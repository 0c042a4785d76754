"""The results store's SQLite connections: a read-only one that writes nothing, and write transactions."""

from __future__ import annotations

import os
import sqlite3
import urllib.parse


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
