"""Per-fit speed of NumpyMLPClassifier (or NumpyMLPRegressor) against scikit-learn's, measured in one process.

The setting of issue 2: the Digits split (stratified 80/20, random_state=42, standardised on
the training part), float32, hidden_layer_sizes=(64,), relu, adam, batch_size=200, 100 epochs,
tol=0. Three fits alternate, seed after seed, so that machine noise hits them alike: digitnet as
installed (its compiled step, :mod:`digitnet.nn._compiled`, where numba is installed), digitnet on
NumPy's path alone (``DIGITNET_COMPILED=0`` for that fit), and scikit-learn's. The script prints
median seconds per fit, wall-clock and CPU (the CPU seconds of this process: on a busy machine they
grow less than the wall-clock ones, which also count the time other programs held the cores), the
ratios of medians, both test scores (mean over the seeds: accuracy, or with ``--regressor`` R² of
NumpyMLPRegressor against MLPRegressor, trained to read the digit's value as a number), and the
largest difference between the weights digitnet and scikit-learn learn from the same
``random_state`` (the same model: rounding only, 0 where bit for bit). Then the main figures again,
measured with OpenBLAS's default kernel (``machine.py``).

Run:  python benchmarks/bench_core.py [--repeats 7] [--dtype float32] [--regressor]
"""

import argparse
import os
import statistics
import time
import warnings

import machine
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from digitnet import NumpyMLPClassifier, NumpyMLPRegressor
from digitnet.nn import _compiled

PARAMS = dict(hidden_layer_sizes=(64,), activation="relu", solver="adam", batch_size=200, max_iter=100, tol=0)
SIDES = ("digitnet", "digitnet NumPy path", "sklearn")


def digits(dtype):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=42)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train).astype(dtype), scaler.transform(X_test).astype(dtype), y_train, y_test


def _timed_fit(model, X, y, compiled):
    """Fit ``model``; (wall s, CPU s). ``compiled`` False: NumPy's path for this fit alone."""
    before = os.environ.get(_compiled.ENVIRONMENT)
    if not compiled:
        os.environ[_compiled.ENVIRONMENT] = "0"
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        model.fit(X, y)
        return time.perf_counter() - wall, time.process_time() - cpu
    finally:
        if before is None:
            os.environ.pop(_compiled.ENVIRONMENT, None)
        else:
            os.environ[_compiled.ENVIRONMENT] = before


def measure(repeats, dtype, regressor=False):
    """{side: (median wall s, median CPU s, mean score)} and the largest weight difference digitnet - sklearn."""
    X_train, X_test, y_train, y_test = digits(dtype)
    if regressor:
        y_train, y_test = y_train.astype(float), y_test.astype(float)
    ours, theirs = (NumpyMLPRegressor, MLPRegressor) if regressor else (NumpyMLPClassifier, MLPClassifier)
    times = {side: [] for side in SIDES}
    scores = {side: [] for side in SIDES}
    difference = 0.0
    for seed in range(repeats):
        models = {}
        for side in SIDES:
            model = (theirs if side == "sklearn" else ours)(random_state=seed, **PARAMS)
            times[side].append(_timed_fit(model, X_train, y_train, side != "digitnet NumPy path"))
            scores[side].append(model.score(X_test, y_test))
            models[side] = model
        difference = max(
            difference,
            *(float(np.max(np.abs(a - b))) for a, b in zip(models["digitnet"].coefs_, models["sklearn"].coefs_)),
        )
    result = {
        side: (
            statistics.median(t[0] for t in times[side]),
            statistics.median(t[1] for t in times[side]),
            float(np.mean(scores[side])),
        )
        for side in SIDES
    }
    return result, difference


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="fits per model (seeds 0..N-1), default 7")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"], help="default float32")
    parser.add_argument("--regressor", action="store_true", help="NumpyMLPRegressor against MLPRegressor")
    machine.add_arguments(parser)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    if not args.figures_json:
        machine.header()
    NumpyMLPClassifier(max_iter=1).fit(*digits(args.dtype)[::2])  # warm-up: imports, thread pools, kernels
    what = "regression of the digit's value" if args.regressor else "classification"
    print(f"Digits, {what}, {args.dtype}, {PARAMS}, {args.repeats} fits each, alternating\n")
    score = "R2" if args.regressor else "acc"
    print(
        f"{'setting':<28}{'median s/fit: wall':>20}{'CPU':>7}   {'sklearn / digitnet':>19}{'sklearn / NumPy path':>21}"
        f"   {score} (digitnet, sklearn)   weights: |digitnet - sklearn|"
    )
    figures = {}
    for label, limit in (("BLAS threads as installed", None), ("both on 1 BLAS thread", 1)):
        with threadpool_limits(limit, "blas"):
            result, difference = measure(args.repeats, args.dtype, args.regressor)
        sk, ours, numpy_path = result["sklearn"], result["digitnet"], result["digitnet NumPy path"]
        for side in SIDES:
            wall, cpu, _ = result[side]
            print(f"{label if side == 'digitnet' else '':<28}{side + f' {wall:.4f}':>20}{cpu:>7.4f}", end="")
            if side == "digitnet":
                print(
                    f"   {sk[0] / wall:>8.2f}x (CPU {sk[1] / cpu:.2f}x)"
                    f"{sk[0] / numpy_path[0]:>9.2f}x (CPU {sk[1] / numpy_path[1]:.2f}x)"
                    f"   {ours[2]:.4f}, {sk[2]:.4f}{difference:>20.2g}"
                )
            else:
                print()
        figures[f"{label}: sklearn / digitnet, wall"] = sk[0] / ours[0]
        figures[f"{label}: sklearn / digitnet, CPU"] = sk[1] / ours[1]
        figures[f"{label}: digitnet s/fit (median wall)"] = ours[0]
        figures[f"{label}: NumPy path / compiled, wall"] = numpy_path[0] / ours[0]
    print()
    machine.report(figures, args)


if __name__ == "__main__":
    main()
