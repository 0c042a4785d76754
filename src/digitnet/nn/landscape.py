"""Loss landscapes: the loss along a line and over a plane of weight space (Li et al. 2018), and a training path on it.

Parameters are flat vectors in :func:`~digitnet.nn.network.pack`'s order (a fit's ``trajectory_`` holds them,
see :mod:`digitnet.nn.tracking`).

- :func:`loss_along_line`: the loss at theta(t) = start + t (end - start), the straight line from the
  starting to the final weights (t = 0 and 1; Goodfellow et al. 2015). A loss that only falls along it
  means that training went down one valley.
- :func:`random_directions` and :func:`loss_surface`: the loss over the plane theta + a d1 + b d2 around the
  final weights, along two random directions **filter-normalised** as Li et al. (2018) do it: each unit's
  part of a Gaussian direction (the column of W[l] holding its incoming weights) is rescaled to the norm of
  that unit's weights, so that a = 1 moves every unit as far as its own size, whatever the scale of its
  layer (ReLU networks are unchanged when one layer is scaled up and the next down, and unnormalised
  directions would mistake that for flatness). The biases' part is 0: the plane moves the weights only, as
  Li et al.'s figures do (their ``ignore="biasbn"``).
- :func:`path_directions`: the plane that holds most of a training path, the two principal directions of
  the differences theta_i - theta_final (Li et al.'s section 7; uncentred, as theirs), and the path's
  coordinates in it. A random plane is almost orthogonal to the path (two random directions in thousands of
  dimensions), so the path is drawn on its own plane, with :func:`loss_surface` evaluated there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .activations import DEFAULT_ACTIVATION, Activation
from .network import compute_loss, forward_pass, unpack


@dataclass
class LossLine:
    """The loss at theta(t) = start + t (end - start) for each ``t``."""

    t: np.ndarray
    loss: np.ndarray


@dataclass
class LossSurface:
    """The loss at center + a d1 + b d2: ``loss[i, j]`` at ``(a[j], b[i])`` (rows along b, as an image)."""

    a: np.ndarray
    b: np.ndarray
    loss: np.ndarray


@dataclass
class PathPlane:
    """A training path in the plane of its two principal directions, around its final weights."""

    directions: np.ndarray  # (2, n_parameters), orthonormal
    coordinates: np.ndarray  # (n_points, 2): each point's (a, b), theta_i - theta_final projected
    explained: np.ndarray  # (2,): the share of the path's squared length along each direction


def loss_at(
    flat: np.ndarray,
    X: np.ndarray,
    Y: np.ndarray,
    layer_sizes: Sequence[int],
    activation: str | Activation = DEFAULT_ACTIVATION,
    alpha: float = 0.0,
    out_activation: str = "softmax",
    sample_weight: np.ndarray | None = None,
) -> float:
    """The loss :func:`~digitnet.nn.network.compute_loss` of the flat parameters ``flat`` on (X, Y)."""
    weights, biases = unpack(np.asarray(flat), layer_sizes)
    with np.errstate(over="ignore", invalid="ignore"):  # far out on a plane the loss may overflow: inf says so
        P = forward_pass(X, weights, biases, activation, out_activation)[-1]
        return compute_loss(Y, P, weights, alpha, sample_weight, out_activation)


def loss_along_line(
    X: np.ndarray,
    Y: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    layer_sizes: Sequence[int],
    t: np.ndarray | None = None,
    **net: Any,
) -> LossLine:
    """The loss along the straight line from ``start`` to ``end`` (flat parameters).

    Parameters
    ----------
    X, Y : the rows and targets (as :func:`~digitnet.nn.network.compute_loss` takes them).
    start, end : ndarray of shape (n_parameters,)
    layer_sizes : list of int
    t : ndarray, optional
        Where to evaluate; default 41 points from -0.25 to 1.25 (a little beyond both ends).
    **net
        ``activation``, ``alpha``, ``out_activation``, ``sample_weight``, as :func:`loss_at` takes them.
    """
    t = np.linspace(-0.25, 1.25, 41) if t is None else np.asarray(t, dtype=np.float64)
    start, end = np.asarray(start, np.float64), np.asarray(end, np.float64)
    return LossLine(t, np.array([loss_at(start + s * (end - start), X, Y, layer_sizes, **net) for s in t]))


def filter_normalize(direction: np.ndarray, flat: np.ndarray, layer_sizes: Sequence[int]) -> np.ndarray:
    """``direction`` with each unit's incoming weights rescaled to the norm of that unit's weights in ``flat``, and
    the biases' part set to 0 (Li et al.'s filter normalisation; a unit whose weights are all 0 gets 0)."""
    out = np.array(direction, dtype=np.float64)
    d_weights, d_biases = unpack(out, layer_sizes)
    weights, _ = unpack(np.asarray(flat, np.float64), layer_sizes)
    for d, W in zip(d_weights, weights):
        size, length = np.linalg.norm(W, axis=0), np.linalg.norm(d, axis=0)
        d *= np.divide(size, length, out=np.zeros_like(size), where=length > 0)
    for d in d_biases:
        d[...] = 0
    return out


def random_directions(flat: np.ndarray, layer_sizes: Sequence[int], seed: int = 0, n: int = 2) -> np.ndarray:
    """``n`` filter-normalised Gaussian directions around ``flat`` (shape (n, n_parameters)), from
    ``numpy.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    return np.array([filter_normalize(rng.standard_normal(len(flat)), flat, layer_sizes) for _ in range(n)])


def loss_surface(
    X: np.ndarray,
    Y: np.ndarray,
    center: np.ndarray,
    directions: np.ndarray,
    layer_sizes: Sequence[int],
    a: np.ndarray | None = None,
    b: np.ndarray | None = None,
    **net: Any,
) -> LossSurface:
    """The loss over the plane center + a d1 + b d2.

    Parameters
    ----------
    X, Y, layer_sizes, **net
        As in :func:`loss_along_line`.
    center : ndarray of shape (n_parameters,)
    directions : ndarray of shape (2, n_parameters)
        d1 and d2 (from :func:`random_directions` or :func:`path_directions`).
    a, b : ndarray, optional
        The coordinates to evaluate; default 21 points from -1 to 1 each.
    """
    a = np.linspace(-1, 1, 21) if a is None else np.asarray(a, dtype=np.float64)
    b = np.linspace(-1, 1, 21) if b is None else np.asarray(b, dtype=np.float64)
    center, (d1, d2) = np.asarray(center, np.float64), np.asarray(directions, np.float64)
    loss = np.array([[loss_at(center + x * d1 + y * d2, X, Y, layer_sizes, **net) for x in a] for y in b])
    return LossSurface(a, b, loss)


def path_directions(path: np.ndarray, final: np.ndarray | None = None) -> PathPlane:
    """The two principal directions of a training path (rows of ``path``, flat parameters) around ``final``.

    Li et al.'s construction: the matrix of differences theta_i - theta_final, its top two right singular
    vectors (no centring), and each point's coordinates along them. ``final`` defaults to the path's last row.
    """
    path = np.asarray(path, dtype=np.float64)
    final = path[-1] if final is None else np.asarray(final, dtype=np.float64)
    differences = path - final
    _, singular, vt = np.linalg.svd(differences, full_matrices=False)
    directions = vt[:2] if len(vt) >= 2 else np.vstack([vt, np.zeros((2 - len(vt), path.shape[1]))])
    total = float(np.sum(singular**2))
    explained = np.zeros(2)
    explained[: min(2, len(singular))] = singular[:2] ** 2 / total if total > 0 else 0.0
    return PathPlane(directions, differences @ directions.T, explained)


def path_surface(
    X: np.ndarray,
    Y: np.ndarray,
    plane: PathPlane,
    final: np.ndarray,
    layer_sizes: Sequence[int],
    margin: float = 0.25,
    resolution: int = 21,
    **net: Any,
) -> LossSurface:
    """The loss over a path's own plane (:func:`path_directions`), on a grid covering its points with a
    ``margin`` (a share of their span) on every side, ``resolution`` points a side."""
    low, high = plane.coordinates.min(axis=0), plane.coordinates.max(axis=0)
    pad = margin * np.maximum(high - low, 1e-3 * max(1.0, float(np.abs(plane.coordinates).max())))
    a = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    b = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    return loss_surface(X, Y, final, plane.directions, layer_sizes, a, b, **net)
