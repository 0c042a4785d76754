"""Splitting a sweep's tasks into chunks of about equal work for the workers.

A fit on Digits takes milliseconds to a second; one task per fit would spend more time
scheduling than training. Chunks are sized by estimated training time (:func:`estimate_seconds`):
about ``chunk_seconds`` of work each, and at least 4 per worker so that workers finish together.
"""

from __future__ import annotations

import heapq
import math

from joblib import effective_n_jobs

from ..estimator import batch_rows
from .params import resolve

#: Seconds per (epoch x weight x training row): a rough figure for one core, used only to size chunks.
SECONDS_PER_WEIGHT_ROW_EPOCH = 2e-9
#: Fixed seconds per minibatch step (Python overhead), also only to size chunks.
SECONDS_PER_STEP = 5e-5


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


def n_workers_of(n_jobs):
    """Worker processes for ``n_jobs`` (-1: every core)."""
    return max(1, effective_n_jobs(n_jobs))
