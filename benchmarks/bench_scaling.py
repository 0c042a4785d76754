"""How the cost of a sweep grows with its size, on each backend: serial, processes, Dask LocalCluster.

Grids of 10, 100 and 1000 runs of tiny fits (Digits, the standard split with a validation part,
hidden_layer_sizes=(8,), adam, 5 epochs: tens of milliseconds each): 10 learning rates x 1, 10 and 100
seeds, so every run is its own training. Each sweep goes through ``digitnet.experiments.sweep``, the
code behind ``digitnet sweep``, committing every run to a fresh results store.

- serial: this process;
- processes: a pool of ``--jobs`` worker processes (started before the clock runs; its start-up
  time is printed separately);
- dask: a LocalCluster of ``--jobs`` single-threaded worker processes on 127.0.0.1, already running
  (its start-up time, which ``digitnet sweep --backend dask`` pays on every call, is printed separately).

Prints a table of wall-clock seconds and runs per second, so a user can see each backend's overhead
and from what size it pays off. Run:  python benchmarks/bench_scaling.py [--jobs 2] [--sizes 10 100 1000]
"""

import argparse
import os
import tempfile
import time

import machine
import numpy as np

from digitnet.data import load_split
from digitnet.experiments import package_versions, sweep
from digitnet.experiments.backends import dask_client

BASE = {"hidden_layer_sizes": (8,), "solver": "adam", "max_iter": 5}
RATES = [float(r) for r in np.geomspace(1e-4, 1e-1, 10)]


def timed_sweep(n_runs, split, **options):
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = sweep(
            {"learning_rate_init": RATES},
            split,
            seeds=n_runs // len(RATES),
            progress=False,
            base_params=BASE,
            store=os.path.join(tmp, "sweep.sqlite"),
            **options,
        )
        seconds = time.perf_counter() - start
    assert len(result.runs) == n_runs and result.config.n_trained == n_runs
    return seconds, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000], help="runs per grid (multiples of 10)")
    machine.add_arguments(parser)
    args = parser.parse_args()
    if not args.figures_json:
        machine.header()
    split = load_split("digits", validation_size=0.2)
    versions = package_versions()
    print(
        f"Digits: {len(split.y_train)} training, {len(split.y_val)} validation rows; runs of {BASE}, each its own"
        f" training; {args.jobs} workers; {os.cpu_count()} cores"
    )
    print(f"versions: python {versions['python']}, numpy {versions['numpy']}, digitnet {versions['digitnet']}\n")

    start = time.perf_counter()
    timed_sweep(10, split, backend="processes", n_jobs=args.jobs)  # starts the pool and its imports
    pool_start = time.perf_counter() - start
    times, reference = {}, {}
    for n in args.sizes:
        times[n, "serial"], result = timed_sweep(n, split, backend="serial")
        reference[n] = result.runs.val_accuracy
        times[n, "fit"] = float(result.runs.fit_seconds.sum())
        times[n, "processes"], result = timed_sweep(n, split, backend="processes", n_jobs=args.jobs)
        assert result.runs.val_accuracy.equals(reference[n])  # the same numbers on every backend
    start = time.perf_counter()
    timed_sweep(10, split, backend="dask", n_jobs=args.jobs)  # a LocalCluster started and stopped by the sweep
    dask_per_call = time.perf_counter() - start
    with dask_client(None, args.jobs) as client:
        address = client.scheduler.address
        timed_sweep(10, split, backend="dask", scheduler=address)  # the workers' imports
        for n in args.sizes:
            times[n, "dask"], result = timed_sweep(n, split, backend="dask", scheduler=address)
            assert result.runs.val_accuracy.equals(reference[n])

    print(
        f"{'runs':>6}{'training (sum of fits)':>24}{'serial':>10}{'processes':>11}{'dask':>10}"
        f"{'runs/s serial':>15}{'processes':>11}{'dask':>10}"
    )
    for n in args.sizes:
        row = [times[n, b] for b in ("serial", "processes", "dask")]
        print(
            f"{n:>6}{times[n, 'fit']:>24.2f}"
            + "".join(f"{t:>10.2f}" if i != 1 else f"{t:>11.2f}" for i, t in enumerate(row))
            + f"{n / row[0]:>15.1f}{n / row[1]:>11.1f}{n / row[2]:>10.1f}"
        )
    print(
        f"\nseconds, wall clock. Not in the table: starting the process pool {pool_start:.1f} s (once per"
        f" command; the pool is then reused); a sweep with --backend dask and no --scheduler, which starts"
        f" and stops a LocalCluster around 10 runs: {dask_per_call:.1f} s.\n"
    )
    machine.report(
        {f"{n} runs, {b} s": times[n, b] for n in args.sizes for b in ("fit", "serial", "processes", "dask")}, args
    )


if __name__ == "__main__":
    main()
