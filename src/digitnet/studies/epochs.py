"""The epochs study: a wide network with no penalty, trained far past its best epoch (overfitting).

How long to train? The training loss keeps falling; the validation loss reaches its lowest and
rises again. The study reads off the epoch of lowest validation loss, how far it rose, and what
early stopping (MLPClassifier's rule on validation accuracy) would have kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..experiments.analysis import CurveSummary, early_stopping, finished, histories_of, last_finite, lowest, \
    mean_curve
from ..experiments.results import SweepResult
from ..plots import mean_band
from ..plots.style import new_figure, show_message
from ..words import num, pct
from .base import Settings, Study
from .common import NO_STOPPING, curve_points
from .registry import register

#: A mean loss this far above its minimum counts as having risen (not round-off or noise).
RISE_FACTOR = 1.02


@dataclass
class EpochsReading:
    """The curves of the longest runs (one per seed), and what they say.

    ``lowest``: the epoch of lowest mean validation loss; ``stop`` and ``kept``: where early stopping
    would stop and which epoch's weights it would keep (all None without validation curves).
    """

    result: SweepResult
    histories: list
    train_loss: CurveSummary | None
    val_loss: CurveSummary | None
    val_accuracy: CurveSummary | None
    lowest: int | None
    stop: int | None
    kept: int | None


class Epochs(Study):
    name = "epochs"
    title = "Epochs"
    order = 40
    question = ("How long to train? A wide network with no L2 penalty, which can fit its training digits perfectly,"
                " trained far beyond its best epoch: the training and the validation loss over the epochs.")
    description = ("A wide network that overfits (512 tanh units, no L2 penalty, adam at 0.003, batches of 64):"
                   " training and validation loss over 150 epochs, read off at 25, 50, 100 and 150.")
    notebook = r"""How long to train? A wide network with no L2 penalty (512 tanh units, adam), which can fit its training digits
perfectly, trained well past its best epoch: the training and validation loss per epoch, the epoch of lowest
validation loss, and what early stopping (`MLPClassifier`'s rule) would have kept."""
    grid = {"max_iter": [25, 50, 100, 150]}
    base_params = {"hidden_layer_sizes": (512,), "activation": "tanh", "solver": "adam", "learning_rate_init": 0.003,
                   "batch_size": 64, "alpha": 0.0, **NO_STOPPING}
    varied = ("max_iter",)
    quick = Settings(seeds=2, grid={"max_iter": [10, 20, 40]})
    captions = (("epochs_overfitting", "Training and validation loss per epoch (mean over the seeds), the epoch of"
                 " lowest validation loss and what early stopping would keep."),)
    twin = "epochs.js"

    def read(self, result, split):
        runs = result.runs
        longest = runs[runs["n_iter"] == runs["n_iter"].max()].drop_duplicates("seed")
        histories = histories_of(longest, result.curves)
        train, val, val_acc = (mean_curve(histories, key) for key in ("loss", "val_loss", "val_accuracy"))
        at_lowest = stop = kept = None
        if val is not None and val_acc is not None:
            at_lowest = lowest(val.mean)[0]
            stop, kept = early_stopping(val_acc.mean)
        return EpochsReading(result, histories, train, val, val_acc, at_lowest, stop, kept)

    def table(self, reading):
        table = finished(reading.result.runs).groupby("max_iter")[["train_loss", "val_accuracy", "test_accuracy"]].mean()
        table = table.reset_index().rename(columns={"max_iter": "epochs", "train_loss": "training loss",
                                                    "val_accuracy": "validation accuracy",
                                                    "test_accuracy": "test accuracy"})
        for column in ("validation accuracy", "test accuracy"):
            table[column] = [pct(v) for v in table[column]]
        return table

    def conclusion(self, reading):
        """Where the validation loss was lowest, how far it rose after, and what early stopping would have kept."""
        if not reading.histories or reading.val_loss is None:
            return "The epochs study has no validation curve to read."
        train, val, val_acc = reading.train_loss.mean, reading.val_loss.mean, reading.val_accuracy.mean
        epoch, low = lowest(val)
        last = last_finite(val)
        text = (f"Over {len(val)} epochs the training loss fell from {num(train[0], 3)} to"
                f" {num(last_finite(train), 5)}; the validation loss was lowest at epoch {epoch} ({num(low, 3)})")
        if last > RISE_FACTOR * low:
            at_low, at_end = val_acc[epoch - 1], val_acc[-1]
            text += (f" and then rose by {last / low - 1:.0%} to {num(last, 3)}: the network goes on fitting the"
                     f" training digits, not the digits in general (overfitting)")
            text += (f", and validation accuracy fell from {pct(at_low)} at epoch {epoch} to {pct(at_end)}"
                     if at_end < at_low - 1 / reading.result.n_val else
                     f"; validation accuracy, {pct(at_low)} at epoch {epoch} and {pct(at_end)} at the end, did not"
                     f" fall: the mistakes grew more confident rather than more numerous")
        else:
            text += f" and stayed there ({num(last, 3)} at the end): no sign of overfitting within {len(val)} epochs"
        stop, kept = reading.stop, reading.kept
        return (text + f". Early stopping (MLPClassifier's rule on validation accuracy: stop after 10 epochs without"
                f" a gain of 1e-4) would have stopped at epoch {stop} and kept the weights of epoch {kept}"
                f" ({pct(val_acc[kept - 1])}).")

    def findings(self, reading):
        return {"lowest validation loss at epoch": reading.lowest}

    def figures(self, reading):
        return {"epochs_overfitting": overfitting_figure(reading)}

    def page(self, reading):
        out = {"training loss": curve_points(reading.train_loss), "validation loss": curve_points(reading.val_loss)}
        if reading.lowest is not None:
            out["lowest"], out["kept"] = reading.lowest, reading.kept
        return out


def overfitting_figure(reading, title=None):
    """Training and validation loss over the epochs of the longest runs, the epoch of lowest validation
    loss and the epoch early stopping would keep marked."""
    histories = reading.histories
    fig = new_figure(8.5, 4.8)
    ax = fig.add_subplot()
    if not histories or reading.lowest is None:
        show_message(ax, "no curves to show")
        return fig
    mean_band(ax, lambda e: e, histories, "loss", "#332288", label="training loss")
    mean_band(ax, lambda e: e, histories, "val_loss", "#CC3311", "--", label="validation loss")
    val_loss = reading.val_loss.mean
    epoch, value = lowest(val_loss)
    ax.axvline(epoch, color="#CC3311", lw=1, ls=":")
    ax.annotate(f"lowest validation loss\n(epoch {epoch}, {value:.3f})", (epoch, value), xytext=(8, 22),
                textcoords="offset points", fontsize="small", color="#CC3311")
    stop, kept = reading.stop, reading.kept
    ax.axvline(kept, color="0.3", lw=1, ls="-.")
    ax.annotate(f"early stopping keeps epoch {kept}\n(stops at {stop})", (kept, val_loss[kept - 1]), xytext=(8, -30),
                textcoords="offset points", fontsize="small", color="0.3")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy loss (nats, log scale)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title(title or "Training and validation loss over the epochs")
    return fig


register(Epochs())
