"""Activation functions, each next to its derivative.

Every hidden activation ``f`` comes with ``f_derivative(A, delta=None)``, which computes f'(z)
*from the activation's output* a = f(z), so the backward pass never recomputes a forward value,
and, given ``delta``, multiplies it into ``delta`` in place (as backpropagation needs:
delta ⊙ f'(z)). Forward functions take ``out=`` so that a caller may reuse a buffer (``out`` may
be ``Z`` itself).

:data:`ACTIVATIONS` and :data:`DERIVATIVES` map the names scikit-learn uses to the functions.
"""

from __future__ import annotations

import numpy as np

#: Slope of leaky_relu below zero, and alpha of elu.
LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0


def identity(Z, out=None):
    """f(z) = z."""
    if out is None:
        return Z.copy()
    if out is not Z:
        out[...] = Z
    return out


def identity_derivative(A, delta=None):
    """f'(z) = 1."""
    return np.ones_like(A) if delta is None else delta


def sigmoid(Z, out=None):
    """f(z) = 1 / (1 + exp(-z)), evaluated as e / (1 + e) with e = exp(-|z|) for z < 0.

    ``exp`` only ever sees -|z| <= 0, so no input overflows. The numerator, 1 for z >= 0 and e
    for z < 0, is max(e, [z >= 0]) since 0 <= e <= 1: the same numbers as a ``where``, in one
    pass fewer (this is a logistic network's hottest line).
    """
    positive = Z >= 0  # before Z is overwritten, when out is Z
    E = np.abs(Z, out=out)
    np.negative(E, out=E)
    np.exp(E, out=E)
    numerator = np.maximum(E, positive)
    E += 1
    return np.divide(numerator, E, out=E)


def sigmoid_derivative(A, delta=None):
    """f'(z) = a (1 - a), with a = sigmoid(z)."""
    if delta is None:
        return A * (1 - A)
    delta *= A
    delta *= 1 - A
    return delta


def tanh(Z, out=None):
    """f(z) = tanh(z) = (e^z - e^-z) / (e^z + e^-z)."""
    return np.tanh(Z, out=out)


def tanh_derivative(A, delta=None):
    """f'(z) = 1 - a^2, with a = tanh(z)."""
    if delta is None:
        return 1 - A**2
    delta *= 1 - A**2
    return delta


def relu(Z, out=None):
    """f(z) = max(0, z)."""
    return np.maximum(Z, 0, out=out)


def relu_derivative(A, delta=None):
    """f'(z) = 1 if a > 0 else 0, with a = relu(z) (the subgradient 0 is used at z = 0)."""
    if delta is None:
        return (A > 0).astype(A.dtype)
    delta *= A > 0
    return delta


def leaky_relu(Z, out=None):
    """f(z) = z if z > 0 else 0.01 z  (= max(z, 0.01 z) because the slope is below 1)."""
    return np.maximum(Z, LEAKY_SLOPE * Z, out=out)


def leaky_relu_derivative(A, delta=None):
    """f'(z) = 1 if a > 0 else 0.01, with a = leaky_relu(z): max(sign(a), 0.01), the same numbers as a ``where``."""
    slope = np.sign(A)
    np.maximum(slope, LEAKY_SLOPE, out=slope)
    if delta is None:
        return slope
    delta *= slope
    return delta


def elu(Z, out=None):
    """f(z) = z if z > 0 else alpha (e^z - 1), alpha = 1."""
    negative = np.expm1(np.minimum(Z, 0))  # 0 where z > 0; min() keeps e^z from overflowing
    negative *= ELU_ALPHA
    out = np.maximum(Z, 0, out=out)
    out += negative
    return out


def elu_derivative(A, delta=None):
    """f'(z) = 1 if a > 0 else a + alpha, with a = elu(z) (since alpha e^z = a + alpha).

    With alpha = 1 that is min(a + 1, 1) (a > 0 gives a + 1 >= 1, a <= 0 gives a + 1 <= 1): the same
    numbers as a ``where``.
    """
    slope = A + ELU_ALPHA
    np.minimum(slope, 1, out=slope)
    if delta is None:
        return slope
    delta *= slope
    return delta


def softmax(Z, out=None):
    """softmax(z)_k = exp(z_k - max z) / sum_j exp(z_j - max z), row by row.

    Subtracting the row maximum changes nothing mathematically and keeps exp() <= 1.
    """
    # The row maximum is read from a column-major copy: NumPy reduces across a row of a few columns
    # one row at a time, which costs ~5x more than the copy (the maximum itself is exact either way).
    row_max = np.ascontiguousarray(Z.T).max(axis=0).reshape(-1, 1)
    out = np.subtract(Z, row_max, out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=1, keepdims=True)
    return out


def exp(Z, out=None):
    """f(z) = e^z, the output of Poisson regression (a positive mean); for the output layer only.

    A large z gives inf, silently: the loss is then infinite and training reports divergence.
    """
    with np.errstate(over="ignore"):
        return np.exp(Z, out=out)


def log_softmax(Z):
    """log softmax(z)_k = z_k - max z - log sum_j exp(z_j - max z), without overflow or log(0)."""
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def log_sigmoid(Z):
    """log sigmoid(z) = -log(1 + e^-z), via logaddexp so that no input overflows."""
    return -np.logaddexp(0, -Z)


#: Forward functions by name; ``softmax`` and ``exp`` are for the output layer only.
ACTIVATIONS = {
    "identity": identity,
    "logistic": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "softmax": softmax,
    "exp": exp,
}

#: Derivatives (from the output, applied in place) of the hidden activations.
DERIVATIVES = {
    "identity": identity_derivative,
    "logistic": sigmoid_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
    "leaky_relu": leaky_relu_derivative,
    "elu": elu_derivative,
}

HIDDEN_ACTIVATIONS = tuple(DERIVATIVES)
#: Output activations of classifiers; the others (identity, exp) are regression outputs, scored by R² rather
#: than accuracy.
CLASSIFYING_OUTPUTS = ("softmax", "logistic")
#: The hidden activation used when none is named (scikit-learn's default too).
DEFAULT_ACTIVATION = "relu"
