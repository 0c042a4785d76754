"""Made-up runs for the studies that give each arm its own learning rate (batch size, optimizer) and for the
momentum study: per seed, a cross-validated accuracy and a final training loss, with curves ending there."""

import dataclasses

import numpy as np

from .helpers import sweep_result

SEEDS = (0, 1, 2)


def per_seed(value, n=len(SEEDS)):
    """A score for every seed: a list as given, or one number repeated (a hair apart, as real seeds are)."""
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value * (1 + 1e-4 * (s - 1)) for s in range(n)]


def tuned_runs(column, arms, seconds=None, epochs=3):
    """``arms[value] = {rate: (accuracy, loss)}``, each a number or a list (one per seed); ``seconds[value]``: the
    seconds an epoch of that arm takes. A loss of None: the run diverged (no score)."""
    rows, curves, c = [], {}, 0
    for value, rates in arms.items():
        for lr, (accuracy, loss) in rates.items():
            diverged = loss is None
            accuracies = per_seed(np.nan if diverged else accuracy)
            losses = per_seed(np.nan if diverged else loss)
            for s, (a, l) in enumerate(zip(accuracies, losses)):
                per_epoch = (seconds or {}).get(value, 0.01)
                rows.append(
                    {
                        "config": c,
                        "seed": SEEDS[s],
                        column: value,
                        "learning_rate_init": lr,
                        "val_accuracy": a,
                        "train_loss": 50.0 if diverged else l,
                        "n_iter": epochs,
                        "n_folds": 3,
                        "fit_seconds": 3 * epochs * per_epoch,
                        "diverged_at": 2 if diverged else None,
                    }
                )
                loss_curve = [5.0, 50.0] if diverged else list(np.geomspace(2.0, l, epochs))
                val_curve = [] if diverged else list(np.linspace(0.5, a, epochs))
                curves[f"c{c:02d}-s{SEEDS[s]}"] = {"loss": loss_curve, "val_accuracy": val_curve}
            c += 1
    result = sweep_result(rows, curves)
    result.config = dataclasses.replace(result.config, cv=3)  # as the studies run: 3 folds of the development rows
    return result


def claims_of(name, result):
    """The study's reading and claims of ``result``."""
    from digitnet.studies import get

    study = get(name)
    reading = study.read(result, None)
    return study, reading, study.claims(reading)


def find(claims, kind, about=None, metric=None):
    """The claims of one kind (about one thing, on one metric)."""
    return [
        c
        for c in claims
        if c.kind == kind and (about is None or c.about == about) and (metric is None or c.metric.startswith(metric))
    ]
