"""The compiled fast path: a training step's elementwise work fused into a few numba kernels (:mod:`._kernels`).

A mini-batch step of :func:`digitnet.nn._fast.train_epoch` is five matrix products and some thirty NumPy
calls around them (bias adds, the activation and its derivative, softmax, the bias sums, the L2 term, the
optimizer), each a pass over its array and a few microseconds of call overhead. Here NumPy's ``exp`` (and
``tanh``, the sigmoid) stay NumPy's, and the rest is a few kernels a step (:class:`Steps`):

- ``bias_relu``: the bias add and relu of a hidden layer (other hidden activations: NumPy's, as before);
- ``bias_softmax_shift`` then NumPy's ``exp``, then ``output_delta``: the softmax's normalisation, ``P - Y`` and
  the output bias gradient, in one pass;
- ``hidden_delta``: f'(z) into the backpropagated delta and the layer's bias gradient, in one pass;
- ``adam_step`` / ``sgd_step``: the L2 term, the division by the batch's size and the optimizer's update.

On dense rows with relu (or identity) hidden layers, at least two units wide, a step is two kernel calls around
NumPy's ``exp`` (``dense_forward``, ``dense_backward``) and the optimizer's: their matrix products are numba's
``np.dot``, which calls SciPy's build of the same BLAS as NumPy's; they are used only where they give NumPy's
products bit for bit, which :func:`blas_agrees` tries once per shape and process (elsewhere NumPy's products,
between the kernels above). The epoch's loss sums and its accuracy count are kernels too, and so are
prediction's and the validation rows' relu and softmax (:func:`forward`).

Every kernel does NumPy's operations in NumPy's order and precision, so the compiled path's numbers are
NumPy's path's to the bit (``tests/nn/test_compiled.py``; ``benchmarks/same_numbers.py``).

Which fits take it (:func:`plan`): dense or sparse float32 / float64 rows, the hidden activations ``identity``,
``relu``, ``tanh``, ``logistic``, ``leaky_relu``, ``elu`` (by name), any output (softmax, logistic, identity,
exp), any solver (sgd and adam fused with their update; adamw, rmsprop, nadam and the schedules that wrap an
optimizer take the fused L2 term, then their own NumPy step), sample weights, label smoothing, callbacks and
tracking. NumPy's path trains the rest: dropout, ``gelu``, ``silu``, a user's own activation; lbfgs (whose
forward pass takes the kernels); and every fit when numba is not installed or the environment variable
``DIGITNET_COMPILED=0`` turns the compiled path off (read when a fit starts).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any  # Any: a _fast.Workspace (importing _fast here would make an import cycle)

import numpy as np

from .activations import Activation, get
from .optimizers import SGD, Adam, Optimizer

if TYPE_CHECKING:
    from numpy.typing import DTypeLike
    from scipy import sparse

#: The environment variable that turns the compiled path off: ``DIGITNET_COMPILED=0`` (also ``off``, ``false``, ``no``).
ENVIRONMENT = "DIGITNET_COMPILED"
_OFF = ("0", "off", "false", "no")

#: The hidden activations the kernels know, by name (their codes in :mod:`._kernels`).
HIDDEN_CODES = {"identity": 0, "relu": 1, "tanh": 2, "logistic": 3, "leaky_relu": 4, "elu": 5}


def enabled() -> bool:
    """Whether the environment lets fits take the compiled path (``DIGITNET_COMPILED`` unset, or not 0/off/false/no)."""
    return os.environ.get(ENVIRONMENT, "1").strip().lower() not in _OFF


@functools.cache
def _load():
    try:  # numba is imported here, at the first fit that can use it, not when digitnet is imported
        from . import _kernels
    except ImportError:  # numba missing (or unable to load with this NumPy): NumPy's path
        return None
    return _kernels


def kernels() -> ModuleType | None:
    """The kernels module, or None where the compiled path is off or numba cannot be imported."""
    return _load() if enabled() else None


def status() -> str:
    """What trains a fit here, in words (for the benchmarks' headers and the README's check)."""
    if not enabled():
        return f"NumPy (the compiled path is off: {ENVIRONMENT}={os.environ[ENVIRONMENT]})"
    if _load() is None:
        return "NumPy (numba is not installed)"
    import numba

    return f"compiled (numba {numba.__version__})"


@dataclass(frozen=True)
class Plan:
    """How a fit's steps run on the kernels: the kernels, the hidden activation's code (None: NumPy's f and f'),
    whether the output is a softmax, and which optimizer update is fused (``"adam"``, ``"sgd"``, or None: the
    optimizer's own step after the fused L2 term)."""

    kernels: ModuleType
    hidden: int
    softmax: bool
    optimizer: str | None


def plan(
    activation: str | Activation,
    out_activation: str,
    dtype: DTypeLike,
    dropout: Sequence[float] | None,
    optimizer: Optimizer,
) -> Plan | None:
    """The :class:`Plan` of a fit, or None when NumPy's path trains it (see the module's docstring for which)."""
    if dropout is not None or np.dtype(dtype) not in (np.float32, np.float64):
        return None
    if not isinstance(activation, str) or activation not in HIDDEN_CODES or get(activation).name != activation:
        return None
    found = kernels()
    if found is None:
        return None
    fused = "adam" if type(optimizer) is Adam else "sgd" if type(optimizer) is SGD else None
    if fused is not None and optimizer.params.dtype != np.dtype(dtype):
        fused = None
    return Plan(found, HIDDEN_CODES[activation], out_activation == "softmax", fused)


def _product(A, B, out):
    """``A @ B`` into ``out`` (``A`` may be a SciPy sparse matrix), as :func:`digitnet.nn._fast._product`."""
    if isinstance(A, np.ndarray):
        return np.matmul(A, B, out=out)
    out[...] = A @ B
    return out


def count_correct(labels: np.ndarray, P: np.ndarray, out_activation: str) -> int | None:
    """:func:`digitnet.nn.network.count_correct` of a softmax's outputs and class indices, in a kernel where the
    compiled path is on (None otherwise: the caller counts with NumPy)."""
    k = kernels()
    if k is None or out_activation != "softmax" or labels.ndim != 1 or P.dtype not in (np.float32, np.float64):
        return None
    return int(k.count_argmax(P, labels))


def forward(
    X: np.ndarray | sparse.spmatrix,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    activation: str | Activation,
    out_activation: str,
    buffers: Sequence[np.ndarray],
) -> list | None:
    """:func:`digitnet.nn._fast.forward_into` (no dropout, nothing kept of Z) with the kernels: relu's bias add,
    softmax's shift and normalisation; the same numbers. None where the compiled path does not cover the network
    (then the caller runs NumPy's)."""
    k = kernels()
    if (
        k is None
        or not isinstance(activation, str)
        or activation not in HIDDEN_CODES
        or get(activation).name != activation
        or buffers[-1].dtype not in (np.float32, np.float64)
    ):
        return None
    n, last = X.shape[0], len(weights) - 1
    activations = [X]
    for l, (W, b) in enumerate(zip(weights, biases)):
        Z = _product(activations[-1], W, buffers[l][:n])
        if l < last and activation == "relu":
            k.bias_relu(Z, b)
        elif l == last and out_activation == "softmax" and Z.shape[1] <= k.BLOCK:
            k.bias_softmax_shift(Z, b)
            np.exp(Z, out=Z)
            k.normalize_rows(Z)
        else:
            Z += b
            get(activation if l < last else out_activation).apply(Z, out=Z)
        activations.append(Z)
    return activations


def _weak(values, dtype):
    """Whether NumPy computes ``array <op> value`` in the array's ``dtype`` for each of ``values``: always in float64;
    in float32 for a Python number (NumPy casts it to float32) or a float32 scalar, not for a NumPy float64 (which
    makes NumPy compute in float64 and round once when it stores), which the kernels do not mimic."""
    if dtype == np.float64:
        return True
    return all(
        type(v) in (float, int, bool) or (isinstance(v, np.generic) and np.result_type(v, dtype) == dtype)
        for v in values
    )


#: (dtype, layer sizes, rows) -> whether numba's BLAS products equal NumPy's for a step of that shape.
_AGREES = {}


def blas_agrees(dtype: DTypeLike, layers: Sequence[int], n_rows: int) -> bool:
    """Whether numba's matrix products (``np.dot`` in a kernel, through SciPy's BLAS) give NumPy's ``matmul``'s
    numbers, bit for bit, for every product of a step of ``n_rows`` rows through a network of ``layers`` units, and
    its dot products for the L2 penalty: tried once per shape and process on random numbers (two builds of the same
    BLAS kernels agree on all numbers; different kernels disagree on random ones). Where they do not, or numba's
    BLAS cannot be used, the steps keep NumPy's products (:class:`Steps`)."""
    key = (np.dtype(dtype), tuple(layers), n_rows)
    if key not in _AGREES:
        try:
            _AGREES[key] = _products_agree(kernels(), np.dtype(dtype), layers, n_rows)
        except Exception:  # noqa: BLE001  (numba's BLAS unusable here: NumPy's products, as before)
            _AGREES[key] = False
    return _AGREES[key]


def _products_agree(k, dtype, layers, n):
    rng = np.random.default_rng(0)
    draw = lambda *shape: rng.standard_normal(shape).astype(dtype)  # noqa: E731
    products = []
    for a, b in zip(layers[:-1], layers[1:]):
        products += [(draw(n, a), draw(a, b)), (draw(n, a).T, draw(n, b)), (draw(n, b), draw(a, b).T)]
    for A, B in products:
        mine = np.empty((A.shape[0], B.shape[1]), dtype)
        k.dot_into(A, B, mine)
        if not np.array_equal(mine, np.matmul(A, B)):
            return False
    weights = [draw(a, b).ravel() for a, b in zip(layers[:-1], layers[1:])]
    return all(k.squared_norm(w) == float(np.dot(w, w)) for w in weights)


def _key(found, optimizer, activation, out_activation, alpha):
    """What :class:`Steps` depend on besides the network's arrays: the plan, the optimizer, the activations, and the
    settings the kernels read (with their types: a NumPy float64 in a float32 fit changes the path)."""
    return (
        found,
        optimizer,
        activation,
        out_activation,
        *((v, type(v)) for v in (alpha, *Steps.settings(optimizer, found.optimizer))),
    )


def steps_for(
    workspace: Any,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    optimizer: Optimizer,
    activation: str | Activation,
    out_activation: str,
    alpha: float,
    dropout: Sequence[float] | None,
) -> Steps | None:
    """The :class:`Steps` of an epoch of :func:`digitnet.nn._fast.train_epoch`, or None where NumPy's path trains it:
    the workspace's from the last epoch while nothing it depends on changed (a callback may change a setting
    between epochs), else new ones, kept on the workspace."""
    kept = getattr(workspace, "compiled_steps", None)
    if (
        kept is not None
        and kept.weights is weights
        and kept.biases is biases
        and dropout is None
        and kept.key == _key(kept.plan, optimizer, activation, out_activation, alpha)
    ):
        return kept  # (the environment is read at a fit's first epoch: its workspace is new)
    found = plan(activation, out_activation, workspace.grad.dtype, dropout, optimizer)
    if found is None:
        return None
    key = _key(found, optimizer, activation, out_activation, alpha)
    if kept is None or kept.key != key or kept.weights is not weights or kept.biases is not biases:
        kept = workspace.compiled_steps = Steps(
            found, weights, biases, optimizer, workspace, activation, out_activation, alpha
        )
        kept.key = key
    return kept


class Steps:
    """An epoch's mini-batch steps on the kernels: what stays the same through the epoch, looked up once.

    Call it on each batch in order (``steps(X, Y, output, sample_weight)``); it returns the L2 penalty of the
    weights the step started from (what :func:`digitnet.nn._fast.train_epoch` records for the epoch's loss).
    """

    def __init__(
        self,
        plan: Plan,
        weights: Sequence[np.ndarray],
        biases: Sequence[np.ndarray],
        optimizer: Optimizer,
        workspace: Any,
        activation: str | Activation,
        out_activation: str,
        alpha: float,
    ) -> None:
        self.k, self.plan, self.weights, self.biases, self.optimizer = plan.kernels, plan, weights, biases, optimizer
        self.ws, self.alpha, self.last = workspace, alpha, len(weights) - 1
        self.hidden = None if plan.hidden == HIDDEN_CODES["relu"] else get(activation).apply
        self.output = None if plan.softmax else get(out_activation).apply
        self.weight_grads, self.bias_grads = workspace.grads
        self.raveled = tuple(W.ravel() for W in weights)
        self.tuples = tuple(weights), tuple(biases)
        self.grad_tuples = tuple(self.weight_grads), tuple(self.bias_grads)
        self.n_weights = sum(W.size for W in weights)
        self.cast = workspace.grad.dtype.type
        self.fused = (
            plan.optimizer if _weak(self.settings(optimizer, plan.optimizer) + (alpha,), workspace.grad.dtype) else None
        )
        self.views, self.key = {}, None
        if self.fused == "adam":  # as NumPy casts them, once (a change makes new steps: see steps_for)
            b1, b2, cast = optimizer.beta_1, optimizer.beta_2, self.cast
            self.adam_settings = tuple(cast(v) for v in (alpha, b1, 1 - b1, b2, 1 - b2, optimizer.epsilon))

    @staticmethod
    def settings(optimizer: Optimizer, fused: str | None) -> tuple:
        """The optimizer's settings the fused update reads (in a float32 fit, each must be a Python number)."""
        if fused == "adam":
            return optimizer.beta_1, optimizer.beta_2, optimizer.epsilon, optimizer.learning_rate_init
        if fused == "sgd":
            return optimizer.learning_rate, optimizer.momentum
        return ()

    def true_class(self, Y: np.ndarray, P: np.ndarray, labels: np.ndarray | None) -> tuple[np.ndarray, int] | None:
        """``(p_true, correct)`` of a softmax's epoch outputs: each row's probability of its class (the einsum of
        :func:`digitnet.nn._fast.cross_entropy`) and the count of rows predicted right, in one pass; None where the
        targets are not one-hot or the output no softmax (then NumPy's)."""
        if self.output is not None or labels is None or labels.ndim != 1 or Y.dtype != P.dtype:
            return None
        p_true = np.empty(P.shape[0], P.dtype)
        correct = self.k.true_class_scores(Y, P, labels, p_true)
        return None if correct < 0 else (p_true, int(correct))

    def epoch_loss(self, per_sample: np.ndarray, batch_size: int, penalties: Sequence[float]) -> float | None:
        """The epoch's summed batch losses (:func:`._kernels.epoch_loss`, no sample weights), or None where ``alpha``
        is no Python or NumPy float64 number (then :func:`digitnet.nn._fast.mean_loss` adds them)."""
        if type(self.alpha) not in (float, int, np.float64) or per_sample.dtype not in (np.float32, np.float64):
            return None
        return float(self.k.epoch_loss(per_sample, batch_size, float(self.alpha), np.asarray(penalties, np.float64)))

    def _views(self, n):
        """The first ``n`` rows of each hidden layer's buffers and of each delta buffer (made once per batch size),
        and whether the dense kernels may run the step (see :meth:`dense`)."""
        if n not in self.views:
            buffers, deltas = [A[:n] for A in self.ws.activations[:-1]], [D[:n] for D in self.ws.deltas]
            layers = [self.weights[0].shape[0], *(W.shape[1] for W in self.weights)]
            dense = (
                self.plan.hidden in (0, 1)
                and self.last > 0
                and min(layers[1:]) > 1
                and self.weights[0].dtype == self.ws.grad.dtype
                and blas_agrees(self.ws.grad.dtype, layers, n)
            )
            self.views[n] = buffers, deltas, tuple(buffers) if dense else None, tuple(deltas)
        return self.views[n]

    def __call__(
        self, X: np.ndarray | sparse.spmatrix, Y: np.ndarray, output: np.ndarray, sample_weight: np.ndarray | None
    ) -> float:
        n = X.shape[0]
        buffers, deltas, hidden, delta_tuple = self._views(n)
        if hidden is not None and type(X) is np.ndarray and X.dtype == output.dtype and X.flags.c_contiguous:
            penalty = self.dense(X, Y, output, sample_weight, hidden, delta_tuple)
            self.step(n if sample_weight is None else float(np.sum(sample_weight)))
            return penalty
        activations = self.forward(X, buffers, output)
        penalty = sum(float(np.dot(w, w)) for w in self.raveled) if self.alpha else 0.0  # before this step
        self.backward(activations, Y, sample_weight, deltas)
        self.step(n if sample_weight is None else float(np.sum(sample_weight)))
        return penalty

    def dense(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        output: np.ndarray,
        sample_weight: np.ndarray | None,
        hidden: np.ndarray,
        deltas: tuple,
    ) -> float:
        """Forward and backward in two kernel calls (:func:`._kernels.dense_forward`, ``dense_backward``), NumPy's
        output function between them; for relu or identity hidden layers, dense rows, the products numba's BLAS
        computes as NumPy's does (:func:`blas_agrees`). Returns the L2 penalty of the weights before the step."""
        k = self.k
        weights, biases = self.tuples
        softmax = self.output is None
        penalty = k.dense_forward(
            X, weights, biases, hidden, output, self.plan.hidden == 1, softmax, self.raveled, bool(self.alpha)
        )
        if softmax:
            np.exp(output, out=output)
            if output.shape[1] > k.BLOCK:  # rows longer than NumPy's summation block: NumPy's sum
                output /= output.sum(axis=1, keepdims=True)
        else:
            self.output(output, out=output)
        k.dense_backward(
            X,
            Y,
            sample_weight,
            weights,
            hidden,
            output,
            deltas,
            self.grad_tuples[0],
            self.grad_tuples[1],
            self.plan.hidden,
            softmax and output.shape[1] <= k.BLOCK,
        )
        return penalty

    def forward(self, X: np.ndarray | sparse.spmatrix, buffers: Sequence[np.ndarray], output: np.ndarray) -> list:
        """Each layer's A into ``buffers`` (``output`` for the last), a softmax left as its exponentials
        (``output_delta`` divides them by their row sums). Returns the list [X, A1, ..., output]."""
        k, activations = self.k, [X]
        for l in range(self.last):
            Z = _product(activations[-1], self.weights[l], buffers[l])
            if self.hidden is None:
                k.bias_relu(Z, self.biases[l])
            else:
                Z += self.biases[l]
                self.hidden(Z, out=Z)
            activations.append(Z)
        Z = _product(activations[-1], self.weights[self.last], output)
        if self.output is None:
            k.bias_softmax_shift(Z, self.biases[self.last])
            np.exp(Z, out=Z)
        else:
            Z += self.biases[self.last]
            self.output(Z, out=Z)
        activations.append(Z)
        return activations

    def backward(
        self,
        activations: Sequence[np.ndarray],
        Y: np.ndarray,
        sample_weight: np.ndarray | None,
        deltas: Sequence[np.ndarray],
    ) -> None:
        """The gradient into the workspace, without the L2 term and the division by the batch's size (the optimizer
        kernels apply both); finishes the softmax in ``activations[-1]``."""
        k, last, bias_grads = self.k, self.last, self.bias_grads
        P, delta = activations[-1], deltas[last]
        normalize = self.output is None and P.shape[1] <= k.BLOCK
        if self.output is None and not normalize:  # rows longer than NumPy's summation block: NumPy's sum
            P /= P.sum(axis=1, keepdims=True)
        k.output_delta(P, Y, sample_weight, delta, bias_grads[last], normalize, delta.shape[1] > 1)
        if delta.shape[1] == 1:  # one column: NumPy sums it in another order than row after row
            np.einsum("ij->j", delta, out=bias_grads[last])
        for l in range(last, -1, -1):
            _product(activations[l].T, delta, self.weight_grads[l])
            if l > 0:
                delta = np.matmul(delta, self.weights[l].T, out=deltas[l - 1])
                k.hidden_delta(delta, activations[l], self.plan.hidden, bias_grads[l - 1], delta.shape[1] > 1)
                if delta.shape[1] == 1:
                    np.einsum("ij->j", delta, out=bias_grads[l - 1])

    def step(self, total: float) -> None:
        """The L2 term, the division by ``total`` and the optimizer's update, fused where the plan says (Adam's step
        count and rate advanced as its ``step`` advances them), else the optimizer's own step."""
        k, cast, opt, grad, alpha = self.k, self.cast, self.optimizer, self.ws.grad, self.alpha
        if self.fused == "adam":
            opt.advance()
            a, b1, c1, b2, c2, eps = self.adam_settings
            k.adam_step(
                opt.params,
                grad,
                opt.m,
                opt.v,
                self.n_weights,
                a,
                cast(total),
                b1,
                c1,
                b2,
                c2,
                cast(-opt.learning_rate),
                eps,
            )
        elif self.fused == "sgd":
            k.sgd_step(
                opt.params,
                grad,
                opt.velocity,
                self.n_weights,
                cast(alpha),
                cast(total),
                cast(opt.learning_rate),
                cast(opt.momentum),
                bool(opt.nesterov),
            )
        elif _weak((alpha,), grad.dtype):
            k.scale_gradient(grad, opt.params, self.n_weights, cast(alpha), cast(total))
            opt.step(grad)
        else:  # digitnet.nn._fast.backward_into's last lines, where alpha is a NumPy float64 in a float32 fit
            if alpha:
                grad[: self.n_weights] += alpha * opt.params[: self.n_weights]
            grad /= total
            opt.step(grad)
