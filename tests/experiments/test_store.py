"""The results store: stable run ids, round trips, atomic commits, resuming, and two writers at once."""

import dataclasses
import math
import multiprocessing
import os
import sqlite3

import numpy as np
import pandas as pd
import pytest

from digitnet.errors import UsageError
from digitnet.experiments import RunRecord, resolved_params, sweep
from digitnet.experiments.identity import data_fingerprint, run_id
from digitnet.experiments.store import FILENAME, Store
from digitnet.jsonify import canonical_json


def _identity(**changes):
    identity = {
        "v": 1,
        "params": resolved_params({"hidden_layer_sizes": (8,), "max_iter": 3}),
        "seed": 0,
        "fold": None,
        "data": "abc",
        "cv": None,
        "score_test": True,
    }
    identity.update(changes)
    return identity


def _record(i, error=None):
    return RunRecord(
        config=0,
        seed=i,
        fold=None,
        error=error,
        val_accuracy=0.5 + i / 1000,
        test_accuracy=math.nan if error else 0.25 + i / 3,
        test_f1=0.1 / (i + 1),
        train_loss=1 / 3,
        train_accuracy=0.75,
        fit_seconds=0.01 * i,
        n_iter=3,
        curve={"loss": [2.5, 1.0 / 3, 0.1 + 0.2], "val_accuracy": [0.1, 0.2, 0.3]},
    )


def test_run_id_is_a_stable_hash_of_the_full_configuration():
    a = _identity()
    b = dict(reversed(list(_identity().items())))  # same content, other key order
    b["params"] = dict(reversed(list(b["params"].items())))
    assert run_id(a) == run_id(b)
    assert len(run_id(a)) == 64 and run_id(a) == run_id(_identity())  # sha256 hex, the same in every process
    # tuples and lists, numpy scalars and Python numbers are the same value
    c = _identity(seed=np.int64(0), params={**a["params"], "hidden_layer_sizes": [8], "alpha": np.float64(1e-4)})
    assert run_id(c) == run_id(a)
    # defaults filled in: giving a parameter its default value, or an int for a float, is the same run
    assert resolved_params({"max_iter": 3, "hidden_layer_sizes": 8}) == resolved_params(
        {"hidden_layer_sizes": (8,), "activation": "relu", "alpha": 0.0001, "max_iter": 3}
    )
    assert resolved_params({"alpha": 1})["alpha"] == 1.0 and isinstance(resolved_params({"alpha": 1})["alpha"], float)
    # anything that changes the numbers changes the id
    for changed in (
        _identity(seed=1),
        _identity(fold=0),
        _identity(data="abd"),
        _identity(cv=3),
        _identity(score_test=False),
        _identity(params={**a["params"], "max_iter": 4}),
        _identity(params={**a["params"], "alpha": 1e-3}),
    ):
        assert run_id(changed) != run_id(a)
    # infinities are canonical strings, never a NaN token
    assert canonical_json({"n": float("inf"), "t": (1, 2)}) == '{"n":"inf","t":[1,2]}'
    with pytest.raises(TypeError):
        canonical_json({"x": object()})


def test_data_fingerprint_sees_every_array_and_the_folds(split):
    assert data_fingerprint(split) == data_fingerprint(dataclasses.replace(split))
    changed = split.X_test.copy()
    changed[0, 0] += 1e-12
    assert data_fingerprint(dataclasses.replace(split, X_test=changed)) != data_fingerprint(split)
    folds = split.cv_folds(3)
    assert data_fingerprint(split, folds) != data_fingerprint(split)
    assert data_fingerprint(split, folds) != data_fingerprint(split, split.cv_folds(4))
    strings = dataclasses.replace(split, y_train=split.y_train.astype(str).astype(object))
    assert data_fingerprint(strings) == data_fingerprint(dataclasses.replace(strings))


def test_store_round_trip_is_exact(tmp_path):
    path = tmp_path / FILENAME
    records = [_record(i) for i in range(3)] + [_record(3, error="Training diverged")]
    entries = [(run_id(_identity(seed=i)), _identity(seed=i), r) for i, r in enumerate(records)]
    with Store(path) as store:
        assert store.add(entries, sweep="s", versions={"numpy": "1"}, info={"split": {"dataset": "digits"}}) == 4
        assert store.add(entries[:2]) == 0  # already there: ignored, not duplicated
        assert store.count() == 4 and store.integrity_check() == "ok"
        got = store.get([e[0] for e in entries] + ["missing"])
    assert set(got) == {e[0] for e in entries}
    for rid, _, record in entries:
        back = got[rid]
        for key in ("val_accuracy", "test_accuracy", "test_f1", "train_loss", "train_accuracy", "fit_seconds"):
            a, b = getattr(back, key), getattr(record, key)
            assert a == b or (math.isnan(a) and math.isnan(b))
        assert back.curve == record.curve and back.n_iter == 3 and back.error == record.error
        assert (back.seed, back.fold) == (record.seed, record.fold)
    with Store(path, readonly=True) as store:
        rows = store.rows()
        with pytest.raises(sqlite3.OperationalError):
            store.add(entries[:1])
    assert len(rows) == 4 and rows[0].config["max_iter"] == 3 and rows[0].data["split"]["dataset"] == "digits"
    assert rows[0].versions == {"numpy": "1"} and rows[0].sweep == "s"
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_a_failed_transaction_commits_nothing(tmp_path):
    with Store(tmp_path / FILENAME) as store:
        with pytest.raises(RuntimeError):
            with store.transaction() as conn:
                conn.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
                raise RuntimeError("killed half way")
        assert store._conn.execute("SELECT COUNT(*) FROM meta WHERE key = 'a'").fetchone()[0] == 0


def test_what_is_not_a_store_is_one_clear_error(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(UsageError, match="is not a usable digitnet results store"):
        Store(junk)
    with pytest.raises(UsageError, match="no results store at"):
        Store(tmp_path / "none.sqlite", readonly=True)
    other = tmp_path / "other.sqlite"
    with Store(other) as store, store.transaction() as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(UsageError, match="layout version 99"):
        Store(other)


def test_sweep_commits_every_run_and_resumes(split, tmp_path):
    path = tmp_path / FILENAME
    grid = {"hidden_layer_sizes": [(6,), (9,)], "max_iter": [2, 3]}
    kwargs = dict(seeds=2, progress=False, base_params={"solver": "sgd", "batch_size": 64})
    memory = sweep(grid, split, **kwargs)
    lines = []
    first = sweep(grid, split, store=path, log=lines.append, **kwargs)
    assert lines == [f"results store {path}: 0 of 8 runs found, 8 to train (4 trainings)"]
    # the tables read back from the store are those of a sweep kept in memory
    pd.testing.assert_frame_equal(first.runs.drop(columns="fit_seconds"), memory.runs.drop(columns="fit_seconds"))
    assert first.curves == memory.curves
    with Store(path) as store:
        assert store.count() == 8
        before = {r.run_id: r for r in store.rows()}
    again = sweep(grid, split, store=path, log=lines.append, **kwargs)
    assert lines[-1].endswith("8 of 8 runs found, 0 to train (0 trainings)")
    assert again.config.n_trained == 0 and again.config.n_found == 8
    pd.testing.assert_frame_equal(again.runs, first.runs)
    # extending the grid trains only the new points; max_iter=5 extends each trained run
    more = sweep({**grid, "max_iter": [2, 3, 5], "alpha": [1e-4]}, split, store=path, log=lines.append, **kwargs)
    assert lines[-1].endswith("8 of 12 runs found, 4 to train (4 trainings)")
    with Store(path) as store:
        after = {r.run_id: r for r in store.rows()}
        assert [s.status for s in store.sweeps()] == ["finished"] * 3
    assert len(after) == 12 and all(after[k] == v for k, v in before.items())  # old rows untouched
    pd.testing.assert_frame_equal(
        more.runs[more.runs.max_iter < 5].drop(columns=["alpha", "config", "run_id"]).reset_index(drop=True),
        first.runs.drop(columns=["config", "run_id"]),
        check_like=True,
    )


def test_two_labels_for_one_configuration_share_their_runs(split, tmp_path):
    grid = [{"label": ["a"], "hidden_layer_sizes": [(6,)]}, {"label": ["b"], "hidden_layer_sizes": [(6,)]}]
    result = sweep(grid, split, progress=False, store=tmp_path / FILENAME, base_params={"max_iter": 2})
    assert list(result.runs.label) == ["a", "b"] and result.config.n_trainings == 1
    assert result.runs.val_accuracy[0] == result.runs.val_accuracy[1]


def _writer(path, first, n, barrier):
    barrier.wait()
    with Store(path, timeout=60) as store:
        for i in range(first, first + n):
            store.add([(f"run-{i:04d}", _identity(seed=i), _record(i))], sweep=f"writer-{first}")


def test_two_processes_writing_one_store_at_once(tmp_path):
    """Two writers, 150 commits each, 50 runs in common: all 250 rows present once, the database sound."""
    path = str(tmp_path / FILENAME)
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    barrier = context.Barrier(2)
    writers = [context.Process(target=_writer, args=(path, first, 150, barrier)) for first in (0, 100)]
    for w in writers:
        w.start()
    for w in writers:
        w.join(120)
    assert [w.exitcode for w in writers] == [0, 0]
    with Store(path) as store:
        assert store.integrity_check() == "ok"
        rows = store.rows()
    assert sorted(r.run_id for r in rows) == [f"run-{i:04d}" for i in range(250)]
    assert {r.sweep for r in rows} == {"writer-0", "writer-100"}


@pytest.mark.parametrize(
    "column, value, says",
    [
        ("seed", "zero", "seed is the text 'zero', not an integer"),
        ("n_iter", 2.5, "n_iter is the number 2.5, not an integer >= 0"),
        ("n_iter", -1, "n_iter is the number -1, not an integer >= 0"),
        ("config_json", "[1, 2]", "config_json is JSON but not an object"),
        ("curve_json", '{"loss": [1.0, "x"]}', "curve_json's 'loss' is not a list of numbers"),
        ("curve_json", "[" * 100_000 + "]" * 100_000, "curve_json is not valid JSON"),  # too deep for json: one line
        ("test_f1", b"\x00\x01", "test_f1 is 2 bytes of binary data, not a number"),
        ("created_at", b"\x00\x01", "created_at is 2 bytes of binary data, not text"),  # TEXT keeps a blob
    ],
)
def test_a_row_that_cannot_be_read_is_skipped_counted_and_set_aside_never_deleted(tmp_path, column, value, says):
    path = tmp_path / FILENAME
    entries = [(run_id(_identity(seed=i)), _identity(seed=i), _record(i)) for i in range(3)]
    with Store(path) as store:
        store.add(entries)
    bad = entries[1][0]
    with sqlite3.connect(path) as conn:  # SQLite keeps what it is given, whatever the column's declared type
        conn.execute(f"UPDATE runs SET {column} = ? WHERE run_id = ?", (value, bad))
    with Store(path, readonly=True) as store:
        assert sorted(r.run_id for r in store.rows()) == sorted([entries[0][0], entries[2][0]])
        assert [str(u) for u in store.unreadable] == [f"run {bad[:16]}: {says}"] and store.unreadable[0].key == bad
    with Store(path) as store:
        records, unreadable = store.readable([e[0] for e in entries])
        assert set(records) == {entries[0][0], entries[2][0]} and unreadable == {bad: f"run {bad[:16]}: {says}"}
        assert store.set_aside(unreadable) == {bad: f"{bad}~unreadable"}
        assert store.add(entries) == 1  # the run stored again, under its own id
        assert set(store.get([e[0] for e in entries])) == {e[0] for e in entries}
        assert store.count() == 4  # the unreadable row is still there, under its new id
        store.rows()
        assert [u.key for u in store.unreadable] == [f"{bad}~unreadable"]
