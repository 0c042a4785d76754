"""Per-fit speed of NumpyMLPClassifier (or NumpyMLPRegressor) against scikit-learn's, measured in one process.

The setting of issue 2: the Digits split (stratified 80/20, random_state=42, standardised on
the training part), float32, hidden_layer_sizes=(64,), relu, adam, batch_size=200, 100 epochs,
tol=0. Fits alternate between the two models so that machine noise hits both alike; the script
prints median seconds per fit and the ratio of medians, the ratio of the fastest fits (on a
machine whose speed swings, the fastest fit is the one least slowed by other work, as in
``timeit``), and both test scores (mean over the seeds): accuracy, or with ``--regressor`` R² of
NumpyMLPRegressor against MLPRegressor, trained to read the digit's value as a number. The same
``random_state`` gives both the same model, so the scores agree.

Run:  python benchmarks/bench_core.py [--repeats 5] [--dtype float32] [--regressor]
"""

import argparse
import statistics
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn.neural_network import MLPRegressor

from digitnet import NumpyMLPClassifier, NumpyMLPRegressor

PARAMS = dict(hidden_layer_sizes=(64,), activation="relu", solver="adam", batch_size=200, max_iter=100, tol=0)


def digits(dtype):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=42)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train).astype(dtype), scaler.transform(X_test).astype(dtype), y_train, y_test


def measure(repeats, dtype, regressor=False):
    X_train, X_test, y_train, y_test = digits(dtype)
    if regressor:
        y_train, y_test = y_train.astype(float), y_test.astype(float)
    pair = ((("digitnet", NumpyMLPRegressor), ("sklearn", MLPRegressor)) if regressor else
            (("digitnet", NumpyMLPClassifier), ("sklearn", MLPClassifier)))
    times = {"digitnet": [], "sklearn": []}
    scores = {"digitnet": [], "sklearn": []}
    for seed in range(repeats):
        for name, cls in pair:
            model = cls(random_state=seed, **PARAMS)
            start = time.perf_counter()
            model.fit(X_train, y_train)
            times[name].append(time.perf_counter() - start)
            scores[name].append(model.score(X_test, y_test))
    return {name: (statistics.median(times[name]), min(times[name]), float(np.mean(scores[name]))) for name in times}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="fits per model (seeds 0..N-1), default 5")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"], help="default float32")
    parser.add_argument("--regressor", action="store_true", help="NumpyMLPRegressor against MLPRegressor")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    NumpyMLPClassifier(max_iter=1).fit(*digits(args.dtype)[::2])  # warm-up: imports, thread pools
    what = "regression of the digit's value" if args.regressor else "classification"
    print(f"Digits, {what}, {args.dtype}, {PARAMS}, {args.repeats} fits each\n")
    print(f"{'setting':<28}{'digitnet s/fit':>16}{'sklearn s/fit':>16}{'speed-up':>10}{'fastest fits':>22}"
          f"{'speed-up':>10}{'R2 digitnet' if args.regressor else 'acc digitnet':>14}"
          f"{'R2 sklearn' if args.regressor else 'acc sklearn':>13}")
    print(f"{'':<28}{'(median)':>16}{'(median)':>16}{'':>10}{'digitnet / sklearn s':>22}")
    for label, limit in (("BLAS threads as installed", None), ("both on 1 BLAS thread", 1)):
        if limit is None:
            result = measure(args.repeats, args.dtype, args.regressor)
        else:
            with threadpool_limits(limit, "blas"):
                result = measure(args.repeats, args.dtype, args.regressor)
        (t_ours, min_ours, acc_ours), (t_ref, min_ref, acc_ref) = result["digitnet"], result["sklearn"]
        print(f"{label:<28}{t_ours:>16.4f}{t_ref:>16.4f}{t_ref / t_ours:>9.1f}x{min_ours:>11.4f} /{min_ref:>8.4f}"
              f"{min_ref / min_ours:>9.1f}x{acc_ours:>14.4f}{acc_ref:>13.4f}")


if __name__ == "__main__":
    main()
