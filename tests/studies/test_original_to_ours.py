"""From the original project's setting to ours: one setting per step, ending at MLPClassifier's defaults."""

import pytest
from sklearn.neural_network import MLPClassifier

from digitnet.studies import get, run_preset
from digitnet.studies.original_to_ours import ORIGINAL, STEPS

from .helpers import conclude, sweep_result


def test_the_chain_changes_one_setting_per_step():
    grid = get("original-to-ours").grid
    assert grid[0]["activation"] == ["logistic"] and grid[0]["weight_init"] == ["small_normal"]
    assert {k: v[0] for k, v in grid[0].items() if k != "label"} == ORIGINAL
    assert len(grid) == len(STEPS) + 1
    for before, after in zip(grid, grid[1:]):
        changed = {k for k in before.keys() | after.keys() if k != "label" and before.get(k) != after.get(k)}
        assert len(changed) == 1, (after["label"], changed)
    # the last step is MLPClassifier's defaults (the settings the chain reaches, where it sets them)
    defaults = MLPClassifier().get_params()
    # (momentum stays at the original's 0: adam, from step 7 on, does not use it)
    last = {k: v[0] for k, v in grid[-1].items() if k not in ("label", "weight_init", "momentum")}
    assert all(last[k] == defaults[k] for k in last), {k: (last[k], defaults[k]) for k in last if last[k] != defaults[k]}


@pytest.mark.parametrize("name", ["original-to-ours", "seed"])
def test_the_study_reports_accuracies_as_fractions(split, name):
    result = run_preset(name, split, grid={"max_iter": [3]}, seeds=1, progress=False)
    runs = result.runs
    assert list(runs.label) == ["original", *(f"+ {label}" for label, _ in STEPS)]
    assert runs.test_accuracy.between(0, 1).all() and runs.val_accuracy.between(0, 1).all()


def test_the_conclusion_names_the_largest_gain_and_the_step_that_hurt():
    steps = [("original", 0.50), ("+ a", 0.60), ("+ b", 0.55), ("+ c", 0.90)]
    rows = [{"config": c, "seed": s, "label": label, "test_accuracy": acc, "val_accuracy": acc, "train_loss": 1.0,
             "n_iter": 10, "fit_seconds": 0.1} for c, (label, acc) in enumerate(steps) for s in range(3)]
    sentence = conclude("original-to-ours", sweep_result(rows))
    assert "The original setting reached 50.0% test accuracy and ours 90.0%" in sentence
    assert 'the largest gain came from "c" (+35.0 points)' in sentence
    assert '1 step lowered it, "b" (-5.0 points)' in sentence
