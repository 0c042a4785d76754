"""``digitnet sweep`` resumes from its store; a real sweep process killed (SIGKILL), interrupted (Ctrl-C) or
terminated (SIGTERM) mid-sweep loses nothing committed; ``digitnet results`` reads the store."""

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pandas as pd
import pytest

from digitnet.cli import main

QUICK = ["--hidden-layer-sizes", "6", "--no-progress", "--backend", "serial"]
#: A grid that takes a few seconds: 3 x 2 configurations x 8 seeds = 48 runs of 12 epochs of a small network.
SLOW = [
    "--param",
    "hidden_layer_sizes=12,16,24",
    "--param",
    "learning_rate_init=0.001,0.01",
    "--max-iter",
    "12",
    "--seeds",
    "8",
    "--no-progress",
]
N_SLOW = 48


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _command():
    exe = shutil.which("digitnet")
    return [exe] if exe else [sys.executable, "-m", "digitnet.cli"]


def _rows(path):
    """Every row of the store, read with plain sqlite3 (what another program would see)."""
    conn = sqlite3.connect(path, timeout=30)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        names = [d[1] for d in conn.execute("PRAGMA table_info(runs)")]
        rows = [dict(zip(names, r)) for r in conn.execute("SELECT * FROM runs")]
    finally:
        conn.close()
    ids = [r["run_id"] for r in rows]
    assert len(ids) == len(set(ids))  # no duplicates
    for row in rows:  # every row complete
        assert row["config_json"] and row["curve_json"].startswith("{") and row["n_iter"] == 12
        assert row["val_accuracy"] is not None and row["created_at"]
    return {r["run_id"]: r for r in rows}


def _wait_for_rows(path, proc, at_least=1, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended before it could be interrupted: {proc.communicate()}")
        if os.path.exists(path):
            try:
                conn = sqlite3.connect(path, timeout=30)
                n = conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
                conn.close()
                if n >= at_least:
                    return n
            except sqlite3.OperationalError:  # the tables are being created
                pass
        time.sleep(0.05)
    proc.kill()
    pytest.fail("no run was committed in time")


def test_running_the_same_command_again_trains_nothing_and_an_extended_grid_only_the_new_points(capsys, tmp_path):
    out = str(tmp_path / "grid")
    argv = ["sweep", "--param", "max_iter=2,3", "--param", "alpha=0.0001,0.01", *QUICK, "--seeds", "2", "--out", out]
    code, text, _ = run(capsys, *argv)
    assert code == 0
    assert f"results store {out}/sweep.sqlite: 0 of 8 runs found, 8 to train (4 trainings)" in text
    assert "8 runs (4 configurations × 2 seeds) from 4 trainings in" in text and "(4 trained now)" in text
    first = pd.read_csv(f"{out}/sweep.csv")
    rows = _rows_any(f"{out}/sweep.sqlite")

    code, text, _ = run(capsys, *argv)
    assert code == 0
    assert "8 of 8 runs found, 0 to train (0 trainings)" in text
    assert "(0 trained now; 8 runs were already in the store)" in text
    pd.testing.assert_frame_equal(pd.read_csv(f"{out}/sweep.csv"), first)  # the same export, from the store

    code, text, _ = run(capsys, *argv[:2], "max_iter=2,3,4", argv[3], "alpha=0.0001,0.01,0.1", *argv[5:])
    assert code == 0
    assert "8 of 18 runs found, 10 to train (6 trainings)" in text
    after = _rows_any(f"{out}/sweep.sqlite")
    assert len(after) == 18 and all(after[k] == v for k, v in rows.items())
    assert len(pd.read_csv(f"{out}/sweep.csv")) == 18


def _rows_any(path):
    conn = sqlite3.connect(path)
    names = [d[1] for d in conn.execute("PRAGMA table_info(runs)")]
    rows = {r[0]: dict(zip(names, r)) for r in conn.execute("SELECT * FROM runs")}
    conn.close()
    return rows


def test_sigkill_mid_sweep_loses_nothing_and_the_next_run_finishes(capsys, tmp_path):
    out = tmp_path / "killed"
    store = str(out / "sweep.sqlite")
    argv = ["sweep", *SLOW, "--backend", "serial", "--out", str(out)]
    proc = subprocess.Popen([*_command(), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for_rows(store, proc, at_least=2)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    saved = _rows(store)  # sound database, complete rows, no duplicates
    assert 2 <= len(saved) < N_SLOW, "the sweep should have been killed mid-way"
    assert not (out / "sweep.csv").exists()

    code, text, _ = run(capsys, *argv)
    assert code == 0
    assert f"{len(saved)} of {N_SLOW} runs found, {N_SLOW - len(saved)} to train" in text
    done = _rows(store)
    assert len(done) == N_SLOW and all(done[k] == v for k, v in saved.items())  # committed rows unchanged
    assert len(pd.read_csv(out / "sweep.csv")) == N_SLOW


@pytest.mark.parametrize(
    "sig, backend",
    [(signal.SIGINT, "processes"), (signal.SIGTERM, "serial")],
    ids=["ctrl-c-processes", "sigterm-serial"],
)
def test_interrupt_stops_cleanly_with_a_one_line_summary(tmp_path, sig, backend):
    out = tmp_path / "stopped"
    store = str(out / "sweep.sqlite")
    argv = ["sweep", *SLOW, "--backend", backend, "--jobs", "2", "--out", str(out)]
    proc = subprocess.Popen([*_command(), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_rows(store, proc)
    try:
        import psutil

        workers = psutil.Process(proc.pid).children(recursive=True)
    except ImportError:  # pragma: no cover
        workers = []
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, (stdout, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    match = re.fullmatch(
        r"digitnet: interrupted: (\d+) of 48 runs saved in (.*); run the same command again to"
        r" finish",
        lines[0],
    )
    assert match and match.group(2) == store, lines[0]
    saved = _rows(store)
    assert int(match.group(1)) == len(saved) and 1 <= len(saved) < N_SLOW
    assert "0 of 48 runs found, 48 to train" in stdout
    # the worker processes went with it
    deadline = time.monotonic() + 30
    while any(w.is_running() and w.status() != "zombie" for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [w for w in workers if w.is_running() and w.status() != "zombie"]
    conn = sqlite3.connect(store)
    assert conn.execute("SELECT status FROM sweeps").fetchall() == [("interrupted",)]
    conn.close()


def test_results_of_one_seed_show_no_spread_as_a_dash(capsys, tmp_path):
    out = str(tmp_path / "one")
    assert (
        run(
            capsys,
            "sweep",
            "--param",
            "learning_rate_init=0.001,0.01",
            "--max-iter",
            "3",
            "--backend",
            "serial",
            "--no-progress",
            "--out",
            out,
        )[0]
        == 0
    )
    code, text, _ = run(capsys, "results", out)
    rows = text.splitlines()[3:6]
    assert code == 0 and "NaN" not in text
    assert rows[0].split()[:3] == ["learning_rate_init", "val_accuracy", "val_accuracy_std"]
    assert [row.split()[2] for row in rows[1:]] == ["-", "-"]  # one seed: no spread to show


def test_results_prints_the_best_configurations_without_training(capsys, tmp_path, monkeypatch):
    out = str(tmp_path / "r")
    code, _, _ = run(
        capsys,
        "sweep",
        "--param",
        "hidden_layer_sizes=4,12",
        "--param",
        "learning_rate_init=0.0001,0.01",
        "--max-iter",
        "4",
        "--seeds",
        "2",
        "--cv",
        "2",
        "--backend",
        "serial",
        "--no-progress",
        "--out",
        out,
    )
    assert code == 0
    import digitnet.experiments

    def no_training(*args, **kwargs):
        raise AssertionError("digitnet results must not train")

    monkeypatch.setattr(digitnet.experiments, "run_task", no_training)
    code, text, err = run(capsys, "results", out, "--top", "3")
    assert code == 0 and err == ""
    lines = text.splitlines()
    assert lines[0] == next(
        l for l in lines if l.startswith("16 runs of 4 configurations (seeds 0, 1; 2-fold cv; data: digits), 0 failed,")
    )
    assert lines[1].startswith("1 sweep command on this store; the last, 'sweep', started ")
    assert lines[2] == "digits (2-fold cv): best 3 of 4 configurations by mean validation accuracy:"
    header = lines[3].split()
    assert header[:4] == ["hidden_layer_sizes", "learning_rate_init", "val_accuracy", "val_accuracy_std"]
    assert "folds" in header and len(lines) == 3 + 1 + 3 + 1
    table = pd.read_csv(f"{out}/sweep.csv")
    best = table.groupby(["hidden_layer_sizes", "learning_rate_init"]).val_accuracy.mean().idxmax()
    assert lines[-1].startswith(
        f"best: hidden_layer_sizes={best[0]}, learning_rate_init={best[1]}: mean validation accuracy"
    )
    assert run(capsys, "results", f"{out}/sweep.sqlite")[0] == 0  # the file itself is fine too
    code, _, err = run(capsys, "results", str(tmp_path / "nothing"))
    assert code == 2 and err.startswith("digitnet: error: no results store at") and err.count("\n") == 1
