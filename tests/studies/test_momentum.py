"""The momentum study's conclusion on made-up results (a steady and an oscillating loss)."""

import numpy as np

from digitnet.studies import get

from .helpers import conclude, sweep_result

def _momentum(curves_by_beta):
    rows, curves = [], {}
    for c, (beta, curve) in enumerate(curves_by_beta.items()):
        for s in range(3):
            rows.append({"config": c, "seed": s, "momentum": beta, "val_accuracy": 0.9, "n_iter": len(curve)})
            curves[f"c{c:02d}-s{s}"] = {"loss": list(curve)}
    return sweep_result(rows, curves)


def test_momentum_that_oscillates_is_called_overshoot_and_smooth_one_is_not():
    steady = np.linspace(2, 0.5, 20)
    oscillating = 0.3 + 0.2 * np.abs(np.sin(np.arange(20)))
    sentence = conclude("momentum", _momentum({0.0: steady, 0.9: steady / 2, 0.99: oscillating}))
    assert "The loss went lowest with β 0.9" in sentence
    assert "from β 0.99 on" in sentence and "overshoot" in sentence and "still ends lowest" not in sentence
    calm = conclude("momentum", _momentum({0.0: steady, 0.5: steady / 2}))
    assert "no β made the loss oscillate" in calm and "overshoot" not in calm


def test_the_grid_is_full_batch_gradient_descent_with_four_betas():
    study = get("momentum")
    assert study.grid == {"momentum": [0.0, 0.5, 0.9, 0.99]}
    assert (study.base_params["solver"], study.base_params["batch_size"]) == ("sgd", "full")
