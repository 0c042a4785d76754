"""What the features scikit-learn declined cost per epoch, against the plain step.

Fits NumpyMLPClassifier on the Digits training part (1,437 rows, standardised) with each new solver, dropout,
label smoothing, each schedule and the new activations, and with the plain settings (adam, and sgd), the settings
interleaved and repeated; prints the median time of an epoch and its ratio to the plain adam step (and to
plain sgd). Compare ratios, not seconds: on a busy machine the seconds grow.

    python benchmarks/bench_features.py [--epochs 30] [--repeats 5] [--hidden 64] [--dtype float64]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import machine
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from digitnet import NumpyMLPClassifier

#: name -> the estimator's parameters (on top of the shared ones).
CASES = {
    "adam (the plain step)": dict(solver="adam"),
    "sgd (plain, Nesterov momentum)": dict(solver="sgd"),
    "adamw": dict(solver="adamw"),
    "rmsprop": dict(solver="rmsprop"),
    "nadam": dict(solver="nadam"),
    "adam + dropout 0.2": dict(solver="adam", dropout=0.2),
    "sgd + dropout 0.2": dict(solver="sgd", dropout=0.2),
    "adam + label smoothing 0.1": dict(solver="adam", label_smoothing=0.1),
    "adam + class_weight balanced": dict(solver="adam", class_weight="balanced"),
    "adam + cosine (per epoch)": dict(solver="adam", learning_rate="cosine", warmup=3),
    "adam + onecycle (per step)": dict(solver="adam", learning_rate="onecycle"),
    "adam + gelu": dict(solver="adam", activation="gelu"),
    "adam + silu": dict(solver="adam", activation="silu"),
}


def _epoch_seconds(params, X, y, epochs):
    model = NumpyMLPClassifier(**params, max_iter=epochs, tol=0.0, n_iter_no_change=np.inf, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, y)
        return (time.perf_counter() - start) / model.n_iter_


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    machine.add_arguments(parser)
    args = parser.parse_args()
    if not args.figures_json:
        machine.header()
    X, y = load_digits(return_X_y=True)
    X, _, y, _ = train_test_split(X, y, test_size=0.2, stratify=y, random_state=42)
    X = StandardScaler().fit_transform(X).astype(args.dtype)
    shared = dict(hidden_layer_sizes=(args.hidden,))
    times = {name: [] for name in CASES}
    for _ in range(args.repeats):  # interleaved, so that a busy moment touches every case alike
        for name, params in CASES.items():
            times[name].append(_epoch_seconds({**shared, **params}, X, y, args.epochs))
    medians = {name: statistics.median(values) for name, values in times.items()}
    adam, sgd = medians["adam (the plain step)"], medians["sgd (plain, Nesterov momentum)"]
    print(
        f"Digits, {len(y)} rows, ({args.hidden},) relu unless said, batch 200, {args.dtype}, {args.epochs} epochs,"
        f" median of {args.repeats}"
    )
    print(f"{'setting':34} {'ms/epoch':>9} {'/ adam':>8} {'/ sgd':>7}")
    for name, seconds in medians.items():
        print(f"{name:34} {seconds * 1e3:9.3f} {seconds / adam:7.2f}x {seconds / sgd:6.2f}x")
    print()
    machine.report({f"{name}: ms/epoch": seconds * 1e3 for name, seconds in medians.items()}, args)


if __name__ == "__main__":
    main()
