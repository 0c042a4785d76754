"""Does the model the architecture study carries forward beat MLPClassifier's defaults? (Issue 20's acceptance.)

Runs the architecture study as the report does (its full settings, or ``--quick``) on ``--seeds``
(default 0, 1, 2), takes the model it carries forward from its ``chosen`` claim (every estimator
parameter and the input scaling), refits it with ``--refit-seeds`` seeds (default 10) on the
development rows of the standard split (stratified 80/20, ``random_state=42``: 1437 rows, scaled
on them as the claim says) and scores it on the 360 test digits; then MLPClassifier with its
defaults, fitted with the same seeds on the same rows (standardised), and the tuned baselines
(logistic regression, k-nearest neighbours, an RBF SVC: :mod:`digitnet.experiments.baselines`).

Prints the study's claims, its time, and a table of every model's test accuracy (mean ± std over the
seeds, Wilson's 95% interval), and exits with status 1 if the carried-forward model's mean test
accuracy is below MLPClassifier's.

Run:  python benchmarks/architecture_choice.py [--quick] [--seeds 0,1,2] [--refit-seeds 10] [--jobs 2]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from digitnet.data import load_split
from digitnet.experiments.baselines import CHOSEN, GRIDS, MLP_DEFAULTS, Baseline, network, tune
from digitnet.report.studies import STUDY_DTYPE
from digitnet.studies import get, run_preset
from digitnet.studies.claims import sentence


def mlp_defaults(split, seeds):
    """MLPClassifier's defaults, one fit per seed on the development rows (standardised), scored on the test rows."""
    accuracies, seconds = [], []
    for seed in seeds:
        start = time.perf_counter()
        model = MLPClassifier(random_state=seed).fit(split.X_train, split.y_train)
        seconds.append(time.perf_counter() - start)
        accuracies.append(float(np.mean(model.predict(split.X_test) == split.y_test)))
    return Baseline(
        MLP_DEFAULTS,
        "MLPClassifier",
        {"scaling": "standard"},
        list(seeds),
        accuracies,
        float(np.mean(seconds)),
        len(split.y_test),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the study's quick settings")
    parser.add_argument("--seeds", default="0,1,2", help="the study's seeds (default: 0,1,2)")
    parser.add_argument("--refit-seeds", type=int, default=10, help="seeds of the refits (default: 10)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default: 2, as the report)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    study = get("architecture")
    settings = study.settings(args.quick)
    seeds = [int(s) for s in args.seeds.split(",")]
    start = time.perf_counter()
    result = run_preset(
        study,
        load_split("digits", validation_size=0, dtype=STUDY_DTYPE),
        seeds=seeds,
        n_jobs=args.jobs,
        progress=False,
        grid=settings.grid,
        params=dict(settings.params),
    )
    swept = time.perf_counter() - start
    reading = study.read(result, load_split("digits", validation_size=0, dtype=STUDY_DTYPE))
    print(
        f"architecture study ({'quick' if args.quick else 'full'}, seeds {args.seeds}): {len(reading.configs)}"
        f" configurations in {swept:.1f} s (sweep and test), read in {time.perf_counter() - start - swept:.1f} s"
    )
    for claim in reading.claims:
        print(f"  {'supported' if claim.supported else 'not supported'}: {sentence(claim)}")
    chosen = next(c for c in reading.claims if c.kind == "chosen")
    print(f"carried forward: {chosen.values[0]}; parameters: {chosen.params}")
    split = load_split("digits")
    refit = list(range(args.refit_seeds))
    models = [network(CHOSEN, chosen.params, split, refit, n_jobs=args.jobs), mlp_defaults(split, refit)]
    models += [tune(name, split, n_jobs=args.jobs) for name in GRIDS]
    print(f"\non the standard split's {len(split.y_train)} development and {len(split.y_test)} test digits:")
    for m in models:
        low, high = m.interval
        spread = f" ± {100 * m.std:.2f}" if m.stochastic else "       "
        print(
            f"  {m.name:28s} {100 * m.mean:6.2f}%{spread}  [{100 * low:.1f}%, {100 * high:.1f}%]"
            f"  {len(m.seeds) or 'one fit':>7}  {m.settings}"
        )
    ours, theirs = models[0], models[1]
    verdict = "at least" if ours.mean >= theirs.mean else "BELOW"
    print(
        f"\nthe carried-forward model's mean test accuracy is {verdict} MLPClassifier's defaults'"
        f" ({100 * ours.mean:.2f}% vs {100 * theirs.mean:.2f}%, {100 * (ours.mean - theirs.mean):+.2f} points)"
    )
    return 0 if ours.mean >= theirs.mean else 1


if __name__ == "__main__":
    sys.exit(main())
