"""The conclusions of the training-parameter studies, computed from their results.

Each function reads its study through :mod:`digitnet.experiments.analysis` (the same readings
the figures draw) and says only what the numbers support: a best value at the edge of its grid is
said to be at the edge, a difference within the noise is called that, a study where nothing
happened says so.
"""

from __future__ import annotations

import math

import numpy as np

from ..experiments.analysis import (
    best_rate_per, by_value, early_stopping, histories_of, last_finite, learning_rate_landscape, lowest, mean_curve,
    overshoot, rises,
)
from ..experiments.presets import ORIGINAL_RATES
from .words import finished, num, pct, rate

#: A mean loss this far above its minimum counts as having risen (not round-off or noise).
RISE_FACTOR = 1.02
#: A loss that went up at more than this share of its epochs oscillates (a steadily falling one: 0).
OSCILLATES = 0.05


def _rates(readings, region):
    return [r.rate for r in readings if r.region == region]


def _span(rates):
    return "none" if not rates else rate(rates[0]) if len(rates) == 1 else f"{rate(rates[0])} to {rate(rates[-1])}"


def learning_rate_conclusion(result):
    """The landscape in words: the regions, the best rate (inside the grid or at its edge), divergence,
    oscillation, and the original project's four rates.

    Returns
    -------
    str
    """
    readings = learning_rate_landscape(result.runs, result.curves, result.n_val)
    sound = [r for r in readings if r.region not in ("diverges", "")]
    if not sound:
        return "Every learning rate of the grid diverged: the grid needs smaller rates."
    best = max(sound, key=lambda r: r.val_accuracy)
    epochs = int(result.runs["n_iter"].max())
    parts = [f"too small: {_span(_rates(readings, 'too small'))}", f"good: {_span(_rates(readings, 'good'))}",
             f"too large: {_span(_rates(readings, 'too large'))}"]
    diverging = [r for r in readings if r.diverged_at is not None]
    parts.append("diverges: " + (", ".join(f"{rate(r.rate)} (at epoch {r.diverged_at})" for r in diverging)
                                 or "none"))
    rates = [r.rate for r in readings]
    where = ("at the top of the grid (larger rates were not tried)" if best.rate == max(rates) else
             "at the bottom of the grid" if best.rate == min(rates) else "inside the grid")
    text = (f"Over {epochs} epochs of full-batch gradient descent the rates fall into four regions — "
            + "; ".join(parts) + f". The best validation accuracy, {pct(best.val_accuracy)}, came at rate"
            f" {rate(best.rate)}, {where}")
    tied = [r for r in sound if r.region == "good" and r is not best]
    # "good" means within the noise of the best: the seeds cannot rank those rates, so neither does the sentence
    text += (f"; the other good rates are within the noise of it (two standard errors over the seeds, or one"
             f" validation digit), so the seeds cannot rank {'it' if len(tied) == 1 else 'them'}." if tied else ".")
    slow = min(sound, key=lambda r: r.rate)
    if slow.region == "too small":
        text += (f" A rate too small barely moves the loss (still {num(slow.final_loss, 3)} after {epochs} epochs"
                 f" at {rate(slow.rate)}, against {num(best.final_loss, 4)} at {rate(best.rate)});")
    worst = max(sound, key=lambda r: r.overshoot)
    if worst.overshoot > RISE_FACTOR:
        text += (f" at {rate(worst.rate)} ({worst.region}) the loss climbed back to {worst.overshoot:.1f} times its"
                 f" lowest value so far before it settled: each step overshoots the minimum, and the loss oscillates")
    else:
        text += " no rate that converged ever made the loss go up"
    text += ("; at larger rates each step overshoots by more than the last, and training diverges." if diverging else
             "; no rate of the grid diverged.")
    return text + _original_rates(readings)


def _original_rates(readings, originals=ORIGINAL_RATES):
    mine = [r for r in readings if r.rate in originals]
    if not mine:
        return ""
    shown = ", ".join(f"{rate(r.rate)} ({r.region}, {pct(r.val_accuracy)})" for r in sorted(mine, key=lambda r: -r.rate))
    return f" The original project's rates: {shown}."


def epochs_conclusion(result):
    """Where the validation loss was lowest, how far it rose after, and what early stopping would have kept."""
    longest = result.runs[result.runs["n_iter"] == result.runs["n_iter"].max()].drop_duplicates("seed")
    histories = histories_of(longest, result.curves)
    if not histories or mean_curve(histories, "val_loss") is None:
        return "The epochs study has no validation curve to read."
    train, val = mean_curve(histories, "loss")[0], mean_curve(histories, "val_loss")[0]
    val_acc = mean_curve(histories, "val_accuracy")[0]
    epoch, low = lowest(val)
    last = last_finite(val)
    text = (f"Over {len(val)} epochs the training loss fell from {num(train[0], 3)} to {num(last_finite(train), 5)};"
            f" the validation loss was lowest at epoch {epoch} ({num(low, 3)})")
    if last > RISE_FACTOR * low:
        at_low, at_end = val_acc[epoch - 1], val_acc[-1]
        text += (f" and then rose by {last / low - 1:.0%} to {num(last, 3)}: the network goes on fitting the"
                 f" training digits, not the digits in general (overfitting)")
        text += (f", and validation accuracy fell from {pct(at_low)} at epoch {epoch} to {pct(at_end)}"
                 if at_end < at_low - 1 / result.n_val else
                 f"; validation accuracy, {pct(at_low)} at epoch {epoch} and {pct(at_end)} at the end, did not fall:"
                 f" the mistakes grew more confident rather than more numerous")
    else:
        text += f" and stayed there ({num(last, 3)} at the end): no sign of overfitting within {len(val)} epochs"
    stop, kept = early_stopping(val_acc)
    return (text + f". Early stopping (MLPClassifier's rule on validation accuracy: stop after 10 epochs without a"
            f" gain of 1e-4) would have stopped at epoch {stop} and kept the weights of epoch {kept}"
            f" ({pct(val_acc[kept - 1])}).")


def _tuned_rows(result, group):
    """``(value, best rate, mean final loss, mean val accuracy, seconds per epoch)`` of each group value."""
    runs, out = result.runs, []
    for value, best in best_rate_per(runs, group).items():
        mine = runs[(runs[group] == value) & (runs["learning_rate_init"] == best)]
        summary = mean_curve(histories_of(mine, result.curves), "loss")
        loss = last_finite(summary[0]) if summary is not None else math.nan
        per_epoch = float(np.mean(mine["fit_seconds"] / mine["n_iter"].clip(lower=1)))
        out.append((value, best, loss, float(mine["val_accuracy"].mean()), per_epoch))
    return out


def _edge(result, group, value, best):
    rates = sorted(set(result.runs.loc[result.runs[group] == value, "learning_rate_init"]))
    return " (at the edge of its grid)" if best in (rates[0], rates[-1]) else ""


def _loss_at_time(result, value, best, seconds):
    """The mean training loss that ``batch_size=value`` at rate ``best`` had reached after ``seconds`` of training."""
    runs = result.runs
    mine = runs[(runs["batch_size"] == value) & (runs["learning_rate_init"] == best)]
    curve = mean_curve(histories_of(mine, result.curves), "loss")[0]
    per_epoch = float(np.mean(mine["fit_seconds"] / mine["n_iter"].clip(lower=1)))
    done = int(seconds / per_epoch) if per_epoch > 0 else len(curve)
    return float(curve[min(done, len(curve)) - 1]) if done >= 1 else math.nan


def batch_size_conclusion(result):
    """Per batch size at its best rate: the loss per epoch and per second of training, and the trade-off."""
    rows = _tuned_rows(result, "batch_size")
    if not rows:
        return "Every run of the batch-size study diverged."
    epochs = int(result.runs["n_iter"].max())
    per_epoch = min(rows, key=lambda r: r[2])
    budget = min(r[4] * epochs for r in rows)  # the time the quickest size took for all its epochs
    at_budget = {r[0]: _loss_at_time(result, r[0], r[1], budget) for r in rows}
    fastest = min((v for v in at_budget if np.isfinite(at_budget[v])), key=at_budget.get, default=None)
    parts = [f"batch {v}: rate {rate(b)}{_edge(result, 'batch_size', v, b)}, loss {num(loss, 4)},"
             f" {1000 * sec:.1f} ms per epoch" for v, b, loss, _, sec in rows]
    text = (f"After {epochs} epochs at each size's best rate — " + "; ".join(parts) + f". Per epoch, batch"
            f" {per_epoch[0]} went furthest: small batches take many noisy steps per epoch, large ones few exact"
            f" ones")
    if fastest is not None:
        text += (f"; per second it is another race: in the {1000 * budget:.0f} ms the quickest size needed for its"
                 f" {epochs} epochs, batch {fastest} got lowest ({num(at_budget[fastest], 4)})")
    return text + ". Which batch size is best depends on whether epochs or seconds are what is spent."


def optimizer_conclusion(result):
    """Each optimizer at its own best rate: loss and validation accuracy, ranked, with how far apart they are."""
    rows = sorted(_tuned_rows(result, "label"), key=lambda r: r[2])
    if not rows:
        return "Every run of the optimizer study diverged."
    epochs = int(result.runs["n_iter"].max())
    parts = [f"{v} at {rate(b)}{_edge(result, 'label', v, b)}: loss {num(loss, 4)}, validation {pct(acc)}"
             for v, b, loss, acc, _ in rows]
    accuracies = [r[3] for r in rows]
    n_val = result.n_val
    spread = max(accuracies) - min(accuracies)
    close = (f"their validation accuracies lie within {100 * spread:.1f} points ({round(spread * n_val)} of {n_val}"
             " digits), close to the noise" if spread * n_val <= 3 else
             f"their validation accuracies span {100 * spread:.1f} points")
    return (f"Each at its best of a small grid of rates, after {epochs} epochs (lowest training loss first): "
            + "; ".join(parts) + f". {close[0].upper() + close[1:]}.")


def momentum_conclusion(result):
    """What momentum did to full-batch gradient descent: how low the loss got, and which β made it oscillate."""
    rows = []
    for value, group in result.runs.groupby("momentum", sort=True):
        summary = mean_curve(histories_of(group, result.curves), "loss")
        diverged = "diverged_at" in group and group["diverged_at"].notna().any()
        curve = summary[0][np.isfinite(summary[0])] if summary is not None else np.array([math.nan])
        rows.append((float(value), last_finite(curve), rises(curve), diverged, overshoot(curve)))
    epochs = int(result.runs["n_iter"].max())
    parts = [f"β {b:g}: " + ("diverged" if d else f"loss {num(loss, 4)}, up at {up:.0%} of the epochs")
             for b, loss, up, d, _ in rows]
    text = f"After {epochs} epochs at the same learning rate — " + "; ".join(parts) + "."
    sound = [r for r in rows if not r[3] and np.isfinite(r[1])]
    if not sound:
        return text
    lowest_b = min(sound, key=lambda r: r[1])[0]
    text += f" The loss went lowest with β {lowest_b:g}"
    text += "" if lowest_b == rows[0][0] else ": the velocity keeps each step going where the last ones went"
    bumpy = [r for r in rows if r[2] > OSCILLATES or r[3]]
    if bumpy:
        first = bumpy[0]
        text += (f"; from β {first[0]:g} on, that velocity carries the weights past the minimum and back (the loss"
                 f" goes up at {first[2]:.0%} of the epochs and climbs back to {first[4]:.1f} times its lowest so far:"
                 f" overshoot)")
        if any(r[0] == lowest_b for r in bumpy):
            text += ", and still ends lowest within these epochs"
    else:
        text += f"; no β made the loss oscillate (up at more than {OSCILLATES:.0%} of the epochs)"
    return text + "."


def regularization_conclusion(result):
    """Training against validation accuracy as the L2 penalty grows: where it helps, where it underfits."""
    train = by_value(finished(result.runs), "alpha", "train_accuracy")
    val = by_value(finished(result.runs), "alpha", "val_accuracy")
    if not val:
        return "Every run of the regularization study failed."
    best = max(val, key=lambda a: (val[a][0], -a))
    lowest_alpha, highest_alpha = min(val), max(val)
    gap = train[lowest_alpha][0] - val[lowest_alpha][0]
    margin = max(2 * val[best][1], 1 / result.n_val)
    helpful = [a for a in val if val[a][0] >= val[best][0] - margin]
    without = "Without penalty" if lowest_alpha == 0 else "With the smallest penalty"
    return (f"{without} (alpha {lowest_alpha:g}) the network fits the training digits at"
            f" {pct(train[lowest_alpha][0])} and the validation digits at {pct(val[lowest_alpha][0])} (a gap of"
            f" {100 * gap:.1f} points); the best validation accuracy, {pct(val[best][0])}, came at alpha {best:g}, and"
            f" every alpha from {min(helpful):g} to {max(helpful):g} is within the noise of it. At alpha"
            f" {highest_alpha:g} the penalty wins over the data: training {pct(train[highest_alpha][0])}, validation"
            f" {pct(val[highest_alpha][0])} (underfitting).")


def _plateau_exits(result, plateau):
    """``(init, activation, layers) -> the first epoch with the mean loss below plateau`` (None: never)."""
    exits = {}
    for key, group in result.runs.groupby(["weight_init", "activation", "hidden_layer_sizes"], sort=False):
        summary = mean_curve(histories_of(group, result.curves), "loss")
        below = np.flatnonzero(summary[0] < plateau) if summary is not None else np.array([])
        exits[key] = int(below[0]) + 1 if below.size else None
    return exits


def initialization_conclusion(result, spreads):
    """How spread the activations are at the start for each initialization, and which networks stalled.

    ``spreads`` maps ``(weight_init, activation)`` to the spread of each hidden layer of the deep network.
    """
    plateau = math.log(10) * 0.9
    exits = _plateau_exits(result, plateau)
    epochs = int(result.runs["n_iter"].max())
    deep = {k: v for k, v in spreads.items() if v}
    text = ""
    if deep:
        flattest = min(deep, key=lambda k: deep[k][-1])
        text = ("At the start, the spread of the last hidden layer's activations is "
                + ", ".join(f"{i} {a} {v[-1]:.2g}" for (i, a), v in deep.items())
                + f": with {flattest[0]} weights and {flattest[1]} units every unit says nearly the same thing, and"
                " the gradient that flows back is as flat. ")
    parts = [f"{i} {a} {layers}: " + (f"epoch {e}" if e else f"never in {epochs}") for (i, a, layers), e in exits.items()]
    text += ("The loss starts on a plateau near log 10 = 2.30; the epoch at which each network's mean loss fell below"
             " 90% of it — " + "; ".join(parts) + ".")
    original, glorot = (exits.get((init, "logistic", "32")) for init in ("small_normal", "glorot"))
    if ("small_normal", "logistic", "32") in exits and ("glorot", "logistic", "32") in exits:
        text += (" The original project's network (small_normal, sigmoid, 32 units) "
                 + (f"left it at epoch {original}" if original else f"never left it in {epochs} epochs")
                 + ", with glorot weights " + (f"at epoch {glorot}" if glorot else "never") + ".")
    return text


def training_conclusion(name, result, spreads=None):
    """The conclusion of the training-parameter study ``name`` (one of :data:`TRAINING_STUDIES`).

    ``spreads`` (see :func:`~digitnet.report.studies.initialization_spreads`) is needed by ``initialization`` only.
    """
    if name == "initialization":
        return initialization_conclusion(result, spreads)
    return _CONCLUSIONS[name](result)


_CONCLUSIONS = {"learning-rate": learning_rate_conclusion, "epochs": epochs_conclusion,
                "batch-size": batch_size_conclusion, "optimizer": optimizer_conclusion,
                "momentum": momentum_conclusion, "regularization": regularization_conclusion}
#: The training-parameter studies, in page order, with their headings.
TRAINING_TITLES = {"learning-rate": "Learning rate", "epochs": "Epochs", "batch-size": "Batch size", "optimizer": "Optimizer",
          "momentum": "Momentum", "regularization": "Regularization", "initialization": "Initialization"}
TRAINING_STUDIES = tuple(TRAINING_TITLES)
