"""Activation functions as objects, each with its first and second derivatives, in one registry.

An :class:`Activation` holds f, f' and f'' as plain NumPy formulas (what the readable path
:mod:`digitnet.nn.network` calls), says which array its derivatives read (``needs``: the
pre-activation ``"z"``, or the output ``"a"`` = f(z) where f' is a function of f, as for the sigmoid),
and may carry in-place versions for the speed path :mod:`digitnet.nn._fast`. One registry maps
names to objects; every part of digitnet reads it (the network, the fast path, the estimators'
parameter check, the gradient check, the command line, the studies, the tests)::

    from digitnet.nn import activations
    activations.get("tanh").df(a=A)          # f'(z) = 1 - a^2, read from the output
    activations.register(Activation("softplus", f, df, d2f))   # a user's own: f, f', f'' of z

The functions below (``sigmoid``, ``sigmoid_derivative``, ...) are the original project's vocabulary
and the speed path's implementations: forward functions take ``out=`` (which may be ``Z`` itself),
derivatives ``f_derivative(A, delta=None)`` compute f' *from the output* and, given ``delta``,
multiply it into ``delta`` in place (delta ⊙ f'(z), as backpropagation needs). They give the same
numbers as the formulas to within a unit in the last place, written for speed and to never overflow.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, ndtr

#: Slope of leaky_relu below zero, and alpha of elu.
LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0


# ---------------------------------------------------------------- the speed path's functions (original names)


def identity(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """f(z) = z."""
    if out is None:
        return Z.copy()
    if out is not Z:
        out[...] = Z
    return out


def identity_derivative(A: np.ndarray, delta: np.ndarray | None = None) -> np.ndarray:
    """f'(z) = 1."""
    return np.ones_like(A) if delta is None else delta


def sigmoid(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
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


def sigmoid_derivative(A: np.ndarray, delta: np.ndarray | None = None) -> np.ndarray:
    """f'(z) = a (1 - a), with a = sigmoid(z)."""
    if delta is None:
        return A * (1 - A)
    delta *= A
    delta *= 1 - A
    return delta


def tanh(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """f(z) = tanh(z) = (e^z - e^-z) / (e^z + e^-z)."""
    return np.tanh(Z, out=out)


def tanh_derivative(A: np.ndarray, delta: np.ndarray | None = None) -> np.ndarray:
    """f'(z) = 1 - a^2, with a = tanh(z)."""
    if delta is None:
        return 1 - A**2
    delta *= 1 - A**2
    return delta


def relu(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """f(z) = max(0, z)."""
    return np.maximum(Z, 0, out=out)


def relu_derivative(A: np.ndarray, delta: np.ndarray | None = None) -> np.ndarray:
    """f'(z) = 1 if a > 0 else 0, with a = relu(z) (the subgradient 0 is used at z = 0)."""
    if delta is None:
        return (A > 0).astype(A.dtype)
    delta *= A > 0
    return delta


def leaky_relu(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """f(z) = z if z > 0 else 0.01 z  (= max(z, 0.01 z) because the slope is below 1)."""
    return np.maximum(Z, LEAKY_SLOPE * Z, out=out)


def leaky_relu_derivative(A: np.ndarray, delta: np.ndarray | None = None) -> np.ndarray:
    """f'(z) = 1 if a > 0 else 0.01, with a = leaky_relu(z): max(sign(a), 0.01), the same numbers as a ``where``."""
    slope = np.sign(A)
    np.maximum(slope, LEAKY_SLOPE, out=slope)
    if delta is None:
        return slope
    delta *= slope
    return delta


def elu(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """f(z) = z if z > 0 else alpha (e^z - 1), alpha = 1."""
    negative = np.expm1(np.minimum(Z, 0))  # 0 where z > 0; min() keeps e^z from overflowing
    negative *= ELU_ALPHA
    out = np.maximum(Z, 0, out=out)
    out += negative
    return out


def elu_derivative(A: np.ndarray, delta: np.ndarray | None = None) -> np.ndarray:
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


def softmax(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
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


def exp(Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """f(z) = e^z, the output of Poisson regression (a positive mean); for the output layer only.

    A large z gives inf, silently: the loss is then infinite and training reports divergence.
    """
    with np.errstate(over="ignore"):
        return np.exp(Z, out=out)


def log_softmax(Z: np.ndarray) -> np.ndarray:
    """log softmax(z)_k = z_k - max z - log sum_j exp(z_j - max z), without overflow or log(0)."""
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def log_sigmoid(Z: np.ndarray) -> np.ndarray:
    """log sigmoid(z) = -log(1 + e^-z), via logaddexp so that no input overflows."""
    return -np.logaddexp(0, -Z)


# ---------------------------------------------------------------- the activation object


@dataclass(frozen=True, eq=False)
class Activation:
    """An activation function f with f' and f'', from whichever of z and a = f(z) they need.

    A pair of NumPy functions of z, ``Activation(name, f, df)``, is an activation as it stands (its
    derivatives read z); give ``d2f`` too for the second-order tools (Hessian-vector products).

    Parameters
    ----------
    name : str
        The name the estimators' ``activation=`` and the registry use.
    function : callable
        f(z): ndarray of any shape to ndarray of the same shape (element by element), the formula.
    derivative : callable
        f'(z), as a function of ``z`` or of ``a`` (see ``needs``).
    second_derivative : callable or None
        f''(z), likewise; None if unknown (first-order training and the gradient check need no f'').
    needs : {"z", "a"}
        What ``derivative`` and ``second_derivative`` read: the pre-activation z (a user's pair), or
        the output a = f(z) when f' is a function of f (sigmoid: a (1 - a)). The backward pass keeps
        that array of every hidden layer; the speed path keeps a buffer of Z only for ``"z"``.
    hidden : bool
        Usable in hidden layers; False for the output-only ``softmax`` and ``exp``.
    elementwise : bool
        f acts on each number alone (so f' and f'' are arrays of z's shape). False for softmax, whose
        ``derivative`` is the Jacobian of each row, shape (n, K, K), and ``second_derivative`` its
        derivative, shape (n, K, K, K), ``[i, j, k, m] = d^2 a_ij / dz_ik dz_im``.
    forward_into : callable or None
        The speed path's f: ``forward_into(Z, out=None)``, writing into ``out`` (which may be ``Z``
        when ``needs == "a"``); None: ``function`` and a copy.
    scale_delta : callable or None
        The speed path's f': ``scale_delta(kept, delta=None)``, multiplying ``delta`` by f' in place
        (``kept`` is what ``needs`` names); None: ``delta *= derivative(kept)``.
    """

    name: str
    function: Callable
    derivative: Callable
    second_derivative: Callable | None = None
    needs: str = "z"
    hidden: bool = True
    elementwise: bool = True
    forward_into: Callable | None = None
    scale_delta: Callable | None = None

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """f(z), the formula."""
        return self.function(z)

    def _read(self, z, a):
        kept = z if self.needs == "z" else a
        if kept is None:
            raise ValueError(
                f"the derivatives of activation {self.name!r} read {self.needs}"
                f" ({'the pre-activation Z' if self.needs == 'z' else 'the output A = f(Z)'}): pass it"
            )
        return kept

    def df(self, z: np.ndarray | None = None, a: np.ndarray | None = None) -> np.ndarray:
        """f'(z), given z or a = f(z) (only the one ``needs`` names is read)."""
        return self.derivative(self._read(z, a))

    def d2f(self, z: np.ndarray | None = None, a: np.ndarray | None = None) -> np.ndarray:
        """f''(z), given z or a = f(z) (only the one ``needs`` names is read)."""
        if self.second_derivative is None:
            raise ValueError(f"activation {self.name!r} has no second derivative: register it with one")
        return self.second_derivative(self._read(z, a))

    def jvp(self, v: np.ndarray, z: np.ndarray | None = None, a: np.ndarray | None = None) -> np.ndarray:
        """f'(z) applied to a direction ``v`` of z's shape: f'(z) ⊙ v, or each row's Jacobian times v (softmax)."""
        slope = self.df(z, a)
        return slope * v if self.elementwise else np.einsum("ijk,ik->ij", slope, v)

    def apply(self, Z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The speed path's f(Z), into ``out`` if given (the original vocabulary: ``sigmoid(Z, out=Z)``)."""
        if self.forward_into is not None:
            return self.forward_into(Z, out=out)
        values = self.function(Z)
        if out is None:
            return values
        out[...] = values
        return out

    def apply_derivative(self, kept: np.ndarray, delta: np.ndarray | None = None) -> np.ndarray:
        """The speed path's f': ``delta ⊙ f'`` in place (or f' if ``delta`` is None), ``kept`` as ``needs`` says."""
        if self.scale_delta is not None:
            return self.scale_delta(kept, delta)
        slope = self.derivative(kept)
        if delta is None:
            return slope
        delta *= slope
        return delta


# ---------------------------------------------------------------- the built-in activations, as formulas


def _logistic(z):
    with np.errstate(over="ignore"):  # e^-z = inf for z < -709, and 1 / inf = 0 is the right limit
        return 1 / (1 + np.exp(-z))


def _elu(z):
    # alpha (e^z - 1) by expm1 (exact near 0); the minimum keeps e^z finite in the branch not taken
    return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0)))


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))  # shifting by the row maximum keeps e^z <= 1
    return e / e.sum(axis=1, keepdims=True)


def _softmax_jacobian(a):
    """d a_j / d z_k = a_j (delta_jk - a_k), for each row: shape (n, K, K)."""
    return a[:, :, None] * (np.eye(a.shape[1]) - a[:, None, :])


def _softmax_second(a):
    """d^2 a_j / dz_k dz_m = J_jm (delta_jk - a_k) - a_j J_km, for each row: shape (n, K, K, K)."""
    J = _softmax_jacobian(a)
    return J[:, :, None, :] * (np.eye(a.shape[1]) - a[:, None, :])[:, :, :, None] - a[:, :, None, None] * J[:, None]


def _exp(z):
    with np.errstate(over="ignore"):  # a large z gives inf: the loss is then infinite, and training diverged
        return np.exp(z)


_SQRT_2PI = math.sqrt(2 * math.pi)  # a Python float: float32 stays float32


def _normal_density(z):
    """phi(z) = exp(-z^2 / 2) / sqrt(2 pi), the standard normal density."""
    return np.exp(-0.5 * z * z) / _SQRT_2PI


def _gelu(z):
    """GELU, the exact form: f(z) = z Phi(z) = z (1 + erf(z / sqrt 2)) / 2 (Phi by ``ndtr``, exact for z << 0 too)."""
    return z * ndtr(z)


def _gelu_derivative(z):
    """f'(z) = Phi(z) + z phi(z)."""
    return ndtr(z) + z * _normal_density(z)


def _gelu_second(z):
    """f''(z) = 2 phi(z) + z phi'(z) = phi(z) (2 - z^2)."""
    return _normal_density(z) * (2 - z * z)


def _logistic(z):
    """sigmoid(z) = 1 / (1 + e^-z): scipy's ``expit`` for a real z (it never overflows), the formula itself for a
    complex one (a complex step through the network, as the exact-Hessian tests take)."""
    return 1 / (1 + np.exp(-z)) if np.iscomplexobj(z) else expit(z)


def _silu(z):
    """SiLU (swish): f(z) = z sigmoid(z)."""
    return z * _logistic(z)


def _silu_derivative(z):
    """f'(z) = s + z s (1 - s) = s (1 + z (1 - s)), with s = sigmoid(z)."""
    s = _logistic(z)
    return s * (1 + z * (1 - s))


def _silu_second(z):
    """f''(z) = s (1 - s) (2 + z (1 - 2 s)), with s = sigmoid(z)."""
    s = _logistic(z)
    return s * (1 - s) * (2 + z * (1 - 2 * s))


def _ones(a):
    return np.ones_like(a)


def _zeros(a):
    return np.zeros_like(a)


def _as(a, values):
    return np.asarray(values, dtype=a.dtype)


_BUILT_IN = (
    Activation("identity", lambda z: z, _ones, _zeros, "a", forward_into=identity, scale_delta=identity_derivative),
    Activation(
        "logistic",
        _logistic,
        lambda a: a * (1 - a),
        lambda a: a * (1 - a) * (1 - 2 * a),
        "a",
        forward_into=sigmoid,
        scale_delta=sigmoid_derivative,
    ),
    Activation(
        "tanh",
        np.tanh,
        lambda a: 1 - a**2,
        lambda a: -2 * a * (1 - a**2),
        "a",
        forward_into=tanh,
        scale_delta=tanh_derivative,
    ),
    Activation(
        "relu",
        lambda z: np.maximum(z, 0),
        lambda a: _as(a, a > 0),
        _zeros,
        "a",
        forward_into=relu,
        scale_delta=relu_derivative,
    ),
    Activation(
        "leaky_relu",
        lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
        lambda a: _as(a, np.where(a > 0, 1, LEAKY_SLOPE)),
        _zeros,
        "a",
        forward_into=leaky_relu,
        scale_delta=leaky_relu_derivative,
    ),
    Activation(
        "elu",
        _elu,
        lambda a: np.where(a > 0, 1, a + ELU_ALPHA),
        lambda a: np.where(a > 0, 0, a + ELU_ALPHA),
        "a",
        forward_into=elu,
        scale_delta=elu_derivative,
    ),
    # derivatives of z (their f' is no function of f alone): the fast path keeps Z for them
    Activation("gelu", _gelu, _gelu_derivative, _gelu_second, "z"),
    Activation("silu", _silu, _silu_derivative, _silu_second, "z"),
    Activation(
        "softmax",
        _softmax,
        _softmax_jacobian,
        _softmax_second,
        "a",
        hidden=False,
        elementwise=False,
        forward_into=softmax,
    ),
    Activation("exp", _exp, lambda a: a, lambda a: a, "a", hidden=False, forward_into=exp),
)

# ---------------------------------------------------------------- the registry

_REGISTRY: dict[str, Activation] = {a.name: a for a in _BUILT_IN}
#: The activations digitnet ships; :func:`unregister` refuses them.
BUILT_IN = tuple(_REGISTRY)


def get(name: str | Activation) -> Activation:
    """The registered activation called ``name`` (a ValueError naming those there are, if none is); an
    :class:`Activation` object is its own answer (a user's own, given to an estimator without registering it)."""
    if isinstance(name, Activation):
        return name
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown activation {name!r}: the registered ones are {', '.join(_REGISTRY)}"
            " (a new one is added with digitnet.nn.activations.register)"
        ) from None


def register(activation: Activation, *, replace: bool = False) -> Activation:
    """Add ``activation`` to the registry, under its name: the estimators then take ``activation=<its name>``.

    Its functions are tried once on a few numbers, so that one that does not keep z's shape is refused
    here rather than in the middle of a fit. ``replace=True`` swaps a user's activation for another of
    the same name; the built-in ones cannot be replaced.
    """
    if not isinstance(activation, Activation):
        raise TypeError(f"register takes an Activation, got {type(activation).__name__}")
    name = check(activation).name
    if name in BUILT_IN or (name in _REGISTRY and not replace):
        raise ValueError(
            f"activation {name!r} is already registered"
            + ("" if name in BUILT_IN else "; pass replace=True to replace it")
        )
    _REGISTRY[name] = activation
    return activation


def check(activation: Activation) -> Activation:
    """``activation`` itself, once its name, ``needs`` and shapes are right (its functions tried on a few numbers,
    so that one that does not keep z's shape is refused here rather than in the middle of a fit)."""
    name = activation.name
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"an activation's name is a word of letters, digits and _, got {name!r}")
    if activation.needs not in ("z", "a"):
        raise ValueError(f"needs must be 'z' or 'a', got {activation.needs!r}")
    if activation.hidden and not activation.elementwise:
        raise ValueError("a hidden activation acts element by element (elementwise=True)")
    z = np.linspace(-3.0, 3.0, 12).reshape(3, 4)
    a = activation.function(z)
    for what, values in (
        ("f", a),
        ("f'", activation.df(z, a)),
        ("f''", None if activation.second_derivative is None else activation.d2f(z, a)),
    ):
        if values is not None and np.shape(values) != z.shape and activation.elementwise:
            raise ValueError(
                f"{what} of activation {name!r} turns an array of shape {z.shape} into shape"
                f" {np.shape(values)}: it must act element by element"
            )
    return activation


def from_spec(spec: str | Activation | Sequence[Callable[[np.ndarray], np.ndarray]]) -> Activation | str:
    """What an estimator's ``activation=`` names: a registered name (returned as it is), an :class:`Activation` (its
    name, if it is the one registered under it; else the object), or a user's own as a pair ``(f, df)`` or triple
    ``(f, df, d2f)`` of NumPy functions of z (made an ``Activation`` named after ``f``, its derivatives reading z).
    Objects and pairs are checked as :func:`register` checks; a ValueError says what is wrong."""
    if isinstance(spec, str):
        get(spec)
        return spec
    if isinstance(spec, Activation):
        if not spec.hidden:
            raise ValueError(f"activation {spec.name!r} is for the output layer only (hidden=False)")
        if _REGISTRY.get(spec.name) is spec:  # a registered one is its name (Glorot's range for logistic, files)
            return spec.name
        return check(spec)
    if isinstance(spec, tuple) and len(spec) in (2, 3) and all(callable(f) for f in spec):
        name = getattr(spec[0], "__name__", "")
        return check(Activation(name if name.isidentifier() else "user_activation", *spec))
    raise ValueError(
        f"activation must be a registered name ({', '.join(hidden_names())}), an Activation, or a pair"
        f" (f, df) or triple (f, df, d2f) of functions of z; got {spec!r}"
    )


def unregister(name: str) -> None:
    """Remove a user's activation from the registry (the built-in ones stay)."""
    if name in BUILT_IN:
        raise ValueError(f"activation {name!r} is built in and cannot be removed")
    get(name)
    del _REGISTRY[name]


def hidden_names() -> tuple:
    """The names of the hidden activations registered now, built-in ones first."""
    return tuple(name for name, a in _REGISTRY.items() if a.hidden)


class _Names(Sequence):
    """The registered hidden activations' names, read afresh on every use (a tuple would miss a user's own)."""

    def __getitem__(self, index):
        return hidden_names()[index]

    def __len__(self):
        return len(hidden_names())

    def __eq__(self, other):
        return tuple(self) == (tuple(other) if isinstance(other, (tuple, list, _Names)) else other)

    def __repr__(self):
        return repr(hidden_names())


class _View(Mapping):
    """A read-only view of the registry: each activation's function ``pick(activation)``, for the names ``keep``s."""

    def __init__(self, keep, pick):
        self._keep, self._pick = keep, pick

    def __getitem__(self, name):
        activation = _REGISTRY.get(name) if isinstance(name, str) else None
        if activation is None or not self._keep(activation):
            raise KeyError(name)
        return self._pick(activation)

    def __iter__(self):
        return (name for name, a in _REGISTRY.items() if self._keep(a))

    def __len__(self):
        return sum(1 for _ in self)


#: Names of the hidden activations (a live view of the registry: a registered one appears in it).
HIDDEN_ACTIVATIONS = _Names()
#: The speed path's forward function of every activation, by name (``f(Z, out=None)``); ``softmax`` and ``exp`` are
#: for the output layer only. A live view of the registry, as the original project's dict was named.
ACTIVATIONS = _View(lambda a: True, lambda a: a.apply)
#: The speed path's derivative of every hidden activation, by name (``f_derivative(kept, delta=None)``, applied in
#: place; ``kept`` is the output A for the built-in ones, see :attr:`Activation.needs`). A live view of the registry.
DERIVATIVES = _View(lambda a: a.hidden, lambda a: a.apply_derivative)
#: Output activations of classifiers; the others (identity, exp) are regression outputs, scored by R² rather
#: than accuracy.
CLASSIFYING_OUTPUTS = ("softmax", "logistic")
#: The hidden activation used when none is named (scikit-learn's default too).
DEFAULT_ACTIVATION = "relu"
