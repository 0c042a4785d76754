"""The loss's curvature, exactly: Hessian-vector products by Pearlmutter's R-operator, and the sharpness.

The Hessian H here is the derivative of the gradient that :func:`~digitnet.nn.network.backward_pass`
computes, the gradient every optimizer of digitnet steps along, so H is the curvature that decides
whether a step of gradient descent is stable (a quadratic is descended stably only while the rate is
below 2 / lambda_max). It is the Hessian of :func:`~digitnet.nn.network.compute_loss` for every output
and loss (softmax + cross-entropy, logistic units + binary cross-entropy, one-label or multilabel,
exp + half Poisson deviance, identity + half squared error with one output), sample weights and the
L2 term included; with K > 1 regression outputs that gradient is K times the loss's (scikit-learn's
convention, see :func:`~digitnet.nn.network.half_squared_error`), and so is H.

H v is computed exactly (to rounding), with no finite difference, by applying the directional derivative
R{x} = d/dt x(theta + t v) at t = 0 to every line of the forward and backward passes (Pearlmutter 1994),
v = (V[l], c[l]) split as the parameters are (:func:`~digitnet.nn.network.unpack`)::

    forward     R{A[0]} = 0
                R{Z[l]} = R{A[l-1]} @ W[l] + A[l-1] @ V[l] + c[l]
                R{A[l]} = f'(Z[l]) * R{Z[l]}          (the output's Jacobian times R{Z[L]} at l = L)
    backward    R{delta[L]} = R{A[L]} s               (delta[L] = (A[L] - Y) s, s = the sample weights)
                R{dW[l]} = (R{A[l-1]}.T @ delta[l] + A[l-1].T @ R{delta[l]} + alpha V[l]) / S
                R{db[l]} = sum_i R{delta[l]}[i] / S
                R{delta[l-1]} = (R{delta[l]} @ W[l].T + delta[l] @ V[l].T) * f'(Z[l-1])
                                + (delta[l] @ W[l].T) * f''(Z[l-1]) * R{Z[l-1]}

f' and f'' are the activation's, from the registry (:mod:`digitnet.nn.activations`): an activation
registered with a second derivative has exact Hessian-vector products with no other change. One
product costs about two forward and backward passes; what does not depend on v (the forward pass,
the deltas, f' and f'') is computed once per point by :func:`hessian_operator`, which Lanczos
(:func:`sharpness`, through ``scipy.sparse.linalg.eigsh``) then applies many times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import LinearOperator, eigsh

from ._fast import blas_threads
from .activations import DEFAULT_ACTIVATION, Activation, get
from .network import forward_pass, pack, unpack


@dataclass
class _Point:
    """What H v needs at the parameters theta, whatever v is: computed once by :func:`_point`."""

    layer_sizes: list
    weights: list
    inputs: list  # A[0] .. A[L-1]: each layer's input
    output: Activation
    pre_output: np.ndarray  # Z[L]
    probabilities: np.ndarray  # A[L], the outputs
    slopes: list  # f'(Z[l]) of the hidden layers l = 1 .. L-1
    curvatures: list  # f''(Z[l]) of the hidden layers
    deltas: list  # delta[1] .. delta[L]
    back: list  # back[l] = delta[l + 1] @ W[l + 1].T, before f' is applied (l = 1 .. L - 1; back[0] unused)
    sample_weight: np.ndarray | None
    total: float  # S: the sum of the sample weights, or the number of rows
    alpha: float


def _point(X, Y, weights, biases, activation, alpha, out_activation, sample_weight) -> _Point:
    """The forward pass and the first-order backward pass at theta, with f' and f'' of every hidden layer."""
    f, dtype = get(activation), weights[0].dtype
    X = X.astype(dtype) if sparse.issparse(X) else np.asarray(X, dtype=dtype)
    Y = np.asarray(Y, dtype=dtype)
    layers = forward_pass(X, weights, biases, activation, out_activation)
    hidden = range(1, len(weights))
    zs = layers.pre_activations
    slopes = [f.df(z=zs[l - 1], a=layers[l]) for l in hidden]
    curvatures = [f.d2f(z=zs[l - 1], a=layers[l]) for l in hidden]
    delta = layers[-1] - Y
    total = len(Y)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=delta.dtype)
        delta = delta * sample_weight[:, None]
        total = float(np.sum(sample_weight))
    deltas, back = [delta], [None] * len(weights)
    for l in reversed(hidden):  # delta[l] from delta[l + 1]: weights[l] is W[l + 1]
        back[l] = deltas[0] @ weights[l].T
        deltas.insert(0, back[l] * slopes[l - 1])
    sizes = [X.shape[1]] + [W.shape[1] for W in weights]
    return _Point(
        sizes,
        list(weights),
        list(layers[:-1]),
        get(out_activation),
        zs[-1],
        layers[-1],
        slopes,
        curvatures,
        deltas,
        back,
        sample_weight,
        total,
        alpha,
    )


def _product(point: _Point, v) -> np.ndarray:
    """H v at ``point``: the R-operator's forward pass, then its backward pass (the module's formulas)."""
    v = np.asarray(v, dtype=point.probabilities.dtype)
    n = sum(a * b + b for a, b in zip(point.layer_sizes[:-1], point.layer_sizes[1:]))
    if v.shape != (n,):
        raise ValueError(f"v must be a flat vector of the network's {n} parameters (pack's order), got shape {v.shape}")
    V, c = unpack(v, point.layer_sizes)
    n_layers = len(V)
    r_inputs, r_pre = [None], []  # R{A[0]} = 0: the data do not move (X may be sparse)
    for l in range(n_layers):  # R{Z[l+1]}, R{A[l+1]}
        r_z = point.inputs[l] @ V[l] + c[l]
        if l > 0:
            r_z += r_inputs[l] @ point.weights[l]
        r_pre.append(r_z)
        if l < n_layers - 1:
            r_inputs.append(point.slopes[l] * r_z)
    # (softmax's Jacobian is built with a float64 identity: back to the weights' dtype)
    r_delta = point.output.jvp(r_pre[-1], z=point.pre_output, a=point.probabilities).astype(r_pre[-1].dtype, copy=False)
    if point.sample_weight is not None:
        r_delta = r_delta * point.sample_weight[:, None]
    r_weights, r_biases = [None] * n_layers, [None] * n_layers
    for l in reversed(range(n_layers)):
        r_weights[l] = point.inputs[l].T @ r_delta + point.alpha * V[l]
        if l > 0:
            r_weights[l] += r_inputs[l].T @ point.deltas[l]
        r_weights[l] /= point.total
        r_biases[l] = r_delta.sum(axis=0) / point.total
        if l > 0:
            r_back = r_delta @ point.weights[l].T + point.deltas[l] @ V[l].T
            r_delta = r_back * point.slopes[l - 1] + point.back[l] * point.curvatures[l - 1] * r_pre[l - 1]
    return pack(r_weights, r_biases)


def hessian_operator(
    X: np.ndarray | sparse.spmatrix,
    Y: np.ndarray,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    activation: str | Activation = DEFAULT_ACTIVATION,
    alpha: float = 0.0,
    out_activation: str = "softmax",
    sample_weight: np.ndarray | None = None,
) -> LinearOperator:
    """The Hessian of the loss at these parameters as a symmetric ``scipy.sparse.linalg.LinearOperator``.

    ``op @ v`` (or ``op.matvec(v)``) is :func:`hessian_vector_product` at these parameters; the forward
    pass and the deltas are computed once, here, and reused by every product. The arrays are read,
    never changed (the operator keeps references: change the weights and it goes stale).

    Parameters
    ----------
    X, Y, weights, biases, activation, alpha, out_activation, sample_weight
        As in :func:`hessian_vector_product`.

    Returns
    -------
    LinearOperator of shape (n_parameters, n_parameters), in the weights' dtype.
    """
    point = _point(X, Y, weights, biases, activation, alpha, out_activation, sample_weight)
    n = sum(W.size for W in weights) + sum(b.size for b in biases)

    def product(v):
        return _product(point, np.ravel(v))

    return LinearOperator((n, n), matvec=product, rmatvec=product, dtype=weights[0].dtype)  # symmetric: H' = H


def hessian_vector_product(
    X: np.ndarray | sparse.spmatrix,
    Y: np.ndarray,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    v: np.ndarray,
    activation: str | Activation = DEFAULT_ACTIVATION,
    alpha: float = 0.0,
    out_activation: str = "softmax",
    sample_weight: np.ndarray | None = None,
) -> np.ndarray:
    """H v, the Hessian of the loss at (weights, biases) times a direction v, exactly (Pearlmutter's R-operator).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        The targets as :func:`~digitnet.nn.network.compute_loss` takes them: one-hot (softmax), 0/1
        indicators (logistic units, multilabel too), values (identity, exp).
    weights, biases : lists of ndarray
        The parameters, see :func:`~digitnet.nn.network.unpack`.
    v : ndarray of shape (n_parameters,)
        The direction, flat in :func:`~digitnet.nn.network.pack`'s order (all weights, then all biases).
    activation : str
        Hidden activation, a name in the registry; it needs a second derivative.
    alpha : float
        L2 penalty strength (adds alpha / S to H's weight diagonal).
    out_activation : {"softmax", "logistic", "identity", "exp"}
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    ndarray of shape (n_parameters,)
        H v, flat in ``pack``'s order, in the weights' dtype.
    """
    return _product(_point(X, Y, weights, biases, activation, alpha, out_activation, sample_weight), v)


def _finite(product):
    """A product that Lanczos may use; one that overflowed stops it with a ValueError (before LAPACK sees an inf)."""
    if not np.isfinite(product).all():
        raise ValueError("the Hessian-vector products are not finite at these weights (training diverged?)")
    return product


def sharpness(
    X: np.ndarray | sparse.spmatrix,
    Y: np.ndarray,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    activation: str | Activation = DEFAULT_ACTIVATION,
    alpha: float = 0.0,
    k: int = 1,
    out_activation: str = "softmax",
    sample_weight: np.ndarray | None = None,
    tol: float = 0.0,
    seed: int = 0,
) -> np.ndarray:
    """The k largest eigenvalues of the loss's Hessian, largest first, by Lanczos on exact products.

    ``scipy.sparse.linalg.eigsh`` (ARPACK's implicitly restarted Lanczos, ``which="LA"``) applied to
    :func:`hessian_operator`, in float64 whatever the weights' dtype; its starting vector is drawn from
    ``numpy.random.default_rng(seed)``, so a call is reproducible. The first value is the *sharpness*
    lambda_max: gradient descent at rate eta is stable on the local quadratic only while eta < 2 / lambda_max.

    Parameters
    ----------
    X, Y, weights, biases, activation, alpha, out_activation, sample_weight
        As in :func:`hessian_vector_product`.
    k : int
        How many eigenvalues, 1 <= k < n_parameters.
    tol : float
        Relative accuracy of the eigenvalues; 0 (the default) is machine precision.
    seed : int
        Seed of Lanczos's starting vector.

    Returns
    -------
    ndarray of shape (k,), decreasing.

    Raises
    ------
    ValueError
        For k out of range, weights that are not all finite, or products that overflow (far out where training
        diverged).
    """
    n = sum(W.size for W in weights) + sum(b.size for b in biases)
    if not 1 <= k < n:
        raise ValueError(f"k must be from 1 to n_parameters - 1 = {n - 1}, got {k}")
    if not all(np.isfinite(a).all() for a in (*weights, *biases)):
        raise ValueError("the weights are not all finite: the loss has no Hessian there (training diverged?)")
    as64 = [[np.asarray(a, dtype=np.float64) for a in part] for part in (weights, biases)]
    sw = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    start = np.random.default_rng(seed).standard_normal(n)
    sizes = [X.shape[1]] + [W.shape[1] for W in weights]
    with blas_threads(X.shape[0], sizes):  # small products: one BLAS thread is many times faster on a busy machine
        operator = hessian_operator(X, Y, *as64, activation, alpha, out_activation, sw)
        values = eigsh(
            LinearOperator(operator.shape, matvec=lambda v: _finite(operator.matvec(v)), dtype=np.float64),
            k=k,
            which="LA",
            v0=start,
            tol=tol,
            return_eigenvectors=False,
        )
    return np.sort(values)[::-1]
