"""Loss landscapes: the line, filter-normalised directions, the plane, and a path's principal plane."""

import numpy as np
import pytest

import digitnet.functional as F

SIZES = [5, 6, 4, 3]


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 5)), np.eye(3)[rng.integers(0, 3, 20)]
    start = F.initialize_weights(SIZES, "tanh", rng=1).flat
    end = start + 0.5 * rng.normal(size=start.size)
    return X, Y, start, end


def loss(flat, X, Y):
    weights, biases = F.unpack(flat, SIZES)
    return F.compute_loss(Y, F.forward_pass(X, weights, biases, "tanh")[-1], weights, 0.1)


def test_the_line_goes_from_start_to_end(problem):
    X, Y, start, end = problem
    line = F.loss_along_line(X, Y, start, end, SIZES, t=[0.0, 0.5, 1.0], activation="tanh", alpha=0.1)
    assert line.loss.tolist() == [loss(start, X, Y), loss((start + end) / 2, X, Y), loss(end, X, Y)]
    default = F.loss_along_line(X, Y, start, end, SIZES, activation="tanh")
    assert default.t[0] == -0.25 and default.t[-1] == 1.25 and len(default.loss) == 41


def test_filter_normalised_directions_match_each_units_norm(problem):
    _, _, start, _ = problem
    flat = start.copy()
    weights, _ = F.unpack(flat, SIZES)
    weights[1][:, 2] = 0  # a unit whose incoming weights are all 0 gets no direction
    d = F.random_directions(flat, SIZES, seed=3)
    assert d.shape == (2, flat.size)
    for direction in d:
        d_weights, d_biases = F.unpack(direction, SIZES)
        for W, D in zip(weights, d_weights):
            assert np.allclose(np.linalg.norm(D, axis=0), np.linalg.norm(W, axis=0), rtol=1e-12, atol=0)
        assert all(np.all(b == 0) for b in d_biases)
    assert np.array_equal(d, F.random_directions(flat, SIZES, seed=3))
    assert not np.array_equal(d, F.random_directions(flat, SIZES, seed=4))
    assert not np.allclose(d[0], d[1])


def test_the_plane_is_laid_out_as_an_image(problem):
    X, Y, start, _ = problem
    d = F.random_directions(start, SIZES, seed=5)
    a, b = np.array([-1.0, 0.0, 0.5]), np.array([0.0, 2.0])
    surface = F.loss_surface(X, Y, start, d, SIZES, a, b, activation="tanh", alpha=0.1)
    assert surface.loss.shape == (2, 3)
    assert surface.loss[0, 1] == loss(start, X, Y)
    assert surface.loss[1, 2] == pytest.approx(loss(start + 0.5 * d[0] + 2.0 * d[1], X, Y), rel=1e-14)


def test_a_path_in_a_plane_is_found_and_projected_exactly(problem):
    _, _, start, end = problem
    rng = np.random.default_rng(6)
    u, v = rng.normal(size=(2, start.size))
    path = end + np.outer(np.linspace(3, 0, 8), u) + np.outer(np.sin(np.linspace(0, np.pi, 8)), v)
    plane = F.path_directions(path)
    assert np.allclose(plane.directions @ plane.directions.T, np.eye(2), atol=1e-12)
    assert plane.explained.sum() == pytest.approx(1.0, abs=1e-12) and plane.explained[0] >= plane.explained[1]
    assert np.allclose(plane.coordinates @ plane.directions + end, path, atol=1e-10)  # nothing lies off the plane
    assert np.allclose(plane.coordinates[-1], 0)


def test_the_path_surface_covers_the_path(problem):
    X, Y, start, end = problem
    path = np.array([start + s * (end - start) + np.sin(3 * s) * 0.1 for s in np.linspace(0, 1, 6)])
    plane = F.path_directions(path)
    surface = F.path_surface(X, Y, plane, path[-1], SIZES, resolution=7, activation="tanh", alpha=0.1)
    assert surface.loss.shape == (7, 7)
    low, high = plane.coordinates.min(axis=0), plane.coordinates.max(axis=0)
    assert surface.a[0] < low[0] and surface.a[-1] > high[0] and surface.b[0] < low[1] and surface.b[-1] > high[1]
