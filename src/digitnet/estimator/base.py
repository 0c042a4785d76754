"""What NumpyMLPClassifier and NumpyMLPRegressor share: parameters, the random streams, training.

:class:`BaseNumpyMLP` trains on :mod:`digitnet.nn` (its ``_fast`` path) exactly as
scikit-learn's ``BaseMultilayerPerceptron`` does: the same parameters and defaults, the same
random draws in the same order from ``check_random_state(random_state)`` (initial weights,
then the early-stopping split, then each epoch's shuffle), the same stopping rules, so that the
same data and ``random_state`` give the same model. The subclasses say what the targets are
(labels or values), which output and loss go with them, and how to predict.

The features scikit-learn declined are parameters too, each off by default (so that the defaults keep
MLPClassifier's numbers bit for bit): ``dropout``, the solvers ``adamw``, ``rmsprop``, ``nadam``
(:mod:`digitnet.estimator.solvers`), the schedules ``cosine``, ``step``, ``onecycle``
(:mod:`digitnet.nn.schedules`), ``gelu`` and ``silu`` and a user's own activation (:mod:`digitnet.nn.activations`),
``callbacks`` (:mod:`digitnet.estimator.callbacks`), and for the classifier ``class_weight`` and
``label_smoothing``. Dropout's masks are drawn from the same stream, after scikit-learn's draws: each
epoch, the shuffle first, then for each batch in order, for each hidden layer of rate > 0,
``rng.random((rows, units))`` (:func:`digitnet.nn.network.dropout_masks`); a rate of 0 draws nothing.
"""

from __future__ import annotations

import warnings
from collections.abc import Set
from numbers import Integral, Real
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ..nn import _fast
from ..nn.activations import HIDDEN_ACTIVATIONS, Activation, from_spec
from ..nn.network import WEIGHT_INITS, initialize_weights, n_parameters, n_weights, smooth_labels, unpack
from ..nn.schedules import SCHEDULES
from ..nn.tracking import TRACKABLE, Tracker
from ..resources import available_memory, gib, training_bytes
from .augmentation import check_augment, rows_per_epoch, with_copies
from .callback_base import check_callbacks, epoch_ends, train_begins, train_ends
from .divergence import NONFINITE_WEIGHTS
from .divergence_checks import DivergenceChecks
from .epoch_records import EpochRecords
from .lbfgs import fit_lbfgs
from .policy import FIT
from .sklearn_hooks import SklearnHooks
from .solvers import SOLVERS, STOCHASTIC_SOLVERS, dropout_rates, make_optimizer

if TYPE_CHECKING:
    from ..augment import DigitJitter, ScaledJitter
#: The input formats both estimators take (as MLPClassifier and MLPRegressor): dense, or SciPy CSR / CSC.
SPARSE_FORMATS = ["csr", "csc"]


def batch_rows(solver: str, batch_size: int | str, n_samples: int) -> int:
    """Rows per gradient step: every row for lbfgs, ``min(200, n_samples)`` for ``"auto"``, else
    ``batch_size`` clipped to [1, n_samples] (MLPClassifier's rule)."""
    if solver == "lbfgs":
        return n_samples
    if batch_size == "auto":
        return min(200, n_samples)
    return int(np.clip(batch_size, 1, n_samples))


def random_stream(
    random_state: int | np.random.RandomState | np.random.Generator | None,
) -> np.random.RandomState | np.random.Generator:
    """Where a fit draws from: ``check_random_state(random_state)`` (an int or None gives a new
    RandomState, a RandomState is used as it is), as scikit-learn's estimators do; a NumPy
    Generator is also accepted and used as it is."""
    return random_state if isinstance(random_state, np.random.Generator) else check_random_state(random_state)


def shuffled(order: np.ndarray, rng: np.random.RandomState | np.random.Generator) -> np.ndarray:
    """``order`` in a new random order, drawn as ``sklearn.utils.shuffle(order, random_state=rng)`` draws it
    (a permutation of arange(n), shuffled in place by the stream, applied to ``order``)."""
    indices = np.arange(len(order))
    rng.shuffle(indices)
    return order[indices]


class _RegisteredActivations(Set):
    """The hidden activations registered now (:mod:`digitnet.nn.activations`): one a user registers is accepted."""

    def __contains__(self, name):
        return name in HIDDEN_ACTIVATIONS

    def __iter__(self):
        return iter(HIDDEN_ACTIVATIONS)

    def __len__(self):
        return len(HIDDEN_ACTIVATIONS)

    @classmethod
    def _from_iterable(cls, names):  # what set operations build: a plain set
        return set(names)


class BaseNumpyMLP(EpochRecords, DivergenceChecks, SklearnHooks, BaseEstimator):
    """The shared estimator (not to be used directly): see NumpyMLPClassifier and NumpyMLPRegressor.

    Extension points. The stochastic solvers train in one loop, :meth:`_fit_stochastic`, which every
    training of digitnet runs (fits, the studies' runs, ``functional.train_model``). What differs
    between them is the ``training_policy`` (:class:`~digitnet.estimator.policy.TrainingPolicy`: what
    divergence does, what a warm start keeps), a class attribute that a subclass or an instance sets;
    the activation is a name in :mod:`digitnet.nn.activations`' registry, where a new one is added (or an
    ``Activation``, or a pair of functions); ``callbacks`` see every epoch and may stop training.
    The loop's steps are not meant to be overridden.
    """

    #: scikit-learn's behaviour (see :class:`~digitnet.estimator.policy.TrainingPolicy`).
    training_policy = FIT
    #: The epoch at which training diverged, when the policy stops there (``"stop"``); else None.
    diverged_at_ = None

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(_RegisteredActivations()), Activation, tuple],
        "solver": [StrOptions(set(SOLVERS))],
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
        "track": [None, StrOptions(set(TRACKABLE)), "array-like"],
        "track_every": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "rho": [Interval(Real, 0, 1, closed="left")],
        "warmup": [Interval(Integral, 0, None, closed="left")],
        "step_every": [Interval(Integral, 1, None, closed="left")],
        "step_factor": [Interval(Real, 0, None, closed="neither")],
        "callbacks": [None, list],
    }

    #: The score of held-out rows ("accuracy" or "r2": ``history_["val_<name>"]``, early stopping's measure).
    _score_name = "score"
    #: What ``history_`` records for the training rows every epoch (a classifier adds its running accuracy).
    _history_keys = ("loss",)

    # ------------------------------------------------------------------ the public fit methods

    def fit(
        self,
        X: ArrayLike | sparse.spmatrix,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        *,
        X_val: ArrayLike | sparse.spmatrix | None = None,
        y_val: ArrayLike | None = None,
        sample_weight_val: ArrayLike | None = None,
        augment: DigitJitter | ScaledJitter | None = None,
    ) -> BaseNumpyMLP:
        """Fit the model to data X and targets y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), optional
            Weights in the loss, as scikit-learn defines them.
        X_val, y_val : validation data, optional
            Scored after every epoch into ``history_`` (``val_loss`` and ``val_<score>``); it does not
            change training (the convention of scikit-learn's HistGradientBoosting estimators).
        sample_weight_val : array-like of shape (n_val,), optional
        augment : DigitJitter or None, optional
            Ours: train each epoch on the rows and ``augment.copies`` new jittered copies of them, drawn from
            ``random_state``'s stream (:mod:`digitnet.estimator.augmentation`); a stochastic solver only.

        Returns
        -------
        self
        """
        self._validate_params()
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together (or neither).")
        if sample_weight_val is not None and X_val is None:
            raise ValueError("sample_weight_val needs X_val and y_val.")
        validation = None if X_val is None else (X_val, y_val, sample_weight_val)
        return self._fit(X, y, sample_weight, incremental=False, validation=validation, augment=augment)

    def _check_solver(self):
        if self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError(
                f"partial_fit is only available for stochastic optimizers. {self.solver} is not stochastic."
            )
        return True

    # ------------------------------------------------------------------ training

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
        needed = training_bytes(
            layer_units,
            n_samples,
            batch_rows(self.solver, self.batch_size, n_samples),
            np.dtype(dtype).itemsize,
            lbfgs=self.solver == "lbfgs",
        )
        if available is not None and needed > available:
            raise MemoryError(
                f"a network of layer sizes {'-'.join(map(str, layer_units))} ({n_parameters(layer_units):,}"
                f" weights and biases) needs about {gib(needed)} of memory to train, more than the {gib(available)}"
                f" available; use smaller hidden_layer_sizes"
            )

    def _fit(self, X, y, sample_weight, incremental, validation=None, augment=None):
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        sample_weight = self._with_class_weight(Y, sample_weight, incremental)
        self.n_outputs_ = Y.shape[1]
        layer_units = self._layer_units(X.shape[1])
        self._act = from_spec(self.activation)  # a name (as it is), or an Activation object
        self._dropout = dropout_rates(self.dropout, len(layer_units) - 2, self.solver)
        callbacks = check_callbacks(self.callbacks)
        self._random_state = random_stream(self.random_state)  # as scikit-learn, afresh at every fit
        self._augment = check_augment(augment, self.solver, X)  # the fit option: new copies of the rows every epoch
        self._check_memory(layer_units, rows_per_epoch(self._augment, X.shape[0]), X.dtype)
        if first_pass or not hasattr(self, "n_layers_"):
            # A warm start from weights the user assigned before any fit keeps them.
            self._initialize(layer_units, X.dtype, keep_weights=not first_pass)
        else:
            self._ensure_training_state()
        self._record_input_range(X, reset=first_pass)
        self._adopt_parameters(layer_units, X.dtype)
        self._weights, self._biases = unpack(self._flat, layer_units)

        self._warned_divergence = False  # a fit says once that it diverged
        with _fast.blas_threads(batch_rows(self.solver, self.batch_size, X.shape[0]), layer_units):
            if self.solver in STOCHASTIC_SOLVERS:
                self._fit_stochastic(X, Y, sample_weight, layer_units, incremental, validation, callbacks)
            else:
                fit_lbfgs(self, X, Y, sample_weight, validation, callbacks)
        self._check_finite()
        return self

    def _check_finite(self):
        """As scikit-learn: weights that are not finite after training are an error (unless the policy stopped
        training where it diverged: a diverged model is a result, not used)."""
        if self.diverged_at_ is None and not np.isfinite(self._flat).all():
            raise ValueError(NONFINITE_WEIGHTS)

    def _initialize(self, layer_units, dtype, keep_weights):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_layers_ = len(layer_units)
        self.out_activation_ = self._output_activation()
        if not keep_weights:  # drawn from the fit's stream first, as scikit-learn draws them
            self._flat, self.coefs_, self.intercepts_ = initialize_weights(
                layer_units, self._act, self.weight_init, self._random_state, dtype
            )
        self.history_ = {key: [] for key in self._history_keys}
        self._best_flat = None  # early stopping's best weights, set from the start weights
        self._divergence = None  # the divergence rule, fixed by the first fit from these weights
        self._order = None  # the row order the shuffles left (kept across warm starts by a resuming policy)
        self.diverged_at_ = None
        if self.solver in STOCHASTIC_SOLVERS:
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
        defaults = {
            "n_iter_": 0,
            "t_": 0,
            "history_": {key: [] for key in self._history_keys},
            "_no_improvement_count": 0,
            "out_activation_": self._output_activation(),
        }
        if self.solver in STOCHASTIC_SOLVERS:
            defaults["loss_curve_"] = []
            if self.early_stopping:
                defaults.update(validation_scores_=[], best_validation_score_=-np.inf, best_loss_=None)
            else:
                defaults.update(best_loss_=np.inf, validation_scores_=None, best_validation_score_=None)
        for name, value in defaults.items():
            if getattr(self, name, None) is None and (value is not None or not hasattr(self, name)):
                setattr(self, name, value)
        for key in self._history_keys:
            self.history_.setdefault(key, [])

    def _record_input_range(self, X, reset):
        """Each feature's smallest and largest value in the training data (kept in model files, to check that
        data given to a saved model look like what it was trained on)."""
        if sparse.issparse(X):
            low, high = (np.asarray(m.todense()).ravel() for m in (X.min(axis=0), X.max(axis=0)))
        else:
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
                raise ValueError(
                    f"{name} has {len(given)} layers but hidden_layer_sizes={self.hidden_layer_sizes}"
                    f" needs {len(views)}."
                )
            for i, (g, v) in enumerate(zip(given, views)):
                g = np.asarray(g)
                if g.shape != v.shape:
                    raise ValueError(f"{name}[{i}] has shape {g.shape} but this network needs {v.shape}.")
                if g is not v and not np.shares_memory(g, v):
                    v[...] = g
        self._flat, self.coefs_, self.intercepts_ = flat, weights, biases
        if getattr(self, "_best_flat", None) is None or self._best_flat.shape != flat.shape:
            self._best_flat = flat.copy()

    def _optimizer_for(self, incremental, steps_per_epoch, layer_units):
        """The optimizer of this fit: partial_fit's goes on; a warm start's too under a resuming policy (while the
        weights are the same buffer); otherwise a new one, as scikit-learn builds (with its schedule:
        :func:`~digitnet.estimator.solvers.make_optimizer`)."""
        kept = getattr(self, "_optimizer", None)
        if incremental and kept is not None:
            kept.params = self._flat  # the buffer is new after unpickling; the state carries on
            return kept
        if self.training_policy.resume and kept is not None and kept.params is self._flat:
            return kept
        return make_optimizer(self, self._flat, n_weights(layer_units), steps_per_epoch)

    def _start_order(self, n_samples):
        """The row order the first epoch's shuffle starts from: 0..n-1, as in scikit-learn; under a resuming policy,
        the order the last fit's shuffles left."""
        kept = getattr(self, "_order", None) if self.training_policy.resume else None
        return kept if kept is not None and len(kept) == n_samples else np.arange(n_samples, dtype=int)

    def _fit_stochastic(self, X, Y, sample_weight, layer_units, incremental, validation, callbacks):
        """The one training loop: epochs of mini-batches until ``max_iter``, the stopping rule, divergence, a callback.

        Each epoch: shuffle the rows (drawn from the fit's stream as scikit-learn draws), train
        (:func:`digitnet.nn._fast.train_epoch`, dropout's masks drawn after the shuffle), judge divergence
        against the rule fixed before the first update, record (loss, scores, validation, the stopping count,
        the schedule), stop if stalled, then call the callbacks (which may stop it). What divergence does and
        what a warm start keeps are the ``training_policy``'s (:class:`~digitnet.estimator.policy.TrainingPolicy`).
        """
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        X, Y, sample_weight, held_out = self._validation_parts(X, Y, sample_weight, validation, layer_units)
        Y = self._smoothed(Y)  # after the split, which is stratified on the labels
        X, Y, sample_weight, copies = with_copies(self._augment, X, Y, sample_weight, self._random_state)
        n_samples = X.shape[0]
        if self.batch_size != "auto" and self.batch_size > n_samples:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped")
        batch_size = batch_rows(self.solver, self.batch_size, n_samples)
        self._optimizer = self._optimizer_for(incremental, -(-n_samples // batch_size), layer_units)
        fn_args = self._epoch_arguments(X, Y, sample_weight, batch_size, layer_units)
        if getattr(self, "_divergence", None) is None:  # before the first update (a warm start keeps its fit's)
            self._divergence = self._divergence_rule(X, Y, sample_weight, batch_size, fn_args["workspace"])
        order = self._start_order(n_samples)
        train_begins(callbacks, self)
        self.n_iter_ = 0
        tracker = self._tracker(X, Y, sample_weight, layer_units)  # None unless track= is set: then nothing changes
        for epoch in range(self.max_iter):
            if copies is not None and epoch:
                copies.redraw()  # each epoch its own copies (the first epoch's were drawn above)
            if self.shuffle:
                order = self._order = shuffled(order, self._random_state)
            if tracker:
                tracker.before_epoch(self._flat, self.history_)
            loss, score = _fast.train_epoch(
                X, Y, self._weights, self._biases, self._optimizer, order=order if self.shuffle else None, **fn_args
            )
            self.n_iter_ += 1
            if self._diverged(loss) and self._on_divergence(loss):
                break
            self._end_epoch(loss, score, n_samples, held_out)
            if tracker:
                tracker.after_epoch(self._flat, self.history_)
            if self._no_improvement_count > self.n_iter_no_change and self._stalled():
                break
            if epoch_ends(callbacks, self) or incremental:
                break
            if self.n_iter_ == self.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the"
                    " optimization hasn't converged yet.",
                    ConvergenceWarning,
                )
        if tracker:
            self.trajectory_ = tracker.trajectory(self._flat, self.history_, getattr(self, "trajectory_", None))
        if self.early_stopping:
            self._flat[...] = self._best_flat
        train_ends(callbacks, self)

    def _epoch_arguments(self, X, Y, sample_weight, batch_size, layer_units):
        """The keyword arguments of every epoch's :func:`digitnet.nn._fast.train_epoch` in this fit."""
        return dict(
            activation=self._act,
            out_activation=self.out_activation_,
            alpha=self.alpha,
            batch_size=batch_size,
            sample_weight=sample_weight,
            workspace=_fast.Workspace(layer_units, batch_size, X.dtype, X.shape[0], self._act, self._dropout),
            labels=Y.argmax(axis=1) if self.out_activation_ == "softmax" else None,
            dropout=self._dropout,
            rng=self._random_state,
            soft=self._soft_targets(),
        )

    def _label_smoothing(self):
        """The label smoothing of this estimator's targets (a classifier's parameter; a regressor's is 0)."""
        return 0.0

    def _smoothed(self, Y):
        """The targets training fits: Y, or with label smoothing :func:`~digitnet.nn.network.smooth_labels` (Y)."""
        return smooth_labels(Y, self._label_smoothing(), self.out_activation_)

    def _soft_targets(self):
        """Whether the smoothed rows of a softmax's targets are no longer one-hot (the loss then sums every class)."""
        return bool(self._label_smoothing()) and self.out_activation_ == "softmax"

    def _with_class_weight(self, Y, sample_weight, incremental):
        """The sample weights of this fit, with a classifier's class weights multiplied in (a regressor has none)."""
        return sample_weight

    def _tracker(self, X, Y, sample_weight, layer_units):
        """What ``track=`` asks to measure every ``track_every`` epochs (:mod:`digitnet.nn.tracking`), or None.

        The one hook of tracking in the loop: before each epoch the tracker measures at the weights (when the
        epoch is a tracked one), after it appends to ``history_``; it reads the weights and the rows, and draws
        nothing, so a tracked fit trains as an untracked one. The stochastic solvers only.
        """
        if getattr(self, "track", None) is None:
            return None
        return Tracker(
            self.track,
            self.track_every,
            self.history_,
            X,
            Y,
            sample_weight,
            layer_units,
            self.activation,
            self.out_activation_,
            self.alpha,
        )

    def _validation_parts(self, X, Y, sample_weight, validation, layer_units):
        """``(X, Y, sample_weight, held_out)``: the rows to train on, and those to score every epoch
        (the early-stopping split, drawn as scikit-learn draws it, or ``X_val``; or none)."""
        if not self.early_stopping:
            return X, Y, sample_weight, self._held_out(validation, X.dtype, layer_units)
        rng = self._random_state  # train_test_split takes a RandomState, or a seed drawn from a Generator
        seed = rng if isinstance(rng, np.random.RandomState) else int(rng.integers(2**32 - 1))
        arrays = (X, Y) if sample_weight is None else (X, Y, sample_weight)
        parts = train_test_split(
            *arrays, test_size=self.validation_fraction, stratify=self._stratify(Y), random_state=seed
        )
        X, X_val, Y, Y_val = parts[:4]
        sample_weight, sw_val = parts[4:] if sample_weight is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' or the size of your dataset."
            )
        return X, Y, sample_weight, self._held_out((X_val, Y_val, sw_val), X.dtype, layer_units, checked=True)

    def _validate_eval_data(self, X_val, y_val, sample_weight_val, dtype):
        X_val = validate_data(self, X_val, accept_sparse=SPARSE_FORMATS, dtype=dtype, reset=False)
        sw_val = None if sample_weight_val is None else _check_sample_weight(sample_weight_val, X_val)
        self._check_eval_targets(y_val)
        return X_val, self._targets(y_val, dtype), sw_val

    def _check_eval_targets(self, y_val):
        """Refuse held-out targets that training cannot score (a classifier: labels it never saw)."""

    # ------------------------------------------------------------------ prediction

    def __sklearn_is_fitted__(self):
        return hasattr(self, "n_layers_") and hasattr(self, "coefs_")

    def _forward(self, X):
        """The output layer's Z (before its activation) for the rows of X."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=SPARSE_FORMATS, reset=False, dtype=(np.float64, np.float32))
        return _fast.forward(X, self.coefs_, self.intercepts_, from_spec(self.activation), "identity")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
