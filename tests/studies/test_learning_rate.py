"""The learning-rate study: its grid, its regions, and its conclusion on made-up results (best inside the grid,
at its edge, ties, divergence), which claims nothing the data do not support."""

import math

import numpy as np

from digitnet.data import load_split
from digitnet.studies import get, run_preset
from digitnet.studies.learning_rate import ORIGINAL_RATES, landscape

from .helpers import conclude, rate_runs, sweep_result


def _landscape(val_by_rate, diverged=(), epochs=50):
    """One run per seed and rate; a rate of ``diverged`` diverges at epoch 5 on the seeds it lists (every seed
    when it lists none); losses fall faster at larger rates."""
    rows, curves = [], {}
    for c, (lr, values) in enumerate(val_by_rate.items()):
        for s, v in enumerate(values):
            run_id = f"c{c:02d}-s{s}"
            if lr in diverged and (not diverged[lr] or s in diverged[lr]):
                rows.append(
                    {
                        "config": c,
                        "seed": s,
                        "learning_rate_init": lr,
                        "val_accuracy": np.nan,
                        "diverged_at": 5,
                        "n_iter": 4,
                    }
                )
                curves[run_id] = {"loss": [2.3, 3.0, 8.0, 15.0]}
            else:
                rows.append({"config": c, "seed": s, "learning_rate_init": lr, "val_accuracy": v, "n_iter": epochs})
                curves[run_id] = {"loss": list(2.3 * np.exp(-min(lr, 1.0) * np.arange(1, epochs + 1) / 5))}
    return sweep_result(rows, curves)


def _claims(result):
    study = get("learning-rate")
    return study.claims(study.read(result, None))


def _regions(claims):
    """rate -> (region, supported), from the region claims."""
    return {v: (c.region, c.supported) for c in claims if c.kind == "region" for v in c.values}


CLEAR = {
    0.001: [0.20, 0.21, 0.19],
    0.01: [0.80, 0.81, 0.79],
    0.1: [0.960, 0.962, 0.961],
    1.0: [0.970, 0.968, 0.972],
    3.0: [0.930, 0.935, 0.930],
    10.0: [0, 0, 0],
}


def test_a_clear_landscape_is_stated_whole():
    result = _landscape(CLEAR, diverged={10.0: ()})
    regions = _regions(_claims(result))
    assert regions == {
        0.001: ("too small", True),
        0.01: ("too small", True),
        0.1: ("too small", True),
        1.0: ("good", True),
        3.0: ("too large", True),
        10.0: ("diverges", True),
    }
    sentence = conclude("learning-rate", result)
    assert "too small: 0.001 to 0.1; good: 1; too large: 3; diverges: 10 (at epoch 5)" in sentence
    assert "puts every rate in the same region" in sentence and "alone in the good region" in sentence
    assert "training diverges" in sentence


def test_rates_within_the_margin_are_a_tie_not_a_best():
    result = _landscape({0.01: [0.90, 0.91, 0.90], 0.1: [0.970, 0.975, 0.968], 1.0: [0.972, 0.970, 0.974]})
    claims = _claims(result)
    assert _regions(claims)[0.1] == ("good", True) and _regions(claims)[1.0] == ("good", True)
    assert [c.values for c in claims if c.kind == "tie"] == [[0.1, 1.0]]
    assert not [c for c in claims if c.kind == "best"]  # no best rate is claimed among the good ones
    assert "The good rates cannot be told apart" in conclude("learning-rate", result)


def test_a_rate_that_flips_between_seeds_is_uncertain():
    # 0.1 is within half a point of the best on two seeds and a point behind on the third: its region moves
    flipped = {**CLEAR, 0.1: [0.968, 0.969, 0.960]}
    result = _landscape(flipped, diverged={10.0: ()})
    regions = _regions(_claims(result))
    assert regions[0.1] == ("good", False) and regions[1.0] == ("good", True)
    assert "Not every replication agrees on 0.1" in conclude("learning-rate", result)


def test_a_rate_that_diverges_on_one_seed_only_is_uncertain():
    result = _landscape(CLEAR, diverged={10.0: (), 3.0: (1,)})
    regions = _regions(_claims(result))
    assert regions[3.0] == ("diverges", False) and regions[10.0] == ("diverges", True)
    assert "3 (at epoch 5), not on every seed" in conclude("learning-rate", result)


def test_learning_rate_everything_diverged():
    result = _landscape({1.0: [0, 0, 0], 10.0: [0, 0, 0]}, diverged={1.0: (), 10.0: ()})
    assert (
        conclude("learning-rate", result) == "Every learning rate of the grid diverged: the grid needs smaller rates."
    )


def test_learning_rate_regions_are_read_off_the_data():
    runs, curves = rate_runs(
        {0.01: [0.5, 0.5], 0.1: [0.95, 0.96], 1.0: [0.96, 0.955], 3.0: [0.9, 0.9], 10.0: [0, 0]}, diverged=(10.0,)
    )
    readings = landscape(runs, curves, margin=0.01)
    assert [r.region for r in readings] == ["too small", "good", "good", "too large", "diverges"]
    assert readings[-1].diverged_at == 3 and math.isnan(readings[-1].val_accuracy)
    assert readings[1].final_loss == 0.5


def test_the_grid_spans_crawling_to_diverging_with_the_original_rates():
    study = get("learning-rate")
    rates = study.grid["learning_rate_init"]
    assert len(rates) >= 12 and min(rates) <= 1e-4 and max(rates) >= 10 and rates == sorted(rates)
    assert set(ORIGINAL_RATES) <= set(rates) and study.highlight == {"learning_rate_init": ORIGINAL_RATES}
    p = study.base_params  # plain full-batch gradient descent, as in the original project
    assert (p["solver"], p["batch_size"], p["learning_rate"], p["shuffle"], p["momentum"]) == (
        "sgd",
        "full",
        "constant",
        False,
        0.0,
    )


def test_the_study_uses_the_learning_rate(split, fit_fresh):
    """The original bug: the loop ignored the learning rate. Here each rate gives its own full-batch run."""
    result = run_preset(
        "learning-rate",
        split,
        seeds=1,
        grid={"learning_rate_init": [0.1, 0.01, 0.001, 0.0001]},
        params={"max_iter": 3},
        progress=False,
        cv=0,
    )  # the split's own validation part
    runs = result.runs
    assert list(runs.learning_rate_init) == [0.1, 0.01, 0.001, 0.0001]
    assert runs.train_loss.is_monotonic_increasing  # bigger steps, lower loss after 3 epochs
    # full batch = the whole training part in one step per epoch, from the same start for every rate
    fresh = fit_fresh(
        dict(
            hidden_layer_sizes=(64,),
            solver="sgd",
            batch_size=len(split.y_train),
            momentum=0.0,
            shuffle=False,
            tol=0.0,
            n_iter_no_change=np.inf,
            learning_rate_init=0.001,
        ),
        3,
        0,
        split,
    )
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
