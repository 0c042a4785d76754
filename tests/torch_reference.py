"""PyTorch as an independent reference (tests only): the same network, weights, data and batches, trained by
``torch.optim`` and ``torch.optim.lr_scheduler`` in float64, to compare with digitnet's numbers.

Import it after ``pytest.importorskip("torch")``.
"""

import math
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.exceptions import ConvergenceWarning

from digitnet import NumpyMLPClassifier

#: torch's form of each activation the tests compare (gelu: the exact erf form).
TORCH_ACTIVATIONS = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "logistic": torch.sigmoid,
    "identity": lambda z: z,
    "gelu": lambda z: F.gelu(z, approximate="none"),
    "silu": F.silu,
}


def starting_weights(sizes, seed=3):
    """Glorot-uniform weights and biases (float64), drawn with NumPy."""
    rng = np.random.default_rng(seed)
    bounds = [math.sqrt(6 / (a + b)) for a, b in zip(sizes[:-1], sizes[1:])]
    return (
        [rng.uniform(-r, r, (a, b)) for r, a, b in zip(bounds, sizes[:-1], sizes[1:])],
        [rng.uniform(-r, r, b) for r, b in zip(bounds, sizes[1:])],
    )


def torch_logits(X, weights, biases, activation, masks=None):
    """The network's output Z (logits) in torch: hidden layers f(X W + b), times their dropout masks if given."""
    f = TORCH_ACTIVATIONS[activation]
    h = X
    for l, (W, b) in enumerate(zip(weights, biases)):
        z = h @ W + b
        if l == len(weights) - 1:
            return z
        h = f(z)
        if masks is not None and masks[l] is not None:
            h = h * torch.as_tensor(masks[l])


def train_torch(
    X,
    y,
    weights,
    biases,
    *,
    activation,
    make_optimizer,
    make_scheduler=None,
    per_step=False,
    epochs,
    batch_size,
    label_smoothing=0.0,
):
    """Train in torch from these weights: batches in order, mean cross-entropy (with label smoothing), the optimizer
    ``make_optimizer(weight_tensors, bias_tensors)`` and an optional scheduler stepped per epoch or ``per_step``.

    Returns (epoch losses as MLPClassifier records them: each batch's loss before its step, weighted by its rows;
    the learning rate of every step; the final weights and biases as NumPy arrays).
    """
    Ws = [torch.tensor(W, dtype=torch.float64, requires_grad=True) for W in weights]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in biases]
    Xt, yt = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.long)
    optimizer = make_optimizer(Ws, bs)
    scheduler = None if make_scheduler is None else make_scheduler(optimizer)
    losses, rates = [], []
    for _ in range(epochs):
        total = 0.0
        for start in range(0, len(X), batch_size):
            rows = slice(start, start + batch_size)
            optimizer.zero_grad()
            loss = F.cross_entropy(
                torch_logits(Xt[rows], Ws, bs, activation), yt[rows], label_smoothing=label_smoothing
            )
            loss.backward()
            total += loss.item() * (min(start + batch_size, len(X)) - start)
            rates.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            if scheduler is not None and per_step:
                scheduler.step()
        if scheduler is not None and not per_step:
            scheduler.step()
        losses.append(total / len(X))
    return losses, rates, [W.detach().numpy() for W in Ws], [b.detach().numpy() for b in bs]


def train_digitnet(X, y, weights, biases, *, epochs, batch_size, **params):
    """NumpyMLPClassifier trained from these weights: batches in order (no shuffle), no L2 term, no stopping rule."""
    model = NumpyMLPClassifier(
        hidden_layer_sizes=[W.shape[1] for W in weights[:-1]],
        max_iter=epochs,
        shuffle=False,
        tol=0.0,
        n_iter_no_change=np.inf,
        warm_start=True,
        batch_size=batch_size,
        alpha=0.0,
        **params,
    )
    model.coefs_, model.intercepts_ = [W.copy() for W in weights], [b.copy() for b in biases]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)
