"""Sweeps on a Dask cluster, and every way a cluster can fail, each ending in one line within a bounded time.

- **Reaching the scheduler.** Before a ``distributed.Client`` is made (it can wait forever on a
  socket that accepts and never answers), the address is asked who it is, with a deadline
  (:func:`probe_scheduler`): nothing listening, a silent socket, a server that is not a Dask
  scheduler, each is one :class:`~digitnet.errors.UsageError` line.
- **No workers.** The sweep waits up to :data:`WORKER_WAIT` seconds for a first worker.
- **During the sweep.** A chunk whose worker dies is run again by the scheduler elsewhere; if the
  data sent to the workers was lost with them, it is sent again and the chunk resubmitted (up to
  :data:`MAX_RESUBMITS` times). If every worker is gone for :data:`WORKER_WAIT` seconds, or the
  scheduler is unreachable for :data:`SCHEDULER_WAIT` seconds, the sweep stops with
  :class:`WorkerLost`, which the sweep turns into "N of M runs saved; run the same command again".
- **Stopping it.** A LocalCluster has at most as many workers as this process has cores and the sweep has
  tasks. Ctrl-C or SIGTERM while it starts or stops is held until that is done (:func:`_signals_held`), then
  acted on: the cluster is stopped, its workers with it, and nothing is left half-started; the workers
  themselves never see a Ctrl-C meant for the sweep.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from multiprocessing import resource_tracker
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .._lazy import lazy
from ..errors import UsageError
from .chunks import n_workers_of, plan_chunks
from .runs import run_chunk

if TYPE_CHECKING:
    from ..data import Split
    from .runs import Task

distributed = lazy("distributed")
distributed_comm = lazy("distributed.comm")

DASK_MISSING = "--backend dask needs Dask: pip install -e \".[dask]\" (or pip install 'dask[distributed]')"
#: Seconds to reach a Dask scheduler given by address, and to get its answer.
CONNECT_TIMEOUT = 10.0
#: Seconds to wait for a worker, at the start or after every worker is lost.
WORKER_WAIT = 30.0
#: Seconds the scheduler may be unreachable during a sweep.
SCHEDULER_WAIT = 20.0
#: How often the sweep looks at the cluster's health while it waits for chunks (seconds).
POLL_SECONDS = 0.5
#: Times a chunk is resubmitted after the data it needs was lost with its workers.
MAX_RESUBMITS = 3


class WorkerLost(RuntimeError):
    """Workers died (killed, out of memory), or the cluster went away, while the sweep was running."""


def require_dask() -> ModuleType:
    """The ``distributed`` module (imported now), or a UsageError saying how to install Dask."""
    try:
        distributed.Client  # noqa: B018 (the first attribute access imports the module)
    except ImportError:  # not installed, or sys.modules["distributed"] = None: blocked on purpose
        raise UsageError(DASK_MISSING) from None
    return distributed


@contextlib.contextmanager
def _quiet_logs(level=logging.CRITICAL):
    """Keep distributed's chatter (cluster start, worker stop, reconnection attempts) off the terminal."""
    names = ["distributed", "dask", "tornado", "asyncio"]
    names += [n for n in logging.root.manager.loggerDict if n.startswith(("distributed.", "dask."))]
    loggers = [logging.getLogger(name) for name in names]
    before = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(level)
    try:
        yield
    finally:
        for logger, old in zip(loggers, before):
            logger.setLevel(old)


async def _identity(address, timeout):
    comm = await asyncio.wait_for(distributed_comm.connect(address, timeout=timeout), timeout)
    try:
        await asyncio.wait_for(comm.write({"op": "identity", "reply": True}), timeout)
        return await asyncio.wait_for(comm.read(), timeout)
    finally:
        comm.abort()


def probe_scheduler(address: str, timeout: float | None = None) -> dict:
    """What the Dask scheduler at ``address`` says it is (its identity dict), within ``timeout`` seconds.

    Raises
    ------
    UsageError
        Nothing listens there, it does not answer in time, or what answers is not a Dask scheduler.
    """
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # its own event loop: also inside a notebook's
        future = pool.submit(asyncio.run, _identity(address, timeout))
        try:
            identity = future.result(timeout=3 * timeout)
        except (TimeoutError, asyncio.TimeoutError, concurrent.futures.TimeoutError):
            raise UsageError(
                f"cannot connect to the Dask scheduler at {address}: no answer within {timeout:g} s"
            ) from None
        except (OSError, ValueError, TypeError) as exc:
            raise UsageError(
                f"cannot connect to the Dask scheduler at {address}: {' '.join(str(exc).split()) or type(exc).__name__}"
            ) from None
        except Exception as exc:  # noqa: BLE001 (what a server that is not Dask sends can fail anywhere)
            raise UsageError(
                f"{address} is not a Dask scheduler (its answer could not be read: {type(exc).__name__})"
            ) from None
    if not isinstance(identity, dict) or identity.get("type") != "Scheduler":
        raise UsageError(f"{address} is not a Dask scheduler (it answers as {str(identity)[:60]!r})")
    return identity


#: What every worker of a LocalCluster runs as it starts (Dask's ``preload``): it leaves Ctrl-C to the sweep.
WORKER_SETUP = "digitnet.experiments.dask_setup"
#: The signals that stop a sweep: Ctrl-C, and SIGTERM (which the command line turns into Ctrl-C).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _signals_held():
    """Ctrl-C and SIGTERM held while a LocalCluster starts or stops, then delivered.

    Interrupted half-way, a LocalCluster's start leaves workers starting that nothing stops, and
    distributed's exit handler then prints tracebacks about them. So meanwhile the two signals are
    only recorded, and delivered once it is done (Ctrl-C raises KeyboardInterrupt then; the caller
    stops the cluster). SIGINT is also blocked in this thread, so in the threads that start the
    worker processes, and so in the workers (a blocked signal stays blocked across ``exec``): a
    Ctrl-C at the terminal, which reaches every process of the group, stops the sweep, which stops
    its workers, instead of each worker printing its own KeyboardInterrupt (and each worker ignores
    it from its start on: :data:`WORKER_SETUP`). Outside the main thread (signals cannot be handled
    there) nothing is held.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    before = {signum: signal.signal(signum, lambda signum, frame: caught.append(signum)) for signum in STOP_SIGNALS}
    blocks = hasattr(signal, "pthread_sigmask")  # POSIX
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if blocks else None
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        if blocks:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a Ctrl-C pending in this thread is delivered here
        for signum in dict.fromkeys(caught):
            signal.raise_signal(signum)


def _local_cluster(n_jobs):
    """A LocalCluster of ``n_jobs`` single-threaded worker processes (at most one per usable core) on 127.0.0.1,
    without a dashboard, and its client; started with Ctrl-C and SIGTERM held (see :func:`_signals_held`)."""
    # Python's resource tracker (before 3.13), started by the first worker, unblocks SIGINT in the thread that
    # starts it, which the workers would then inherit: started now, before SIGINT is held, it is left alone then.
    resource_tracker.ensure_running()
    with _signals_held():
        cluster = distributed.LocalCluster(
            n_workers=n_workers_of(n_jobs),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
            preload=[WORKER_SETUP],
        )
        try:
            client = distributed.Client(cluster)
        except BaseException:
            with contextlib.suppress(Exception):
                cluster.close(timeout=10)
            raise
    return cluster, client


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, n_jobs: int = 1) -> Iterator[Any]:
    """A ``distributed.Client`` of the scheduler at ``scheduler`` (probed first), or of a LocalCluster started
    (and stopped) for the block: ``n_jobs`` single-threaded worker processes on 127.0.0.1 (never more than the
    cores this process may use), no dashboard. Ctrl-C or SIGTERM while the LocalCluster starts or stops takes
    effect once it has (see :func:`_signals_held`): it is never left half-started."""
    require_dask()
    cluster = client = None
    with _quiet_logs():
        try:
            if scheduler:
                probe_scheduler(scheduler)
                try:
                    client = distributed.Client(scheduler, timeout=f"{CONNECT_TIMEOUT:g}s")
                except (OSError, TimeoutError, ValueError) as exc:
                    raise UsageError(
                        f"cannot connect to the Dask scheduler at {scheduler}: "
                        f"{' '.join(str(exc).split()) or type(exc).__name__}"
                    ) from None
            else:
                cluster, client = _local_cluster(n_jobs)
            yield client
        finally:
            with _signals_held():  # a second Ctrl-C does not cut the stop short: it would leave workers behind
                if client is not None:
                    with contextlib.suppress(Exception):
                        client.close(timeout=5)
                if cluster is not None:
                    with contextlib.suppress(Exception):
                        cluster.close(timeout=10)


def _n_threads(client):
    """Worker threads the cluster has now (0 if none, or if the scheduler cannot be asked)."""
    try:
        return sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
    except Exception:  # noqa: BLE001 (a lost scheduler: the caller's health check decides)
        return 0


def _wait_for_workers(client, where):
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except (TimeoutError, asyncio.TimeoutError, OSError):
        raise UsageError(
            f"the Dask scheduler {where} has no workers (waited {WORKER_WAIT:g} s); start some with"
            f" 'dask worker {where}'"
        ) from None


def run_dask(
    tasks: Sequence[Task],
    data: tuple[Split, Any],
    n_jobs: int,
    scheduler: str | None,
    done: Callable[[int, list], object],
    chunk_seconds: float,
) -> None:
    """Run the tasks on a Dask cluster, handing each finished chunk to ``done(n_tasks, records)``."""
    require_dask()
    if not tasks:
        return
    with dask_client(scheduler, n_workers_of(n_jobs, len(tasks))) as client:
        where = scheduler or "of the local cluster"
        _wait_for_workers(client, where)
        chunks = plan_chunks(tasks, data, max(1, _n_threads(client)), chunk_seconds)
        parent = None if scheduler else os.getpid()  # a local cluster's workers end if this process dies
        with _quiet_logs():
            _Collector(client, data, parent, where).run(chunks, done)


class _Collector:
    """Submits chunks, hands their results over as they finish, resubmits what the cluster lost, and watches
    the cluster's health."""

    def __init__(self, client, data, parent, where):
        self.client, self.data, self.parent, self.where = client, data, parent, where
        self.shared = None
        self.pending = {}  # future -> (chunk, resubmissions)
        self.lost = []  # (chunk, resubmissions) to submit again once the cluster can take them
        self.since = {"workers": None, "scheduler": None}  # when each went missing

    def _scatter(self):
        """The split, sent to every worker once (again after the workers holding it were lost)."""
        try:
            [self.shared] = self.client.scatter([self.data], broadcast=True, hash=False, timeout=WORKER_WAIT)
        except (TimeoutError, asyncio.TimeoutError, OSError):
            raise WorkerLost(
                f"no Dask worker {self.where} took the data within {WORKER_WAIT:g} s (every worker is gone)"
            ) from None

    def _lost_scheduler(self, exc):
        """A call to the cluster failed with ``exc`` (its connection closed): the scheduler is gone, or going."""
        return WorkerLost(f"lost the Dask scheduler {self.where} ({type(exc).__name__}: {' '.join(str(exc).split())})")

    def _submit(self, chunk, tries):
        try:
            future = self.client.submit(run_chunk, chunk, self.shared, self.parent, pure=False)
        except OSError as exc:  # distributed's CommClosedError is one: not a disk error of ours
            raise self._lost_scheduler(exc) from None
        self.pending[future] = (chunk, tries)

    def run(self, chunks, done):
        self._scatter()
        for chunk in chunks:
            self._submit(chunk, 0)
        try:
            while self.pending or self.lost:
                for future in self._finished():
                    self._collect(future, done)
                self._check_health()
                if self.lost and self.client.status == "running":
                    self._scatter()
                    for chunk, tries in self.lost:
                        self._submit(chunk, tries)
                    self.lost = []
        finally:
            with contextlib.suppress(Exception):
                self.client.cancel(list(self.pending))

    def _finished(self):
        """The futures done (finished, failed or cancelled) within the next moment."""
        if not self.pending:
            time.sleep(POLL_SECONDS)
            return set()
        try:
            return distributed.wait(list(self.pending), timeout=POLL_SECONDS, return_when="FIRST_COMPLETED").done
        except (TimeoutError, asyncio.TimeoutError):
            return set()
        except Exception:  # noqa: BLE001 (futures cancelled with their workers, or the scheduler went away)
            return {f for f in self.pending if f.status in ("finished", "error", "cancelled", "lost")}

    def _collect(self, future, done):
        chunk, tries = self.pending.pop(future)
        if future.status == "finished":
            try:
                result = future.result()
            except OSError as exc:  # the result could not be fetched: the cluster went away meanwhile
                raise self._lost_scheduler(exc) from None
            except concurrent.futures.CancelledError:  # its worker died after finishing: the result went with it
                result = None
            if result is not None:
                done(*result)  # outside the try: a full disk while saving is the disk's error, not Dask's
                return
        if future.status == "error":
            exc = future.exception()
            if isinstance(exc, distributed.KilledWorker):
                raise WorkerLost(f"Dask workers died running a chunk ({exc})")
            if isinstance(exc, ModuleNotFoundError):
                raise UsageError(f"the Dask workers cannot import digitnet ({exc}); install it where they run")
        if tries >= MAX_RESUBMITS:  # cancelled, or its data lost with the workers: send it again, a few times
            raise WorkerLost(f"a chunk of the sweep was lost {tries + 1} times with its Dask workers")
        self.lost.append((chunk, tries + 1))

    def _missing(self, what, is_missing, limit, message):
        if not is_missing:
            self.since[what] = None
        elif self.since[what] is None:
            self.since[what] = time.monotonic()
        elif time.monotonic() - self.since[what] > limit:
            raise WorkerLost(message)

    def _check_health(self):
        connected = self.client.status == "running"
        self._missing(
            "scheduler",
            not connected,
            SCHEDULER_WAIT,
            f"lost the Dask scheduler {self.where} (unreachable for {SCHEDULER_WAIT:g} s)",
        )
        if connected:
            self._missing(
                "workers",
                _n_threads(self.client) == 0,
                WORKER_WAIT,
                f"every Dask worker {self.where} is gone, and none came back within {WORKER_WAIT:g} s",
            )
