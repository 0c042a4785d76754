"""``DigitsClassifier``: raw pixels in; scaling, augmentation, an ensemble and test-time augmentation inside.

One estimator for the whole recipe that takes a multi-layer perceptron furthest on the Digits data, so
that it can be written down as a class name and its parameters and refitted by anyone:

1. the raw pixels (0..16) are scaled (``scaling``: ``"max"`` divides them by their largest value, 16;
   ``"standard"`` standardises each pixel), the scaler fitted on the training rows;
2. ``n_members`` networks (:class:`~digitnet.NumpyMLPClassifier`, each with the member parameters and its
   own seed) are trained, on worker processes (``n_jobs``), each epoch on the rows and ``augment_copies``
   new jittered copies of them (the fit option ``augment``: the raw images jittered by
   :class:`~digitnet.augment.DigitJitter`, then scaled);
3. a prediction averages the members' probabilities, over the image and ``tta`` jittered copies of it
   (test-time augmentation).

Why one class (and its name). The ladder's top rung must be refittable from a class name and JSON
parameters, and a Pipeline of a jitter, a scaler and a meta-estimator of networks is neither one name
nor plain parameters. It is named for its input, raw Digits images (``image_shape`` pixels whose
background is 0), which its augmentation needs; with ``augment_copies=0`` and ``tta=0`` it is an
ensemble of networks for any features.

Randomness. Everything is drawn from ``random_state`` (``check_random_state``, afresh at each fit; a
Generator is used as it is): first the members' seeds, ``n_members`` integers below 2^31 - 1, as
scikit-learn's ensembles draw them (``member_seeds_``); then each member draws from its own seed, as
``NumpyMLPClassifier(random_state=seed)`` does (its weights, shuffles, dropout masks and its epochs'
jittered copies). So the members, and the model, are the same whether they are trained in one process
or on several. Test-time augmentation draws its copies at each prediction from ``random_state`` afresh
(the same copies every time for an int; different ones for None).
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from ..augment import DigitJitter, ScaledJitter, tta_proba
from ..data import SCALINGS, scaler_for
from ..estimator import NumpyMLPClassifier, random_stream
from ..experiments.chunks import cancellation_quiet, n_workers_of

#: NumpyMLPClassifier's parameters that a member does not take: ``random_state`` (each member has its seed),
#: ``warm_start`` (a refit trains new members), ``callbacks`` (objects acting on one training; members train
#: in other processes), ``track`` / ``track_every`` (measurements of one training) and ``verbose``.
NOT_MEMBER_PARAMS = ("random_state", "warm_start", "callbacks", "track", "track_every", "verbose")
#: The parameters of the recipe itself (the others are the members').
OWN_PARAMS = (
    "scaling",
    "augment_copies",
    "shift",
    "rotation",
    "zoom",
    "elastic",
    "elastic_sigma",
    "tta",
    "image_shape",
    "n_members",
    "n_jobs",
    "random_state",
)
#: The members' seeds are drawn below this (scikit-learn's ensembles draw their estimators' seeds so).
MAX_SEED = np.iinfo(np.int32).max


def _fit_member(params, seed, X, y, sample_weight, augment):
    """One member, fitted (in a worker process or here), and the warnings its fit gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        member = NumpyMLPClassifier(**params, random_state=seed).fit(X, y, sample_weight, augment=augment)
    return member, [w.message for w in caught]


class DigitsClassifier(ClassifierMixin, BaseEstimator):
    """An ensemble of NumpyMLPClassifier networks on scaled, jittered raw digit images (see the module docstring).

    Parameters
    ----------
    scaling : {"max", "standard"}, default="max"
        How raw pixels become the networks' inputs (:data:`digitnet.data.SCALINGS`): divided by the largest
        value of the training rows (:class:`~digitnet.data.MaxScaler`), or standardised per pixel.
    augment_copies : int >= 0, default=0
        Jittered copies of the training rows drawn anew every epoch for each member (0: none).
    shift, rotation, zoom, elastic, elastic_sigma : float, default=0.5, 10.0, 0.1, 0.0, 1.0
        The jitter of the raw images (:class:`~digitnet.augment.DigitJitter`): largest shift in pixels, largest
        rotation in degrees, largest relative change of size, elastic strength in pixels and its smoothness.
    tta : int >= 0, default=0
        Test-time augmentation: a prediction averages over the image and ``tta`` jittered copies of it. It acts
        at prediction only (``set_params(tta=8)`` on a fitted model changes its predictions, no refit).
    image_shape : (int, int), default=(8, 8)
        Height and width of the images (needed only when augmenting).
    n_members : int >= 1, default=1
        Networks trained (each with its own seed) and averaged.
    n_jobs : int or None, default=None
        Worker processes training the members (-1: every core); never more than the usable cores or the
        members (:func:`digitnet.experiments.chunks.n_workers_of`). The model does not depend on it.
    random_state : int, RandomState, Generator or None, default=None
        Draws the members' seeds, then test-time augmentation's copies (see the module docstring).
    hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate, learning_rate_init, power_t, \
max_iter, shuffle, tol, momentum, nesterovs_momentum, early_stopping, validation_fraction, beta_1, beta_2, \
epsilon, n_iter_no_change, max_fun, weight_init, dropout, class_weight, label_smoothing, weight_decay, rho, \
warmup, step_every, step_factor :
        Every member's, as :class:`~digitnet.NumpyMLPClassifier` takes them, with its defaults
        (all of its parameters but :data:`NOT_MEMBER_PARAMS`). With ``augment_copies`` a stochastic solver.

    Attributes
    ----------
    estimators_ : list of NumpyMLPClassifier
        The fitted members (taking scaled pixels).
    scaler_ : StandardScaler or MaxScaler
        Fitted on the training rows.
    member_seeds_ : list of int
        Each member's ``random_state``.
    n_iter_ : ndarray of int
        Each member's epochs (iterations, for lbfgs).
    classes_, n_features_in_, feature_names_in_ :
        As scikit-learn's classifiers.
    """

    _parameter_constraints: dict = {
        **{k: v for k, v in NumpyMLPClassifier._parameter_constraints.items() if k not in NOT_MEMBER_PARAMS},
        "scaling": [StrOptions(set(SCALINGS))],
        "augment_copies": [Interval(Integral, 0, None, closed="left")],
        "tta": [Interval(Integral, 0, None, closed="left")],
        **{
            k: v
            for k, v in DigitJitter._parameter_constraints.items()
            if k in ("rotation", "zoom", "elastic_sigma", "image_shape")
        },
        "shift": [Interval(Real, 0, None, closed="left")],
        "elastic": [Interval(Real, 0, None, closed="left")],
        "n_members": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [None, Integral],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        scaling="max",
        augment_copies=0,
        shift=0.5,
        rotation=10.0,
        zoom=0.1,
        elastic=0.0,
        elastic_sigma=1.0,
        tta=0,
        image_shape=(8, 8),
        n_members=1,
        n_jobs=None,
        random_state=None,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        tol=1e-4,
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
        dropout=0.0,
        class_weight=None,
        label_smoothing=0.0,
        weight_decay=0.01,
        rho=0.99,
        warmup=0,
        step_every=50,
        step_factor=0.1,
    ):
        for name, value in dict(locals()).items():  # every argument is a parameter, stored as given
            if name != "self":
                setattr(self, name, value)

    # ------------------------------------------------------------------ parts

    def member_params(self):
        """The parameters every member is built with (NumpyMLPClassifier's, without ``random_state``)."""
        return {name: value for name, value in self.get_params(deep=False).items() if name not in OWN_PARAMS}

    def jitter(self):
        """The :class:`~digitnet.augment.DigitJitter` of raw images that training and test-time augmentation use."""
        return DigitJitter(
            shift=self.shift,
            rotation=self.rotation,
            zoom=self.zoom,
            elastic=self.elastic,
            elastic_sigma=self.elastic_sigma,
            copies=max(self.augment_copies, 1),
            image_shape=self.image_shape,
        )

    def _check_images(self, X):
        """Augmenting needs rows of ``image_shape`` pixels (a ValueError otherwise)."""
        if self.augment_copies or self.tta:
            self.jitter().check_rows(X[:1])

    # ------------------------------------------------------------------ fit

    def fit(self, X, y, sample_weight=None):
        """Fit the scaler on the raw rows ``X``, then ``n_members`` networks on the scaled rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Raw pixels (background 0, when augmenting).
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), optional
            Weights of the rows in the scaler (as StandardScaler weighs them; MaxScaler leaves out rows of
            weight 0) and in every member's loss.

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32))
        check_classification_targets(y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        self._check_images(X)
        self.classes_ = unique_labels(y)
        self.scaler_ = scaler_for(self.scaling).fit(X, sample_weight=sample_weight)  # a row of weight 2 counts twice
        scaled = np.ascontiguousarray(self.scaler_.transform(X), dtype=X.dtype)
        rng = random_stream(self.random_state)
        draw = rng.integers if isinstance(rng, np.random.Generator) else rng.randint
        self.member_seeds_ = [int(s) for s in draw(MAX_SEED, size=self.n_members)]
        augment = ScaledJitter(self.jitter(), self.scaler_) if self.augment_copies else None
        jobs = [
            delayed(_fit_member)(self.member_params(), seed, scaled, y, sample_weight, augment)
            for seed in self.member_seeds_
        ]
        n_workers = n_workers_of(self.n_jobs, self.n_members)
        if n_workers > 1:
            with threadpool_limits(limits=1, user_api="blas"), cancellation_quiet():
                fitted = Parallel(n_jobs=n_workers)(jobs)
        else:
            fitted = [function(*args, **kwargs) for function, args, kwargs in jobs]
        self.estimators_ = [member for member, _ in fitted]
        self.n_iter_ = np.array([member.n_iter_ for member in self.estimators_])
        self._warn_once([message for _, messages in fitted for message in messages])
        return self

    @staticmethod
    def _warn_once(messages):
        """The members' warnings, each distinct one once (the same whether they trained here or in workers)."""
        seen = set()
        for message in messages:
            key = (type(message), str(message))
            if key not in seen:
                seen.add(key)
                warnings.warn(message, stacklevel=3)

    # ------------------------------------------------------------------ predict

    def _members_proba(self, X):
        """The members' mean probability for raw rows ``X`` (scaled first)."""
        scaled = np.ascontiguousarray(self.scaler_.transform(X), dtype=X.dtype)
        return np.mean([member.predict_proba(scaled) for member in self.estimators_], axis=0)

    def predict_proba(self, X):
        """Probability of each class (columns as ``classes_``): the members' mean, over the rows and ``tta``
        jittered copies of them (drawn from ``random_state`` afresh; :func:`digitnet.augment.tta_proba`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Raw pixels.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        self._validate_params()
        self._check_images(X)
        return tta_proba(self._members_proba, X, self.jitter(), self.tta, random_stream(self.random_state))

    def predict_log_proba(self, X):
        """``log(predict_proba(X))`` (finite: the members' probabilities are floored at the smallest normal float)."""
        return np.log(self.predict_proba(X))

    def predict(self, X):
        """The class of highest mean probability for each row of raw pixels."""
        proba = self.predict_proba(X)  # first: it says when the model is not fitted
        if len(self.classes_) == 1:  # trained on one class (the members' two columns are MLPClassifier's)
            return np.repeat(self.classes_, len(proba))
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_is_fitted__(self):
        return hasattr(self, "estimators_")
