"""Do the studies reach the same conclusions in float32 as in float64? (The report runs them in float32.)

Runs every preset study of the report twice, with the report's settings (``--quick`` for its quick
ones), once on the float64 split and once on the float32 one, and compares:

- what each study concludes (:meth:`digitnet.studies.Study.findings`, compared by its
  ``same_findings``): the learning-rate regions and best rate (up to the noise: each precision's
  best rate must be a good rate of the other's, the good rates being those the seeds cannot
  rank), the architecture chosen, the best rate of each batch size and optimizer, the best alpha,
  the epoch of lowest validation loss;
- the scores the conclusions quote (the mean over seeds of each configuration they name,
  :meth:`~digitnet.studies.Study.quoted`: the best rate, the chosen architecture, each optimizer
  at its best rate, ...), in digits: one digit is
  1/288 of validation accuracy or 1/360 of test accuracy, round-off deciding a close call;
- for information, the largest difference of any single run: runs of stochastic gradient descent
  at large rates are chaotic, and a different last bit sends them along another path.

Prints the time of each precision, a line per study, and exits with status 1 if a conclusion differs
or a quoted score differs by more than one digit.

Run:  python benchmarks/float32_conclusions.py [--quick] [--jobs 2]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from digitnet.data import load_split
from digitnet.report import study_settings
from digitnet.studies import run_preset, studies


def largest_difference(a, b, column, n, configs=None):
    """Largest |a - b| of a score, in digits of the part it was measured on: per run, or (``configs``) of the
    mean over seeds of each of these configurations."""
    if configs is not None:
        a, b = (r[r["config"].isin(configs)].groupby("config")[[column]].mean() for r in (a, b))
    both = a[column].notna() & b[column].notna()
    if not both.any():
        return 0.0
    return float(np.max(np.abs(a.loc[both, column].to_numpy() - b.loc[both, column].to_numpy())) * n)


def _short(found):
    text = str(found)
    return text if len(text) < 90 else text[:87] + "..."


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the report's quick settings")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default: 2, as the report)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    settings = study_settings(quick=args.quick)
    readings, seconds = {}, {}
    for dtype in (np.float64, np.float32):
        split = load_split("digits", validation_size=0.2, dtype=dtype)
        start = time.perf_counter()
        readings[dtype] = {}
        for study in studies():
            s = settings[study.name]
            result = run_preset(
                study, split, seeds=s.seeds, grid=s.grid, params=dict(s.params), n_jobs=args.jobs, progress=False
            )
            readings[dtype][study.name] = study.read(result, split)
        seconds[dtype] = time.perf_counter() - start
    print(
        f"every study: float64 {seconds[np.float64]:.1f} s, float32 {seconds[np.float32]:.1f} s"
        f" ({seconds[np.float64] / seconds[np.float32]:.2f}x)\n"
    )
    n_val, n_test = len(split.y_val), len(split.y_test)
    failed = False
    for study in studies():
        a, b = readings[np.float64][study.name], readings[np.float32][study.name]
        same = study.same_findings(a, b)  # the learning rate's: its best rate a good rate of the other precision's
        quoted = study.quoted(a)
        runs_a, runs_b = a.result.runs, b.result.runs
        d_val, d_test = (
            largest_difference(runs_a, runs_b, column, n, quoted)
            for column, n in (("val_accuracy", n_val), ("test_accuracy", n_test))
        )
        r_val, r_test = (
            largest_difference(runs_a, runs_b, column, n)
            for column, n in (("val_accuracy", n_val), ("test_accuracy", n_test))
        )
        ok = same and d_val <= 1 + 1e-9 and d_test <= 1 + 1e-9
        failed |= not ok
        print(
            f"{study.name:<17} {'same conclusion' if same else 'DIFFERENT CONCLUSION'}:"
            f" {_short(study.findings(b))}; quoted scores within {d_val:.2g} validation / {d_test:.2g} test digits"
            f" (any single run: {r_val:.0f} / {r_test:.0f})" + ("" if ok else "   <-- differs")
        )
        if not same:
            print(f"{'':<17} float64: {study.findings(a)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
