"""The speed path: the arithmetic of :mod:`digitnet.nn.network` and :mod:`digitnet.nn.training`
in reused buffers, for the estimator.

Every function here computes what its readable twin computes, in an order chosen for speed and
for scikit-learn's numbers bit for bit (``tests/test_drop_in.py``, ``benchmarks/same_numbers.py``);
the two agree to 1e-12 at every step (``tests/nn/test_fast.py``). Where the results go differs:

- :class:`Workspace` holds each layer's activations and deltas and a flat gradient, allocated
  once per fit, so a mini-batch step allocates (almost) nothing; and Z of each hidden layer only
  for an activation whose derivative needs it (:attr:`~digitnet.nn.activations.Activation.needs`);
- :func:`forward_into` / :func:`backward_into` write into those buffers (each activation through
  its in-place ``apply`` / ``apply_derivative``), and the backward pass applies the L2 term and the
  division by S to the whole flat gradient at once;
- :func:`compute_loss` and its parts sum with ``einsum`` and ``dot``, as scikit-learn does;
- :func:`train_epoch` keeps every batch's outputs in one epoch-sized buffer and computes the
  epoch's cross-entropy and accuracy once, instead of once per batch;
- :class:`HeldOut` scores validation rows after every epoch with their labels and buffers made once;
- :func:`blas_threads` runs small matrix products on one BLAS thread.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import DTypeLike
from scipy import sparse
from sklearn.metrics import r2_score
from threadpoolctl import ThreadpoolController

from . import _compiled
from .activations import CLASSIFYING_OUTPUTS, Activation, get
from .network import correct_mask, count_correct, half_poisson_deviance, half_squared_error, n_parameters, unpack
from .optimizers import Optimizer
from .training import batch_slices

#: Multiply-adds per layer product below which one BLAS thread is fastest.
SMALL_MATMUL = 1 << 24


@functools.cache
def _threadpools():
    return ThreadpoolController()  # inspecting the loaded BLAS libraries takes a few ms: once per process


def blas_threads(n_rows: int, layer_sizes: Sequence[int]) -> contextlib.AbstractContextManager:
    """Context manager: run BLAS on one thread while the network's matrix products are small.

    For products this size, waking and spinning BLAS worker threads costs more than the
    arithmetic: on a busy 2-core machine a (1797, 64) @ (64, 32) product took 0.23 ms on
    one thread and 5.6 ms on two. Large products keep the library's default.
    """
    widest = max(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
    if n_rows * widest >= SMALL_MATMUL:
        return contextlib.nullcontext()
    return _threadpools().limit(limits=1, user_api="blas")


# ---------------------------------------------------------------- the loss, summed as scikit-learn sums it


def cross_entropy(Y: np.ndarray, P: np.ndarray, out_activation: str = "softmax", soft: bool = False) -> np.ndarray:
    """:func:`~digitnet.nn.network.cross_entropy`: one log per row for softmax (Y is one-hot, so
    sum_k Y[i,k] log p[i,k] = log p[i, true class]), the same numbers as the formula's. ``soft``: the rows
    of Y are not one-hot (label smoothing), and the formula's sum is taken over every class."""
    eps = np.finfo(P.dtype).eps
    if out_activation == "logistic" or soft:
        P = np.clip(P, eps, 1 - eps)
        if out_activation != "logistic":
            return -np.einsum("ij,ij->i", Y, np.log(P, out=P))
        return -(Y * np.log(P) + (1 - Y) * np.log1p(-P)).sum(axis=1)
    return _negative_log(np.einsum("ij,ij->i", Y, P), eps)


def _negative_log(p_true, eps):
    """-log(p) of each row's probability of its class, p clipped to [eps, 1 - eps] (in place)."""
    np.minimum(np.maximum(p_true, eps, out=p_true), 1 - eps, out=p_true)  # = np.clip, without its overhead
    return np.negative(np.log(p_true, out=p_true), out=p_true)


def per_sample_loss(Y: np.ndarray, P: np.ndarray, out_activation: str = "softmax", soft: bool = False) -> np.ndarray:
    """:func:`~digitnet.nn.network.per_sample_loss`, with :func:`cross_entropy` above."""
    if out_activation == "identity":
        return half_squared_error(Y, P)
    if out_activation == "exp":
        return half_poisson_deviance(Y, P)
    return cross_entropy(Y, P, out_activation, soft)


def squared_weights(weights: Iterable[np.ndarray]) -> float:
    """sum_l ||W[l]||^2 (:func:`~digitnet.nn.network.squared_weights`), one dot product per layer."""
    return sum(float(np.dot(W.ravel(), W.ravel())) for W in weights)


def mean_loss(
    per_sample: np.ndarray,
    sample_weight: np.ndarray | None = None,
    alpha: float = 0.0,
    sum_squared_weights: float = 0.0,
) -> float:
    """:func:`~digitnet.nn.network.mean_loss`: sum_i s_i l_i / S + alpha / (2 S) sum_l ||W[l]||^2."""
    if sample_weight is None:
        loss = float(per_sample.sum() / per_sample.shape[0])  # np.mean without its Python-level overhead
        total = per_sample.shape[0]
    else:
        loss = float(np.average(per_sample, weights=sample_weight))
        total = float(np.sum(sample_weight))
    if alpha:
        loss += 0.5 * alpha * sum_squared_weights / total
    return loss


def compute_loss(
    Y: np.ndarray,
    P: np.ndarray,
    weights: Sequence[np.ndarray] = (),
    alpha: float = 0.0,
    sample_weight: np.ndarray | None = None,
    out_activation: str = "softmax",
    soft: bool = False,
) -> float:
    """:func:`~digitnet.nn.network.compute_loss`: mean loss plus the L2 penalty, MLPClassifier's numbers."""
    penalty = squared_weights(weights) if alpha else 0.0
    return mean_loss(per_sample_loss(Y, P, out_activation, soft), sample_weight, alpha, penalty)


# ---------------------------------------------------------------- forward and backward in buffers


class Workspace:
    """Buffers reused across batches, so a training step allocates (almost) nothing.

    Holds each layer's activations and deltas for up to ``batch_size`` rows, except
    the output layer's activations, which hold ``n_samples`` rows (default
    ``batch_size``): :func:`train_epoch` keeps every batch's outputs there and computes
    the epoch's losses and accuracy from them at once. Also a flat gradient vector
    ``grad`` with per-layer views ``grads = (weight_grads, bias_grads)`` laid out like the parameters,
    and ``pre_activations``: Z of each hidden layer when ``activation`` needs z for its derivative
    (None in each place otherwise: the derivative then reads A, and f is applied to Z in place).
    With ``dropout`` (one rate per hidden layer), ``masks`` and ``dropped`` hold, for each hidden layer
    of rate > 0, the batch's mask and f(Z) times it (None for the others): ``activations`` keep f(Z).
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        batch_size: int,
        dtype: DTypeLike,
        n_samples: int | None = None,
        activation: str | Activation | None = None,
        dropout: Sequence[float] | None = None,
    ) -> None:
        rows = [batch_size] * (len(layer_sizes) - 2) + [max(batch_size, n_samples or 0)]
        self.activations = [np.empty((n, k), dtype) for n, k in zip(rows, layer_sizes[1:])]
        self.deltas = [np.empty((batch_size, k), dtype) for k in layer_sizes[1:]]
        self.grad = np.empty(n_parameters(layer_sizes), dtype)
        self.grads = unpack(self.grad, layer_sizes)
        keeps_z = activation is not None and get(activation).needs == "z"
        self.pre_activations = [np.empty((batch_size, k), dtype) if keeps_z else None for k in layer_sizes[1:-1]]
        rates = dropout or [0] * (len(layer_sizes) - 2)
        self.masks = [np.empty((batch_size, k), dtype) if p else None for p, k in zip(rates, layer_sizes[1:-1])]
        self.dropped = [None if m is None else np.empty_like(m) for m in self.masks]
        self.compiled_steps = None  # the compiled path's per-fit state (digitnet.nn._compiled.steps_for)


def _product(A, B, out):
    """``A @ B`` into ``out``; ``A`` may be a SciPy sparse matrix (the input of a sparse fit, or its transpose)."""
    if sparse.issparse(A):
        out[...] = A @ B
        return out
    return np.matmul(A, B, out=out)


def forward_into(
    X: np.ndarray | sparse.spmatrix,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    activation: str | Activation,
    out_activation: str,
    buffers: Sequence[np.ndarray],
    pre_activations: Sequence[np.ndarray | None] | None = None,
    workspace: Workspace | None = None,
) -> list:
    """:func:`~digitnet.nn.network.forward_pass`, writing A[l] into ``buffers[l - 1][:n_samples]``.

    Z[l] is computed in place of A[l], unless ``pre_activations[l - 1]`` is a buffer (a hidden
    activation whose derivative needs z: :attr:`Workspace.pre_activations`): Z[l] is kept there.
    With a ``workspace`` whose ``masks`` are drawn (dropout), a hidden layer's f(Z) stays in its buffer
    and f(Z) * mask, in ``workspace.dropped``, is what the next layer takes (and the list holds).
    """
    if workspace is None and (pre_activations is None or all(z is None for z in pre_activations)):
        compiled = _compiled.forward(X, weights, biases, activation, out_activation, buffers)
        if compiled is not None:  # the same numbers, relu's and softmax's elementwise work in compiled kernels
            return compiled
    n = X.shape[0]
    activations = [X]
    last = len(weights) - 1
    hidden, output = get(activation), get(out_activation)
    for l, (W, b) in enumerate(zip(weights, biases)):
        keep = None if pre_activations is None or l == last else pre_activations[l]
        Z = _product(activations[-1], W, buffers[l][:n] if keep is None else keep[:n])
        Z += b
        A = (output if l == last else hidden).apply(Z, out=Z if keep is None else buffers[l][:n])
        mask = None if workspace is None or l == last else workspace.masks[l]
        activations.append(A if mask is None else np.multiply(A, mask[:n], out=workspace.dropped[l][:n]))
    return activations


def forward(
    X: np.ndarray | sparse.spmatrix,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    activation: str | Activation,
    out_activation: str,
) -> np.ndarray:
    """:func:`forward_into` into new buffers: the output layer's A, for prediction (the dtype of ``X @ W + b``)."""
    weights, biases = [np.asarray(W) for W in weights], [np.asarray(b) for b in biases]
    dtype = np.result_type(X.dtype, *(W.dtype for W in weights), *(b.dtype for b in biases))
    buffers = [np.empty((X.shape[0], W.shape[1]), dtype) for W in weights]
    return forward_into(X, weights, biases, activation, out_activation, buffers)[-1]


def backward_into(
    activations: Sequence[np.ndarray],
    Y: np.ndarray,
    weights: Sequence[np.ndarray],
    activation: str | Activation,
    alpha: float,
    sample_weight: np.ndarray | None,
    workspace: Workspace,
    params: np.ndarray,
    masks: Sequence[np.ndarray | None] | None = None,
) -> np.ndarray:
    """:func:`~digitnet.nn.network.backward_pass`, into ``workspace.grad`` (returned).

    ``params`` is the flat buffer ``weights`` are views of: the L2 term and the division by S
    are element by element, so two operations on the flat buffers do them for the whole network.
    ``masks``: the workspace's dropout masks, which multiply each hidden layer's delta (f' then reads the
    layer's f(Z), kept in ``workspace.activations``, not the masked output).
    """
    n = Y.shape[0]
    f = get(activation)
    if f.needs == "z" and any(z is None for z in workspace.pre_activations):
        raise ValueError(
            f"activation {activation!r} reads Z in its derivative: make the Workspace with"
            f" activation={activation!r}, and pass its pre_activations to forward_into"
        )
    weight_grads, bias_grads = workspace.grads
    deltas = workspace.deltas
    total = n if sample_weight is None else float(np.sum(sample_weight))
    last = len(weights) - 1
    delta = np.subtract(activations[-1], Y, out=deltas[last][:n])
    if sample_weight is not None:
        delta *= sample_weight.reshape(-1, 1)
    for l in range(last, -1, -1):
        _product(activations[l].T, delta, weight_grads[l])
        np.einsum("ij->j", delta, out=bias_grads[l])  # = delta.sum(axis=0), same order of additions, 2x faster
        if l > 0:
            delta = np.matmul(delta, weights[l].T, out=deltas[l - 1][:n])
            mask = None if masks is None else masks[l - 1]
            if mask is not None:  # the output before the mask is in the workspace's buffer
                delta *= mask[:n]
            kept = activations[l] if mask is None else workspace.activations[l - 1][:n]
            f.apply_derivative(kept if f.needs == "a" else workspace.pre_activations[l - 1][:n], delta)
    grad = workspace.grad
    n_weights = sum(W.size for W in weights)  # all weights come first in the flat buffers
    if alpha:
        grad[:n_weights] += alpha * params[:n_weights]
    grad /= total
    return grad


def draw_masks(
    rng: np.random.Generator | np.random.RandomState,
    rates: Sequence[float],
    n_rows: int,
    masks: Sequence[np.ndarray | None],
) -> None:
    """:func:`~digitnet.nn.network.dropout_masks` into the workspace's mask buffers (the same draws, the same
    numbers: [u >= p] / (1 - p) for each hidden layer of rate p > 0, layer by layer)."""
    for p, mask in zip(rates, masks):
        if mask is not None:
            np.multiply(rng.random((n_rows, mask.shape[1])) >= p, 1.0 / (1.0 - p), out=mask[:n_rows])


def train_epoch(
    X: np.ndarray | sparse.spmatrix,
    Y: np.ndarray,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    optimizer: Optimizer,
    *,
    activation: str | Activation,
    out_activation: str,
    alpha: float,
    batch_size: int,
    sample_weight: np.ndarray | None = None,
    order: np.ndarray | None = None,
    workspace: Workspace | None = None,
    labels: np.ndarray | None = None,
    dropout: Sequence[float] | None = None,
    rng: np.random.Generator | np.random.RandomState | None = None,
    soft: bool = False,
) -> tuple[float, float]:
    """:func:`digitnet.nn.training.train_epoch` with reused buffers; same arguments, numbers equal to 1e-12.

    Parameters
    ----------
    workspace : Workspace, optional
        Reused buffers; created if omitted (made with ``dropout``, a given one must be too).
    labels : ndarray of shape (n_samples,), optional
        Class index of each row (``Y.argmax(axis=1)``), to count right predictions;
        pass it to save computing it again every epoch (softmax only).
    dropout, rng
        Each hidden layer's dropout rate, and the stream its masks are drawn from, batch by batch before
        each forward pass (as :func:`digitnet.nn.training.train_epoch` draws them).
    soft : bool
        The rows of Y are not one-hot (label smoothing): see :func:`cross_entropy`.

    Returns
    -------
    loss, accuracy : float
    """
    n = X.shape[0]
    ws = workspace or Workspace(
        [X.shape[1]] + [W.shape[1] for W in weights], min(batch_size, n), X.dtype, n, activation, dropout
    )
    masks = None if dropout is None else ws.masks
    if order is not None:  # take() gathers rows faster than X[order]; same values
        X, Y = (X[order] if sparse.issparse(X) else X.take(order, axis=0)), Y.take(order, axis=0)
        labels = None if labels is None else labels.take(order)
        sample_weight = None if sample_weight is None else sample_weight[order]
    if labels is None and out_activation in CLASSIFYING_OUTPUTS:
        labels = Y.argmax(axis=1) if out_activation == "softmax" else Y  # class indices: cheaper to compare
    # Each batch's outputs stay in their rows of one epoch-sized buffer (the backward pass reads them
    # there too), so the loss and accuracy below cost a few operations per epoch instead of per batch.
    outputs = ws.activations[-1] if ws.activations[-1].shape[0] >= n else np.empty((n, Y.shape[1]), X.dtype)
    buffers = list(ws.activations)
    batches = batch_slices(n, batch_size)
    # the same numbers, the elementwise work in compiled kernels (None: NumPy's path)
    compiled = _compiled.steps_for(ws, weights, biases, optimizer, activation, out_activation, alpha, dropout)
    penalties = []
    for batch in batches:
        sw = None if sample_weight is None else sample_weight[batch]
        if compiled is not None:
            penalties.append(compiled(X[batch], Y[batch], outputs[batch], sw))
            continue
        buffers[-1] = outputs[batch]
        if masks is not None:
            draw_masks(rng, dropout, batch.stop - batch.start, masks)
        activations = forward_into(
            X[batch],
            weights,
            biases,
            activation,
            out_activation,
            buffers,
            ws.pre_activations,
            None if masks is None else ws,
        )
        penalties.append(squared_weights(weights) if alpha else 0.0)  # before this step changes them
        optimizer.step(
            backward_into(activations, Y[batch], weights, activation, alpha, sw, ws, optimizer.params, masks)
        )
    scored = None if compiled is None or soft else compiled.true_class(Y, outputs[:n], labels)
    if scored is None:
        per_sample = per_sample_loss(Y, outputs[:n], out_activation, soft)
    else:
        per_sample = _negative_log(scored[0], np.finfo(outputs.dtype).eps)
    total_loss = (
        None
        if compiled is None or sample_weight is not None
        else compiled.epoch_loss(per_sample, batch_size, penalties)
    )
    if total_loss is None:
        total_loss = 0.0
        for batch, penalty in zip(batches, penalties):
            sw = None if sample_weight is None else sample_weight[batch]
            total_loss += mean_loss(per_sample[batch], sw, alpha, penalty) * (batch.stop - batch.start)
    if out_activation not in CLASSIFYING_OUTPUTS:  # regression: no accuracy
        return total_loss / n, float("nan")
    if scored is not None:
        return total_loss / n, scored[1] / n
    return total_loss / n, _count_correct(labels, outputs[:n], out_activation, compiled is not None) / n


def _count_correct(labels, P, out_activation, compiled=True):
    """:func:`~digitnet.nn.network.count_correct`, in a kernel where the compiled path is on (and ``compiled``)."""
    counted = _compiled.count_correct(labels, P, out_activation) if compiled else None
    return count_correct(labels, P, out_activation) if counted is None else counted


def starting_loss(
    X: np.ndarray | sparse.spmatrix,
    Y: np.ndarray,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    *,
    activation: str | Activation,
    out_activation: str,
    alpha: float,
    batch_size: int,
    sample_weight: np.ndarray | None = None,
    workspace: Workspace | None = None,
    soft: bool = False,
) -> float:
    """:func:`digitnet.nn.training.starting_loss` in reused buffers; same arguments, the number to 1e-12.

    The forward passes write into ``workspace`` (which the next epoch overwrites before reading), so
    computing it changes nothing that training computes afterwards.
    """
    n = X.shape[0]
    ws = workspace or Workspace([X.shape[1]] + [W.shape[1] for W in weights], min(batch_size, n), X.dtype, n)
    outputs = ws.activations[-1] if ws.activations[-1].shape[0] >= n else np.empty((n, Y.shape[1]), X.dtype)
    buffers = list(ws.activations)
    batches = batch_slices(n, batch_size)
    for batch in batches:
        buffers[-1] = outputs[batch]
        forward_into(X[batch], weights, biases, activation, out_activation, buffers)
    per_sample = per_sample_loss(Y, outputs[:n], out_activation, soft)
    penalty = squared_weights(weights) if alpha else 0.0
    total_loss = 0.0
    for batch in batches:
        sw = None if sample_weight is None else sample_weight[batch]
        total_loss += mean_loss(per_sample[batch], sw, alpha, penalty) * (batch.stop - batch.start)
    return total_loss / n


class HeldOut:
    """Rows scored after every epoch (the validation part): their class labels and forward buffers made once.

    :meth:`scores` gives the loss (``compute_loss``) and the score on ``forward_pass(X, ...)[-1]``:
    for a classifier the mean of ``correct_mask`` (accuracy), for a regressor R² (``r2_score``, as
    MLPRegressor's early stopping scores), without allocating a network's worth of activations
    and recomputing the labels every epoch.
    """

    def __init__(
        self,
        X: np.ndarray | sparse.spmatrix,
        Y: np.ndarray,
        sample_weight: np.ndarray | None,
        layer_sizes: Sequence[int],
        out_activation: str,
        soft: bool = False,
    ) -> None:
        self.X, self.Y, self.sample_weight, self.out_activation, self.soft = X, Y, sample_weight, out_activation, soft
        self.labels = Y.argmax(axis=1) if out_activation == "softmax" else Y
        self.buffers = [np.empty((X.shape[0], k), X.dtype) for k in layer_sizes[1:]]

    def scores(
        self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], activation: str | Activation, alpha: float
    ) -> tuple[float, float]:
        """``(loss, score)`` of the network on these rows (score NaN if an output is not finite)."""
        P = forward_into(self.X, weights, biases, activation, self.out_activation, self.buffers)[-1]
        loss = compute_loss(self.Y, P, weights, alpha, self.sample_weight, self.out_activation, self.soft)
        if not np.isfinite(P).all():
            return loss, float("nan")
        if self.out_activation not in CLASSIFYING_OUTPUTS:
            return loss, float(r2_score(self.Y, P, sample_weight=self.sample_weight))
        if self.sample_weight is None:  # a count over n: the mean of the boolean mask, exactly
            return loss, _count_correct(self.labels, P, self.out_activation) / self.X.shape[0]
        return loss, float(np.average(correct_mask(self.labels, P, self.out_activation), weights=self.sample_weight))
