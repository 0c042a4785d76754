"""The ladder's top rung against the tuned RBF SVC on repeated stratified K-fold cross-validation of all 1,797 digits.

Issue 21's second acceptance test: on ``RepeatedStratifiedKFold`` (5 folds, 3 repeats, seeds fixed) of every digit
of scikit-learn's Digits, (a) ``SVC(C=3, gamma=3e-4)`` on raw pixels and (b) a :class:`digitnet.DigitsClassifier`
given as JSON parameters (raw pixels in: its scaling, augmentation, members and test-time augmentation are its
parameters), each fold's network seeded with the fold's number. Prints each model's mean ± std accuracy over the
folds and their paired difference (the same folds for both).

    python benchmarks/ladder_cv.py [--params JSON] [--folds 5] [--repeats 3] [--seed 0] [--jobs 1]
        [--dtype float32]

The default parameters are the ladder's expected top rung (512 relu units, pixels divided by 16, 4 jittered copies
per epoch, label smoothing 0.1, 8 test-time copies). A full run trains 15 networks with augmentation (minutes on a
quiet core each); ``--folds 2 --repeats 1`` checks that it works.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
from joblib import Parallel, delayed
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from digitnet import DigitsClassifier

#: The ladder's expected top rung (see the ladder study).
DEFAULT_PARAMS = {"hidden_layer_sizes": [512], "scaling": "max", "augment_copies": 4, "label_smoothing": 0.1, "tta": 8}
#: The tuned RBF SVC on raw pixels (0..16).
SVC_PARAMS = {"C": 3.0, "gamma": 3e-4}


def one_fold(number, train, test, X, y, params):
    """Both models on one fold: ``(number, svc accuracy, network accuracy, network seconds)``."""
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        svc = SVC(**SVC_PARAMS).fit(X[train], y[train])
        start = time.perf_counter()
        net = DigitsClassifier(**params, random_state=number).fit(X[train], y[train])
        seconds = time.perf_counter() - start
    return (
        number,
        float(np.mean(svc.predict(X[test]) == y[test])),
        float(np.mean(net.predict(X[test]) == y[test])),
        seconds,
    )


def _line(name, values):
    values = 100 * np.asarray(values)
    spread = values.std(ddof=1) if len(values) > 1 else 0.0
    return f"{name:<44} {values.mean():6.2f} ± {spread:4.2f}%"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--params", default=json.dumps(DEFAULT_PARAMS), help="DigitsClassifier parameters (JSON)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0, help="seed of the folds")
    parser.add_argument("--jobs", type=int, default=1, help="folds trained at once (worker processes)")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    args = parser.parse_args(argv)
    try:
        params = json.loads(args.params)
        DigitsClassifier(**params)
    except (ValueError, TypeError) as exc:
        parser.error(f"--params must be a JSON object of DigitsClassifier parameters: {exc}")
    data = load_digits()
    X, y = data.data.astype(args.dtype), data.target
    folds = RepeatedStratifiedKFold(n_splits=args.folds, n_repeats=args.repeats, random_state=args.seed)
    start = time.perf_counter()
    jobs = (delayed(one_fold)(i, train, test, X, y, params) for i, (train, test) in enumerate(folds.split(X, y)))
    done = sorted(Parallel(n_jobs=args.jobs)(jobs) if args.jobs != 1 else [f(*a, **k) for f, a, k in jobs])
    svc, net = [d[1] for d in done], [d[2] for d in done]
    print(
        f"repeated stratified {args.folds}-fold cross-validation ({args.repeats} repeats, folds seed {args.seed})"
        f" of all {len(y)} digits, {len(done)} folds, {args.dtype}:"
    )
    print(_line(f"SVC(C={SVC_PARAMS['C']:g}, gamma={SVC_PARAMS['gamma']:g}), raw pixels", svc))
    print(_line("DigitsClassifier(" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")", net))
    print(_line("difference (network - SVC, paired by fold)", np.subtract(net, svc)))
    print(f"{np.mean([d[3] for d in done]):.1f} s per network fit; {time.perf_counter() - start:.0f} s in all")


if __name__ == "__main__":
    main()
