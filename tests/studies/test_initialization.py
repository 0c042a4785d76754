"""The initialization study: symmetry (units that start identical stay identical) told apart from vanishing signal
(tiny weights shrink the activations and the gradients layer by layer), measured with the network's own forward and
backward passes; plateau exits claimed only when every replication agrees (made-up curves: every seed leaves, none
does, one seed differs)."""

import math

import numpy as np
import pytest

from digitnet.data import load_split
from digitnet.studies import get
from digitnet.studies.initialization import LEAVES, PLATEAU, SOME, STAYS, activation_spread, start_spreads, symmetry

from .helpers import FAKE_SPLIT, sweep_result


@pytest.fixture(scope="module")
def digits():
    return load_split("digits", validation_size=0, dtype=np.float32)


def test_activation_spread_small_weights_flatten_the_signal(digits):
    small = activation_spread(
        digits.X_train, {"hidden_layer_sizes": (32, 32, 32), "activation": "relu", "weight_init": "small_normal"}
    )
    he = activation_spread(
        digits.X_train, {"hidden_layer_sizes": (32, 32, 32), "activation": "relu", "weight_init": "he"}
    )
    assert len(small) == len(he) == 3
    assert small[0] > small[1] > small[2] and small[-1] < 1e-3  # each layer shrinks the signal ~25x
    assert min(he) > 0.3


def test_glorot_sigmoid_gradients_shrink_layer_by_layer_and_he_relu_ones_do_not(digits):
    X, y, classes = digits.X_train, digits.y_train, digits.classes
    glorot = start_spreads(X, y, classes, "logistic", "glorot", seeds=(0, 1))
    he = start_spreads(X, y, classes, "relu", "he", seeds=(0, 1))
    assert len(glorot.gradient) == 4 and len(glorot.activation) == len(glorot.derivative) == 3
    # backwards from the output layer, each sigmoid layer passes on a fraction of the gradient
    assert glorot.gradient[3] > glorot.gradient[2] > glorot.gradient[1] > glorot.gradient[0]
    assert glorot.gradient[0] < glorot.gradient[2] / 10
    assert max(glorot.derivative) <= 0.25  # sigma'(z) = sigma (1 - sigma) <= 1/4
    # scikit-learn's glorot bound for a sigmoid layer of 32 -> 32 units: sqrt(2/64), a standard deviation of bound/sqrt(3)
    assert glorot.weight[1] == pytest.approx(math.sqrt(2 / 64) / math.sqrt(3), rel=0.1)
    assert he.gradient[0] > 50 * glorot.gradient[0] and he.gradient[0] > he.gradient[2] / 3


def test_equal_weights_give_every_unit_the_same_gradient_and_small_normal_ones_do_not(digits):
    for activation in ("logistic", "relu"):
        measured = symmetry(digits.X_train, digits.y_train, digits.classes, activation)
        assert measured["equal"] == [0.0, 0.0, 0.0], activation  # identical units stay identical
        assert min(measured["small_normal"]) > 0.1, activation  # tiny random weights still break the symmetry


def _result(exits, epochs=100, seeds=(0, 1, 2)):
    """``(init, activation, layers) -> [epoch each seed leaves the plateau, or None]``: made-up loss curves."""
    rows, curves = [], {}
    for c, ((init, activation, layers), when) in enumerate(exits.items()):
        for s, epoch in zip(seeds, when):
            rows.append(
                {
                    "config": c,
                    "seed": s,
                    "weight_init": init,
                    "activation": activation,
                    "hidden_layer_sizes": layers,
                    "val_accuracy": 0.9 if epoch else 0.1,
                    "n_iter": epochs,
                }
            )
            loss = np.full(epochs, math.log(10))
            if epoch:
                loss[epoch - 1 :] = PLATEAU * np.exp(-0.05 * np.arange(epochs - epoch + 1)) - 0.01
            curves[f"c{c:02d}-s{s}"] = {"loss": list(loss)}
    return sweep_result(rows, curves, seeds=seeds)


CLEAR = {
    ("glorot", "relu", "32-32-32"): [10, 12, 11],
    ("glorot", "logistic", "32-32-32"): [None, None, None],
    ("he", "logistic", "32-32-32"): [60, 70, 80],
}


def _read(result):
    study = get("initialization")
    reading = study.read(result, FAKE_SPLIT)
    return study, reading, study.conclusion(reading)


def test_every_seed_leaving_or_staying_is_claimed():
    study, reading, text = _read(_result(CLEAR))
    claims = study.claims(reading)
    assert [(c.values, c.supported) for c in claims] == [([LEAVES], True), ([STAYS], True), ([LEAVES], True)]
    assert (
        "it left the plateau (fell below 90% of it) for glorot relu 32-32-32 (epoch 10–12); he logistic 32-32-32"
        " (epoch 60–80), and stayed on it for glorot logistic 32-32-32." in text
    )
    assert (
        "Glorot weights fail on the three-layer sigmoid network (its loss stays on the plateau for 100 epochs)" in text
    )
    assert "Not every replication agrees" not in text


def test_networks_that_all_stay_are_a_tie_on_the_plateau():
    study, reading, text = _read(_result({k: [None, None, None] for k in CLEAR}))
    assert all(c.values == [STAYS] and c.supported for c in study.claims(reading))
    assert (
        "it left the plateau (fell below 90% of it) for no network, and stayed on it for glorot relu 32-32-32;" in text
    )


def test_a_network_that_leaves_on_some_seeds_only_is_uncertain():
    study, reading, text = _read(_result({**CLEAR, ("he", "logistic", "32-32-32"): [60, 70, None]}))
    he = [c for c in study.claims(reading) if c.about.startswith("he weights")]
    assert he[0].values == [SOME] and not he[0].supported
    assert "Not every replication agrees on he logistic 32-32-32 (left at epoch 60, 70, never)." in text
    # and the explanation follows the claim: glorot leaving on every seed is not called a failure
    study, reading, text = _read(_result({**CLEAR, ("glorot", "logistic", "32-32-32"): [300, 310, 320]}, epochs=400))
    assert "Glorot weights leave the plateau on the three-layer sigmoid network only at epochs 300–320" in text


def test_the_text_separates_symmetry_from_vanishing_signal_and_explains_glorot_on_deep_sigmoids(digits):
    study = get("initialization")
    reading = study.read(_result(CLEAR), digits)
    text = study.conclusion(reading)
    assert "Symmetry: units that start identical stay identical." in text and "exactly 0 of the layer's largest" in text
    assert "small_normal's too" in text and "its problem is not symmetry but scale" in text
    assert "Vanishing signal: weights of 0.01 shrink what passes through every layer." in text
    glorot = reading.spreads["glorot", "logistic"]
    assert f"the logistic's derivative is at most 1/4 (here about {glorot.derivative[1]:.2f})" in text
    assert f"from {glorot.gradient[-1]:.1e} at the output layer to" in text
    assert "±0.18 for 32 → 32 units, √3 narrower than for other activations" in text


def test_the_grid_crosses_initializations_activations_and_depths():
    study = get("initialization")
    assert set(study.grid["weight_init"]) == {"small_normal", "glorot", "he"}
    assert study.grid["hidden_layer_sizes"] == [(32,), (32, 32, 32)]
    assert study.cv == 3
