"""Digit augmentation: DigitJitter's geometry (shift, rotation, scale, identity, elastic), its seeding, its use in a
pipeline, and test-time augmentation's average."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from digitnet import DigitJitter, NumpyMLPClassifier
from digitnet.augment import ScaledJitter, _sample_points, jitter_images, tta_proba
from digitnet.data import MaxScaler


class Always:
    """A generator whose every uniform draw is ``u`` (broadcast): an image jittered by exactly known parameters."""

    def __init__(self, *u):
        self.u = np.asarray(u, dtype=float)

    def uniform(self, low, high, size):
        return np.broadcast_to(self.u, size).copy()


def centre_of_mass(image):
    """(x, y) of the ink about the image's centre, x to the right and y up (the module's coordinates)."""
    h, w = image.shape
    rows, cols = np.mgrid[:h, :w]
    mass = image.sum()
    return np.array([(image * cols).sum() / mass - (w - 1) / 2, (h - 1) / 2 - (image * rows).sum() / mass])


@pytest.fixture(scope="module")
def blob():
    """An off-centre stroke with an empty border (so that no ink leaves the image when it moves a little)."""
    image = np.zeros((1, 8, 8))
    image[0, 2:5, 2:4] = [[1, 2], [3, 4], [5, 6]]
    return image


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:200], y[:200]


@pytest.mark.parametrize("axis, u", [(0, (1, 0, 0, 0)), (1, (0, 1, 0, 0)), (0, (-1, 0, 0, 0))])
def test_a_shift_of_half_a_pixel_moves_the_centre_of_mass_by_half_a_pixel(blob, axis, u):
    out = jitter_images(blob, 0.5, 0.0, 0.0, 0.0, 1.0, Always(*u))[0]
    moved = centre_of_mass(out) - centre_of_mass(blob[0])
    expected = np.zeros(2)
    expected[axis] = 0.5 * sum(u)
    np.testing.assert_allclose(moved, expected, atol=1e-12)  # bilinear: exactly, x to the right, y up
    assert out.sum() == pytest.approx(blob.sum())  # no ink lost


@pytest.fixture(scope="module")
def spot():
    """A smooth, off-centre spot of ink (a Gaussian of one pixel), small at the border."""
    rows, cols = np.mgrid[:8, :8]
    image = np.exp(-((rows - 2.6) ** 2 + (cols - 4.4) ** 2) / 2)
    return np.where(image < 1e-3, 0.0, image)[None]


def test_each_output_pixel_samples_the_input_where_the_geometry_says():
    """x_in = R(-theta) (x_out - d) / s about the centre, y up: content scaled by s, turned by theta, moved by d."""
    shift, degrees, zoom = 0.5, 10.0, 0.1
    u = np.array([[0.6, -0.4, 0.7, -0.3]])
    dx, dy, theta, s = 0.6 * shift, -0.4 * shift, np.deg2rad(0.7 * degrees), 1 - 0.3 * zoom
    params = np.column_stack([u[:, 0] * shift, u[:, 1] * shift, np.deg2rad(u[:, 2] * degrees), 1 + u[:, 3] * zoom])
    rows_in, cols_in = _sample_points(1, (8, 8), params, None)[:, 0]
    rows, cols = np.mgrid[:8, :8]
    x, y = cols - 3.5 - dx, 3.5 - rows - dy
    x_in = (np.cos(theta) * x + np.sin(theta) * y) / s
    y_in = (-np.sin(theta) * x + np.cos(theta) * y) / s
    np.testing.assert_allclose(cols_in, x_in + 3.5, atol=1e-12)
    np.testing.assert_allclose(rows_in, 3.5 - y_in, atol=1e-12)


@pytest.mark.parametrize("degrees", [-10.0, 4.0, 10.0])
def test_a_rotation_rotates_the_centre_of_mass_about_the_image_centre(spot, degrees):
    out = jitter_images(spot, 0.0, abs(degrees), 0.0, 0.0, 1.0, Always(0, 0, np.sign(degrees), 0))[0]
    theta = np.deg2rad(degrees)
    x, y = centre_of_mass(spot[0])
    expected = [np.cos(theta) * x - np.sin(theta) * y, np.sin(theta) * x + np.cos(theta) * y]  # counterclockwise
    np.testing.assert_allclose(centre_of_mass(out), expected, atol=0.015)  # bilinear sampling: to 0.015 px
    moved, expected_move = (np.linalg.norm(c - centre_of_mass(spot[0])) for c in (centre_of_mass(out), expected))
    assert moved > 0.8 * expected_move  # it moves (0.09 to 0.22 px), where the tolerance is 0.015


def test_a_quarter_turn_is_numpys_rot90_exactly(blob):
    out = jitter_images(blob, 0.0, 90.0, 0.0, 0.0, 1.0, Always(0, 0, 1, 0))
    np.testing.assert_array_equal(out[0], np.rot90(blob[0]))  # counterclockwise as seen, rows downward


@pytest.mark.parametrize("u", [1.0, -1.0])
def test_a_zoom_scales_the_centre_of_mass_about_the_image_centre(spot, u):
    out = jitter_images(spot, 0.0, 0.0, 0.1, 0.0, 1.0, Always(0, 0, 0, u))[0]
    before, after = centre_of_mass(spot[0]), centre_of_mass(out)
    np.testing.assert_allclose(after, (1 + 0.1 * u) * before, atol=0.03)  # bilinear sampling: to 0.03 px
    assert np.sign(np.linalg.norm(after) - np.linalg.norm(before)) == u  # larger: outwards; smaller: inwards


def test_no_jitter_returns_the_images_exactly(digits):
    X, _ = digits
    np.testing.assert_array_equal(DigitJitter(shift=0, rotation=0, zoom=0, random_state=0).jitter(X), X)
    np.testing.assert_array_equal(
        DigitJitter(shift=0, rotation=0, zoom=0).jitter(X.astype(np.float32)), X.astype(np.float32)
    )


def test_the_draws_are_the_documented_ones(digits):
    X, _ = digits
    u = np.random.default_rng(3).uniform(-1, 1, size=(len(X), 4))
    jitter = DigitJitter(shift=0.4, rotation=8, zoom=0.05)

    class Replay:
        def uniform(self, low, high, size):
            assert (low, high, size) == (-1.0, 1.0, (len(X), 4))
            return u

    expected = jitter_images(X.reshape(-1, 8, 8), 0.4, 8, 0.05, 0.0, 1.0, Replay()).reshape(X.shape)
    np.testing.assert_array_equal(jitter.jitter(X, np.random.default_rng(3)), expected)


def test_elastic_distortion_moves_ink_a_little_and_only_when_asked(digits):
    X, _ = digits
    still = DigitJitter(shift=0, rotation=0, zoom=0, elastic=0.6, random_state=0).jitter(X)
    assert not np.array_equal(still, X)
    assert still.min() >= 0 and still.max() <= 16 + 1e-12  # bilinear: between the pixels it mixes
    moved = [np.abs(centre_of_mass(a.reshape(8, 8)) - centre_of_mass(b.reshape(8, 8))).max() for a, b in zip(X, still)]
    assert 0 < np.median(moved) < 0.6
    # turning the elastic distortion on draws more, after the affine draws: those are the same
    affine = jitter_images(X.reshape(-1, 8, 8), 0.5, 10, 0.1, 0.0, 1.0, np.random.default_rng(1))
    both = jitter_images(X.reshape(-1, 8, 8), 0.5, 10, 0.1, 1e-9, 1.0, np.random.default_rng(1))
    np.testing.assert_allclose(both, affine, atol=1e-6)


def test_seeded_draws(digits):
    X, _ = digits
    a = DigitJitter(random_state=0).jitter(X)
    np.testing.assert_array_equal(DigitJitter(random_state=0).jitter(X), a)  # an int: the same draws every call
    assert not np.array_equal(DigitJitter(random_state=1).jitter(X), a)
    np.testing.assert_array_equal(DigitJitter(random_state=5).jitter(X, random_state=0), a)  # the argument first
    generator = np.random.default_rng(0)
    first, second = DigitJitter(random_state=generator).jitter(X), DigitJitter(random_state=generator).jitter(X)
    assert not np.array_equal(first, second)  # a Generator goes on drawing
    assert DigitJitter(random_state=0).jitter(X.astype(np.float32)).dtype == np.float32


def test_with_copies_is_the_rows_then_jittered_copies(digits):
    X, y = digits
    Xa, ya = DigitJitter(copies=3, random_state=0).with_copies(X, y)
    assert Xa.shape == (4 * len(X), 64) and ya.shape == (4 * len(X),)
    np.testing.assert_array_equal(Xa[: len(X)], X)
    np.testing.assert_array_equal(ya, np.tile(y, 4))
    np.testing.assert_array_equal(Xa[len(X) :], DigitJitter(random_state=0).jitter(np.tile(X, (3, 1))))


def test_rows_that_are_not_images_of_its_shape_are_refused(digits):
    X, _ = digits
    with pytest.raises(
        ValueError, match=r"DigitJitter takes rows of 8 x 8 = 64 pixels \(image_shape=\(8, 8\)\), got 30"
    ):
        DigitJitter().jitter(X[:, :30])
    with pytest.raises(ValueError, match="image_shape must be"):
        DigitJitter(image_shape=(8, 0)).jitter(X)
    assert DigitJitter(image_shape=(4, 16)).jitter(X, random_state=0).shape == X.shape


def test_in_a_pipeline_it_jitters_the_training_rows_and_not_the_predicted_ones(digits):
    X, y = digits
    params = dict(hidden_layer_sizes=(16,), max_iter=30, random_state=0)
    pipe = make_pipeline(DigitJitter(random_state=7), MaxScaler(), NumpyMLPClassifier(**params))
    pipe.fit(X, y)
    scaler = MaxScaler().fit(DigitJitter(random_state=7).jitter(X))
    alone = NumpyMLPClassifier(**params).fit(scaler.transform(DigitJitter(random_state=7).jitter(X)), y)
    np.testing.assert_array_equal(pipe.predict_proba(X), alone.predict_proba(scaler.transform(X)))
    np.testing.assert_array_equal(DigitJitter().fit(X).transform(X), X)
    assert clone(pipe).get_params()["digitjitter__random_state"] == 7


def test_scaled_jitter_jitters_the_raw_images(digits):
    X, _ = digits
    scaler = StandardScaler().fit(X)
    jitter = DigitJitter(random_state=0)
    scaled = ScaledJitter(jitter, scaler).jitter(scaler.transform(X), 0)
    np.testing.assert_allclose(scaled, scaler.transform(jitter.jitter(X, 0)), atol=1e-12)


def test_tta_averages_the_probabilities_over_the_rows_and_their_copies(digits):
    X, y = digits
    model = NumpyMLPClassifier((16,), max_iter=20, random_state=0).fit(X / 16, y)
    proba = lambda A: model.predict_proba(A / 16)  # noqa: E731
    jitter = DigitJitter()
    copies = [jitter.jitter(X, np.random.RandomState(4)) for _ in range(1)]
    np.testing.assert_array_equal(tta_proba(proba, X, jitter, 0, 4), proba(X))
    expected = (proba(X) + proba(copies[0])) / 2
    np.testing.assert_allclose(tta_proba(proba, X, jitter, 1, 4), expected, rtol=0, atol=1e-15)
    three = jitter.jitter(np.tile(X, (3, 1)), np.random.RandomState(4)).reshape(3, len(X), 64)
    expected = np.mean([proba(X)] + [proba(c) for c in three], axis=0)
    np.testing.assert_allclose(tta_proba(proba, X, jitter, 3, 4), expected, rtol=0, atol=1e-15)
