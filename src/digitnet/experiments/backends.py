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

Chunks are sized by estimated training time (:func:`estimate_seconds`): about
``chunk_seconds`` of work each, and at least 4 per worker so that workers
finish together. A fit on Digits takes milliseconds to a second; one task per
fit would spend more time scheduling than training. Results never depend on
the backend or the chunking: every task seeds its own random state.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import math
import sys
from concurrent.futures.process import BrokenProcessPool

from joblib import Parallel, delayed, effective_n_jobs
from joblib.externals.loky.process_executor import TerminatedWorkerError
from tqdm.auto import tqdm

from .._lazy import lazy
from ..errors import UsageError
from ..estimator import batch_rows
from .params import resolve
from .runs import run_chunk

distributed = lazy("distributed")

__all__ = ["BACKENDS", "DASK_MISSING", "WorkerLost", "dask_client", "estimate_seconds", "execute", "plan_chunks",
           "require_dask"]

BACKENDS = ("serial", "processes", "dask")
DASK_MISSING = "--backend dask needs Dask: pip install -e \".[dask]\" (or pip install 'dask[distributed]')"

#: Seconds per (epoch x weight x training row): a rough figure for one core, used only to size chunks.
SECONDS_PER_WEIGHT_ROW_EPOCH = 2e-9
#: Fixed seconds per minibatch step (Python overhead), also only to size chunks.
SECONDS_PER_STEP = 5e-5
#: How long to try reaching a Dask scheduler given by address.
CONNECT_TIMEOUT = "10s"


class WorkerLost(RuntimeError):
    """A worker process died (killed, out of memory) while the sweep was running."""


def estimate_seconds(task, n_rows, n_features, n_classes):
    """A rough estimate of one task's training time on one core (to size chunks; only ratios matter much)."""
    params = resolve(task.params, n_rows)
    batch = batch_rows(params.get("solver", "adam"), params.get("batch_size", "auto"), n_rows)
    steps = max(task.checkpoints) * math.ceil(n_rows / batch)
    return task.cost(n_features, n_classes) * n_rows * SECONDS_PER_WEIGHT_ROW_EPOCH + steps * SECONDS_PER_STEP


def _shape(data):
    split, folds = data
    n_rows = len(split.y_train) if folds is None else len(folds[0][0])
    return n_rows, split.X_train.shape[1], len(split.classes)


def plan_chunks(tasks, data, n_workers, chunk_seconds=0.5, min_chunks_per_worker=4):
    """Split tasks into chunks of about ``chunk_seconds`` of estimated work, at least
    ``min_chunks_per_worker`` per worker (while there are tasks enough), balanced by cost
    (largest task first, each to the lightest chunk)."""
    if not tasks:
        return []
    shape = _shape(data)
    costs = [estimate_seconds(t, *shape) for t in tasks]
    n_chunks = max(math.ceil(sum(costs) / chunk_seconds), min_chunks_per_worker * n_workers)
    n_chunks = min(len(tasks), n_chunks)
    heap = [(0.0, i) for i in range(n_chunks)]
    chunks = [[] for _ in range(n_chunks)]
    for cost, task in sorted(zip(costs, tasks), key=lambda pair: -pair[0]):
        load, i = heapq.heappop(heap)
        chunks[i].append(task)
        heapq.heappush(heap, (load + cost, i))
    return [c for c in chunks if c]


def _n_workers(n_jobs):
    return max(1, effective_n_jobs(n_jobs))


def execute(tasks, data, *, backend="processes", n_jobs=1, scheduler=None, on_result=None, progress=True,
            desc="sweep", chunk_seconds=0.5):
    """Run tasks on a backend, handing each finished chunk's records to ``on_result`` in this process.

    Parameters
    ----------
    tasks : list of Task
    data : (Split, folds)
        What every task trains on (sent to each worker once with Dask).
    backend : {"serial", "processes", "dask"}, default="processes"
    n_jobs : int, default=1
        Worker processes (``processes``; ``dask`` with a LocalCluster); -1 for all cores.
    scheduler : str, optional
        Address of a running Dask scheduler (``dask`` only); none starts a LocalCluster.
    on_result : callable(list of dict), optional
        Called in this process with the records of every finished chunk, as it finishes.
    progress : bool, default=True
        A tqdm progress bar (in tasks) on stderr.
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
        Unknown backend, Dask missing, or a scheduler that cannot be reached.
    WorkerLost
        A worker process died; the chunks finished before were handed over.
    KeyboardInterrupt
        Passed on after the workers were stopped.
    """
    if backend not in BACKENDS:
        raise UsageError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if scheduler is not None and backend != "dask":
        raise UsageError("a scheduler address needs --backend dask")
    collected = [] if on_result is None else None
    on_result = collected.extend if on_result is None else on_result

    with tqdm(total=len(tasks), desc=desc, unit="run", disable=not progress, file=sys.stderr) as bar:
        def done(n_tasks, records):
            on_result(records)
            bar.update(n_tasks)

        if backend == "dask":
            _run_dask(tasks, data, n_jobs, scheduler, done, chunk_seconds)
        elif backend == "processes" and _n_workers(n_jobs) > 1 and len(tasks) > 1:
            _run_processes(tasks, data, _n_workers(n_jobs), done, chunk_seconds)
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
        with Parallel(n_jobs=n_workers, return_as="generator_unordered", batch_size=1) as parallel:
            for n_tasks, records in parallel(delayed(run_chunk)(chunk, data) for chunk in chunks):
                done(n_tasks, records)
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        if _is_lost_worker(exc):
            raise WorkerLost(f"a worker process died ({type(exc).__name__})") from None
        raise


def _is_lost_worker(exc):
    return isinstance(exc, (TerminatedWorkerError, BrokenProcessPool))


# ----------------------------------------------------------------------------------------------- Dask


def require_dask():
    """The ``distributed`` module (imported now), or a UsageError saying how to install Dask."""
    try:
        distributed.Client  # noqa: B018 (the first attribute access imports the module)
    except ImportError:  # not installed, or sys.modules["distributed"] = None: blocked on purpose
        raise UsageError(DASK_MISSING) from None
    return distributed


@contextlib.contextmanager
def _quiet_logs(level=logging.ERROR):
    """Keep distributed's INFO/WARNING chatter (cluster start, worker stop, ...) off the terminal."""
    loggers = [logging.getLogger(name) for name in ("distributed", "dask", "tornado", "asyncio")]
    before = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(level)
    try:
        yield
    finally:
        for logger, old in zip(loggers, before):
            logger.setLevel(old)


@contextlib.contextmanager
def dask_client(scheduler=None, n_jobs=1):
    """A ``distributed.Client`` of the scheduler at ``scheduler``, or of a LocalCluster started (and
    stopped) for the block: ``n_jobs`` single-threaded worker processes on 127.0.0.1, no dashboard."""
    require_dask()
    cluster = None
    with _quiet_logs():
        if scheduler:
            try:
                client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as exc:
                raise UsageError(f"cannot connect to the Dask scheduler at {scheduler}: "
                                 f"{' '.join(str(exc).split()) or type(exc).__name__}") from None
        else:
            cluster = distributed.LocalCluster(n_workers=_n_workers(n_jobs), threads_per_worker=1, processes=True,
                                               host="127.0.0.1", dashboard_address=None,
                                               silence_logs=logging.ERROR)
            client = distributed.Client(cluster)
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.close()
            if cluster is not None:
                with contextlib.suppress(Exception):
                    cluster.close()


def _run_dask(tasks, data, n_jobs, scheduler, done, chunk_seconds):
    require_dask()
    if not tasks:
        return
    with dask_client(scheduler, n_jobs) as client:
        n_workers = max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))
        chunks = plan_chunks(tasks, data, n_workers, chunk_seconds)
        [shared] = client.scatter([data], broadcast=True)  # the split travels to each worker once
        futures = [client.submit(run_chunk, chunk, shared, pure=False) for chunk in chunks]
        try:
            for future in distributed.as_completed(futures):
                try:
                    n_tasks, records = future.result()
                except distributed.KilledWorker as exc:
                    raise WorkerLost(f"Dask workers died running a chunk ({exc})") from None
                except ModuleNotFoundError as exc:
                    raise UsageError(f"the Dask workers cannot import digitnet ({exc}); install it where they"
                                     " run") from None
                done(n_tasks, records)
        finally:
            with contextlib.suppress(Exception):
                client.cancel(futures)
