"""Every way a Dask cluster can fail, for real: a socket that never answers, a server that is not Dask, a
scheduler without workers, every worker or the scheduler killed mid-sweep (one line within a bounded time, and
every committed run kept), and workers replaced mid-sweep (the sweep finishes, with the same numbers)."""

import socket
import threading
import time

import pandas as pd
import pytest

from digitnet.cli import main
from digitnet.data import load_split
from digitnet.experiments import dask_backend, sweep
from digitnet.experiments.store import FILENAME, Store

from .dask_cluster import Cluster

pytest.importorskip("distributed")

GRID = [
    "--param",
    "hidden_layer_sizes=16,32,48",
    "--param",
    "learning_rate_init=0.001,0.01,0.1",
    "--max-iter",
    "300",
    "--tol",
    "0",
    "--seeds",
    "2",
]


@pytest.fixture(autouse=True)
def short_waits(monkeypatch):
    monkeypatch.setattr(dask_backend, "CONNECT_TIMEOUT", 2.0)
    monkeypatch.setattr(dask_backend, "WORKER_WAIT", 4.0)
    monkeypatch.setattr(dask_backend, "SCHEDULER_WAIT", 4.0)


@pytest.fixture
def cluster(tmp_path):
    running = Cluster(str(tmp_path))
    yield running
    running.close()


def _serve(handler):
    """A real TCP server on 127.0.0.1 that treats each connection with ``handler``; returns its address."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    kept = []

    def loop():
        while True:
            connection, _ = server.accept()
            kept.append(connection)
            handler(connection)

    threading.Thread(target=loop, daemon=True).start()
    return f"tcp://127.0.0.1:{server.getsockname()[1]}"


def _sweep(capsys, address, out, *extra):
    start = time.monotonic()
    code = main(
        ["sweep", *GRID, *extra, "--backend", "dask", "--scheduler", address, "--no-progress", "--out", str(out)]
    )
    out_text, err = capsys.readouterr()
    return code, out_text, err, time.monotonic() - start


def _one_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("digitnet: error: ") and "Traceback" not in err, err
    return lines[0]


def test_a_socket_that_accepts_and_never_answers(capsys, tmp_path):
    address = _serve(lambda connection: None)
    code, _, err, seconds = _sweep(capsys, address, tmp_path / "o")
    assert code == 2 and seconds < 15
    assert _one_line(err) == f"digitnet: error: cannot connect to the Dask scheduler at {address}: no answer within 2 s"


def test_a_server_that_is_not_dask(capsys, tmp_path):
    def http(connection):
        connection.recv(1024)
        connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>hello</html>" * 50)
        connection.close()

    address = _serve(http)
    code, _, err, seconds = _sweep(capsys, address, tmp_path / "o")
    assert code == 2 and seconds < 15
    line = _one_line(err)
    assert line.startswith(f"digitnet: error: {address} is not a Dask scheduler") or "cannot connect" in line


def test_a_scheduler_with_no_workers(capsys, tmp_path, cluster):
    code, _, err, seconds = _sweep(capsys, cluster.address, tmp_path / "o")
    assert code == 2 and seconds < 30
    assert _one_line(err) == (
        f"digitnet: error: the Dask scheduler {cluster.address} has no workers (waited 4 s);"
        f" start some with 'dask worker {cluster.address}'"
    )


def _when_runs_are_saved(path, n, action):
    """Do ``action`` (in a thread) once the store at ``path`` holds ``n`` runs."""

    def wait_then_act():
        while True:
            try:
                with Store(path, readonly=True) as store:
                    if store.count() >= n:
                        break
            except Exception:  # noqa: BLE001 (not created yet)
                pass
            time.sleep(0.1)
        action()

    thread = threading.Thread(target=wait_then_act, daemon=True)
    thread.start()
    return thread


def _saved(line, path):
    n_saved = int(line.split(" runs saved in ")[0].rsplit("; ", 1)[1].split(" of ")[0])
    with Store(path, readonly=True) as store:
        assert store.integrity_check() == "ok" and store.count() == n_saved
    return n_saved


@pytest.mark.parametrize("failure", ["every-worker", "scheduler"])
def test_losing_the_cluster_mid_sweep_is_one_line_and_keeps_what_was_saved(capsys, tmp_path, cluster, failure):
    for _ in range(2):
        cluster.start_worker()
    path = tmp_path / "o" / FILENAME
    _when_runs_are_saved(path, 2, cluster.kill_workers if failure == "every-worker" else cluster.kill_scheduler)
    code, _, err, seconds = _sweep(capsys, cluster.address, tmp_path / "o")
    line = _one_line(err)
    assert code == 1 and seconds < 120, err
    assert (
        ("every Dask worker" in line or "no Dask worker" in line)
        if failure == "every-worker"
        else "lost the Dask scheduler" in line
    )
    assert "run the same command again to finish" in line
    assert 2 <= _saved(line, path) < 18


def test_workers_replaced_mid_sweep(capsys, tmp_path, cluster):
    for _ in range(2):
        cluster.start_worker()
    path = tmp_path / "o" / FILENAME

    def replace_them():
        cluster.kill_workers(0)
        cluster.start_worker()
        time.sleep(1.0)
        cluster.kill_workers(1)
        cluster.start_worker()

    _when_runs_are_saved(path, 2, replace_them)
    code, out, err, _ = _sweep(capsys, cluster.address, tmp_path / "o")
    assert code == 0, err
    assert "18 runs (9 configurations × 2 seeds)" in out
    local = sweep(
        {"hidden_layer_sizes": [(16,), (32,), (48,)], "learning_rate_init": [0.001, 0.01, 0.1]},
        load_split("digits", validation_size=0.2),
        seeds=2,
        progress=False,
        base_params={"max_iter": 300, "tol": 0.0},
    )
    table = pd.read_csv(tmp_path / "o" / "sweep.csv")
    assert list(table.val_accuracy) == list(local.runs.val_accuracy)  # the same numbers as in this process


def test_a_chunk_whose_worker_dies_as_its_result_is_fetched_runs_again(cluster):
    """The race CI met: a future seen finished, its worker killed before its result is fetched (the result is
    forgotten with the data it was computed from): the chunk is queued to run again, nothing is saved twice."""
    distributed = pytest.importorskip("distributed")
    cluster.start_worker()
    with dask_backend.dask_client(cluster.address) as client:
        client.wait_for_workers(1, timeout=30)
        collector = dask_backend._Collector(client, [1, 2, 3], None, cluster.address)
        collector._scatter()
        future = client.submit(len, collector.shared, pure=False)
        distributed.wait(future, timeout=30)
        assert future.status == "finished"
        collector.pending[future] = ("the chunk", 0)
        cluster.workers[0].kill()  # no wait: the future still reads "finished" when the result is asked for
        saved = []
        collector._collect(future, lambda *result: saved.append(result))
        assert saved == [] and collector.lost == [("the chunk", 1)] and not collector.pending
