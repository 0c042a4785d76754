"""``NumpyMLPRegressor``: a drop-in for scikit-learn's MLPRegressor, on :mod:`digitnet.nn`.

The output layer is the identity, and the loss half the mean squared error (``loss="squared_error"``,
:func:`~digitnet.nn.network.half_squared_error`), or an exponential output with half the Poisson
deviance (``loss="poisson"``); both plus the same L2 term as the classifier. The backward pass is
the classifier's: with these pairs of output and loss, delta at the output is ``A - Y`` again.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse
from sklearn.base import RegressorMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import column_or_1d, validate_data

from ..nn import activations
from ..nn.activations import Activation
from .base import SPARSE_FORMATS, BaseNumpyMLP
from .callback_base import Callback

#: The output activation of each loss.
OUTPUTS = {"squared_error": "identity", "poisson": "exp"}


class NumpyMLPRegressor(RegressorMixin, BaseNumpyMLP):
    """Multi-layer perceptron regressor written with NumPy alone.

    Parameters mean what they mean for :class:`sklearn.neural_network.MLPRegressor` and have the
    same defaults; the same data and ``random_state`` give the same model. Every parameter of
    :class:`~digitnet.NumpyMLPClassifier` is here too (``weight_init``, the extra activations, solvers and
    schedules, ``dropout`` and ``callbacks`` are ours; ``class_weight`` and ``label_smoothing`` are a
    classifier's only), plus:

    Parameters
    ----------
    loss : {"squared_error", "poisson"}, default="squared_error"
        ``squared_error``: identity output, loss 1/2 mean((y - p)^2). ``poisson``: output e^z,
        loss half the Poisson deviance (targets must be >= 0).

    Attributes
    ----------
    coefs_, intercepts_, loss_, loss_curve_, best_loss_, validation_scores_ (R²),
    best_validation_score_, n_iter_, t_, n_features_in_, feature_names_in_, n_layers_,
    n_outputs_, out_activation_ :
        As in MLPRegressor.
    history_ : dict of lists
        Ours. ``loss`` per epoch, and ``val_loss`` / ``val_r2`` when rows are held out
        (``early_stopping=True``, or ``fit(X, y, X_val=..., y_val=...)``); with ``track`` (a parameter as
        the classifier's), the tracked numbers, and ``trajectory_``.
    """

    _parameter_constraints: dict = {**BaseNumpyMLP._parameter_constraints, "loss": [StrOptions(set(OUTPUTS))]}
    _score_name = "r2"
    _history_keys = ("loss",)

    def __init__(
        self,
        loss: str = "squared_error",
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str | Activation | tuple = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
        tol: float = 1e-4,
        verbose: bool | int = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int | float = 10,
        max_fun: int = 15000,
        weight_init: str = "glorot",
        dropout: float | Sequence[float] = 0.0,
        weight_decay: float = 0.01,
        rho: float = 0.99,
        warmup: int = 0,
        step_every: int = 50,
        step_factor: float = 0.1,
        callbacks: list[Callback] | None = None,
        track: str | Sequence[str] | None = None,
        track_every: int = 1,
    ) -> None:
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.weight_init = weight_init
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.rho = rho
        self.warmup = warmup
        self.step_every = step_every
        self.step_factor = step_factor
        self.callbacks = callbacks
        self.track = track
        self.track_every = track_every

    @available_if(BaseNumpyMLP._check_solver)
    def partial_fit(
        self, X: ArrayLike | sparse.spmatrix, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> NumpyMLPRegressor:
        """Train for exactly one epoch on (X, y)."""
        self._validate_params()
        return self._fit(X, y, sample_weight, incremental=True)

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=SPARSE_FORMATS,
            multi_output=True,
            y_numeric=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError("loss='poisson' needs targets y >= 0 (they are counts or rates).")
        return X, self._targets(y, X.dtype)

    def _targets(self, y, dtype):
        """Targets as a 2-d array (one column per output) in the compute dtype."""
        y = np.asarray(y, dtype=dtype)
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _output_activation(self):
        return OUTPUTS[self.loss]

    def _stratify(self, Y):
        return None  # a regression's early-stopping split is not stratified

    def predict(self, X: ArrayLike | sparse.spmatrix) -> np.ndarray:
        """Predicted values, shape (n_samples,) for one output, else (n_samples, n_outputs)."""
        Z = self._forward(X)
        P = activations.get(self.out_activation_).apply(Z, out=Z)
        return P.ravel() if P.shape[1] == 1 else P
