"""The initialization study: tiny initial weights flatten the signal, layer by layer."""

from digitnet.data import load_split
from digitnet.studies import get
from digitnet.studies.initialization import activation_spread


def test_activation_spread_small_weights_flatten_the_signal():
    split = load_split("digits")
    small = activation_spread(split.X_train, {"hidden_layer_sizes": (32, 32, 32), "activation": "relu",
                                                       "weight_init": "small_normal"})
    he = activation_spread(split.X_train, {"hidden_layer_sizes": (32, 32, 32), "activation": "relu",
                                                    "weight_init": "he"})
    assert len(small) == len(he) == 3
    assert small[0] > small[1] > small[2] and small[-1] < 1e-3  # each layer shrinks the signal ~100x
    assert min(he) > 0.3


def test_the_grid_crosses_initializations_activations_and_depths():
    study = get("initialization")
    assert set(study.grid["weight_init"]) == {"small_normal", "glorot", "he"}
    assert study.grid["hidden_layer_sizes"] == [(32,), (32, 32, 32)]
