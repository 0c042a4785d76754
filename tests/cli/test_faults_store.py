"""Results stores edited by hand, tested for real: a sweep writes a store, sqlite3 spoils a row or adds a trigger,
a view, a table or an index, and the real command (``python -m digitnet``, a process of its own) reads it.

A row that cannot be read is skipped with a one-line warning and trained again by the next sweep, the
row kept; a store holding what digitnet did not make is refused, in one line, before anything is written;
a damaged store's warning is one line. No traceback anywhere."""

import shutil
import sqlite3
import subprocess
import sys

import pandas as pd
import pytest

from digitnet.experiments.store import FILENAME, UNREADABLE_SUFFIX

SWEEP = [
    "sweep",
    "--param",
    "hidden_layer_sizes=6,9",
    "--max-iter",
    "3",
    "--seeds",
    "2",
    "--backend",
    "serial",
    "--no-progress",
]
N_RUNS = 4


def digitnet(*argv):
    return subprocess.run(
        [sys.executable, "-m", "digitnet", *map(str, argv)], capture_output=True, text=True, timeout=300
    )


def one_line(text, start):
    """The only line of ``text`` (stderr), which starts with ``start``."""
    lines = text.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(start), text
    assert "Traceback" not in text
    return lines[0]


def rows(path):
    with sqlite3.connect(path) as conn:
        names = [d[1] for d in conn.execute("PRAGMA table_info(runs)")]
        return {r[0]: dict(zip(names, r)) for r in conn.execute("SELECT * FROM runs")}


def execute(path, *statements):
    conn = sqlite3.connect(path)
    with conn:
        for statement in statements:
            conn.execute(*statement) if isinstance(statement, tuple) else conn.execute(statement)
    conn.close()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A sweep's output folder, made once by the real command: 2 configurations x 2 seeds."""
    out = tmp_path_factory.mktemp("pristine") / "grid"
    done = digitnet(*SWEEP, "--out", out)
    assert done.returncode == 0, done.stderr
    assert len(rows(out / FILENAME)) == N_RUNS
    return out


@pytest.fixture
def grid(pristine, tmp_path):
    """A copy of the pristine folder, to spoil."""
    out = tmp_path / "grid"
    shutil.copytree(pristine, out)
    return out


SPOILED = {  # column -> (value written with sqlite3, what the warning says about it)
    "curve_json": ("{not json", "curve_json is not valid JSON"),
    "n_iter": (None, "n_iter is empty (NULL), not an integer >= 0"),
    "val_accuracy": ("abc", "val_accuracy is the text 'abc', not a number"),
}


@pytest.mark.parametrize("column", list(SPOILED))
def test_an_unreadable_row_is_skipped_in_one_line_and_the_next_sweep_trains_it_again_keeping_the_row(grid, column):
    path = grid / FILENAME
    before, table = rows(path), pd.read_csv(grid / "sweep.csv").drop(columns="fit_seconds")
    victim = sorted(before)[1]
    value, says = SPOILED[column]
    execute(path, (f"UPDATE runs SET {column} = ? WHERE run_id = ?", (value, victim)))

    done = digitnet("results", grid)  # the other runs are shown; the spoiled row is named and counted
    assert done.returncode == 0
    warning = one_line(done.stderr, f"digitnet: warning: skipped 1 row of {path} that cannot be read")
    assert f"(run {victim[:16]}: {says})" in warning and "running the same sweep again trains" in warning
    assert done.stdout.startswith(f"{N_RUNS - 1} runs of 2 configurations")

    done = digitnet(*SWEEP, "--out", grid)  # the same sweep: the run is trained again, the row kept
    assert done.returncode == 0
    warning = one_line(done.stderr, f"digitnet: warning: 1 run in {path} cannot be read (run {victim[:16]}: {says})")
    assert f"training it again; the old row is kept, with a run id ending in {UNREADABLE_SUFFIX}" in warning
    assert f"{N_RUNS - 1} of {N_RUNS} runs found, 1 to train (1 training)" in done.stdout
    after = rows(path)
    assert after[f"{victim}{UNREADABLE_SUFFIX}"][column] == value  # the user's row, untouched but for its id
    for name, cell in before[victim].items():  # the run trained again: the same numbers (runs are deterministic)
        if name not in ("fit_seconds", "created_at", "sweep"):
            assert after[victim][name] == cell, name
    assert all(after[k] == v for k, v in before.items() if k != victim)  # the others untouched
    pd.testing.assert_frame_equal(pd.read_csv(grid / "sweep.csv").drop(columns="fit_seconds"), table)

    done = digitnet("results", grid)  # every run shown; the kept row still named, and what to do about it
    assert done.returncode == 0 and done.stdout.startswith(f"{N_RUNS} runs of 2 configurations")
    warning = one_line(done.stderr, f"digitnet: warning: skipped 1 row of {path} that cannot be read")
    assert f"their runs were trained again and the rows kept, with run ids ending in {UNREADABLE_SUFFIX}" in warning


def test_rows_of_every_kind_of_damage_are_counted_and_a_spoiled_sweep_entry_too(grid):
    path = grid / FILENAME
    ids = sorted(rows(path))
    execute(
        path,
        *[(f"UPDATE runs SET {c} = ? WHERE run_id = ?", (v, rid)) for (c, (v, _)), rid in zip(SPOILED.items(), ids)],
        "UPDATE sweeps SET config_json = '[', n_runs = 'many'",
    )
    done = digitnet("results", grid)
    assert done.returncode == 0
    one_line(done.stderr, f"digitnet: warning: skipped 4 rows of {path} that cannot be read (run ")
    assert done.stdout.startswith("1 runs of 1 configurations") and "sweep command" not in done.stdout


def test_a_trigger_in_the_store_is_refused_before_anything_is_written_and_committed_runs_survive(grid, tmp_path):
    path = grid / FILENAME
    wipe = "CREATE TRIGGER wipe AFTER INSERT ON {} BEGIN DELETE FROM runs; END"
    # the threat is real: in a copy, the trigger deletes every committed run at the next insert
    shutil.copy(path, tmp_path / "copy.sqlite")
    execute(tmp_path / "copy.sqlite", wipe.format("sweeps"), "INSERT INTO sweeps (started_at, status) VALUES (1, 2)")
    assert rows(tmp_path / "copy.sqlite") == {}

    execute(path, wipe.format("runs"), wipe.format("sweeps").replace("wipe", "wipe_too"))
    before = rows(path)
    for argv in ([*SWEEP[:2], "hidden_layer_sizes=6,9,12", *SWEEP[3:], "--out", grid], ["results", grid]):
        done = digitnet(*argv)
        assert done.returncode == 2
        error = one_line(
            done.stderr,
            f"digitnet: error: the results store {path} holds a trigger 'wipe' (and 1 more)"
            " that digitnet did not make (a trigger runs its own SQL as digitnet writes",
        )
        assert f"remove it (sqlite3 {path} 'DROP TRIGGER \"wipe\"') and run again" in error
        assert rows(path) == before  # every committed run survives; nothing was trained or written
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sweeps").fetchone()[0] == 1

    execute(path, 'DROP TRIGGER "wipe"', 'DROP TRIGGER "wipe_too"')  # done as the message says: the sweep goes on
    done = digitnet(*SWEEP[:2], "hidden_layer_sizes=6,9,12", *SWEEP[3:], "--out", grid)
    assert done.returncode == 0 and done.stderr == ""
    after = rows(path)
    assert len(after) == N_RUNS + 2 and all(after[k] == v for k, v in before.items())


@pytest.mark.parametrize(
    "kind, create",
    [
        ("view", "CREATE VIEW recent AS SELECT * FROM runs"),
        ("table", "CREATE TABLE notes (text TEXT)"),
        ("index", "CREATE INDEX by_seed ON runs (seed)"),
    ],
)
def test_a_view_table_or_index_digitnet_did_not_make_is_refused_in_one_line(grid, kind, create):
    path = grid / FILENAME
    execute(path, create)
    name = create.split()[2]
    for argv in (["results", grid], [*SWEEP, "--out", grid])[: 2 if kind == "view" else 1]:  # the same check for both
        done = digitnet(*argv)
        assert done.returncode == 2
        error = one_line(
            done.stderr,
            f"digitnet: error: the results store {path} holds a"
            f"{'n' if kind == 'index' else ''} {kind} {name!r} that digitnet did not make"
            " (a store holds only digitnet's own tables)",
        )
        assert f"'DROP {kind.upper()} \"{name}\"'" in error


def test_what_sqlite_itself_adds_is_not_refused(grid):
    execute(grid / FILENAME, "ANALYZE")  # sqlite_stat1: SQLite's statistics, not someone else's object
    with sqlite3.connect(grid / FILENAME) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()[0] == 1
    done = digitnet("results", grid)
    assert done.returncode == 0 and done.stderr == "" and done.stdout.startswith(f"{N_RUNS} runs")


def _spoil_the_runs_table(path):
    """Scribble a bogus header over the runs table's first page: SQLite's check reports it in several lines."""
    with sqlite3.connect(path) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'runs'").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    with open(path, "r+b") as f:
        f.seek(page_size * (root - 1))
        f.write(b"\x0d\x00\x00\x00\x09\x0f\xff" + b"\xde\xad\xbe\xef" * 20)
    with sqlite3.connect(path) as conn:  # several lines in SQLite's own words: what used to reach the terminal
        report = "\n".join(r[0] for r in conn.execute("PRAGMA quick_check"))
    assert report.count("\n") >= 1 and report.startswith("*** in database main ***")


def test_a_damaged_store_is_said_to_be_in_one_line(grid):
    path = grid / FILENAME
    _spoil_the_runs_table(path)
    done = digitnet("results", grid)
    assert done.returncode == 0
    warning = one_line(done.stderr, f"digitnet: warning: the results store {path} is damaged (")
    assert "***" not in warning and warning.endswith("readable runs")

    done = digitnet(*SWEEP, "--out", grid)
    assert done.returncode == 0
    warning = one_line(done.stderr, f"digitnet: warning: the results store {path} is damaged (")
    assert "***" not in warning and f"readable runs into a new {path}" in warning
    assert len(rows(path)) == N_RUNS
