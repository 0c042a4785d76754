"""The learning-rate study: its grid, its regions, and its conclusion on made-up results (best inside the grid,
at its edge, ties, divergence), which claims nothing the data do not support."""

import math

import numpy as np

from digitnet.data import load_split
from digitnet.studies import get, run_preset
from digitnet.studies.learning_rate import ORIGINAL_RATES, landscape

from .helpers import conclude, rate_runs, sweep_result

def _landscape(val_by_rate, diverged=(), epochs=50):
    """One run per seed and rate; ``diverged`` rates diverge at epoch 5; losses fall faster at larger rates."""
    rows, curves = [], {}
    for c, (lr, values) in enumerate(val_by_rate.items()):
        for s, v in enumerate(values):
            run_id = f"c{c:02d}-s{s}"
            if lr in diverged:
                rows.append({"config": c, "seed": s, "learning_rate_init": lr, "val_accuracy": np.nan,
                             "diverged_at": 5, "n_iter": 4})
                curves[run_id] = {"loss": [2.3, 3.0, 8.0, 15.0]}
            else:
                rows.append({"config": c, "seed": s, "learning_rate_init": lr, "val_accuracy": v, "n_iter": epochs})
                curves[run_id] = {"loss": list(2.3 * np.exp(-min(lr, 1.0) * np.arange(1, epochs + 1) / 5))}
    return sweep_result(rows, curves)


def test_learning_rate_best_inside_the_grid_with_divergence():
    result = _landscape({0.001: [0.2, 0.21, 0.19], 0.01: [0.80, 0.81, 0.79], 0.1: [0.96, 0.965, 0.962],
                         1.0: [0.97, 0.968, 0.972], 3.0: [0.93, 0.935, 0.93], 10.0: [0, 0, 0]}, diverged=(10.0,))
    sentence = conclude("learning-rate", result)
    assert "came at rate 1, inside the grid." in sentence  # alone in the good region: no tie to mention
    assert "too small: 0.001 to 0.1" in sentence  # 0.1 is 0.8 points below: more than the noise
    assert "good: 1;" in sentence and "too large: 3;" in sentence and "diverges: 10 (at epoch 5)" in sentence
    assert "training diverges" in sentence


def test_learning_rate_best_at_the_edge_is_called_that():
    result = _landscape({0.001: [0.5, 0.52, 0.51], 0.01: [0.8, 0.81, 0.79], 0.1: [0.95, 0.951, 0.949]})
    sentence = conclude("learning-rate", result)
    assert "came at rate 0.1, at the top of the grid (larger rates were not tried)" in sentence
    assert "no rate of the grid diverged" in sentence and "diverges: none" in sentence


def test_learning_rates_within_the_noise_are_all_good():
    result = _landscape({0.01: [0.90, 0.91, 0.90], 0.1: [0.970, 0.975, 0.965], 1.0: [0.972, 0.966, 0.974]})
    sentence = conclude("learning-rate", result)
    assert "good: 0.1 to 1" in sentence  # one image of 288 apart: the data cannot rank them
    assert "came at rate 1, at the top of the grid (larger rates were not tried); the other good rates are within" \
           " the noise of it" in sentence and "cannot rank it." in sentence


def test_learning_rate_everything_diverged():
    result = _landscape({1.0: [0, 0, 0], 10.0: [0, 0, 0]}, diverged=(1.0, 10.0))
    assert conclude("learning-rate", result) == \
        "Every learning rate of the grid diverged: the grid needs smaller rates."


def test_learning_rate_regions_are_read_off_the_data():
    runs, curves = rate_runs({0.01: [0.5, 0.5], 0.1: [0.95, 0.96], 1.0: [0.96, 0.955], 3.0: [0.9, 0.9],
                               10.0: [0, 0]}, diverged=(10.0,))
    readings = landscape(runs, curves, n_val=288)
    assert [r.region for r in readings] == ["too small", "good", "good", "too large", "diverges"]
    assert readings[-1].diverged_at == 3 and math.isnan(readings[-1].val_accuracy)
    assert readings[1].final_loss == 0.5


def test_the_grid_spans_crawling_to_diverging_with_the_original_rates():
    study = get("learning-rate")
    rates = study.grid["learning_rate_init"]
    assert len(rates) >= 12 and min(rates) <= 1e-4 and max(rates) >= 10 and rates == sorted(rates)
    assert set(ORIGINAL_RATES) <= set(rates) and study.highlight == {"learning_rate_init": ORIGINAL_RATES}
    p = study.base_params  # plain full-batch gradient descent, as in the original project
    assert (p["solver"], p["batch_size"], p["learning_rate"], p["shuffle"], p["momentum"]) == \
        ("sgd", "full", "constant", False, 0.0)


def test_the_study_uses_the_learning_rate(split, fit_fresh):
    """The original bug: the loop ignored the learning rate. Here each rate gives its own full-batch run."""
    result = run_preset("learning-rate", split, seeds=1, grid={"learning_rate_init": [0.1, 0.01, 0.001, 0.0001]},
                        params={"max_iter": 3}, progress=False)
    runs = result.runs
    assert list(runs.learning_rate_init) == [0.1, 0.01, 0.001, 0.0001]
    assert runs.train_loss.is_monotonic_increasing  # bigger steps, lower loss after 3 epochs
    # full batch = the whole training part in one step per epoch, from the same start for every rate
    fresh = fit_fresh(dict(hidden_layer_sizes=(64,), solver="sgd", batch_size=len(split.y_train), momentum=0.0,
                           shuffle=False, tol=0.0, n_iter_no_change=np.inf, learning_rate_init=0.001), 3, 0, split)
    assert result.curves[runs.run_id[2]] == fresh.history_


def test_the_landscape_has_its_best_rate_inside_and_a_divergent_one():
    """The acceptance point: the study as it is (every rate, 1000 epochs; one seed to keep the suite quick)."""
    split = load_split("digits", validation_size=0.2, dtype=np.float32)
    result = run_preset("learning-rate", split, seeds=1, n_jobs=2, progress=False)
    readings = get("learning-rate").read(result, split).rates
    rates = [r.rate for r in readings]
    sound = [r for r in readings if r.diverged_at is None]
    best = max(sound, key=lambda r: r.val_accuracy)
    assert min(rates) < best.rate < max(rates)
    diverged = [r for r in readings if r.diverged_at is not None]
    assert diverged and all(r.region == "diverges" for r in diverged)
    for r in diverged:  # recorded with its epoch, drawn up to the epoch before
        run = result.runs[result.runs.learning_rate_init == r.rate].iloc[0]
        assert np.isnan(run.val_accuracy) and len(result.curves[run.run_id]["loss"]) == run.diverged_at - 1
    regions = [r.region for r in readings]
    assert regions[0] == "too small" and "good" in regions and regions[-1] == "diverges"
    assert regions == sorted(regions, key=["too small", "good", "too large", "diverges"].index)
