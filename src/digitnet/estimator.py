"""``NumpyMLPClassifier``: a scikit-learn classifier on top of :mod:`digitnet.nn`.

A drop-in for :class:`sklearn.neural_network.MLPClassifier`: same parameters,
defaults, fitted attributes, stopping rules and numbers (from the same starting
weights), plus two activations (``leaky_relu``, ``elu``), a choice of weight
initialisation, and a per-epoch ``history_`` ready to plot.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.optimize
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d, validate_data

from .nn import _fast
from .nn.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, log_sigmoid, log_softmax, sigmoid
from .nn.network import WEIGHT_INITS, compute_loss, correct_mask, forward_pass, initialize_weights, n_parameters, unpack
from .nn.optimizers import SCHEDULES, SGD, Adam
from .resources import available_memory, gib, training_bytes

_STOCHASTIC_SOLVERS = ("sgd", "adam")


class NumpyMLPClassifier(ClassifierMixin, BaseEstimator):
    """Multi-layer perceptron classifier written with NumPy alone.

    Parameters mean what they mean for :class:`sklearn.neural_network.MLPClassifier`
    and have the same defaults; see its documentation for the details.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units of each hidden layer.
    activation : {"identity", "logistic", "tanh", "relu", "leaky_relu", "elu"}, default="relu"
        Hidden-layer activation. ``leaky_relu`` has slope 0.01 below zero, ``elu`` alpha 1.
    solver : {"lbfgs", "sgd", "adam"}, default="adam"
    alpha : float >= 0, default=1e-4
        L2 penalty; the loss adds ``alpha / (2 n) * sum ||W||^2``.
    batch_size : int or "auto", default="auto"
        ``auto`` = min(200, n_samples).
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Schedule (``sgd`` only).
    learning_rate_init : float > 0, default=1e-3
    power_t : float >= 0, default=0.5
    max_iter : int >= 1, default=200
        Epochs (``sgd``, ``adam``) or iterations (``lbfgs``).
    shuffle : bool, default=True
    random_state : int, numpy Generator or None, default=None
        Seeds ``np.random.default_rng`` for initialisation, shuffling and the
        early-stopping split.
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
        ``glorot`` is MLPClassifier's scheme; ``small_normal`` is N(0, 1) * 0.01
        as in the original project.

    Attributes
    ----------
    classes_, coefs_, intercepts_, loss_, loss_curve_, best_loss_,
    validation_scores_, best_validation_score_, n_iter_, t_, n_features_in_,
    n_layers_, n_outputs_, out_activation_ :
        As in MLPClassifier. ``coefs_[l]`` has shape (fan_in, fan_out).
    history_ : dict of lists
        Per epoch: ``loss`` and ``accuracy`` on the training data (running
        values over the epoch's batches, like ``loss_curve_``), and
        ``val_loss`` / ``val_accuracy`` when a validation split is used
        (``early_stopping=True`` or ``fit(..., validation_data=(X, y))``).
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS))],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state", np.random.Generator],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "weight_init": [StrOptions(set(WEIGHT_INITS))],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        weight_init="glorot",
    ):
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

    # ------------------------------------------------------------------ fit

    def fit(self, X, y, sample_weight=None, *, validation_data=None):
        """Fit the model to data X and labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        sample_weight : array-like of shape (n_samples,), optional
            Weights in the loss, as MLPClassifier defines them.
        validation_data : (X_val, y_val), optional
            Data scored after every epoch into ``history_`` (``val_loss``,
            ``val_accuracy``); it does not influence training.

        Returns
        -------
        self
        """
        self._validate_params()
        return self._fit(X, y, sample_weight, incremental=False, validation_data=validation_data)

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(f"partial_fit is only available for stochastic optimizers. {self.solver} is not stochastic.")
        return True

    @available_if(_check_solver)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
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
                f"`classes={classes}` is not the same as on last call to partial_fit, was: {self.classes_}")
        return self._fit(X, y, sample_weight, incremental=True)

    def _layer_units(self, n_features):
        hidden = self.hidden_layer_sizes
        hidden = list(hidden) if hasattr(hidden, "__iter__") else [hidden]
        if not all(isinstance(h, Integral) and not isinstance(h, bool) for h in hidden):
            # as MLPClassifier, which cannot build a layer of 10.5 units either (and never rounds)
            raise TypeError(f"hidden_layer_sizes must be integers, got {self.hidden_layer_sizes}.")
        if any(h <= 0 for h in hidden):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {hidden}.")
        return [n_features, *[int(h) for h in hidden], self.n_outputs_]

    def _check_memory(self, layer_units, n_samples, dtype):
        """Refuse, before allocating anything, a network this machine has not the memory to train."""
        available = available_memory()
        needed = training_bytes(layer_units, n_samples, batch_rows(self.solver, self.batch_size, n_samples),
                                np.dtype(dtype).itemsize, lbfgs=self.solver == "lbfgs")
        if available is not None and needed > available:
            raise MemoryError(
                f"a network of layer sizes {'-'.join(map(str, layer_units))} ({n_parameters(layer_units):,}"
                f" weights and biases) needs about {gib(needed)} of memory to train, more than the {gib(available)}"
                f" available; use smaller hidden_layer_sizes")

    def _fit(self, X, y, sample_weight, incremental, validation_data=None):
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        self._rng = (self.random_state if isinstance(self.random_state, np.random.Generator)
                     else np.random.default_rng(_seed_of(self.random_state)))
        self.n_outputs_ = Y.shape[1]
        layer_units = self._layer_units(X.shape[1])
        self._check_memory(layer_units, X.shape[0], X.dtype)
        if first_pass or not hasattr(self, "n_layers_"):
            # A warm start from weights the user assigned before any fit keeps them.
            self._initialize(layer_units, X.dtype, keep_weights=not first_pass)
        else:
            self._ensure_training_state()
        self._record_input_range(X, reset=first_pass)
        self._adopt_parameters(layer_units, X.dtype)
        self._weights, self._biases = unpack(self._flat, layer_units)

        with _fast.blas_threads(batch_rows(self.solver, self.batch_size, X.shape[0]), layer_units):
            if self.solver in _STOCHASTIC_SOLVERS:
                self._fit_stochastic(X, Y, sample_weight, layer_units, incremental, validation_data)
            else:
                self._fit_lbfgs(X, Y, sample_weight, validation_data)

        self._check_finite()
        return self

    def _check_finite(self):
        """As MLPClassifier: weights that are not finite after training are an error."""
        if not np.isfinite(self._flat).all():
            raise ValueError("Solver produced non-finite parameter weights. The input data may contain"
                             " large values and need to be preprocessed.")

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, multi_output=True, dtype=(np.float64, np.float32), reset=reset)
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
                        f" to fit. Previously got {self.classes_}, `y` has {classes}")
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes_}."
                                 f" 'y' has {classes}.")
        if len(self.classes_) < 2 and self._label_binarizer.y_type_ != "multilabel-indicator":
            raise ValueError(f"The training data has only one class ({self.classes_[0]!r}); a classifier needs"
                             " at least 2 classes.")
        # Targets as 0/1 floats of the compute dtype: A - Y then stays in that dtype.
        Y = self._label_binarizer.transform(y).astype(X.dtype)
        return X, Y

    def _initialize(self, layer_units, dtype, keep_weights):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_layers_ = len(layer_units)
        self.out_activation_ = "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"
        if not keep_weights:
            self._flat, self.coefs_, self.intercepts_ = initialize_weights(
                layer_units, self.activation, self.weight_init, self._rng, dtype)
        self.history_ = {"loss": [], "accuracy": []}
        self._best_flat = None  # early stopping's best weights, set from the start weights
        if self.solver in _STOCHASTIC_SOLVERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    def _ensure_training_state(self):
        """Fill in what training keeps between calls but a model built by hand (or loaded from a file)
        may lack, with the values a fresh fit starts from, so that it can go on training."""
        defaults = {"n_iter_": 0, "t_": 0, "history_": {"loss": [], "accuracy": []}, "_no_improvement_count": 0}
        if self.solver in _STOCHASTIC_SOLVERS:
            defaults["loss_curve_"] = []
            if self.early_stopping:
                defaults.update(validation_scores_=[], best_validation_score_=-np.inf, best_loss_=None)
            else:
                defaults.update(best_loss_=np.inf, validation_scores_=None, best_validation_score_=None)
        for name, value in defaults.items():
            if getattr(self, name, None) is None and (value is not None or not hasattr(self, name)):
                setattr(self, name, value)

    def _record_input_range(self, X, reset):
        """Each feature's smallest and largest value in the training data (kept in model files, to check that
        data given to a saved model look like what it was trained on)."""
        low, high = np.min(X, axis=0), np.max(X, axis=0)
        previous = None if reset else getattr(self, "_input_range", None)
        if previous is not None and previous[0].shape == low.shape:
            low, high = np.minimum(previous[0], low), np.maximum(previous[1], high)
        self._input_range = (low, high)

    def _adopt_parameters(self, layer_units, dtype):
        """Make ``coefs_`` / ``intercepts_`` views of one flat buffer, copying in any arrays
        the user assigned, after checking their shapes."""
        flat = getattr(self, "_flat", None)
        if flat is None or flat.dtype != dtype or flat.size != n_parameters(layer_units):
            flat = np.empty(n_parameters(layer_units), dtype)
        weights, biases = unpack(flat, layer_units)
        for name, given, views in (("coefs_", self.coefs_, weights), ("intercepts_", self.intercepts_, biases)):
            if len(given) != len(views):
                raise ValueError(f"{name} has {len(given)} layers but hidden_layer_sizes={self.hidden_layer_sizes}"
                                 f" needs {len(views)}.")
            for i, (g, v) in enumerate(zip(given, views)):
                g = np.asarray(g)
                if g.shape != v.shape:
                    raise ValueError(f"{name}[{i}] has shape {g.shape} but this network needs {v.shape}.")
                if g is not v and not np.shares_memory(g, v):
                    v[...] = g
        self._flat, self.coefs_, self.intercepts_ = flat, weights, biases
        if getattr(self, "_best_flat", None) is None or self._best_flat.shape != flat.shape:
            self._best_flat = flat.copy()

    def _make_optimizer(self):
        if self.solver == "sgd":
            return SGD(self._flat, self.learning_rate_init, self.momentum, self.nesterovs_momentum,
                       self.learning_rate, self.power_t)
        return Adam(self._flat, self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon)

    def _fit_stochastic(self, X, Y, sample_weight, layer_units, incremental, validation_data):
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = self._make_optimizer()
        else:
            self._optimizer.params = self._flat  # the buffer is new after unpickling; the state carries on
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")

        X, Y, sample_weight, (X_val, Y_val, sw_val) = self._validation_parts(X, Y, sample_weight, validation_data)

        n_samples = X.shape[0]
        if self.batch_size != "auto" and self.batch_size > n_samples:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped")
        batch_size = batch_rows(self.solver, self.batch_size, n_samples)
        workspace = _fast.Workspace(layer_units, batch_size, X.dtype, n_samples)
        fn_args = dict(activation=self.activation, out_activation=self.out_activation_, alpha=self.alpha,
                       batch_size=batch_size, sample_weight=sample_weight, workspace=workspace,
                       labels=Y.argmax(axis=1) if self.out_activation_ == "softmax" else None)

        held_out = None if X_val is None else _fast.HeldOut(X_val, Y_val, sw_val, layer_units, self.out_activation_)
        self.n_iter_ = 0
        for _ in range(self.max_iter):
            order = self._rng.permutation(n_samples) if self.shuffle else None
            loss, accuracy = _fast.train_epoch(X, Y, self._weights, self._biases, self._optimizer, order=order,
                                               **fn_args)
            self.n_iter_ += 1
            if self._diverged(loss):
                break
            self.loss_ = loss
            self.t_ += n_samples
            self.loss_curve_.append(loss)
            self.history_["loss"].append(loss)
            self.history_["accuracy"].append(accuracy)
            if self.verbose:
                print("Iteration %d, loss = %.8f" % (self.n_iter_, self.loss_))
            if held_out is not None:
                self._record_validation(held_out)
            self._update_no_improvement_count()
            self._optimizer.iteration_ends(self.t_)

            if self._no_improvement_count > self.n_iter_no_change and self._stalled():
                break
            if incremental:
                break
            if self.n_iter_ == self.max_iter:
                warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the"
                              " optimization hasn't converged yet.", ConvergenceWarning)
        if self.early_stopping:
            self._flat[...] = self._best_flat

    def _diverged(self, loss):
        """Whether training diverged with this epoch's ``loss`` (and must stop). Here a loss that is not
        finite is an error; :mod:`digitnet.experiments` records divergence as a result instead."""
        if not np.isfinite(loss):
            raise ValueError(f"Training diverged at epoch {self.n_iter_}: the loss became {loss}. Use a smaller"
                             f" learning_rate_init (now {self.learning_rate_init}) or scale the input features.")
        return False

    def _validation_parts(self, X, Y, sample_weight, validation_data):
        """``(X, Y, sample_weight, (X_val, Y_val, sw_val))``: the rows to train on, and those to score every epoch
        (the early-stopping split, or ``validation_data``, or none)."""
        X_val = Y_val = sw_val = None
        if self.early_stopping:
            # The same call as MLPClassifier 1.9, so the same seed gives the same split: it
            # stratifies only with one output unit (binary), on boolean targets.
            stratify = Y > 0.5 if self.n_outputs_ == 1 else None
            arrays = (X, Y) if sample_weight is None else (X, Y, sample_weight)
            parts = train_test_split(*arrays, random_state=_seed_of(self._rng), test_size=self.validation_fraction,
                                     stratify=stratify)
            X, X_val, Y, Y_val = parts[:4]
            if sample_weight is not None:
                sample_weight, sw_val = parts[4:]
            if X_val.shape[0] < 2:
                raise ValueError("The validation set is too small. Increase 'validation_fraction' or the size"
                                 " of your dataset.")
        elif validation_data is not None:
            X_val, Y_val = self._validate_eval_data(*validation_data, dtype=X.dtype)
        if X_val is not None:
            self.history_.setdefault("val_loss", [])
            self.history_.setdefault("val_accuracy", [])
        return X, Y, sample_weight, (X_val, Y_val, sw_val)

    def _stalled(self):
        """Training stopped improving: does the optimizer stop (True), or carry on with a smaller rate?"""
        what = "Validation score" if self.early_stopping else "Training loss"
        msg = f"{what} did not improve more than tol={self.tol:f} for {self.n_iter_no_change} consecutive epochs."
        if self._optimizer.trigger_stopping(msg, self.verbose):
            return True
        self._no_improvement_count = 0
        return False

    def _validate_eval_data(self, X_val, y_val, dtype):
        X_val = validate_data(self, X_val, dtype=dtype, reset=False)
        return X_val, self._label_binarizer.transform(np.asarray(y_val)).astype(dtype)

    def _record_validation(self, held_out):
        loss, accuracy = held_out.scores(self._weights, self._biases, self.activation, self.alpha)
        self.history_["val_loss"].append(loss)
        self.history_["val_accuracy"].append(accuracy)
        if self.early_stopping:
            self.validation_scores_.append(accuracy)
            if self.verbose:
                print("Validation score: %f" % accuracy)

    def _update_no_improvement_count(self):
        if self.early_stopping:
            score = self.validation_scores_[-1]
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_flat[...] = self._flat
        else:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_curve_[-1] < self.best_loss_:
                self.best_loss_ = self.loss_curve_[-1]

    def _fit_lbfgs(self, X, Y, sample_weight, validation_data):
        layer_sizes = [w.shape[0] for w in self._weights] + [self.n_outputs_]
        workspace = _fast.Workspace(layer_sizes, X.shape[0], X.dtype)
        args = (self.activation, self.out_activation_)

        def loss_and_grad(theta):
            self._flat[...] = theta
            activations = _fast.forward_into(X, self._weights, self._biases, *args, workspace.activations)
            loss = compute_loss(Y, activations[-1], self._weights, self.alpha, sample_weight, self.out_activation_)
            grad = _fast.backward_into(activations, Y, self._weights, self.activation, self.alpha, sample_weight,
                                       workspace, self._flat)
            return loss, grad.astype(np.float64)  # a copy: scipy keeps the array it is given

        held_out = None
        if validation_data is not None:
            X_val, Y_val = self._validate_eval_data(*validation_data, dtype=X.dtype)
            held_out = _fast.HeldOut(X_val, Y_val, None, layer_sizes, self.out_activation_)
            self.history_.setdefault("val_loss", [])
            self.history_.setdefault("val_accuracy", [])

        def record(intermediate_result):
            self._flat[...] = intermediate_result.x
            P = forward_pass(X, self._weights, self._biases, *args)[-1]
            self.history_["loss"].append(float(intermediate_result.fun))
            self.history_["accuracy"].append(float(correct_mask(Y, P, self.out_activation_).mean()))
            if self.verbose:
                print("Iteration %d, loss = %.8f" % (len(self.history_["loss"]), intermediate_result.fun))
            if held_out is not None:
                self._record_validation(held_out)

        result = scipy.optimize.minimize(
            loss_and_grad, self._flat.astype(np.float64), method="L-BFGS-B", jac=True, callback=record,
            options={"maxfun": self.max_fun, "maxiter": self.max_iter, "gtol": self.tol})
        if result.status != 0:
            warnings.warn(
                "lbfgs failed to converge after %d iteration(s) (status=%d): %s\n\nIncrease the number of"
                " iterations to improve the convergence (max_iter=%d)." % (result.nit, result.status,
                                                                           result.message, self.max_iter),
                ConvergenceWarning)
        self.n_iter_ = min(result.nit, self.max_iter)
        self.loss_ = float(result.fun)
        self._flat[...] = result.x
        if not np.isfinite(self.loss_):
            raise ValueError(f"Training diverged at iteration {self.n_iter_}: the loss became {self.loss_}."
                             " Scale the input features or increase alpha.")

    # ------------------------------------------------------------ predict

    def __sklearn_is_fitted__(self):
        return hasattr(self, "n_layers_") and hasattr(self, "classes_")

    def _forward(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return forward_pass(X, self.coefs_, self.intercepts_, self.activation, "identity")[-1]

    def predict_proba(self, X):
        """Probability of each class, shape (n_samples, n_classes), columns ordered as ``classes_``."""
        Z = self._forward(X)
        if self.n_outputs_ == 1:
            P = np.hstack([sigmoid(-Z), sigmoid(Z)])  # not 1 - p, which rounds to 0 sooner
        else:
            P = ACTIVATIONS[self.out_activation_](Z, out=Z)
        # A true probability is never 0; exp() underflowing to 0 would make log(predict_proba) -inf
        # where predict_log_proba is finite. Floor at the smallest normal float instead.
        return np.maximum(P, np.finfo(P.dtype).tiny, out=P)

    def predict_log_proba(self, X):
        """Log of ``predict_proba``, computed from the logits so that it never takes log(0)."""
        Z = self._forward(X)
        if self.out_activation_ == "softmax":
            return log_softmax(Z)
        if self.n_outputs_ == 1:
            return np.hstack([log_sigmoid(-Z), log_sigmoid(Z)])
        return log_sigmoid(Z)

    def predict(self, X):
        """Predicted class labels, shape (n_samples,) (or label indicators for multilabel y)."""
        Z = self._forward(X)
        P = ACTIVATIONS[self.out_activation_](Z, out=Z)
        if self.n_outputs_ == 1:
            P = P.ravel()
        return self._label_binarizer.inverse_transform(P)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


def batch_rows(solver, batch_size, n_samples):
    """Rows per gradient step: every row for lbfgs, ``min(200, n_samples)`` for ``"auto"``, else
    ``batch_size`` clipped to [1, n_samples] (MLPClassifier's rule)."""
    if solver == "lbfgs":
        return n_samples
    if batch_size == "auto":
        return min(200, n_samples)
    return int(np.clip(batch_size, 1, n_samples))


def _seed_of(random_state):
    """An int seed for APIs that take one (train_test_split), from an int, None, RandomState or Generator."""
    if random_state is None or isinstance(random_state, Integral):
        return random_state
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**32 - 1))
    return int(random_state.randint(2**32 - 1))  # a legacy np.random.RandomState
