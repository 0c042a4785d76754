"""``NumpyMLPClassifier``: a drop-in for scikit-learn's MLPClassifier, on :mod:`digitnet.nn`."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d, validate_data

from ..nn import activations
from ..nn.activations import Activation, sigmoid
from .base import SPARSE_FORMATS, BaseNumpyMLP
from .callback_base import Callback


class NumpyMLPClassifier(ClassifierMixin, BaseNumpyMLP):
    """Multi-layer perceptron classifier written with NumPy alone.

    Parameters mean what they mean for :class:`sklearn.neural_network.MLPClassifier` and have
    the same defaults; the same data and ``random_state`` give the same model (weights, loss
    curve, epochs), with every solver, shuffling and early stopping.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units of each hidden layer.
    activation : str, Activation or (f, df), default="relu"
        Hidden-layer activation: a name in the registry (:mod:`digitnet.nn.activations`): ``identity``,
        ``logistic``, ``tanh``, ``relu``, and ours: ``leaky_relu`` (slope 0.01 below zero), ``elu``
        (alpha 1), ``gelu`` (exact: z Phi(z) = z (1 + erf(z / sqrt 2)) / 2), ``silu`` (swish: z sigmoid(z)),
        or a registered one of your own. Also a user's own unregistered: an ``Activation`` object, or a
        pair ``(f, df)`` (or triple ``(f, df, d2f)``) of NumPy functions of z; a model file cannot store
        those (``save_model`` refuses them: register it and give its name).
    solver : {"lbfgs", "sgd", "adam", "adamw", "rmsprop", "nadam"}, default="adam"
        ``adamw``, ``rmsprop`` and ``nadam`` are ours, PyTorch's (:mod:`digitnet.nn.optimizers`): AdamW
        decays the weights by lr x ``weight_decay`` apart from the gradient; RMSprop divides by the root of
        the mean square (decay ``rho``); NAdam is Adam with Nesterov momentum.
    alpha : float >= 0, default=1e-4
        L2 penalty; the loss adds ``alpha / (2 n) * sum ||W||^2``.
    batch_size : int or "auto", default="auto"
        ``auto`` = min(200, n_samples).
    learning_rate : {"constant", "invscaling", "adaptive", "cosine", "step", "onecycle"}, default="constant"
        Schedule, as :mod:`digitnet.nn.schedules` defines them. scikit-learn's three act on ``sgd`` (and on
        our solvers; ``adam`` ignores ``invscaling`` and ``adaptive``, as MLPClassifier's does); ours act on
        every stochastic solver: ``cosine`` (per epoch, half a cosine from lr0 to 0 over ``max_iter``
        epochs, after a linear ``warmup``), ``step`` (per epoch, lr0 ``step_factor`` ^ floor(epoch /
        ``step_every``)), ``onecycle`` (per mini-batch step, PyTorch's OneCycleLR with max_lr = lr0).
    learning_rate_init : float > 0, default=1e-3
    power_t : float >= 0, default=0.5
    max_iter : int >= 1, default=200
        Epochs (``sgd``, ``adam``) or iterations (``lbfgs``).
    shuffle : bool, default=True
    random_state : int, RandomState, None or numpy Generator, default=None
        As in MLPClassifier: ``check_random_state(random_state)`` draws the initial weights,
        the early-stopping split and every epoch's shuffle, in that order. A Generator is
        also accepted (and drawn from in the same order).
    tol : float >= 0, default=1e-4
    verbose : bool, default=False
        Print one line per epoch.
    warm_start : bool, default=False
        Continue from the current ``coefs_`` / ``intercepts_`` (also weights you assigned).
    momentum : float in [0, 1], default=0.9
    nesterovs_momentum : bool, default=True
    early_stopping : bool, default=False
    validation_fraction : float in [0, 1), default=0.1
    beta_1, beta_2 : float in [0, 1), default=0.9, 0.999
    epsilon : float > 0, default=1e-8
    n_iter_no_change : int >= 1, default=10
    max_fun : int >= 1, default=15000
    weight_init : {"glorot", "he", "small_normal"}, default="glorot"
        Ours. ``glorot`` is MLPClassifier's scheme; ``he`` is N(0, 2 / fan_in); ``small_normal``
        is N(0, 1) * 0.01 as in the original project (all drawn from the same stream).
    track : str, sequence of str or None, default=None
        Ours. What to measure every ``track_every`` epochs, into ``history_``: ``"sharpness"`` (the
        largest eigenvalue of the loss's Hessian), ``"grad_norms"``, ``"update_ratios"`` and
        ``"activation_std"`` (per layer), ``"weights"`` (into ``trajectory_``); see
        :mod:`digitnet.nn.tracking`. Measuring changes nothing of the training. sgd and adam only.
    track_every : int >= 1, default=1
        Ours. Measure after 0, k, 2k, ... epochs (the sharpness costs some tens of gradients).
    dropout : float in [0, 1) or sequence of them, default=0.0
        Ours. Inverted dropout on the hidden layers' outputs while training (one rate for all, or one per
        hidden layer): A[l] = f(Z[l]) M[l] with M[l] = [u >= p] / (1 - p), u ~ U[0, 1), so E[A[l]] =
        f(Z[l]) and prediction uses no mask. The masks are drawn from the fit's stream after
        scikit-learn's draws (each epoch: the shuffle, then batch by batch, layer by layer); 0 draws
        nothing. A stochastic solver only.
    class_weight : None, "balanced" or dict, default=None
        Ours. Weights of the classes, multiplied into ``sample_weight`` as scikit-learn's
        ``compute_sample_weight(class_weight, y)`` gives them (``"balanced"``: n / (n_classes
        x count of the class)); ``partial_fit`` takes a dict only.
    label_smoothing : float in [0, 1], default=0.0
        Ours. The cross-entropy against smoothed targets, as PyTorch's ``cross_entropy(...,
        label_smoothing=eps)``: Y' = (1 - eps) Y + eps / K (K classes; 2 for each logistic unit), so
        loss = (1 - eps) (-log p_true) + eps mean_k(-log p_k); ``history_`` records that loss (validation too).
    weight_decay : float >= 0, default=0.01
        Ours: ``adamw``'s decoupled decay (PyTorch's default), of the weights, not the biases.
    rho : float in [0, 1), default=0.99
        Ours: ``rmsprop``'s decay of the mean square gradient (PyTorch's ``alpha``).
    warmup : int >= 0, default=0
        Ours: epochs of linear warmup of the ``cosine`` schedule (lr0 (e + 1) / (warmup + 1)).
    step_every : int >= 1, default=50
    step_factor : float > 0, default=0.1
        Ours: the ``step`` schedule multiplies the rate by ``step_factor`` every ``step_every`` epochs.
    callbacks : list or None, default=None
        Ours. Objects called after each epoch with its ``history_`` entry, which may stop training
        (:mod:`digitnet.estimator.callbacks`: early stopping on any quantity, reducing the rate on a
        plateau, checkpoints, a progress bar, stopping on a loss that is not finite).

    Attributes
    ----------
    classes_, coefs_, intercepts_, loss_, loss_curve_, best_loss_,
    validation_scores_, best_validation_score_, n_iter_, t_, n_features_in_, feature_names_in_,
    n_layers_, n_outputs_, out_activation_ :
        As in MLPClassifier. ``coefs_[l]`` has shape (fan_in, fan_out).
    history_ : dict of lists
        Ours. Per epoch: ``loss`` and ``accuracy`` on the training data (running values over
        the epoch's batches, like ``loss_curve_``), and ``val_loss`` / ``val_accuracy`` when rows
        are held out (``early_stopping=True``, or ``fit(X, y, X_val=..., y_val=...)``); with ``track``, the
        tracked numbers (``sharpness``, ``grad_norm_1``, ...: NaN at the epochs not measured).
    trajectory_ : digitnet.nn.tracking.Trajectory
        Ours, with ``track=("weights",)``: the flat weights after 0, k, 2k, ... epochs and at the end.
    """

    _parameter_constraints: dict = {
        **BaseNumpyMLP._parameter_constraints,
        "class_weight": [None, StrOptions({"balanced"}), dict],
        "label_smoothing": [Interval(Real, 0, 1, closed="both")],
    }
    _score_name = "accuracy"
    _history_keys = ("loss", "accuracy")

    def __init__(
        self,
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
        class_weight: dict | str | None = None,
        label_smoothing: float = 0.0,
        weight_decay: float = 0.01,
        rho: float = 0.99,
        warmup: int = 0,
        step_every: int = 50,
        step_factor: float = 0.1,
        callbacks: list[Callback] | None = None,
        track: str | Sequence[str] | None = None,
        track_every: int = 1,
    ) -> None:
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
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing
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
        self,
        X: ArrayLike | sparse.spmatrix,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        classes: ArrayLike | None = None,
    ) -> NumpyMLPClassifier:
        """Train for exactly one epoch on (X, y).

        ``classes`` (all labels that will ever be seen) is required on the first call.
        """
        self._validate_params()
        if not hasattr(self, "classes_"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y if type_of_target(y).startswith("multilabel") else classes)
            self.classes_ = self._label_binarizer.classes_
        elif classes is not None and not np.array_equal(self.classes_, unique_labels(classes)):
            raise ValueError(
                f"`classes={classes}` is not the same as on last call to partial_fit, was: {self.classes_}"
            )
        return self._fit(X, y, sample_weight, incremental=True)

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self, X, y, accept_sparse=SPARSE_FORMATS, multi_output=True, dtype=(np.float64, np.float32), reset=reset
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as in the previous call"
                        f" to fit. Previously got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes_}. 'y' has {classes}."
                )
        return X, self._targets(y, X.dtype)

    def _label_smoothing(self):
        return self.label_smoothing

    def _with_class_weight(self, Y, sample_weight, incremental):
        """``sample_weight`` times ``compute_sample_weight(class_weight, y)`` (y: the labels Y encodes); unchanged
        (None stays None) without class weights."""
        if self.class_weight is None:
            return sample_weight
        if incremental and self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported for partial_fit (one call sees part of the"
                " data); compute the weights once, e.g. sklearn.utils.class_weight.compute_class_weight"
                "('balanced', classes=classes, y=y), and pass them as a dict"
            )
        if self._label_binarizer.y_type_.startswith("multilabel"):
            y = Y
        else:
            y = self.classes_[Y.argmax(axis=1) if Y.shape[1] > 1 else (Y[:, 0] > 0.5).astype(int)]
        weights = compute_sample_weight(self.class_weight, y).astype(Y.dtype)
        return weights if sample_weight is None else sample_weight * weights

    def _check_eval_targets(self, y_val):
        """Validation labels must be among the training classes: LabelBinarizer would encode an unseen one as
        all zeros, and it would be scored as a wrong answer for a class that the network cannot predict."""
        if self._label_binarizer.y_type_.startswith("multilabel"):
            return
        labels = unique_labels(y_val)
        unseen = np.setdiff1d(labels, self.classes_)
        if len(unseen):
            raise ValueError(
                f"y_val contains previously unseen labels: {unseen}. The training labels (`classes_`)"
                f" are {self.classes_}."
            )

    def _targets(self, y, dtype):
        """Labels as 0/1 indicators in the compute dtype (A - Y then stays in that dtype)."""
        if getattr(self, "_label_binarizer", None) is None:  # fitted by hand: binarize with the classes set
            self._label_binarizer = LabelBinarizer().fit(self.classes_)
        return self._label_binarizer.transform(np.asarray(y)).astype(dtype)

    def _output_activation(self):
        """Softmax over the classes, or logistic units (two classes, one class, or several labels)."""
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _stratify(self, Y):
        """Early stopping's split is stratified with one output unit (as scikit-learn: on the 0/1 targets)."""
        return Y.astype(bool) if self.n_outputs_ == 1 else None

    def predict_proba(self, X: ArrayLike | sparse.spmatrix) -> np.ndarray:
        """Probability of each class, shape (n_samples, n_classes), columns ordered as ``classes_``."""
        Z = self._forward(X)
        if self.n_outputs_ == 1:
            P = np.hstack([sigmoid(-Z), sigmoid(Z)])  # not 1 - p, which rounds to 0 sooner
        else:
            P = activations.get(self.out_activation_).apply(Z, out=Z)
        # A true probability is never 0; exp() underflowing to 0 would make log(predict_proba) -inf.
        # Floor at the smallest normal float instead, so that predict_log_proba is finite everywhere.
        return np.maximum(P, np.finfo(P.dtype).tiny, out=P)

    def predict_log_proba(self, X: ArrayLike | sparse.spmatrix) -> np.ndarray:
        """``log(predict_proba(X))``, as in MLPClassifier: finite everywhere (probabilities are floored at the
        smallest normal float), with the same argmax as ``predict_proba``."""
        return np.log(self.predict_proba(X))

    def predict(self, X: ArrayLike | sparse.spmatrix) -> np.ndarray:
        """Predicted class labels, shape (n_samples,) (or label indicators for multilabel y)."""
        Z = self._forward(X)
        P = activations.get(self.out_activation_).apply(Z, out=Z)
        if self.n_outputs_ == 1:
            P = P.ravel()
        return self._label_binarizer.inverse_transform(P)

    def __sklearn_is_fitted__(self):
        return super().__sklearn_is_fitted__() and hasattr(self, "classes_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
