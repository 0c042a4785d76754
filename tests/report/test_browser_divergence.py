"""The page's divergence rule (nn.js) is digitnet.nn.divergence's, and the page's trainer reports a network that
blows up within its first epoch (headless Chromium)."""

import math
import pathlib

import numpy as np
import pytest

from digitnet.nn import network
from digitnet.nn.divergence import DivergenceRule, baseline_loss
from digitnet.nn.optimizers import SGD
from digitnet.nn.training import starting_loss, train_epoch

from .browser import console_errors, start_chromium, wait_for

INF, NAN = math.inf, math.nan


@pytest.fixture(scope="module")
def chrome():
    driver = start_chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page_url(built):
    out, index, _, _ = built
    return pathlib.Path(index).resolve().as_uri()


def _open(chrome, url, hash_=""):
    chrome.get("about:blank")
    chrome.get(url + hash_)
    wait_for(chrome, "window.digitnet && window.digitnet.twins")


def _js(value):
    """A float as the page's rule takes it: JSON has no NaN or Infinity, so those go as the strings Number() reads."""
    return "NaN" if math.isnan(value) else "Infinity" if value == INF else "-Infinity" if value == -INF else value


# (losses, starting loss, constant prediction's loss): ordinary training, blow-ups, the edges of the rule
CASES = [
    ([2.1, 1.2, 0.6, 0.3], 2.3, 2.3),  # learning: never diverges
    ([2.17e121, 4.3e120], 2.514, 2.302),  # blown up within the first epoch
    ([2.0, 23.0, 23.000000000000004], 2.3, 2.3),  # 23 = 10 x 2.3 has not diverged; the next float above it has
    ([1.0, 0.5, NAN, 0.4], 1.0, 0.5),  # NaN
    ([1.0, INF], 1.0, 0.5),  # infinite
    ([0.01, 0.2, 5.0, 30.0], 0.01, 2.302),  # a start already good: the constant prediction is the reference
    ([0.05, 0.2], 0.01, NAN),  # no constant prediction (NaN): the start is the reference
    ([0.5], INF, 2.3),  # the starting loss itself is not finite: diverged at once
    ([0.5], NAN, 2.3),
    ([], 2.3, 2.3),
]


def test_the_pages_divergence_rule_is_digitnet_nn_divergences(chrome, page_url):
    _open(chrome, page_url)
    for losses, start, baseline in CASES:
        rule = DivergenceRule(start, baseline)
        got = chrome.execute_script(
            "return window.digitnet.divergence(arguments[0], arguments[1], arguments[2])",
            [_js(v) for v in losses],
            _js(start),
            _js(baseline),
        )
        assert got["epoch"] == rule.epoch(losses), (losses, start, baseline)
        ceiling = float(got["ceiling"])
        assert ceiling == rule.ceiling or (math.isnan(ceiling) and math.isnan(rule.ceiling)), (start, baseline)
    assert [DivergenceRule(s, b).epoch(v) for v, s, b in CASES] == [None, 1, 3, 3, 2, 4, 2, 1, 1, None]


@pytest.mark.parametrize("batch_size, rate, alpha", [(50, 0.1, 1e-3), (1, 10.0, 1e-4)])
def test_the_page_computes_the_starting_loss_and_divergence_as_digitnet_does(
    chrome, page_url, built, batch_size, rate, alpha
):
    """From the same weights and rows: the starting weights' loss and the constant prediction's (1e-12), and the
    epoch at which digitnet's own losses diverge is the page's."""
    _, _, _, data = built
    _open(chrome, page_url)
    X = data.split.scaler.transform(data.split.X_train_raw[:120])  # float64
    y = data.split.y_train[:120]
    sizes, activation, epochs = [64, 32, 16, 10], "relu", 3
    flat, weights, biases = network.initialize_weights(sizes, activation, rng=5)
    spec = {
        "layer_sizes": sizes,
        "weights": [W.ravel().tolist() for W in weights],
        "biases": [b.tolist() for b in biases],
        "activation": activation,
        "solver": "sgd",
        "learning_rate_init": rate,
        "momentum": 0.0,
        "alpha": alpha,
        "batch_size": batch_size,
        "max_iter": epochs,
        "X": X.ravel().tolist(),
        "labels": y.tolist(),
    }
    got = chrome.execute_script("return window.digitnet.trainFrom(arguments[0])", spec)
    Y = np.eye(10)[y]
    rule = DivergenceRule(
        starting_loss(X, Y, weights, biases, activation=activation, alpha=alpha, batch_size=batch_size),
        baseline_loss(Y),
    )
    assert abs(got["start_loss"] - rule.start_loss) <= 1e-12 and abs(got["baseline_loss"] - rule.baseline_loss) <= 1e-12
    optimizer = SGD(flat, rate, 0.0, nesterov=False)
    losses = [
        train_epoch(X, Y, weights, biases, optimizer, activation=activation, alpha=alpha, batch_size=batch_size)[0]
        for _ in range(epochs)
    ]
    assert got["diverged_at"] == rule.epoch(losses)
    assert rule.epoch(losses) == (None if rate < 1 else 1)  # one row a step at rate 10 blows up within epoch 1


def test_the_page_reports_a_network_that_blows_up_within_its_first_epoch(chrome, page_url):
    """128-64 units, one row a step, rate 10: the first epoch's mean loss is already astronomical (compared with
    it, as before, nothing diverged and the page ended "done" at a loss of 8e223)."""
    _open(chrome, page_url, "#play?hidden_layer_sizes=128-64&momentum=0&batch_size=1&learning_rate_init=10&max_iter=20")
    assert chrome.execute_script("return document.querySelector('input[name=learning_rate_init]').value") == "10"
    chrome.find_element("id", "play-train").click()
    status = wait_for(
        chrome,
        "document.getElementById('play-status').textContent.startsWith('Diverged')"
        " && document.getElementById('play-status').textContent",
        timeout=60,
    )
    trainer = chrome.execute_script(
        "const t = window.digitnet.playground;"
        " return [t.diverged, t.startLoss, t.baseline, String(t.lastLoss), t.history.loss.length]"
    )
    diverged, start, baseline, last, recorded = trainer
    assert diverged == 1 and recorded == 0  # nothing recorded: the curves are not drawn up to a blown-up epoch
    assert DivergenceRule(start, baseline).epoch([float(last)]) == 1
    assert 2 < start < 3 and baseline == pytest.approx(math.log(10), abs=0.01)  # ten classes, nearly balanced
    assert status.startswith(f"Diverged at epoch 1: the loss rose from {start:.3g} with the starting weights to ")
    assert "more than 10 times as much. The learning rate (10) is too large for these settings" in status
    paths = chrome.execute_script(
        "return Array.from(document.querySelectorAll('#play-train-box path'), p => p.getAttribute('d')).join(' ')"
    )
    assert "NaN" not in paths and "Infinity" not in paths
    assert console_errors(chrome) == []
