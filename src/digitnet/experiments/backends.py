"""Where a sweep's training runs: in this process, in a pool of processes, or on a Dask cluster.

:func:`execute` takes the sweep's tasks (see :class:`digitnet.experiments.runs.Task`),
ships them to workers in chunks and hands every chunk's records back to the
caller (``on_result``) in this process as soon as that chunk is done, in
whatever order chunks finish. Backends:

``serial``
    One task at a time in this process (for debugging; every task's records
    are handed back as it finishes).
``processes``
    A pool of ``n_jobs`` worker processes (joblib's loky pool, reused between
    calls). With ``n_jobs=1`` this is ``serial``: a pool of one would only add overhead.
``dask``
    A Dask distributed cluster: an existing one (``scheduler="tcp://host:port"``)
    or a ``LocalCluster`` of ``n_jobs`` single-threaded worker processes on the
    loopback interface, started for the call and stopped after it. The data is
    sent to every worker once (``scatter``); chunks are submitted as tasks and
    collected with ``as_completed``. Dask is an optional extra:
    ``pip install -e ".[dask]"``.

Workers are never more than the cores this process may use, nor than the chunks of work
(:func:`~digitnet.experiments.chunks.n_workers_of`): ``n_jobs=1000`` on two runs starts two.

Chunks are sized by estimated training time (:func:`estimate_seconds`): about
``chunk_seconds`` of work each, and at least 4 per worker so that workers
finish together. A fit on Digits takes milliseconds to a second; one task per
fit would spend more time scheduling than training. Results never depend on
the backend or the chunking: every task seeds its own random state.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from joblib import Parallel, delayed
from joblib.externals.loky.process_executor import TerminatedWorkerError

from ..errors import UsageError
from ..progress import progress as progress_counter
from .chunks import cancellation_quiet, check_n_jobs, estimate_seconds, n_workers_of, plan_chunks
from .dask_backend import DASK_MISSING, WorkerLost, dask_client, require_dask, run_dask
from .runs import run_chunk

if TYPE_CHECKING:
    from ..data import Split
    from .runs import Task


__all__ = [
    "BACKENDS",
    "DASK_MISSING",
    "WorkerLost",
    "dask_client",
    "estimate_seconds",
    "execute",
    "plan_chunks",
    "require_dask",
]

BACKENDS = ("serial", "processes", "dask")


def execute(
    tasks: Sequence[Task],
    data: tuple[Split, Any],
    *,
    backend: str = "processes",
    n_jobs: int = 1,
    scheduler: str | None = None,
    on_result: Callable[[list], object] | None = None,
    progress: bool = True,
    desc: str = "sweep",
    chunk_seconds: float = 0.5,
) -> list:
    """Run tasks on a backend, handing each finished chunk's records to ``on_result`` in this process.

    Parameters
    ----------
    tasks : list of Task
    data : (Split, folds)
        What every task trains on (sent to each worker once with Dask).
    backend : {"serial", "processes", "dask"}, default="processes"
    n_jobs : int, default=1
        Worker processes (``processes``; ``dask`` with a LocalCluster); -1 for all cores. Never more are started
        than the cores this process may use, nor than the chunks of work.
    scheduler : str, optional
        Address of a running Dask scheduler (``dask`` only); none starts a LocalCluster.
    on_result : callable(list of dict), optional
        Called in this process with the records of every finished chunk, as it finishes.
    progress : bool, default=True
        Progress (in trainings) on stderr: a bar on a terminal, a line now and then in a log.
    desc : str
        The progress bar's label.
    chunk_seconds : float, default=0.5
        Target estimated training time per chunk.

    Returns
    -------
    list of dict or None
        All records when ``on_result`` is None (then they are collected), else None.

    Raises
    ------
    UsageError
        Unknown backend, ``n_jobs`` 0, Dask missing, or a scheduler that cannot be reached.
    WorkerLost
        A worker process died; the chunks finished before were handed over.
    KeyboardInterrupt
        Passed on after the workers were stopped.
    """
    if backend not in BACKENDS:
        raise UsageError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if scheduler is not None and backend != "dask":
        raise UsageError("a scheduler address needs --backend dask")
    check_n_jobs(n_jobs)
    collected = [] if on_result is None else None
    on_result = collected.extend if on_result is None else on_result

    with progress_counter(len(tasks), desc, unit="training", enabled=progress) as bar:

        def done(n_tasks, records):
            on_result(records)
            bar.update(n_tasks)

        if backend == "dask":
            run_dask(tasks, data, n_jobs, scheduler, done, chunk_seconds)
        elif backend == "processes" and n_workers_of(n_jobs, len(tasks)) > 1:
            _run_processes(tasks, data, n_workers_of(n_jobs, len(tasks)), done, chunk_seconds)
        else:
            _run_serial(tasks, data, done)
    return collected


def _run_serial(tasks, data, done):
    for task in tasks:
        done(*run_chunk([task], data))


def _run_processes(tasks, data, n_workers, done, chunk_seconds):
    chunks = plan_chunks(tasks, data, n_workers, chunk_seconds)
    n_workers = min(n_workers, len(chunks))
    try:
        # batch_size=1: each chunk is its own dispatch, so its records come back (and are committed) as it ends
        with (
            cancellation_quiet(),
            Parallel(n_jobs=n_workers, return_as="generator_unordered", batch_size=1) as parallel,
        ):
            for n_tasks, records in parallel(delayed(run_chunk)(chunk, data, os.getpid()) for chunk in chunks):
                done(n_tasks, records)
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        if _is_lost_worker(exc):
            raise WorkerLost(f"a worker process died ({type(exc).__name__})") from None
        raise


def _is_lost_worker(exc):
    return isinstance(exc, (TerminatedWorkerError, BrokenProcessPool))
