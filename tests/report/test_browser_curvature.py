"""The page's curvature (curvature.js) is digitnet's, in a real browser (headless Chromium): on the same weights and
rows, its Hessian-vector products equal digitnet.nn.curvature.hessian_vector_product's, its sharpness (the three
largest eigenvalues, by its own Lanczos) equals digitnet.nn.curvature.sharpness's, and its per-layer gradient norms
equal digitnet.nn.flow.gradient_flow's, to 1e-9, for every hidden activation the trainer offers and every output;
the trainer's own measurements, taken live, are those numbers at its weights; and the stable limit it draws is
where gradient descent on a quadratic stops converging."""

import pathlib
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from digitnet.estimator.classifier import NumpyMLPClassifier
from digitnet.nn.curvature import hessian_vector_product, sharpness
from digitnet.nn.flow import gradient_flow
from digitnet.nn.optimizers import SGD

from .browser import console_errors, start_chromium, wait_for


@pytest.fixture(scope="module")
def chrome(built):
    driver = start_chromium()
    _, index, _, _ = built
    driver.get(pathlib.Path(index).resolve().as_uri())
    wait_for(driver, "!!(window.digitnet && window.digitnet.twins)")
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def rows(built):
    """200 scaled training rows (float64) and their labels."""
    _, _, _, data = built
    return data.split.scaler.transform(data.split.X_train_raw[:200]), data.split.y_train[:200]


def _trained(X, y, activation, sizes=(12, 8)):
    """Weights a few epochs into training (not the starting ones: curvature there is what the trainer shows)."""
    model = NumpyMLPClassifier(
        hidden_layer_sizes=sizes,
        activation=activation,
        solver="sgd",
        learning_rate_init=0.1,
        momentum=0.0,
        max_iter=5,
        batch_size=50,
        random_state=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return model.coefs_, model.intercepts_


def _in_page(chrome, X, weights, biases, directions, **extra):
    sizes = [weights[0].shape[0]] + [W.shape[1] for W in weights]
    spec = {
        "layer_sizes": sizes,
        "weights": [W.ravel().tolist() for W in weights],
        "biases": [b.tolist() for b in biases],
        "X": X.ravel().tolist(),
        "v": [v.tolist() for v in directions],
        **extra,
    }
    return chrome.execute_script("return window.digitnet.curvatureFrom(arguments[0])", spec)


def _activations(chrome):
    """Every hidden activation the trainer offers (its activation select), each one nn.js knows."""
    offered = chrome.execute_script(
        "return Array.from(document.querySelectorAll('#play-train-box select[name=activation] option'), o => o.value)"
    )
    assert sorted(offered) == sorted(chrome.execute_script("return window.digitnet.names.activations"))
    return offered


def test_products_sharpness_and_gradient_norms_are_digitnets_for_every_activation(chrome, rows):
    X, y = rows
    activations = _activations(chrome)
    assert len(activations) == 6
    Y = np.eye(10)[y]
    for activation in activations:
        weights, biases = _trained(X, y, activation)
        rng = np.random.default_rng(7)
        directions = [rng.standard_normal(sum(W.size + W.shape[1] for W in weights)) for _ in range(3)]
        got = _in_page(
            chrome, X, weights, biases, directions, labels=y.tolist(), activation=activation, alpha=1e-3, k=3
        )
        for v, mine in zip(directions, got["products"]):
            theirs = hessian_vector_product(X, Y, weights, biases, v, activation=activation, alpha=1e-3)
            np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-9, err_msg=activation)
            assert np.abs(theirs).max() > 1e-3, activation  # a product, not a vector of zeros
        top = sharpness(X, Y, weights, biases, activation=activation, alpha=1e-3, k=3)
        np.testing.assert_allclose(got["sharpness"], top, rtol=0, atol=1e-9, err_msg=activation)
        assert top[0] > top[1] > top[2] > 0
        flow = gradient_flow(X, Y, weights, biases, activation=activation, alpha=1e-3)
        np.testing.assert_allclose(got["grad_norms"], flow.grad_norms, rtol=0, atol=1e-9, err_msg=activation)
        assert got["loss"] == pytest.approx(flow.loss, abs=1e-12)
    assert console_errors(chrome) == []


@pytest.mark.parametrize("output", ["logistic", "logistic-multilabel", "identity", "exp"])
def test_every_output_too(chrome, rows, output):
    """The R-operator through each output's Jacobian (and each loss): logistic units, regression, Poisson."""
    X, y = rows
    targets = {
        "logistic": (y >= 5).reshape(-1, 1),
        "logistic-multilabel": np.column_stack([y >= 5, y % 2 == 0]),
        "identity": np.column_stack([y / 9, np.cos(y)]),
        "exp": np.column_stack([y, y % 3]),
    }[output]
    Y = targets.astype(float)
    out_activation = output.split("-")[0]
    rng = np.random.default_rng(2)
    sizes = [64, 10, Y.shape[1]]
    weights = [rng.uniform(-0.3, 0.3, (a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    biases = [rng.uniform(-0.1, 0.1, b) for b in sizes[1:]]
    v = rng.standard_normal(sum(W.size + W.shape[1] for W in weights))
    got = _in_page(
        chrome,
        X,
        weights,
        biases,
        [v],
        Y=Y.ravel().tolist(),
        activation="tanh",
        out_activation=out_activation,
        alpha=1e-2,
        k=2,
    )
    theirs = hessian_vector_product(
        X, Y, weights, biases, v, activation="tanh", alpha=1e-2, out_activation=out_activation
    )
    np.testing.assert_allclose(got["products"][0], theirs, rtol=0, atol=1e-9)
    top = sharpness(X, Y, weights, biases, activation="tanh", alpha=1e-2, k=2, out_activation=out_activation)
    np.testing.assert_allclose(got["sharpness"], top, rtol=0, atol=1e-9)


def test_the_trainers_live_measurements_are_digitnets_at_its_weights(chrome, built):
    """Two epochs with the buttons, a measurement after each: the sharpness the trainer draws (a warm-started Lanczos,
    stopped at a residual of 1e-4 of the value) is digitnet's largest eigenvalue at the trainer's weights, on the
    page's training digits (1e-6 relative), and so are its gradient norms (1e-9)."""
    _, index, _, data = built
    chrome.get("about:blank")
    chrome.get(
        pathlib.Path(index).resolve().as_uri() + "#play?hidden_layer_sizes=16&activation=tanh&solver=sgd"
        "&momentum=0&batch_size=all&alpha=0.001&max_iter=20&learning_rate_init=2&seed=1"
    )
    wait_for(chrome, "!!(window.digitnet && window.digitnet.twins)")
    chrome.execute_script(
        "const s = document.querySelector('select[name=curvature_every]'); s.value = '1';"
        " s.dispatchEvent(new Event('change'))"
    )
    for _ in range(2):
        chrome.find_element("id", "play-step").click()
    got = chrome.execute_script(
        "const t = window.digitnet.playground, n = t.net; return {curvature: t.curvature,"
        " weights: n.weights.map(W => Array.from(W.data)), shapes: n.weights.map(W => [W.rows, W.cols]),"
        " biases: n.biases.map(b => Array.from(b)), rate: t.rate()}"
    )
    curvature = got["curvature"]
    assert curvature["epochs"] == [0, 1, 2] and curvature["label"] == "2/η"
    assert curvature["threshold"] == [1.0, 1.0, 1.0]  # 2 / 2
    weights = [np.array(W).reshape(shape) for W, shape in zip(got["weights"], got["shapes"])]
    biases = [np.array(b) for b in got["biases"]]
    X = data.split.scaler.transform(data.split.X_train_raw)
    Y = np.eye(10)[data.split.y_train]
    top = sharpness(X, Y, weights, biases, activation="tanh", alpha=1e-3)[0]
    assert curvature["sharpness"][-1] == pytest.approx(top, rel=1e-6)
    flow = gradient_flow(X, Y, weights, biases, activation="tanh", alpha=1e-3)
    np.testing.assert_allclose(curvature["gradNorms"][-1], flow.grad_norms, rtol=0, atol=1e-9)
    reading = chrome.execute_script("return document.getElementById('play-curvature-reading').textContent")
    assert reading.startswith(f"After epoch 2: sharpness λ = {float(f'{top:.3g}'):g},")
    side = "below" if top < 1 else "above"
    assert f"λ is {side} 2/η = 1:" in reading
    assert console_errors(chrome) == []


@pytest.mark.parametrize(
    "settings",
    [
        {"solver": "sgd", "momentum": 0},
        {"solver": "sgd", "momentum": 0.9, "nesterovs_momentum": False},
        {"solver": "sgd", "momentum": 0.5, "nesterovs_momentum": True},
    ],
)
def test_the_stable_limit_is_where_gradient_descent_on_a_quadratic_turns(chrome, settings):
    """digitnet's own SGD on lambda x^2 / 2 from x = 1: it converges at lambda 1% below the page's limit, and
    grows without bound 1% above it (the limit 2/eta of plain gradient descent, and those of both momenta)."""
    rate = 0.3
    limit = chrome.execute_script(
        "return window.digitnet.stabilityThreshold(arguments[0], arguments[1])", settings, rate
    )
    expected = {0: 2 / rate, 0.9: (2 + 2 * 0.9) / rate, 0.5: (2 + 2 * 0.5) / ((1 + 2 * 0.5) * rate)}
    assert limit["value"] == pytest.approx(expected[settings["momentum"]], rel=1e-15)

    def last(lam):
        x = np.array([1.0])
        optimizer = SGD(x, rate, settings["momentum"], nesterov=settings.get("nesterovs_momentum", False))
        for _ in range(3000):
            optimizer.step(lam * x)
        return abs(x[0])

    assert last(0.99 * limit["value"]) < 1e-6
    assert last(1.01 * limit["value"]) > 1e6
    assert chrome.execute_script("return window.digitnet.stabilityThreshold({solver: 'adam'}, 0.01)") is None


def test_lanczos_refuses_weights_whose_products_overflow(chrome, rows):
    """Far out where training diverged the products overflow: the page says so (as digitnet's sharpness does),
    rather than drawing a number."""
    from selenium.common.exceptions import JavascriptException

    X, y = rows
    weights, biases = _trained(X, y, "relu")
    weights = [W * 1e200 for W in weights]
    with pytest.raises(JavascriptException) as error:
        _in_page(chrome, X, weights, biases, [], labels=y.tolist(), activation="relu")
    assert "the Hessian-vector products are not finite at these weights" in error.value.msg
    with pytest.raises(ValueError, match="not finite"), np.errstate(all="ignore"):
        sharpness(X, np.eye(10)[y], weights, biases, activation="relu")
