"""scikit-learn's private hooks that its own tests call on an MLP: kept so that ``test_mlp.py`` runs on digitnet.

scikit-learn's ``neural_network/tests/test_mlp.py`` checks the gradient through ``_loss_grad_lbfgs``, a private
method of its estimators (``../shared/tools/sklearn_mlp_tests.sh`` runs that file with digitnet's estimators in
their place). The hook here answers it from digitnet's readable path (:mod:`digitnet.nn.network`), the same loss
and gradient the estimator trains on.
"""

from __future__ import annotations

import numpy as np

from ..nn.network import backward_pass, compute_loss, forward_pass, pack, unpack


class SklearnHooks:
    """Mixin of :class:`~digitnet.estimator.base.BaseNumpyMLP`: scikit-learn's private hooks."""

    def _loss_grad_lbfgs(
        self,
        packed_coef_inter: np.ndarray,
        X: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None,
        activations: list | None = None,
        deltas: list | None = None,
        coef_grads: list | None = None,
        intercept_grads: list | None = None,
    ) -> tuple[float, np.ndarray]:
        """The training loss at ``packed_coef_inter`` and its gradient, as scikit-learn's method of this name.

        Parameters
        ----------
        packed_coef_inter : ndarray of shape (n_parameters,)
            Every layer's weights raveled, then every layer's biases (scikit-learn's order, and digitnet's flat
            buffer's), for a network of this fitted model's layer sizes.
        X : ndarray of shape (n_samples, n_features)
        y : ndarray of shape (n_samples, n_outputs)
            The targets as the output layer reads them (one-hot for several classes).
        sample_weight : ndarray of shape (n_samples,) or None
        activations, deltas, coef_grads, intercept_grads
            scikit-learn's work buffers; not needed here (ignored).

        Returns
        -------
        loss : float
            :func:`~digitnet.nn.network.compute_loss` (mean loss + alpha / (2 S) sum ||W||^2).
        grad : ndarray of shape (n_parameters,)
            :func:`~digitnet.nn.network.backward_pass`'s gradients, packed in the same order.
        """
        layer_sizes = [self.coefs_[0].shape[0]] + [W.shape[1] for W in self.coefs_]
        weights, biases = unpack(np.array(packed_coef_inter, dtype=np.float64), layer_sizes)
        X, Y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if Y.ndim == 1:
            Y = Y.reshape(-1, 1)
        passed = forward_pass(X, weights, biases, self._act, self.out_activation_)
        loss = compute_loss(Y, passed[-1], weights, self.alpha, sample_weight, self.out_activation_)
        grad_weights, grad_biases = backward_pass(passed, Y, weights, self._act, self.alpha, sample_weight)
        return float(loss), pack(grad_weights, grad_biases)
