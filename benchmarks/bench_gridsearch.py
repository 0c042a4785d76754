"""A hyperparameter search done the scikit-learn way against ``digitnet sweep``, in one process.

The same grid on the same data: Digits, the project's split (the 20% test rows are left out), 3-fold
stratified cross-validation on the other 1437 rows with the same folds (StratifiedKFold, shuffled,
random_state=42) and each fold standardised on its own training rows, 2 worker processes each:

- scikit-learn: ``GridSearchCV(Pipeline([StandardScaler(), MLPClassifier(random_state=0)]), grid, cv=folds,
  n_jobs=2, refit=False)`` (no refit: the sweep does not refit either);
- digitnet: ``digitnet.experiments.sweep(grid, cv=3, n_jobs=2, store=...)``, the code behind ``digitnet sweep
  --cv 3 --jobs 2``: every run committed to a fresh results store, per-epoch curves, test scores; the
  ``max_iter`` axis trained once per configuration and read off at each value (exactly).

Both worker pools are started (and their imports done) before the clock runs; the two searches then
alternate ``--repeats`` times and the median is reported. Prints both wall times, the ratio, and both
best configurations (by mean cross-validated accuracy) with their scores.

Both draw their initial weights and shuffles from ``random_state=0`` in the same way (digitnet's
estimator is a drop-in), so the two searches compute the same models: the script prints the largest
difference between their cross-validated scores (0 expected) and whether the best configuration is
the same.

Then the main figures again with OpenBLAS's default kernel (``machine.py``).

Run:  python benchmarks/bench_gridsearch.py [--repeats 1] [--quick] [--dtype float32]
"""

import argparse
import statistics
import tempfile
import time
import warnings

import machine
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from digitnet.data import load_split
from digitnet.experiments import package_versions, sweep

GRID = {
    "hidden_layer_sizes": [(32,), (64,), (128,)],
    "alpha": [1e-4, 1e-3],
    "learning_rate_init": [1e-3, 1e-2],
    "max_iter": [50, 100, 200],
}
QUICK_GRID = {
    "hidden_layer_sizes": [(16,), (32,)],
    "alpha": [1e-4],
    "learning_rate_init": [1e-3, 1e-2],
    "max_iter": [10, 20],
}
N_JOBS = 2


def _name(params):
    return ", ".join(f"{k}={'-'.join(map(str, v)) if isinstance(v, tuple) else v}" for k, v in sorted(params.items()))


def run_sklearn(grid, split, folds, dtype=np.float64):
    model = MLPClassifier(random_state=0)
    search = GridSearchCV(
        Pipeline([("scale", StandardScaler()), ("mlp", model)]),
        {f"mlp__{k}": v for k, v in grid.items()},
        cv=folds,
        n_jobs=N_JOBS,
        refit=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        search.fit(split.X_dev_raw.astype(dtype), split.y_dev)
        seconds = time.perf_counter() - start
    results = search.cv_results_
    scores = {
        _name({k[len("mlp__") :]: v for k, v in p.items()}): s
        for p, s in zip(results["params"], results["mean_test_score"])
    }
    return seconds, scores


def run_digitnet(grid, split):
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = sweep(
            grid,
            split,
            seeds=(0,),
            cv=3,
            n_jobs=N_JOBS,
            backend="processes",
            progress=False,
            store=f"{tmp}/sweep.sqlite",
        )
        seconds = time.perf_counter() - start
    scores = {
        _name({k: v for k, v in result.params[c].items() if k in grid}): s
        for c, s in result.runs.groupby("config").val_accuracy.mean().items()
    }
    return seconds, scores, result.config.n_trainings


def best(scores):
    return max(scores, key=lambda name: (scores[name], -list(scores).index(name)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="timed repeats of each search (default 1)")
    parser.add_argument("--quick", action="store_true", help="a tiny grid, to check that the script runs")
    parser.add_argument(
        "--dtype",
        default="float64",
        choices=["float64", "float32"],
        help="the arithmetic of both searches (default float64; the report's studies use float32)",
    )
    machine.add_arguments(parser)
    args = parser.parse_args()
    if not args.figures_json:
        machine.header()
    grid = QUICK_GRID if args.quick else GRID
    dtype = np.dtype(args.dtype).type
    split = load_split("digits", validation_size=0, dtype=dtype)
    folds = split.cv_folds(3)
    n_configs = int(np.prod([len(v) for v in grid.values()]))
    print(
        f"Digits, {args.dtype}: {len(split.y_dev)} rows (the test rows left out), 3-fold cv, {N_JOBS} worker"
        f" processes each;"
        f" {n_configs} configurations = {3 * n_configs} fits for GridSearchCV"
    )
    print(f"grid: {grid}; everything else MLPClassifier's defaults (adam, batch 200, tol 1e-4, random_state 0)")
    versions = package_versions()
    print(
        f"versions: python {versions['python']}, numpy {versions['numpy']}, scikit-learn"
        f" {versions['scikit-learn']}, digitnet {versions['digitnet']}\n"
    )

    # warm both pools (the same loky executor of 2 workers) and their imports, untimed
    run_sklearn(QUICK_GRID, split, folds)
    run_digitnet(QUICK_GRID, split)

    times = {"sklearn": [], "digitnet": []}
    for _ in range(args.repeats):
        seconds, theirs = run_sklearn(grid, split, folds, dtype)
        times["sklearn"].append(seconds)
        seconds, ours, n_trainings = run_digitnet(grid, split)
        times["digitnet"].append(seconds)
    sk, dn = statistics.median(times["sklearn"]), statistics.median(times["digitnet"])
    print(f"{'search':<46}{'wall s':>9}")
    print(f"{'GridSearchCV(MLPClassifier), ' + str(3 * n_configs) + ' fits':<46}{sk:>9.1f}")
    print(f"{'digitnet sweep, ' + str(n_trainings) + ' trainings (max_iter read off)':<46}{dn:>9.1f}")
    print(f"speed-up: {sk / dn:.1f}x  (all times: sklearn {times['sklearn']}, digitnet {times['digitnet']})\n")
    best_theirs, best_ours = best(theirs), best(ours)
    print(
        f"best by GridSearchCV:    {best_theirs}: cv accuracy {theirs[best_theirs]:.4f}"
        f" (digitnet's score for it: {ours[best_theirs]:.4f})"
    )
    print(
        f"best by digitnet sweep:  {best_ours}: cv accuracy {ours[best_ours]:.4f}"
        f" (GridSearchCV's score for it: {theirs[best_ours]:.4f})"
    )
    print("same best configuration: " + ("yes" if best_theirs == best_ours else "no"))
    ranked = sorted(theirs, key=theirs.get, reverse=True)
    print(f"rank of digitnet's best in GridSearchCV's ranking: {ranked.index(best_ours) + 1} of {len(ranked)}")
    print(f"largest score difference over the grid: {max(abs(theirs[k] - ours[k]) for k in theirs):.4f}\n")
    machine.report(
        {
            "GridSearchCV wall s (median)": sk,
            "digitnet sweep wall s (median)": dn,
            "speed-up GridSearchCV / sweep": sk / dn,
            "same best configuration": "yes" if best_theirs == best_ours else "no",
        },
        args,
    )


if __name__ == "__main__":
    main()
