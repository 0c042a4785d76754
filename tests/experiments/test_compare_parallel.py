"""compare on two cores: each seed's two fits at the same moment, one per worker process; the same numbers as
the serial comparison but for the fit times."""

import os
import time

import pandas as pd
import pytest

from digitnet.experiments import compare
from digitnet.experiments.chunks import usable_cores
from digitnet.experiments.compare import _run_jobs

pytestmark = pytest.mark.skipif(usable_cores() < 2, reason="needs two usable cores")


def test_compare_on_two_cores_gives_the_serial_numbers(split):
    params = dict(hidden_layer_sizes=(16,), max_iter=5, batch_size=100, per_class=True)
    serial = compare(split, seeds=3, n_jobs=1, **params)
    both = compare(split, seeds=3, n_jobs=2, blas_threads=1, **params)
    timing = ["fit_seconds"]
    pd.testing.assert_frame_equal(both.runs.drop(columns=timing), serial.runs.drop(columns=timing))
    assert list(both.runs.model) == ["digitnet", "sklearn"] * 3 and list(both.runs.seed) == [0, 0, 1, 1, 2, 2]
    pd.testing.assert_frame_equal(
        both.summary.drop(columns=["fit_seconds_mean", "fit_seconds_std"]),
        serial.summary.drop(columns=["fit_seconds_mean", "fit_seconds_std"]),
    )
    assert both.test == serial.test
    for model in ("digitnet", "sklearn"):
        assert (both.confusion[model] == serial.confusion[model]).all()
    pd.testing.assert_frame_equal(both.report, serial.report)
    assert (both.runs.fit_seconds > 0).all()


def test_each_seeds_two_fits_run_at_once_in_two_processes():
    """The pairs overlap in time, in two different processes, and a pair starts only after the previous one ended."""

    def run(model, seed):  # a stand-in for a fit: 0.3 s, noting where and when it ran
        start = time.time()
        time.sleep(0.3)
        return {"model": model, "seed": seed, "pid": os.getpid(), "start": start, "end": time.time()}

    jobs = [(model, seed) for seed in range(3) for model in ("digitnet", "sklearn")]
    records = list(_run_jobs(run, jobs, n_workers=2))
    assert [(r["model"], r["seed"]) for r in records] == jobs
    for i in range(0, len(records), 2):
        ours, theirs = records[i], records[i + 1]
        assert ours["pid"] != theirs["pid"] and os.getpid() not in (ours["pid"], theirs["pid"])
        assert max(ours["start"], theirs["start"]) < min(ours["end"], theirs["end"])  # at the same moment
        if i:
            assert min(ours["start"], theirs["start"]) >= max(records[i - 1]["end"], records[i - 2]["end"])
