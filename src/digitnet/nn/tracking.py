"""What a fit records every few epochs besides its loss: the sharpness, the gradient flow, the weights' path.

The estimators take ``track=`` (names from :data:`TRACKABLE`) and ``track_every=k``; their training loop
calls a :class:`Tracker` before and after each epoch, and the tracker writes into ``history_``. A
measurement reads the weights and the training rows and nothing else: it draws from no random stream
the fit uses and changes no weight, so a tracked fit trains exactly as an untracked one (bit for bit).

Every ``history_`` list stays one number per epoch. Entry i of a tracked key is measured at the weights
epoch i + 1 starts from (after i epochs: entry 0 is the starting weights), on all the training rows, for
the epochs i = 0, k, 2k, ... (counted over the whole training, warm starts included); the other entries
are NaN. For full-batch gradient descent that is the point where the epoch's loss is measured too.

====================  ==========================================================================================
``track=``            ``history_`` keys (layer l = 1 .. L, L the output layer)
====================  ==========================================================================================
``"sharpness"``       ``sharpness``: the largest eigenvalue of the loss's Hessian
                      (:func:`~digitnet.nn.curvature.sharpness`, to a relative 1e-6)
``"grad_norms"``      ``grad_norm_<l>``: ||(dW[l], db[l])|| of the full-data gradient (:mod:`digitnet.nn.flow`)
``"update_ratios"``   ``update_ratio_<l>``: ||theta[l] after the epoch - theta[l] before|| / ||theta[l] before||
``"activation_std"``  ``activation_std_<l>``: the standard deviation of A[l] over rows and units
``"weights"``         no history key: ``trajectory_`` (:class:`Trajectory`), the flat weights at those epochs and
                      at the end, for :mod:`digitnet.nn.landscape`
====================  ==========================================================================================

Cost: a sharpness is some 20 Hessian-vector products of about two gradients each (0.1 s for 1,149 digits
and 64 hidden units on a busy 2-core machine); the flow, one gradient.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse.linalg import ArpackError

from .activations import Activation
from .curvature import sharpness
from .flow import gradient_flow, layer_norms
from .network import unpack

#: The names ``track=`` takes.
TRACKABLE = ("sharpness", "grad_norms", "update_ratios", "activation_std", "weights")
#: Lanczos's relative tolerance when a fit tracks the sharpness: far below what a figure shows, in fewer products.
TRACKING_TOLERANCE = 1e-6


@dataclass
class Trajectory:
    """The weights a fit passed through: ``weights[j]`` (flat, ``pack``'s order) after ``epochs[j]`` epochs."""

    epochs: np.ndarray  # (n_points,) int
    weights: np.ndarray  # (n_points, n_parameters)


def tracked_names(track: str | Iterable[str]) -> tuple:
    """``track=`` as a tuple of names from :data:`TRACKABLE` (a ValueError naming them for anything else)."""
    names = (track,) if isinstance(track, str) else tuple(track)
    unknown = [name for name in names if name not in TRACKABLE]
    if unknown or not names:
        raise ValueError(f"track takes names from {', '.join(TRACKABLE)}; got {track!r}")
    return names


class Tracker:
    """Measures every ``every`` epochs what ``track`` names, for the estimators' training loop.

    Parameters
    ----------
    track : str or sequence of str
        Names from :data:`TRACKABLE`.
    every : int
        Measure before epochs 1, every + 1, 2 every + 1, ... (after 0, every, 2 every, ... epochs).
    history : dict of lists
        The estimator's ``history_`` as the fit starts (empty, or a warm start's earlier epochs).
    X, Y, sample_weight
        The training rows, as the loop trains on them (Y one-hot or indicators, or values).
    layer_sizes : list of int
    activation, out_activation, alpha
        The network's.
    """

    def __init__(
        self,
        track: str | Iterable[str],
        every: int,
        history: dict[str, list],
        X: np.ndarray,
        Y: np.ndarray,
        sample_weight: np.ndarray | None,
        layer_sizes: Sequence[int],
        activation: str | Activation,
        out_activation: str,
        alpha: float,
    ) -> None:
        self.names, self.every = tracked_names(track), int(every)
        self.data = (X, Y, sample_weight)
        self.layer_sizes, self.net = (
            list(layer_sizes),
            dict(activation=activation, out_activation=out_activation, alpha=alpha),
        )
        self.first_epoch = len(history["loss"])  # epochs trained before this fit (a warm start's)
        self._pending, self._start, self._path = None, None, []

    def keys(self) -> list:
        """The ``history_`` keys this tracker fills."""
        layers = range(1, len(self.layer_sizes))
        per_layer = {"grad_norms": "grad_norm", "update_ratios": "update_ratio", "activation_std": "activation_std"}
        return (["sharpness"] if "sharpness" in self.names else []) + [
            f"{per_layer[name]}_{l}" for name in per_layer if name in self.names for l in layers
        ]

    def before_epoch(self, flat: np.ndarray, history: dict[str, list]) -> None:
        """Measure at these weights if the epoch about to run is a tracked one (``len(history["loss"])`` done)."""
        done = len(history["loss"])
        self._pending, self._start = None, None
        if done % self.every:
            return
        weights, biases = unpack(flat, self.layer_sizes)
        X, Y, sw = self.data
        values = {}
        if "sharpness" in self.names:
            values["sharpness"] = self._sharpness(weights, biases)
        if {"grad_norms", "activation_std"} & set(self.names):
            flow = gradient_flow(X, Y, weights, biases, sample_weight=sw, **self.net)
            values.update({f"grad_norm_{l}": v for l, v in enumerate(flow.grad_norms, 1)})
            values.update({f"activation_std_{l}": v for l, v in enumerate(flow.activation_std, 1)})
        if "update_ratios" in self.names or "weights" in self.names:
            self._start = np.array(flat, dtype=np.float64)
        if "weights" in self.names and np.isfinite(self._start).all():  # the path holds weights that exist
            self._path.append((done, self._start))
        self._pending = values

    def _sharpness(self, weights, biases):
        """The sharpness at these weights; NaN where it has no meaning (weights no longer finite, products that
        overflow: a fit that diverged and goes on, as scikit-learn's does)."""
        if not all(np.isfinite(a).all() for a in (*weights, *biases)):
            return np.nan
        X, Y, sw = self.data
        with np.errstate(all="ignore"):
            try:
                return float(
                    sharpness(X, Y, weights, biases, k=1, sample_weight=sw, tol=TRACKING_TOLERANCE, **self.net)[0]
                )
            except (ValueError, ArpackError):  # products that overflow; Lanczos that fails on them
                return np.nan

    def after_epoch(self, flat: np.ndarray, history: dict[str, list]) -> None:
        """Append this epoch's entries to ``history`` (NaN where not measured); call once its loss is appended."""
        values = dict(self._pending or {})
        if "update_ratios" in self.names and self._start is not None:
            moved = layer_norms(np.asarray(flat, dtype=np.float64) - self._start, self.layer_sizes)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratios = moved / layer_norms(self._start, self.layer_sizes)
            values.update({f"update_ratio_{l}": float(v) for l, v in enumerate(ratios, 1)})
        epochs = len(history["loss"])
        for key in self.keys():
            column = history.setdefault(key, [])
            column.extend([np.nan] * (epochs - 1 - len(column)))  # epochs trained before tracking began
            column.append(float(values.get(key, np.nan)))

    def trajectory(
        self, flat: np.ndarray, history: dict[str, list], previous: Trajectory | None = None
    ) -> Trajectory | None:
        """The weights' path of this fit (and of the earlier ones it continues, ``previous``), ending at ``flat``."""
        if "weights" not in self.names:
            return previous
        earlier = [] if previous is None or not self.first_epoch else zip(previous.epochs, previous.weights)
        path = [(e, w) for e, w in earlier if e <= self.first_epoch and len(w) == len(flat)]
        path += [(e, w) for e, w in self._path if not path or e > path[-1][0]]
        final = np.array(flat, dtype=np.float64)
        if np.isfinite(final).all() and (not path or path[-1][0] < len(history["loss"])):
            path.append((len(history["loss"]), final))
        if not path:
            return previous
        return Trajectory(np.array([e for e, _ in path], dtype=int), np.array([w for _, w in path]))
