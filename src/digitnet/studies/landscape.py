"""The loss landscape: what the loss looks like where gradient descent goes.

The learning-rate study's network (64 relu units, full-batch gradient descent) trained at a good rate: the loss
along the straight line from its starting to its final weights, around its final weights along two random
directions (filter-normalised, Li et al. 2018), and on the plane of its own training path (the path's two
principal directions). Each seed draws its own starting weights (and directions); a claim is stated only when
every seed shows it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from ..experiments.params import resolve
from ..experiments.results import SweepResult
from ..experiments.runs import StudyModel
from ..nn.landscape import (
    LossLine,
    LossSurface,
    loss_along_line,
    loss_surface,
    path_directions,
    path_surface,
    random_directions,
)
from ..plots.landscape import loss_line_figure, loss_surface_figure
from ..words import num
from .base import Settings, Study
from .claims import Claim
from .common import GRADIENT_DESCENT
from .registry import register

#: The rate trained (a good one of the learning-rate study), the points of the line, the slice's half-width (in
#: filter-normalised steps) and resolution.
RATE = 1.0
LINE_POINTS = 41
SLICE_HALF_WIDTH, SLICE_POINTS = 1.0, 21
#: A loss this far above the start's (relative) on the way to the end counts as a barrier on the straight line.
BARRIER = 0.01
METRIC = "the training loss on all the development rows"


def _fit_path(X, y, params, seed):
    """One training with its weights recorded every epoch: ``(model, trajectory)``."""
    model = StudyModel(**resolve(params, len(y)), random_state=seed, track=("weights",), track_every=1)
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return model, model.trajectory_


def _one_hot(model, y):
    return (np.asarray(y)[:, None] == model.classes_[None, :]).astype(np.float64)


def measure_landscape(result, split) -> dict:
    """Every seed's line from its start to its end; the first seed's slices (random directions, its path's plane)."""
    params = {k: v for k, v in result.params[0].items() if k not in ("label",)}
    dev = split.dev_split()
    X, y = np.asarray(dev.X_train, dtype=np.float64), dev.y_train
    lines, slices = {}, {}
    for seed in result.config.seeds:
        model, path = _fit_path(X, y, params, seed)
        sizes = [X.shape[1], *[W.shape[1] for W in model.coefs_]]
        net = dict(activation=model.activation, alpha=model.alpha, out_activation=model.out_activation_)
        Y = _one_hot(model, y)
        start, end = path.weights[0], path.weights[-1]
        line = loss_along_line(X, Y, start, end, sizes, t=np.linspace(0, 1, LINE_POINTS), **net)
        lines[str(seed)] = {"t": line.t.tolist(), "loss": line.loss.tolist()}
        if slices:
            continue
        grid = np.linspace(-SLICE_HALF_WIDTH, SLICE_HALF_WIDTH, SLICE_POINTS)
        around = loss_surface(X, Y, end, random_directions(end, sizes, seed=seed), sizes, a=grid, b=grid, **net)
        plane = path_directions(path.weights, end)
        along = path_surface(X, Y, plane, end, sizes, **net)
        slices = {
            "random": {"a": around.a.tolist(), "b": around.b.tolist(), "loss": around.loss.tolist()},
            "path": {
                "a": along.a.tolist(),
                "b": along.b.tolist(),
                "loss": along.loss.tolist(),
                "points": plane.coordinates.tolist(),
                "explained": _explained(plane),
            },
        }
    return {"lines": lines, "slices": slices}


def _explained(plane):
    return [float(v) for v in getattr(plane, "explained", [])]


@dataclass
class LandscapeReading:
    """Each seed's :class:`~digitnet.nn.landscape.LossLine`, the first seed's slices, and the claims."""

    result: SweepResult
    lines: dict  # seed -> LossLine
    around: LossSurface | None
    along: LossSurface | None
    path: np.ndarray | None  # the path's points in its own plane
    claims: list


def _barrier(line: LossLine) -> float:
    """How far the loss rises above its start on the way to the end, relative to the start (0: it never does)."""
    start = float(line.loss[0])
    return max(0.0, float(np.nanmax(line.loss)) / start - 1) if start > 0 else 0.0


def _center_lowest(surface: LossSurface) -> bool:
    """Is the centre (the final weights) the lowest point of the slice, within a relative 1e-9?"""
    center = surface.loss[len(surface.b) // 2, len(surface.a) // 2]
    return bool(center <= np.nanmin(surface.loss) * (1 + 1e-9))


def landscape_claims(reading_lines, around, study="landscape") -> list[Claim]:
    """The line's shape and the slice's bottom, each supported when every seed shows it."""
    barriers = {seed: _barrier(line) for seed, line in reading_lines.items()}
    falls = {seed: b <= BARRIER for seed, b in barriers.items()}
    value = "no barrier" if all(falls.values()) else "a barrier" if not any(falls.values()) else "no barrier"
    claims = [
        Claim(
            study,
            "effect",
            "the straight line from the starting to the final weights",
            [value],
            len(set(falls.values())) == 1,
            METRIC,
            note=(
                "the loss falls all along the straight line from the starting to the final weights, with"
                " no barrier to cross"
                if value == "no barrier"
                else "the loss rises above its starting value on the straight line to the final weights"
            ),
        )
    ]
    if around is not None:
        lowest = _center_lowest(around)
        claims.append(
            Claim(
                study,
                "effect",
                "the final weights in the random slice",
                ["at the bottom" if lowest else "not at the bottom"],
                True,
                METRIC,
                note="the final weights sit at the bottom of the slice along two random directions"
                if lowest
                else "the slice goes lower than the final weights: they are not at a minimum along these directions",
                extra={"seeds": 1},
            )
        )
    return claims


def _surface(d):
    return None if not d else LossSurface(np.asarray(d["a"]), np.asarray(d["b"]), np.asarray(d["loss"]))


class Landscape(Study):
    name = "landscape"
    title = "Loss landscape"
    order = 35
    question = (
        "What does the loss look like where gradient descent goes? The learning-rate study's network trained"
        f" at a good rate (η = {RATE:g}, full batch) on the development rows: the loss along the straight line"
        " from its starting to its final weights, around its final weights along two random directions"
        " (each unit's scaled to its own weights' norm: Li et al. 2018), and over the plane of its own"
        " training path."
    )
    metric = METRIC
    margin = BARRIER
    description = (
        f"The loss along the line from the starting to the final weights (64 relu units, full-batch"
        f" gradient descent at {RATE:g}, 300 epochs), and two 2-D slices around the final weights."
    )
    notebook = r"""What does the loss look like where gradient descent goes? For the learning-rate study's network
trained at a good rate: the loss $J(\theta_0 + t(\theta_T - \theta_0))$ on the straight line from the starting weights
($t = 0$) to the final ones ($t = 1$); the loss around $\theta_T$ along two random directions $d_1, d_2$ (each
unit's part scaled to that unit's weight norm, as Li et al. 2018 do, so that the slices of different networks
compare); and the loss over the plane of the training path's two principal directions, the path drawn on it."""
    grid = {"learning_rate_init": [RATE]}
    base_params = {**GRADIENT_DESCENT, "hidden_layer_sizes": (64,), "activation": "relu", "max_iter": 300}
    varied = ("learning_rate_init",)
    full = Settings(seeds=3)
    quick = Settings(seeds=2, params={"max_iter": 100})
    captions = (
        (
            "landscape_line",
            "The training loss on the straight line from each seed's starting weights (t = 0)"
            " to its final weights (t = 1).",
        ),
        ("landscape_slice", "The loss around the final weights (first seed) along two random directions."),
        (
            "landscape_path",
            "The loss over the plane of the training path's two principal directions, the"
            " path (one dot per epoch) drawn on it.",
        ),
    )

    def measure(self, result, split):
        return {"landscape": measure_landscape(result, split)}

    def read(self, result, split):
        measured = result.extra.get("landscape") or {}
        lines = {
            int(seed): LossLine(np.asarray(d["t"]), np.asarray(d["loss"]))
            for seed, d in measured.get("lines", {}).items()
        }
        slices = measured.get("slices", {})
        around, along = _surface(slices.get("random")), _surface(slices.get("path"))
        path = np.asarray(slices["path"]["points"]) if slices.get("path") else None
        return LandscapeReading(result, lines, around, along, path, landscape_claims(lines, around, self.name))

    def table(self, reading):
        """One row per seed: the line's ends, its midpoint, its highest rise above the start and its lowest point."""
        rows = []
        for seed, line in reading.lines.items():
            lowest = int(np.nanargmin(line.loss))
            rows.append(
                {
                    "seed": seed,
                    "loss at the start (t = 0)": float(line.loss[0]),
                    "loss halfway (t = 0.5)": float(np.interp(0.5, line.t, line.loss)),
                    "loss at the end (t = 1)": float(line.loss[-1]),
                    "rise above the start on the way": f"{100 * _barrier(line):.1f}%",
                    "lowest point on the line at t": float(line.t[lowest]),
                }
            )
        return pd.DataFrame(rows) if rows else None

    def conclusion(self, reading):
        if not reading.lines:
            return "The landscape was not measured."
        starts = [float(line.loss[0]) for line in reading.lines.values()]
        ends = [float(line.loss[-1]) for line in reading.lines.values()]
        barriers = [_barrier(line) for line in reading.lines.values()]
        text = (
            f"On the straight line from the starting weights (loss {num(np.mean(starts), 3)}) to the final ones"
            f" ({num(np.mean(ends), 4)}), mean over {len(starts)} seeds, "
        )
        text += (
            "the loss falls all the way, on every seed: gradient descent's winding path ends where a straight"
            " walk downhill would have led"
            if max(barriers) <= BARRIER
            else f"the loss rises by up to {100 * max(barriers):.0f}% above its start on some seed before it falls:"
            " the path went around a barrier"
        )
        if reading.around is not None:
            loss = reading.around.loss
            text += (
                f". Around the final weights, along two random directions, the loss climbs from"
                f" {num(loss[len(loss) // 2, len(loss) // 2], 4)} at the centre to"
                f" {num(float(np.nanmax(loss)), 2)} at the slice's edge"
            )
            text += (
                "; the centre is the slice's lowest point: a basin"
                if _center_lowest(reading.around)
                else "; the slice goes lower than the centre: no minimum along these directions"
            )
        return text + "."

    def figures(self, reading):
        figures = {}
        if reading.lines:
            figures["landscape_line"] = _lines_figure(reading.lines)
        if reading.around is not None:
            figures["landscape_slice"] = loss_surface_figure(reading.around)
        if reading.along is not None:
            figures["landscape_path"] = loss_surface_figure(
                reading.along,
                path=reading.path,
                title="The loss over the plane of the training path",
                axis_names=(
                    "first principal direction of the path (parameter-space distance)",
                    "second principal direction (parameter-space distance)",
                ),
            )
        return figures

    def page(self, reading):
        return {
            "lines": {
                str(s): [[float(t), float(v)] for t, v in zip(line.t, line.loss)] for s, line in reading.lines.items()
            }
        }


def _lines_figure(lines):
    """Every seed's line on one figure (the first seed's with its ends marked)."""
    (first_seed, first), *others = lines.items()
    fig = loss_line_figure(first, title="The loss on the straight line from the starting to the final weights")
    ax = fig.axes[0]
    ax.get_lines()[0].set_label(f"seed {first_seed}")
    for seed, line in others:
        ax.plot(line.t, line.loss, "-", color="0.55", lw=1.1, label=f"seed {seed}")
    ax.legend(fontsize="small", frameon=False)
    return fig


register(Landscape())
