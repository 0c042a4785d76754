"""Training with L-BFGS (``solver="lbfgs"``): SciPy's L-BFGS-B on the whole loss, as MLPClassifier runs it.

Each iteration is recorded in ``history_`` (and scores the held-out rows, if any) and handed to the
callbacks as an "epoch"; a callback that stops training ends the minimisation there (SciPy's
``StopIteration`` protocol), without a ``ConvergenceWarning``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import scipy.optimize
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning

from ..nn import _fast
from ..nn.network import correct_mask
from .callback_base import Callback, epoch_ends, train_begins, train_ends


def _loss_and_grad(model, X, Y, sample_weight, workspace, soft):
    """The function L-BFGS minimises: theta -> (loss, gradient), computed in the model's flat buffer."""
    activation, out = model._act, model.out_activation_

    def loss_and_grad(theta):
        model._flat[...] = theta
        activations = _fast.forward_into(
            X, model._weights, model._biases, activation, out, workspace.activations, workspace.pre_activations
        )
        loss = _fast.compute_loss(Y, activations[-1], model._weights, model.alpha, sample_weight, out, soft)
        grad = _fast.backward_into(
            activations, Y, model._weights, activation, model.alpha, sample_weight, workspace, model._flat
        )
        return loss, grad.astype(np.float64)  # a copy: scipy keeps the array it is given

    return loss_and_grad


def fit_lbfgs(
    model: BaseEstimator,
    X: np.ndarray | sparse.spmatrix,
    Y: np.ndarray,
    sample_weight: np.ndarray | None,
    validation: tuple | None,
    callbacks: Sequence[Callback],
) -> None:
    """Fit ``model`` (its flat buffer, set up by the estimator's ``_fit``) by L-BFGS on (X, Y)."""
    if getattr(model, "track", None) is not None:
        raise ValueError("track= is recorded by the stochastic solvers (sgd, adam), epoch by epoch; not by lbfgs")
    Y, soft = model._smoothed(Y), model._soft_targets()
    layer_sizes = [w.shape[0] for w in model._weights] + [model.n_outputs_]
    workspace = _fast.Workspace(layer_sizes, X.shape[0], X.dtype, activation=model._act)
    held_out = model._held_out(validation, X.dtype, layer_sizes)  # lbfgs has no early stopping
    stopped = []

    def record(intermediate_result):
        model._flat[...] = intermediate_result.x
        model.history_["loss"].append(float(intermediate_result.fun))
        if model._score_name in model.history_:
            P = _fast.forward(X, model._weights, model._biases, model._act, model.out_activation_)
            model.history_[model._score_name].append(float(correct_mask(Y, P, model.out_activation_).mean()))
        if model.verbose:
            print("Iteration %d, loss = %.8f" % (len(model.history_["loss"]), intermediate_result.fun))
        if held_out is not None:
            model._record_validation(held_out)
        if epoch_ends(callbacks, model):
            stopped.append(True)
            raise StopIteration

    if getattr(model, "_divergence", None) is None:
        model._divergence = model._divergence_rule(X, Y, sample_weight, X.shape[0], workspace)
    train_begins(callbacks, model)
    result = scipy.optimize.minimize(
        _loss_and_grad(model, X, Y, sample_weight, workspace, soft),
        model._flat.astype(np.float64),
        method="L-BFGS-B",
        jac=True,
        callback=record,
        options={"maxfun": model.max_fun, "maxiter": model.max_iter, "gtol": model.tol},
    )
    if result.status != 0 and not stopped:
        warnings.warn(
            "lbfgs failed to converge after %d iteration(s) (status=%d): %s\n\nIncrease the number of"
            " iterations to improve the convergence (max_iter=%d)."
            % (result.nit, result.status, result.message, model.max_iter),
            ConvergenceWarning,
        )
    model.n_iter_ = min(result.nit, model.max_iter)
    model.loss_ = float(result.fun)
    model._flat[...] = result.x
    if model._diverged(model.loss_):
        model._on_divergence(model.loss_, "iteration")
    train_ends(callbacks, model)
