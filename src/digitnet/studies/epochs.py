"""The epochs study: a wide network with no penalty, trained far past its best epoch (overfitting).

How long to train? The training loss keeps falling; the cross-validated loss (every development
digit held out once, per seed) reaches its lowest and rises again. Every number here is
cross-validated on the development rows: the test set is not used. Each seed (its own starting
weights, shuffles and folds) is a replication; the study states, only where every replication
(both halves of the seeds, 95% of resamples of them) agrees:

- the epochs of lowest cross-validated loss: those within ``margin`` of the lowest mean (a region
  the data cannot tell apart, not one best epoch; epochs only some replications put there are named
  as uncertain);
- whether the loss rises after its lowest by more than the margin (overfitting), and whether the
  cross-validated accuracy falls with it;
- where early stopping (MLPClassifier's rule, on validation accuracy) would keep its weights:
  before, among or after the epochs of lowest loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..experiments.analysis import CurveSummary, early_stopping, histories_of, last_finite, mean_curve
from ..experiments.results import SweepResult
from ..plots import mean_band
from ..plots.style import mpl_patches, new_figure, show_message
from ..words import num, pct
from .base import Settings, Study
from .claims import Claim
from .common import NO_STOPPING, curve_points
from .effects import LOWERS, RAISES, SAME, claimable, direction, moves
from .registry import register
from .replication import replicate

METRIC = "cross-validated loss (nats)"
#: Where early stopping keeps its weights, against the epochs of lowest cross-validated loss.
BEFORE, AMONG, AFTER = (
    "before the epochs of lowest loss",
    "among the epochs of lowest loss",
    "after the epochs of lowest loss",
)
#: What counts as a difference of cross-validated accuracy (the accuracy claim's margin).
ACCURACY_MARGIN = 0.005


def decide(loss: np.ndarray, accuracy: np.ndarray, margin: float) -> dict:
    """What one set of seeds says, from its mean curves (one value per epoch).

    Returns
    -------
    dict
        ``("lowest", epoch)``: whether the epoch's loss is within ``margin`` of the lowest; ``"rises"``: the
        direction of the loss from its lowest to the last epoch; ``"accuracy"``: that of the accuracy over the same
        epochs; ``"kept"``: where early stopping keeps its weights (:data:`BEFORE`, :data:`AMONG`, :data:`AFTER`).
    """
    low = int(np.nanargmin(loss))
    region = loss <= loss[low] + margin
    out = {("lowest", e + 1): bool(r) for e, r in enumerate(region)}
    out["rises"] = direction(last_finite(loss) - loss[low], margin)
    out["accuracy"] = direction(last_finite(accuracy) - accuracy[low], ACCURACY_MARGIN)
    kept = early_stopping(accuracy)[1]
    inside = np.flatnonzero(region) + 1
    out["kept"] = AMONG if kept in inside else BEFORE if kept < inside[0] else AFTER
    return out


def curve_table(histories: list, seeds: list) -> pd.DataFrame:
    """Rows ``(curve, epoch)`` for the cross-validated loss and accuracy, one column per seed (over the epochs every
    seed has: a run that diverged ends early)."""
    n = min(min(len(h["val_loss"]), len(h["val_accuracy"])) for h in histories)
    columns = {seed: np.concatenate([h["val_loss"][:n], h["val_accuracy"][:n]]) for seed, h in zip(seeds, histories)}
    index = pd.MultiIndex.from_product([("val_loss", "val_accuracy"), range(1, n + 1)])
    return pd.DataFrame(columns, index=index)


def replicated(table: pd.DataFrame, margin: float) -> dict:
    """:func:`decide` on every seed, both halves and resamples: a Verdict per key."""
    n = len(table) // 2

    def on(scores):
        values = scores.to_numpy(dtype=float)
        return decide(values[:n].mean(axis=1), values[n:].mean(axis=1), margin)

    return replicate(on, table)


@dataclass
class EpochsReading:
    """The cross-validated curves of the longest runs (one per seed, each the mean over its folds), what they say,
    and the claims.

    ``lowest``: the epoch of lowest mean cross-validated loss; ``region``: the epochs every replication puts within
    the margin of the lowest, ``uncertain``: those only some do; ``stop`` and ``kept``: where early stopping would
    stop and which epoch's weights it would keep (all None without validation curves).
    """

    result: SweepResult
    histories: list
    train_loss: CurveSummary | None
    val_loss: CurveSummary | None
    val_accuracy: CurveSummary | None
    lowest: int | None
    region: list
    uncertain: list
    stop: int | None
    kept: int | None
    verdicts: dict
    claims: list


def spans(epochs) -> str:
    """``[3, 4, 5, 9]`` -> ``"3–5, 9"``."""
    epochs, parts, start = sorted(epochs), [], None
    for i, e in enumerate(epochs):
        start = e if start is None else start
        if i + 1 == len(epochs) or epochs[i + 1] != e + 1:
            parts.append(f"{start}" if start == e else f"{start}–{e}")
            start = None
    return ", ".join(parts)


def epoch_claims(verdicts, val_loss, val_accuracy, lowest, study="epochs") -> list:
    """The study's claims: the epochs of lowest loss (a tie; the uncertain ones apart), the loss rising after them,
    the accuracy over the same epochs, and where early stopping keeps its weights."""
    sure = [key[1] for key, v in verdicts.items() if key[0] == "lowest" and v.value and v.supported]
    unsure = [key[1] for key, v in verdicts.items() if key[0] == "lowest" and not v.supported]
    claims = [Claim(study, "tie", "epoch", sure, True, METRIC)] if sure else []
    if unsure:
        claims.append(Claim(study, "tie", "epoch", unsure, False, METRIC, note="epochs on the region's edge"))
    low, end = val_loss[lowest - 1], last_finite(val_loss)
    rises = verdicts["rises"]
    claims.append(
        Claim(
            study,
            "effect",
            "training past the epoch of lowest loss",
            [rises.value],
            claimable(rises),
            METRIC,
            agreement=rises.agreement,
            note=f"training from epoch {lowest} to epoch {len(val_loss)}"
            f" {moves(rises.value, 'the cross-validated loss')} ({num(low, 3)} to {num(end, 3)} nats)",
        )
    )
    acc = verdicts["accuracy"]
    claims.append(
        Claim(
            study,
            "effect",
            "training past the epoch of lowest loss",
            [acc.value],
            claimable(acc),
            "cross-validated accuracy",
            agreement=acc.agreement,
            note=f"training from epoch {lowest} to epoch {len(val_loss)}"
            f" {moves(acc.value, 'the cross-validated accuracy')} ({pct(val_accuracy[lowest - 1])} to"
            f" {pct(last_finite(val_accuracy))})",
        )
    )
    kept = verdicts["kept"]
    claims.append(
        Claim(
            study,
            "effect",
            "early stopping (MLPClassifier's rule on validation accuracy)",
            [kept.value],
            kept.supported,
            METRIC,
            agreement=kept.agreement,
            note=f"early stopping keeps the weights of an epoch {kept.value}",
        )
    )
    return claims


def _longest(result):
    """The runs trained longest (one per seed): their cross-validated curves carry every epoch."""
    runs = result.runs
    column = "max_iter" if "max_iter" in runs else "n_iter"
    return runs[runs[column] == runs[column].max()].drop_duplicates("seed")


def _rise_text(reading):
    val, acc = reading.val_loss.mean, reading.val_accuracy.mean
    rises, accuracy = reading.verdicts["rises"], reading.verdicts["accuracy"]
    low, end, epoch = val[reading.lowest - 1], last_finite(val), reading.lowest
    if rises.value == RAISES:
        text = (
            f" After it the loss rises by {num(end - low, 3)} nats to {num(end, 3)} at epoch {len(val)}: the network"
            " goes on fitting its training digits, not digits in general (overfitting)"
        )
        text += (
            "" if claimable(rises) else " — though not every replication agrees that it rises by more than the margin"
        )
    elif rises.value == SAME:
        text = (
            f" After it the loss stays within half the margin ({num(end, 3)} at epoch {len(val)}): no sign of"
            f" overfitting within {len(val)} epochs" + ("" if rises.supported else " (not every replication agrees)")
        )
    else:
        text = (
            f" After it the loss rises by {num(end - low, 3)} nats, less than the margin: too close to it to call it"
            " overfitting"
        )
    at_low, at_end = acc[epoch - 1], last_finite(acc)
    if accuracy.value == SAME:
        text += (
            f"; the cross-validated accuracy, {pct(at_low)} at epoch {epoch} and {pct(at_end)} at the end, moved"
            " by less than a quarter of a point"
            + (": the mistakes grew more confident rather than more numerous" if rises.value == RAISES else "")
        )
    elif accuracy.value in (RAISES, LOWERS):
        text += (
            f"; the cross-validated accuracy {'rose' if accuracy.value == RAISES else 'fell'} from {pct(at_low)} to"
            f" {pct(at_end)}"
        )
    else:
        text += (
            f"; the cross-validated accuracy went from {pct(at_low)} to {pct(at_end)}, a change too close to the"
            " half-point margin to call"
        )
    return (
        text
        + ("" if claimable(accuracy) or accuracy.value not in (RAISES, LOWERS, SAME) else " (not on every replication)")
        + "."
    )


class Epochs(Study):
    name = "epochs"
    title = "Epochs"
    order = 40
    question = (
        "How long to train? A wide network with no L2 penalty, which can fit its training digits perfectly,"
        " trained far beyond its best epoch: the training loss and the cross-validated loss and accuracy over"
        " the epochs (each seed's curve the mean over its 3 folds). Every number is cross-validated on the"
        " development rows: the test set is not used here."
    )
    metric = METRIC
    margin = 0.005
    description = (
        "A wide network that overfits (512 tanh units, no L2 penalty, adam at 0.003, batches of 64):"
        " training and 3-fold cross-validated loss over 150 epochs, the epochs of lowest cross-validated"
        " loss, and what early stopping keeps."
    )
    notebook = r"""How long to train? A wide network with no L2 penalty (512 tanh units, adam), which can fit its training digits
perfectly, trained well past its best epoch: the training loss and the cross-validated loss per epoch (each seed's
curve the mean over its folds; the test set is not used). The epochs whose loss is within 0.005 nats of the lowest
are ones the data cannot tell apart; the study states them, whether the loss rises after them (overfitting), and
where early stopping (`MLPClassifier`'s rule on validation accuracy) would keep its weights, only when every
replication (both halves of the seeds, 95% of resamples of them) agrees."""
    grid = {"max_iter": [25, 50, 100, 150]}
    base_params = {
        "hidden_layer_sizes": (512,),
        "activation": "tanh",
        "solver": "adam",
        "learning_rate_init": 0.003,
        "batch_size": 64,
        "alpha": 0.0,
        **NO_STOPPING,
    }
    varied = ("max_iter",)
    cv = 3
    full = Settings(seeds=3)
    quick = Settings(seeds=2, grid={"max_iter": [10, 20, 40]})
    captions = (
        (
            "epochs_overfitting",
            "Training and cross-validated loss per epoch (mean ± std over the seeds), the"
            " epochs of lowest cross-validated loss (hatched: not every replication agrees) and the epoch early"
            " stopping would keep.",
        ),
    )
    twin = "epochs.js"

    def read(self, result, split):
        longest = _longest(result)
        histories = histories_of(longest, result.curves)
        train, val, val_acc = (mean_curve(histories, key) for key in ("loss", "val_loss", "val_accuracy"))
        if val is None or val_acc is None:
            return EpochsReading(result, histories, train, val, val_acc, None, [], [], None, None, {}, [])
        verdicts = replicated(curve_table(histories, list(longest["seed"])), self.margin)
        lowest = int(np.nanargmin(val.mean)) + 1
        region = [k[1] for k, v in verdicts.items() if k[0] == "lowest" and v.value and v.supported]
        uncertain = [k[1] for k, v in verdicts.items() if k[0] == "lowest" and not v.supported]
        stop, kept = early_stopping(val_acc.mean)
        return EpochsReading(
            result,
            histories,
            train,
            val,
            val_acc,
            lowest,
            region,
            uncertain,
            stop,
            kept,
            verdicts,
            epoch_claims(verdicts, val.mean, val_acc.mean, lowest, self.name),
        )

    def table(self, reading):
        if reading.val_loss is None:
            return None
        train, val, acc = reading.train_loss.mean, reading.val_loss.mean, reading.val_accuracy.mean
        marks = [(reading.lowest, "lowest cross-validated loss"), (reading.kept, "early stopping keeps")]
        epochs = sorted({int(e) for e in reading.result.runs.get("max_iter", [])} | {e for e, _ in marks} | {1})
        rows = []
        for e in (e for e in epochs if 1 <= e <= len(val)):
            where = (
                "every replication" if e in reading.region else "some replications" if e in reading.uncertain else ""
            )
            rows.append(
                {
                    "epoch": e,
                    "training loss": train[e - 1],
                    "cross-validated loss": val[e - 1],
                    "cross-validated accuracy": pct(acc[e - 1]),
                    f"within {self.margin:g} nats of the lowest on": where,
                    "note": "; ".join(text for epoch, text in marks if epoch == e),
                }
            )
        return pd.DataFrame(rows)

    def conclusion(self, reading):
        """The epochs of lowest cross-validated loss, whether it rose after them, and what early stopping keeps: from
        the claims."""
        if not reading.histories or reading.val_loss is None:
            return "The epochs study has no cross-validated curve to read."
        train, val, acc = reading.train_loss.mean, reading.val_loss.mean, reading.val_accuracy.mean
        seeds, epoch = len(reading.histories), reading.lowest
        text = (
            f"Over {len(val)} epochs (cross-validated over {seeds} seeds, each with its own folds; the test set is"
            f" not used) the training loss fell from {num(train[0], 3)} to {num(last_finite(train), 5)}; the"
            f" cross-validated loss was lowest at epoch {epoch} ({val[epoch - 1]:.3f} nats)"
        )
        text += (
            f", and every replication puts epochs {spans(reading.region)} within {self.margin:g} nats of the"
            " lowest: the data cannot tell them apart"
            if reading.region
            else ", but no epoch is within the margin of the lowest on every replication"
        )
        text += f" (on some replications only: {spans(reading.uncertain)})." if reading.uncertain else "."
        text += _rise_text(reading)
        kept = reading.verdicts["kept"]
        return (
            text + f" Early stopping (MLPClassifier's rule on validation accuracy: stop after 10 epochs without a"
            f" gain of 1e-4) would stop at epoch {reading.stop} and keep the weights of epoch {reading.kept}"
            f" ({pct(acc[reading.kept - 1])}), {kept.value}"
            + ("." if kept.supported else " (not every replication agrees on where).")
        )

    def figures(self, reading):
        return {"epochs_overfitting": overfitting_figure(reading)}

    def page(self, reading):
        out = {"training loss": curve_points(reading.train_loss), "validation loss": curve_points(reading.val_loss)}
        if reading.lowest is not None:
            out["lowest"], out["kept"] = reading.lowest, reading.kept
            out["region"], out["uncertain"] = reading.region, reading.uncertain
        return out


def overfitting_figure(reading, title=None):
    """Training and cross-validated loss over the epochs of the longest runs: the epochs of lowest cross-validated
    loss shaded (hatched where not every replication agrees), the epoch early stopping would keep marked."""
    histories = reading.histories
    fig = new_figure(8.5, 4.8)
    ax = fig.add_subplot()
    if not histories or reading.lowest is None:
        show_message(ax, "no curves to show")
        return fig
    mean_band(ax, lambda e: e, histories, "loss", "#332288", label="training loss")
    mean_band(ax, lambda e: e, histories, "val_loss", "#CC3311", "--", label="cross-validated loss")
    for epoch in reading.region:
        ax.axvspan(epoch - 0.5, epoch + 0.5, color="#CCEBC5", lw=0, zorder=0)
    for epoch in reading.uncertain:
        ax.axvspan(epoch - 0.5, epoch + 0.5, facecolor="white", edgecolor="#888888", hatch="///", lw=0, zorder=0)
    val_loss, epoch = reading.val_loss.mean, reading.lowest
    ax.annotate(
        f"lowest cross-validated loss\n(epoch {epoch}, {val_loss[epoch - 1]:.3f})",
        (epoch, val_loss[epoch - 1]),
        xytext=(8, 22),
        textcoords="offset points",
        fontsize="small",
        color="#CC3311",
    )
    stop, kept = reading.stop, reading.kept
    ax.axvline(kept, color="0.3", lw=1, ls="-.")
    ax.annotate(
        f"early stopping keeps epoch {kept}\n(stops at {stop})",
        (kept, val_loss[kept - 1]),
        xytext=(8, -30),
        textcoords="offset points",
        fontsize="small",
        color="0.3",
    )
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy loss (nats, log scale)")
    ax.grid(True, alpha=0.3)
    handles = ax.get_legend_handles_labels()[0] + [
        mpl_patches.Patch(color="#CCEBC5", label=f"within {Epochs.margin:g} nats of the lowest\n(every replication)"),
        mpl_patches.Patch(facecolor="white", edgecolor="#888888", hatch="///", label="on some replications only"),
    ]
    ax.legend(handles=handles, fontsize="small")
    ax.set_title(title or "Training and cross-validated loss over the epochs")
    return fig


register(Epochs())
