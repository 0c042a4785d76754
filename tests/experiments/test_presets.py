"""The presets: the original project's studies, done right, and one study per training parameter."""

import numpy as np
import pytest

from digitnet.data import load_split
from digitnet.errors import UsageError
from digitnet.experiments import PRESETS, run_preset
from digitnet.experiments.analysis import learning_rate_landscape
from digitnet.experiments.presets import ORIGINAL, ORIGINAL_RATES, PRESET_ALIASES, STEPS


def test_presets_are_the_studies_asked_for():
    assert set(PRESETS) == {"learning-rate", "epochs", "batch-size", "optimizer", "momentum", "regularization",
                            "initialization", "architecture", "original-to-ours"}
    assert all(len(p.seeds) >= 3 for p in PRESETS.values())  # every study over several seeds
    lr = PRESETS["learning-rate"]
    rates = lr.grid["learning_rate_init"]
    assert len(rates) >= 12 and min(rates) <= 1e-4 and max(rates) >= 10 and rates == sorted(rates)
    assert set(ORIGINAL_RATES) <= set(rates) and lr.highlight == {"learning_rate_init": ORIGINAL_RATES}
    for name in ("learning-rate", "momentum", "initialization"):  # plain full-batch gradient descent
        p = PRESETS[name].base_params
        assert (p["solver"], p["batch_size"], p["learning_rate"], p["shuffle"]) == ("sgd", "full", "constant", False)
    assert PRESETS["learning-rate"].base_params["momentum"] == 0.0
    epochs = PRESETS["epochs"].base_params  # a setting that can overfit: wide, no penalty
    assert epochs["alpha"] == 0.0 and epochs["hidden_layer_sizes"][0] >= 256
    assert PRESETS["batch-size"].grid["batch_size"][0] == 1 and PRESETS["batch-size"].grid["batch_size"][-1] == "full"
    assert PRESETS["momentum"].grid == {"momentum": [0.0, 0.5, 0.9, 0.99]}
    alphas = PRESETS["regularization"].grid["alpha"]
    assert alphas[0] == 0 and alphas[-1] >= 10
    assert set(PRESETS["initialization"].grid["weight_init"]) == {"small_normal", "glorot", "he"}
    labels = [g["label"][0] for g in PRESETS["optimizer"].grid]
    assert labels == ["gradient descent", "momentum", "Nesterov", "Adam"]
    assert all(len(g["learning_rate_init"]) >= 5 for g in PRESETS["optimizer"].grid)  # each at its own best rate
    arch = PRESETS["architecture"]
    shapes = arch.grid["hidden_layer_sizes"]
    assert {len(s) for s in shapes} == {1, 2, 3} and min(map(min, shapes)) == 16 and max(map(max, shapes)) == 256
    assert set(arch.grid["activation"]) == {"logistic", "tanh", "relu", "leaky_relu", "elu"}
    assert arch.select


def test_the_original_to_ours_chain_changes_one_setting_per_step():
    grid = PRESETS["original-to-ours"].grid
    assert grid[0]["activation"] == ["logistic"] and grid[0]["weight_init"] == ["small_normal"]
    assert {k: v[0] for k, v in grid[0].items() if k != "label"} == ORIGINAL
    assert len(grid) == len(STEPS) + 1
    for before, after in zip(grid, grid[1:]):
        changed = {k for k in before.keys() | after.keys() if k != "label" and before.get(k) != after.get(k)}
        assert len(changed) == 1, (after["label"], changed)
    # the last step is MLPClassifier's defaults (the settings the chain reaches, where it sets them)
    from sklearn.neural_network import MLPClassifier
    defaults = MLPClassifier().get_params()
    # (momentum stays at the original's 0: adam, from step 7 on, does not use it)
    last = {k: v[0] for k, v in grid[-1].items() if k not in ("label", "weight_init", "momentum")}
    assert all(last[k] == defaults[k] for k in last), {k: (last[k], defaults[k]) for k in last if last[k] != defaults[k]}


def test_learning_rate_preset_uses_the_learning_rate(split, fit_fresh):
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


def test_learning_rate_landscape_has_its_best_rate_inside_and_a_divergent_one():
    """The acceptance point: the preset as it is (every rate, 1000 epochs; one seed to keep the suite quick)."""
    split = load_split("digits", validation_size=0.2, dtype=np.float32)
    result = run_preset("learning-rate", split, seeds=1, n_jobs=2, progress=False)
    readings = learning_rate_landscape(result.runs, result.curves, result.n_val)
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


def test_epochs_preset_trains_once_per_seed(split):
    result = run_preset("epochs", split, grid={"max_iter": [2, 4, 6]}, seeds=2, progress=False)
    assert result.config["n_trainings"] == 2
    assert sorted(result.runs.n_iter) == [2, 2, 4, 4, 6, 6]
    assert result.config["preset"] == "epochs"


def test_architecture_preset_selects_on_validation_and_tests_once(split):
    result = run_preset("architecture", split, grid={"hidden_layer_sizes": [(8,), (16, 8)],
                                                     "activation": ["relu", "elu"]},
                        params={"max_iter": 5}, progress=False)
    runs, best = result.runs, result.best
    assert len(runs) == 4 * 3  # every configuration over the preset's 3 seeds
    means = runs.groupby("config").val_accuracy.mean()
    assert best["best_config"] == means.idxmax() and best["best_val_accuracy"] == means.max()
    assert best["config"] in best["tied"] and best["best_config"] in best["tied"]
    assert best["n_weights"] == min(s["n_weights"] for s in best["standings"] if s["indistinguishable"])
    chosen = runs[runs.config == best["config"]]
    assert runs.test_accuracy.notna().sum() == 3  # only the chosen configuration saw the test set, once per seed
    assert best["test_accuracy"] == pytest.approx(chosen.test_accuracy.mean())


@pytest.mark.parametrize("name", ["original-to-ours", "seed"])
def test_original_to_ours_reports_accuracies_as_fractions(split, name):
    assert PRESET_ALIASES["seed"] == "original-to-ours"
    result = run_preset(name, split, grid={"max_iter": [3]}, seeds=1, progress=False)
    runs = result.runs
    assert list(runs.label) == ["original", *(f"+ {label}" for label, _ in STEPS)]
    assert runs.test_accuracy.between(0, 1).all() and runs.val_accuracy.between(0, 1).all()


@pytest.mark.parametrize("name", ["batch-size", "optimizer", "momentum", "regularization", "initialization"])
def test_every_training_study_runs_from_python(split, name):
    preset = PRESETS[name]
    result = run_preset(name, split, seeds=1, params={"max_iter": 2}, progress=False)
    n_configs = (np.prod([len(v) for v in preset.grid.values()]) if isinstance(preset.grid, dict) else
                 sum(np.prod([len(v) for v in g.values()]) for g in preset.grid))
    assert len(result.runs) == n_configs
    finished = result.runs[result.runs.diverged_at.isna()]
    assert finished.val_accuracy.between(0, 1).all()
    assert all(len(result.curves[r]["loss"]) == 2 for r in finished.run_id)


def test_unknown_preset():
    with pytest.raises(UsageError, match="unknown preset 'lr'"):
        run_preset("lr", progress=False)
