"""Worker processes sized to the work and the machine, and gone when the command is: real commands, their real
child processes (counted in /proc), real SIGTERM, SIGINT (to the process group, as Ctrl-C at a terminal sends it)
and SIGKILL."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from digitnet.experiments.chunks import usable_cores
from digitnet.experiments.store import FILENAME

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="counts processes in /proc (Linux)")

QUICK = ["--hidden-layer-sizes", "8", "--max-iter", "3"]
#: 18 runs that take a while (two workers need tens of seconds): there is time to see them and stop them.
LONG = [
    "--param",
    "hidden_layer_sizes=16,32,64",
    "--param",
    "learning_rate_init=0.001,0.01",
    "--max-iter",
    "300",
    "--tol",
    "0",
    "--seeds",
    "3",
]
#: How each kind of worker process shows in its command line.
WORKER = {"processes": "LokyProcess", "dask": "from multiprocessing.spawn import spawn_main"}
#: The hang guard of every wait here (a bound, not a speed: a healthy run takes a fraction of it).
GUARD = 120


def _stat(pid):
    """(state, parent pid, start time) of process ``pid`` from /proc, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[19])


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def descendants(pid):
    """The living processes descended from ``pid``: {pid: (start time, command line)}."""
    stats = {int(p): s for p in os.listdir("/proc") if p.isdigit() and (s := _stat(int(p))) is not None}
    found, parents = {}, [pid]
    while parents:
        parent = parents.pop()
        for child, (state, ppid, start) in stats.items():
            if ppid == parent and state != "Z" and child not in found:
                found[child] = (start, _cmdline(child))
                parents.append(child)
    return found


def living(processes):
    """Those of ``processes`` (from :func:`descendants`) still running: the same process (start time), no zombie."""
    return [pid for pid, (start, _) in processes.items() if (s := _stat(pid)) and s[0] != "Z" and s[2] == start]


def workers(processes, backend):
    return {pid: p for pid, p in processes.items() if WORKER[backend] in p[1] and "resource_tracker" not in p[1]}


def _start(*argv):
    """The command in a session of its own (its process group, as a shell's job)."""
    return subprocess.Popen(
        [sys.executable, "-m", "digitnet.cli", *map(str, argv)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _watch(command, until, backend):
    """Poll ``command``'s descendants until ``until(seen_workers)`` or it ends; return every process seen, and the
    most workers alive at once."""
    seen, most, deadline = {}, 0, time.monotonic() + GUARD
    while command.poll() is None and time.monotonic() < deadline:
        now = descendants(command.pid)
        seen.update(now)
        most = max(most, len(workers(now, backend)))
        if until(workers(now, backend)):
            break
        time.sleep(0.05)
    return seen, most


def _committed(store):
    """Runs committed to the store so far (0 before it exists)."""
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    except sqlite3.Error:
        return 0


def _gone_after(processes, guard=10.0):
    """Seconds until none of ``processes`` is left (within ``guard``); the ones left after it fail the test."""
    start = time.monotonic()
    while living(processes) and time.monotonic() - start < guard:
        time.sleep(0.02)
    assert not living(processes), [processes[p][1][-80:] for p in living(processes)]
    return time.monotonic() - start


# ------------------------------------------------------------------------------ as many workers as the work needs


def test_compare_with_100000_jobs_starts_at_most_one_worker_per_fit_and_core(tmp_path):
    """Once, 343 processes (and 6 GB) for four fits, and no result after 90 s."""
    command = _start(
        "compare",
        "--seeds",
        "2",
        "--jobs",
        "100000",
        "--hidden-layer-sizes",
        "32",
        "--max-iter",
        "40",
        "--no-progress",
        "--out",
        tmp_path / "c",
    )
    _, most = _watch(command, lambda _: False, "processes")
    out, err = command.communicate(timeout=GUARD)
    assert command.returncode == 0, err
    cores = usable_cores()
    expected = min(4, cores)
    assert 1 <= most <= expected
    reasons = "4 fits to run" + (f", {cores} usable core{'s' if cores != 1 else ''}" if cores < 100000 else "")
    assert (
        out.splitlines()[0] == f"--jobs 100000: using {expected} worker process{'es' if expected != 1 else ''}"
        f" ({reasons})"
    )
    assert err == ""


def test_a_dask_sweep_with_1000_jobs_on_two_runs_starts_two_workers_at_most(tmp_path):
    """Once, about 150 processes for two runs."""
    pytest.importorskip("distributed", reason='Dask is not installed (pip install -e ".[dask]")')
    command = _start(
        "sweep",
        "--param",
        "hidden_layer_sizes=8,9",
        "--max-iter",
        "3",
        "--backend",
        "dask",
        "--jobs",
        "1000",
        "--no-progress",
        "--out",
        tmp_path / "s",
    )
    seen, most = _watch(command, lambda _: False, "dask")
    out, err = command.communicate(timeout=GUARD)
    assert command.returncode == 0, err
    cores = usable_cores()
    assert 1 <= most <= min(2, cores) and len(workers(seen, "dask")) <= min(2, cores)
    assert out.splitlines()[0] == (
        f"--jobs 1000: using at most {min(1000, cores)} worker process"
        f"{'es' if cores != 1 else ''} ({cores} usable core{'s' if cores != 1 else ''})"
    )
    assert err == ""
    _gone_after(seen)


# ------------------------------------------------------------------------------ stopped: the workers go with the run


@pytest.mark.parametrize(
    "signum, to_group, when",
    [
        (signal.SIGTERM, False, "running"),  # kill PID
        (signal.SIGINT, True, "running"),  # Ctrl-C at a terminal: every process of the group gets it
        (signal.SIGTERM, False, "starting"),  # while the local cluster is still starting its workers
        (signal.SIGINT, True, "starting"),
    ],
    ids=["sigterm", "ctrl-c", "sigterm-while-starting", "ctrl-c-while-starting"],
)
def test_sigterm_and_ctrl_c_end_a_dask_sweep_with_its_cluster_in_one_line(tmp_path, signum, to_group, when):
    """Once, SIGTERM did not end a Dask sweep within 5 s, and a signal while the LocalCluster started left
    tracebacks; Ctrl-C made every worker print its own."""
    pytest.importorskip("distributed", reason='Dask is not installed (pip install -e ".[dask]")')
    out = tmp_path / "grid"
    command = _start("sweep", *LONG, "--backend", "dask", "--jobs", "2", "--no-progress", "--out", out)
    if when == "starting":
        seen, _ = _watch(command, lambda found: len(found) >= 1, "dask")
    else:
        seen, _ = _watch(command, lambda found: _committed(out / FILENAME) > 0, "dask")
    assert workers(seen, "dask") and command.poll() is None, "the sweep started no worker, or ended too soon"
    sent = time.monotonic()
    (os.killpg if to_group else os.kill)(command.pid, signum)
    _, err = command.communicate(timeout=GUARD)
    stopped = time.monotonic() - sent
    assert command.returncode == 130, err
    lines = err.splitlines()
    assert (
        len(lines) == 1
        and lines[0].startswith("digitnet: interrupted: ")
        and lines[0].endswith(f" of 18 runs saved in {out / FILENAME}; run the same command again to finish")
    ), err
    assert _gone_after(seen) < 5  # the cluster was stopped before the command ended: nothing is left behind
    print(f"{signal.Signals(signum).name} while {when}: the sweep ended {stopped:.2f} s later")


@pytest.mark.parametrize("backend", ["processes", "dask"])
def test_the_workers_of_a_killed_sweep_end_within_a_second(tmp_path, backend):
    """The README's bound: SIGKILL leaves nothing to stop the workers, each of which ends by itself once the sweep
    is gone (a pool worker looks every 0.1 s; a Dask worker's pipe to the sweep closes), even while whoever started
    the sweep has not collected its exit status (a shell does at once; here it waits)."""
    if backend == "dask":
        pytest.importorskip("distributed", reason='Dask is not installed (pip install -e ".[dask]")')
    out = tmp_path / "grid"
    command = _start("sweep", *LONG, "--backend", backend, "--jobs", "2", "--no-progress", "--out", out)
    seen, _ = _watch(command, lambda found: len(found) >= 2 and _committed(out / FILENAME) > 0, backend)
    running = workers(descendants(command.pid), backend)
    assert len(running) == 2, "the sweep did not start its two workers"
    os.kill(command.pid, signal.SIGKILL)  # and not collected yet: its id stays taken, by a zombie, meanwhile
    seconds = _gone_after(running)
    print(f"{backend}: the workers of a killed sweep ended {seconds:.2f} s after it")
    assert seconds <= 1.0
    command.communicate(timeout=GUARD)
    _gone_after(seen)  # and whatever else it started (resource trackers), within the guard
