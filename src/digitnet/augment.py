"""Digit augmentation: random affine jitter of small images (and elastic distortion), seeded.

:class:`DigitJitter` moves each image by a random sub-pixel shift, rotates it by a random angle and
scales it by a random factor about its centre (optionally adding an elastic distortion), by bilinear
interpolation (``scipy.ndimage.map_coordinates``, ``order=1``) with a zero background. It is used three
ways:

- in a scikit-learn ``Pipeline`` before a classifier, as Keras's random layers are used: ``fit_transform``
  (training) returns a jittered copy of each row, ``transform`` (prediction) the rows as they are, so that
  ``fit_transform(X)`` differs from ``fit(X).transform(X)`` (as scikit-learn's ``TargetEncoder``'s does);
- as the fit option of :class:`~digitnet.NumpyMLPClassifier` (``fit(X, y, augment=DigitJitter(copies=4))``):
  every epoch trains on the rows and ``copies`` new jittered copies of them, drawn from the estimator's
  own random stream (see :mod:`digitnet.estimator.augmentation`);
- at prediction, :func:`tta_proba` averages a classifier's probabilities over each image and jittered
  copies of it (test-time augmentation; :class:`~digitnet.DigitsClassifier`'s ``tta``).

Why sub-pixel and not integer shifts: the Digits images are already centred and size-normalised (each
digit's bitmap was scaled to 32x32 before its 4x4 blocks were counted), so a one-pixel shift of an 8x8
image moves the digit by an eighth of its box, further than any writer does; it costs accuracy (96.7%
instead of 98.7% in the issue's probe), where shifts of at most half a pixel help.

The images must have a background of 0 (raw pixels, or pixels divided by their largest value), since
what moves in from outside the image is 0; standardised pixels are not (jitter the raw pixels, then
scale: :class:`ScaledJitter`).

Geometry. Pixel (row r, column c) has the coordinates x = c - cx, y = cy - r about the image's centre
(cx, cy) = ((w - 1) / 2, (h - 1) / 2), y pointing up. An image jittered by (dx, dy, theta, s) shows at
x_out the input at x_in = R(-theta) (x_out - d) / s: its content is scaled by s, rotated by theta
counterclockwise (as seen, rows downward) and moved by d = (dx, dy), dx to the right and dy up, so a
shift of dx = +0.5 moves the centre of mass half a pixel to the right. With an elastic distortion
(Simard, Steinkraus and Platt, 2003), every output pixel also samples the input displaced by a random
field: uniform(-1, 1) per pixel and axis, smoothed by a Gaussian of ``elastic_sigma`` pixels, times
``elastic`` pixels.

Draws. From a generator ``rng`` (a ``numpy.random.Generator`` or ``RandomState``), one call on n images
draws ``rng.uniform(-1, 1, size=(n, 4))`` (shift x, shift y, angle, scale of each image, times ``shift``,
``rotation`` degrees and ``zoom``), then, if ``elastic > 0``, ``rng.uniform(-1, 1, size=(n, 2, h, w))``;
a parameter of 0 still draws (so that turning one on does not change the others' draws), and nothing
else draws.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike
from scipy import ndimage
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_array, validate_data

__all__ = ["DigitJitter", "ScaledJitter", "jitter_images", "tta_proba"]


def _stream(random_state):
    """The generator to draw from: a Generator as it is, else ``check_random_state`` (an int: a new RandomState)."""
    return random_state if isinstance(random_state, np.random.Generator) else check_random_state(random_state)


def _sample_points(n, shape, params, fields):
    """The input coordinates (row, column) each output pixel of each image samples: shape (2, n, h, w)."""
    h, w = shape
    cy, cx = (h - 1) / 2, (w - 1) / 2
    rows, cols = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    x, y = cols - cx, cy - rows  # about the centre, y up
    dx, dy, theta, s = (p[:, None, None] for p in params.T)
    x, y = x - dx, y - dy
    cos, sin = np.cos(theta), np.sin(theta)
    x_in, y_in = (cos * x + sin * y) / s, (-sin * x + cos * y) / s  # R(-theta) (x - d) / s
    points = np.stack([cy - y_in, x_in + cx])
    if fields is not None:
        points += fields.transpose(1, 0, 2, 3)
    return points


def jitter_images(
    images: np.ndarray,
    shift: float,
    rotation: float,
    zoom: float,
    elastic: float,
    elastic_sigma: float,
    rng: np.random.RandomState,
) -> np.ndarray:
    """Jittered copies of a stack of images, one per image, drawn from ``rng`` (see the module docstring).

    Parameters
    ----------
    images : ndarray of shape (n, h, w), float
    shift : float >= 0
        Largest shift in pixels along each axis (uniform in [-shift, shift]).
    rotation : float >= 0
        Largest rotation in degrees (uniform in [-rotation, rotation]).
    zoom : float in [0, 1)
        Largest relative change of size (the factor uniform in [1 - zoom, 1 + zoom]).
    elastic : float >= 0
        Strength of the elastic distortion in pixels (0: none).
    elastic_sigma : float > 0
        Smoothness of the elastic distortion (the Gaussian's standard deviation, in pixels).
    rng : numpy.random.Generator or RandomState

    Returns
    -------
    ndarray of shape (n, h, w), of the images' dtype
    """
    n, h, w = images.shape
    u = rng.uniform(-1.0, 1.0, size=(n, 4))
    params = np.column_stack([u[:, 0] * shift, u[:, 1] * shift, np.deg2rad(u[:, 2] * rotation), 1 + u[:, 3] * zoom])
    fields = None
    if elastic > 0:
        noise = rng.uniform(-1.0, 1.0, size=(n, 2, h, w))
        fields = ndimage.gaussian_filter(noise, sigma=(0, 0, elastic_sigma, elastic_sigma), mode="constant") * elastic
    points = _sample_points(n, (h, w), params, fields)
    index = np.broadcast_to(np.arange(n, dtype=np.float64)[:, None, None], (n, h, w))
    # bilinear (order=1), zero outside the image and interpolated up to it ("grid-constant"), so that a shift of
    # half a pixel moves the mass by exactly half a pixel; the image index is an exact integer coordinate
    out = ndimage.map_coordinates(
        images.astype(np.float64, copy=False),
        np.stack([index, *points]),
        order=1,
        mode="grid-constant",
        cval=0.0,
        prefilter=False,
    )
    return out.astype(images.dtype, copy=False)


class DigitJitter(TransformerMixin, BaseEstimator):
    """Random affine jitter (shift, rotation, scale; optionally elastic) of images given as rows of pixels.

    Parameters
    ----------
    shift : float >= 0, default=0.5
        Largest shift in pixels, along each axis: uniform in [-shift, shift] (sub-pixel, bilinear).
    rotation : float >= 0, default=10.0
        Largest rotation in degrees, uniform in [-rotation, rotation] (counterclockwise as seen).
    zoom : float in [0, 1), default=0.1
        Largest relative change of size: the scale factor is uniform in [1 - zoom, 1 + zoom].
    elastic : float >= 0, default=0.0
        Strength of an elastic distortion, in pixels (0: none).
    elastic_sigma : float > 0, default=1.0
        Smoothness of the elastic distortion's field (a Gaussian's standard deviation in pixels).
    copies : int >= 1, default=4
        Jittered copies of each row per epoch when used as the fit option of NumpyMLPClassifier
        (``fit(X, y, augment=jitter)``) and by :meth:`with_copies`.
    image_shape : (int, int), default=(8, 8)
        Height and width of the images; a row of X holds their pixels row by row.
    random_state : int, RandomState, Generator or None, default=None
        What :meth:`fit_transform` and :meth:`with_copies` draw from (afresh at each call for an int). Not used
        by the fit option of NumpyMLPClassifier, which draws from the estimator's own ``random_state``.

    Notes
    -----
    ``fit_transform`` (training) jitters, ``transform`` (prediction) returns the rows unchanged: in a
    ``Pipeline`` the classifier is trained on jittered rows and predicts the real ones. :meth:`jitter`
    jitters any rows at any time. The images' background must be 0 (see :mod:`digitnet.augment`).
    """

    _parameter_constraints: dict = {
        "shift": [Interval(Real, 0, None, closed="left")],
        "rotation": [Interval(Real, 0, 180, closed="both")],
        "zoom": [Interval(Real, 0, 1, closed="left")],
        "elastic": [Interval(Real, 0, None, closed="left")],
        "elastic_sigma": [Interval(Real, 0, None, closed="neither")],
        "copies": [Interval(Integral, 1, None, closed="left")],
        "image_shape": [tuple, list],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(
        self,
        shift: float = 0.5,
        rotation: float = 10.0,
        zoom: float = 0.1,
        elastic: float = 0.0,
        elastic_sigma: float = 1.0,
        copies: int = 4,
        image_shape: tuple[int, int] = (8, 8),
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.shift = shift
        self.rotation = rotation
        self.zoom = zoom
        self.elastic = elastic
        self.elastic_sigma = elastic_sigma
        self.copies = copies
        self.image_shape = image_shape
        self.random_state = random_state

    def _shape(self):
        shape = tuple(self.image_shape)
        if len(shape) != 2 or not all(isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in shape):
            raise ValueError(f"image_shape must be (height, width), two positive integers; got {self.image_shape!r}")
        return int(shape[0]), int(shape[1])

    def check_rows(self, X: ArrayLike) -> np.ndarray:
        """``X`` as a float array of rows of ``image_shape`` pixels (a ValueError saying what does not fit)."""
        self._validate_params()
        h, w = self._shape()
        X = check_array(X, dtype=(np.float64, np.float32))
        if X.shape[1] != h * w:
            raise ValueError(
                f"DigitJitter takes rows of {h} x {w} = {h * w} pixels (image_shape={(h, w)}), got"
                f" {X.shape[1]} features"
            )
        return X

    def jitter(self, X: ArrayLike, random_state: int | np.random.RandomState | None = None) -> np.ndarray:
        """One jittered copy of each row of ``X``, drawn from ``random_state`` (default: this jitter's).

        Returns
        -------
        ndarray of X's shape and float dtype
        """
        X = self.check_rows(X)
        rng = _stream(self.random_state if random_state is None else random_state)
        images = X.reshape(len(X), *self._shape())
        out = jitter_images(images, self.shift, self.rotation, self.zoom, self.elastic, self.elastic_sigma, rng)
        return out.reshape(X.shape)

    def with_copies(
        self, X: ArrayLike, y: ArrayLike | None = None, random_state: int | np.random.RandomState | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """``X`` followed by ``copies`` jittered copies of it (and ``y`` repeated to match): a fixed augmented set.

        Returns
        -------
        X_augmented : ndarray of shape ((copies + 1) n, n_features)
        y_augmented : ndarray of shape ((copies + 1) n,), or None without ``y``
        """
        X = self.check_rows(X)
        copies = self.jitter(np.tile(X, (self.copies, 1)), random_state)
        y_out = None if y is None else np.concatenate([np.asarray(y)] * (self.copies + 1))
        return np.vstack([X, copies]), y_out

    def fit(self, X: ArrayLike, y: object = None) -> DigitJitter:
        """Check the parameters and that the rows are images of ``image_shape``; nothing is learnt."""
        X = validate_data(self, X, dtype=(np.float64, np.float32))
        self.check_rows(X)
        return self

    def fit_transform(self, X: ArrayLike, y: object = None) -> np.ndarray:
        """Fit, and return a jittered copy of each row (the training rows of a pipeline), drawn from ``random_state``."""
        return self.fit(X).jitter(X)

    def transform(self, X: ArrayLike) -> np.ndarray:
        """The rows as they are (validated): at prediction an image is not jittered."""
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.non_deterministic = self.random_state is None
        return tags


class ScaledJitter:
    """A jitter of scaled rows: back to raw units, jitter, scaled again (for a fit option on standardised rows).

    Parameters
    ----------
    jitter : DigitJitter
    scaler : fitted transformer with ``transform`` and ``inverse_transform`` (a StandardScaler, MaxScaler)
    """

    def __init__(self, jitter: DigitJitter, scaler: StandardScaler) -> None:
        self.jitter_, self.scaler = jitter, scaler
        self.copies = jitter.copies

    def jitter(self, X: ArrayLike, random_state: int | np.random.RandomState | None = None) -> np.ndarray:
        """A jittered copy of each scaled row: ``scaler.transform(jitter(scaler.inverse_transform(X)))``."""
        raw = self.scaler.inverse_transform(X)
        return np.asarray(self.scaler.transform(self.jitter_.jitter(raw, random_state)), dtype=X.dtype)


def tta_proba(
    predict_proba: Callable[[np.ndarray], np.ndarray],
    X: ArrayLike,
    jitter: DigitJitter | ScaledJitter,
    copies: int,
    random_state: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Test-time augmentation: the mean of ``predict_proba`` over the rows and ``copies`` jittered copies of them.

    Parameters
    ----------
    predict_proba : callable
        A fitted classifier's ``predict_proba`` (taking the rows as ``jitter`` jitters them: background 0).
    X : array of shape (n, n_features)
    jitter : DigitJitter or ScaledJitter
    copies : int >= 0
        Jittered copies per row (0: ``predict_proba(X)`` itself).
    random_state : int, RandomState, Generator or None
        What the copies are drawn from: one call of ``jitter.jitter`` on the rows repeated ``copies`` times.

    Returns
    -------
    ndarray of shape (n, n_classes)
        ``(P(X) + sum_c P(copy_c)) / (copies + 1)``, the copies predicted in one call.
    """
    X = np.asarray(X)
    if copies == 0:
        return predict_proba(X)
    copied = jitter.jitter(np.tile(X, (copies, 1)), random_state)
    P = predict_proba(np.vstack([X, copied]))
    return P.reshape(copies + 1, len(X), -1).mean(axis=0)
