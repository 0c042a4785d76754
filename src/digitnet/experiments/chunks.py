"""Splitting a sweep's tasks into chunks of about equal work for the workers.

A fit on Digits takes milliseconds to a second; one task per fit would spend more time
scheduling than training. Chunks are sized by estimated training time (:func:`estimate_seconds`):
about ``chunk_seconds`` of work each, and at least 4 per worker so that workers finish together.
"""

from __future__ import annotations

import contextlib
import heapq
import math
import warnings
from collections.abc import Iterator, Sequence
from numbers import Integral
from typing import TYPE_CHECKING, Any

import joblib

from ..errors import UsageError
from ..estimator import batch_rows
from .params import resolve

if TYPE_CHECKING:
    from ..data import Split
    from .runs import Task

#: Seconds per (epoch x weight x training row): a rough figure for one core, used only to size chunks.
SECONDS_PER_WEIGHT_ROW_EPOCH = 2e-9
#: Fixed seconds per minibatch step (Python overhead), also only to size chunks.
SECONDS_PER_STEP = 5e-5


def estimate_seconds(task: Task, n_rows: int, n_features: int, n_classes: int) -> float:
    """A rough estimate of one task's training time on one core (to size chunks; only ratios matter much)."""
    params = resolve(task.params, n_rows)
    batch = batch_rows(params.get("solver", "adam"), params.get("batch_size", "auto"), n_rows)
    steps = max(task.checkpoints) * math.ceil(n_rows / batch)
    return task.cost(n_features, n_classes) * n_rows * SECONDS_PER_WEIGHT_ROW_EPOCH + steps * SECONDS_PER_STEP


def _shape(data):
    split, folds = data
    if isinstance(folds, dict):  # folds drawn per seed: any seed's have the same sizes
        folds = next(iter(folds.values()))
    n_rows = len(split.y_train) if folds is None else len(folds[0][0])
    return n_rows, split.X_train.shape[1], len(split.classes)


def plan_chunks(
    tasks: Sequence[Task],
    data: tuple[Split, Any],
    n_workers: int,
    chunk_seconds: float = 0.5,
    min_chunks_per_worker: int = 4,
) -> list[list[Task]]:
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


def usable_cores() -> int:
    """The cores this process may run on: joblib's count, which heeds the CPU affinity mask
    (``os.sched_getaffinity``) and a container's CPU quota, not only the machine's ``os.cpu_count()``."""
    return max(1, int(joblib.cpu_count()))


def check_n_jobs(n_jobs: int | None) -> int:
    """``n_jobs`` as an int, after checking it means some workers: None (1), a positive count, or a negative one
    in joblib's sense (-1: every core, -2: all but one, ...).

    Raises
    ------
    UsageError
        ``0``, or not an integer.
    """
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, Integral) or n_jobs == 0:
        raise UsageError(f"n_jobs must be a positive number of worker processes, or -1 for every core; got {n_jobs!r}")
    return int(n_jobs)


def n_workers_of(n_jobs: int, n_tasks: int | None = None) -> int:
    """Worker processes to start for ``n_jobs``: never more than the usable cores (:func:`usable_cores`; more
    processes than cores only share them, each with its own memory) nor than ``n_tasks`` (a worker without a
    task would only be started and stopped), and at least 1.

    ``n_jobs`` -1 means every usable core (-2 all but one, as in joblib); a count above the cores is capped.
    """
    n_jobs, cores = check_n_jobs(n_jobs), usable_cores()
    wanted = n_jobs if n_jobs > 0 else max(1, cores + 1 + n_jobs)
    return max(1, min(wanted, cores, n_tasks if n_tasks is not None else wanted))


@contextlib.contextmanager
def cancellation_quiet() -> Iterator[None]:
    """Around a joblib ``Parallel`` whose results we stop reading on purpose (a run failed, the disk is full, the
    user pressed Ctrl-C): joblib's warning that the remaining tasks were cancelled says nothing the error we raise
    does not already say. Only that warning, only here."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message=r"\d+ tasks which were still being processed by the workers have been"
            r" cancelled",
            category=UserWarning,
        )
        yield
