"""The optimizer study's conclusion on made-up results (arms close together, one tuned at its grid's edge)."""

from digitnet.studies import get

from .helpers import conclude, sweep_result

def _tuned(groups, column):
    """``groups[value] = {rate: (val accuracy, loss at the end)}``, 3 seeds alike."""
    rows, curves, c = [], {}, 0
    for value, rates in groups.items():
        for lr, (val, loss) in rates.items():
            for s in range(3):
                rows.append({"config": c, "seed": s, column: value, "learning_rate_init": lr, "val_accuracy": val,
                             "n_iter": 3, "fit_seconds": 0.03})
                curves[f"c{c:02d}-s{s}"] = {"loss": [2.0, 1.0, loss]}
            c += 1
    return sweep_result(rows, curves)


def test_optimizers_close_together_are_called_close_to_the_noise():
    result = _tuned({"gradient descent": {0.1: (0.970, 0.05), 1.0: (0.972, 0.02), 3.0: (0.96, 0.03)},
                     "Adam": {0.0001: (0.95, 0.1), 0.001: (0.975, 0.01), 0.01: (0.974, 0.005)}}, "label")
    sentence = conclude("optimizer", result)
    assert "Adam at 0.001" in sentence and "gradient descent at 1" in sentence
    assert "close to the noise" in sentence and "(at the edge" not in sentence


def test_optimizer_tuned_at_the_edge_of_its_grid_says_so():
    result = _tuned({"gradient descent": {0.1: (0.90, 0.3), 1.0: (0.95, 0.05)},
                     "Adam": {0.001: (0.975, 0.01), 0.01: (0.96, 0.02), 0.1: (0.95, 0.1)}}, "label")
    sentence = conclude("optimizer", result)
    assert "gradient descent at 1 (at the edge of its grid)" in sentence
    assert "span 2.5 points" in sentence




def test_each_optimizer_gets_its_own_rates():
    grid = get("optimizer").grid
    assert [g["label"][0] for g in grid] == ["gradient descent", "momentum", "Nesterov", "Adam"]
    assert all(len(g["learning_rate_init"]) >= 5 for g in grid)  # each at its own best rate
