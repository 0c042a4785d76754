"""Execution backends: chunking, the same numbers serially, in processes and on a real Dask LocalCluster,
a worker dying, and Dask missing or out of reach (one clear line)."""

import os
import signal
import sys

import pandas as pd
import pytest

from digitnet.cli import main
from digitnet.data import load_split
from digitnet.errors import UsageError
from digitnet.experiments import Task, dask_backend, sweep
from digitnet.experiments.backends import WorkerLost, estimate_seconds, execute, plan_chunks
from digitnet.experiments.store import FILENAME, Store

GRID = {"hidden_layer_sizes": [(6,), (10, 5)], "max_iter": [2, 4], "activation": ["relu", "tanh"]}
KWARGS = dict(seeds=2, cv=2, progress=False, base_params={"solver": "adam", "batch_size": 64})


def test_chunks_hold_about_the_target_work_and_at_least_four_per_worker(split):
    tasks = [
        Task(params={"hidden_layer_sizes": (h,)}, checkpoints=(e,), config_ids=(i,), seed=0)
        for i, (h, e) in enumerate((h, e) for h in (4, 16, 64, 256) for e in (5, 50, 200))
    ]
    data = (split, None)
    costs = {id(t): estimate_seconds(t, 300, 64, 10) for t in tasks}
    assert costs[id(tasks[-1])] > 100 * costs[id(tasks[0])]  # bigger and longer fits cost more
    for n_workers, target in ((1, 0.5), (2, 0.5), (2, 0.05), (8, 10.0)):
        chunks = plan_chunks(tasks, data, n_workers, chunk_seconds=target)
        assert sorted(id(t) for c in chunks for t in c) == sorted(id(t) for t in tasks)  # each task once
        assert len(chunks) >= min(len(tasks), 4 * n_workers)
        loads = [sum(costs[id(t)] for t in c) for c in chunks]
        biggest = max(costs.values())
        assert max(loads) <= max(target, biggest) * 1.5 or len(chunks) == len(tasks)
    few = plan_chunks(tasks, data, 2, chunk_seconds=1e9)  # no target reached: still 4 chunks per worker
    assert len(few) == 8
    assert plan_chunks([], data, 2) == []


@pytest.fixture(scope="module")
def serial_grid(split):
    return sweep(GRID, split, backend="serial", **KWARGS)


def _same_numbers(other, serial):
    pd.testing.assert_frame_equal(
        other.runs.drop(columns="fit_seconds"), serial.runs.drop(columns="fit_seconds"), check_exact=True
    )
    assert other.curves == serial.curves


def test_serial_and_processes_give_the_same_numbers(split, serial_grid):
    """One grid, cross-validated, run serially and in a pool of processes: identical metrics and curves, bit for
    bit."""
    processes = sweep(GRID, split, backend="processes", n_jobs=2, **KWARGS)
    assert serial_grid.config.backend == "serial" and processes.config.backend == "processes"
    _same_numbers(processes, serial_grid)


def test_dask_gives_the_same_numbers(split, serial_grid, tmp_path):
    """The same grid on Dask (a real LocalCluster on 127.0.0.1, started and stopped by the sweep)."""
    pytest.importorskip("distributed", reason='Dask is not installed (pip install -e ".[dask]")')
    dask = sweep(GRID, split, backend="dask", n_jobs=2, store=tmp_path / FILENAME, **KWARGS)
    assert dask.config.backend == "dask"
    _same_numbers(dask, serial_grid)
    with Store(tmp_path / FILENAME) as store:
        assert store.count() == len(serial_grid.runs) * 2  # one row per run and fold


def test_dask_with_a_scheduler_address(split, tmp_path, capsys):
    """--scheduler tcp://...: the sweep uses a cluster that is already running (here one in this process)."""
    distributed = pytest.importorskip("distributed", reason='Dask is not installed (pip install -e ".[dask]")')
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp://", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        out = tmp_path / "o"
        code = main(
            [
                "sweep",
                "--param",
                "hidden_layer_sizes=5,7",
                "--max-iter",
                "2",
                "--seeds",
                "2",
                "--backend",
                "dask",
                "--scheduler",
                address,
                "--no-progress",
                "--out",
                str(out),
            ]
        )
        assert code == 0, capsys.readouterr()
        assert "0 of 4 runs found, 4 to train" in capsys.readouterr().out
        # the cluster is still there for the next user
        with distributed.Client(address) as client:
            assert len(client.scheduler_info()["workers"]) == 1
    expected = sweep(
        {"hidden_layer_sizes": [(5,), (7,)]},
        load_split("digits", validation_size=0.2),
        seeds=2,
        progress=False,
        base_params={"max_iter": 2},
    )
    table = pd.read_csv(out / "sweep.csv")
    assert list(table.val_accuracy) == list(expected.runs.val_accuracy)


def _one_error_line(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and err.startswith("digitnet: error: ") and "Traceback" not in err
    return err.strip()


def test_backend_dask_without_dask_is_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if Dask were not installed
    line = _one_error_line(
        capsys, ["sweep", "--param", "max_iter=2", "--backend", "dask", "--out", str(tmp_path / "o")]
    )
    assert line == (
        "digitnet: error: --backend dask needs Dask: pip install -e \".[dask]\" (or pip install 'dask[distributed]')"
    )
    assert not (tmp_path / "o").exists()  # nothing was started
    with pytest.raises(UsageError, match="needs Dask"):
        execute([], None, backend="dask")


def test_bad_backend_options(capsys, tmp_path, monkeypatch):
    assert "--scheduler needs --backend dask" in _one_error_line(
        capsys, ["sweep", "--param", "max_iter=2", "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path)]
    )
    assert _one_error_line(capsys, ["sweep", "--param", "max_iter=2", "--jobs", "0", "--out", str(tmp_path)]) == (
        "digitnet: error: argument --jobs: the number of worker processes must be at least 1, or -1 for every core;"
        " got 0 (see 'digitnet sweep --help')"
    )
    assert "invalid choice: 'spark'" in _one_error_line(
        capsys, ["sweep", "--param", "max_iter=2", "--backend", "spark", "--out", str(tmp_path)]
    )
    with pytest.raises(UsageError, match="unknown backend 'spark'"):
        execute([], None, backend="spark")
    pytest.importorskip("distributed", reason='Dask is not installed (pip install -e ".[dask]")')
    monkeypatch.setattr(dask_backend, "CONNECT_TIMEOUT", 1.0)
    line = _one_error_line(
        capsys,
        [
            "sweep",
            "--param",
            "max_iter=2",
            "--backend",
            "dask",
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--no-progress",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert "cannot connect to the Dask scheduler at tcp://127.0.0.1:9" in line


class _KillsAWorker(Store):
    """A store that, once the first chunk is committed, kills one of this process's worker processes."""

    killed = None

    def add(self, *args, **kwargs):
        inserted = super().add(*args, **kwargs)
        if self.killed is None:
            import psutil

            workers = [p for p in psutil.Process().children(recursive=True) if "python" in p.name().lower()]
            busy = [p for p in workers if "resource_tracker" not in " ".join(p.cmdline())]
            self.killed = busy[0].pid
            os.kill(self.killed, signal.SIGKILL)
        return inserted


def test_a_worker_dying_loses_nothing_committed(split, tmp_path):
    pytest.importorskip("psutil")
    path = tmp_path / FILENAME
    grid = {"hidden_layer_sizes": [(8,), (16,)], "learning_rate_init": [1e-3, 1e-2, 1e-1], "max_iter": [25]}
    with _KillsAWorker(path) as store:
        with pytest.raises(
            WorkerLost,
            match=r"a worker process died .*; (\d+) of 24 runs saved in .*; run the same"
            r" command again to finish",
        ):
            sweep(grid, split, seeds=4, n_jobs=2, progress=False, store=store)
        assert store.killed is not None
        saved = {r.run_id: r for r in store.rows()}
        assert 0 < len(saved) < 24 and store.integrity_check() == "ok"
        assert store.sweeps()[-1].status == "failed"
    finished = sweep(grid, split, seeds=4, n_jobs=2, progress=False, store=path)
    assert finished.config.n_found == len(saved) and len(finished.runs) == 24
    with Store(path) as store:
        rows = {r.run_id: r for r in store.rows()}
    assert len(rows) == 24 and all(rows[k] == v for k, v in saved.items())
