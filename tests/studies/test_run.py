"""Every study runs from Python as ``digitnet sweep --preset`` runs it; the registry is the one list of studies."""

import numpy as np
import pytest

from digitnet.errors import UsageError
from digitnet.report.html import Module, links, twin_module
from digitnet.studies import ALIASES, Settings, get, names, run_preset, run_study, studies


def test_every_study_says_what_it_asks_and_runs_over_several_seeds():
    assert len(names()) == len(set(names())) and names() == sorted(names(), key=lambda n: get(n).order)
    for study in studies():
        assert (
            study.title
            and study.question
            and study.description
            and study.notebook
            and not study.notebook.startswith("#")
        )
        assert len(study.seeds) >= 3 and study.grid and isinstance(study.base_params, dict)
        assert study.full.seeds >= study.quick.seeds >= 2
        for settings in (study.full, study.quick):  # quick and full only change axes the study has
            axes = study.grid if isinstance(study.grid, dict) else study.grid[0]
            assert set(settings.grid or {}) <= set(axes) | {"max_iter"}
        if study.twin:  # a module whose default export draws it (the page lists it under the study's name)
            assert links(Module(twin_module(study), study.twin_script())).exports == {"default"}
    assert [s for s in studies() if s.select] == [get("architecture")]


def _n_configs(grid):
    return (
        np.prod([len(v) for v in grid.values()])
        if isinstance(grid, dict)
        else sum(np.prod([len(v) for v in g.values()]) for g in grid)
    )


@pytest.mark.parametrize(
    "name", [s.name for s in studies() if s.section == "training" and s.name not in ("learning-rate", "epochs")]
)
def test_every_training_study_runs_from_python(split, name):
    result = run_preset(name, split, seeds=1, params={"max_iter": 2}, progress=False)
    assert len(result.runs) == _n_configs(get(name).grid)
    assert result.config.preset == name
    finished = result.runs[result.runs.diverged_at.isna()]
    assert finished.val_accuracy.between(0, 1).all()
    assert all(len(result.curves[r]["loss"]) == 2 for r in finished.run_id)


def test_run_study_reads_what_it_ran(split):
    outcome = run_study("momentum", split, Settings(seeds=1, params={"max_iter": 3}), progress=False)
    assert outcome.study is get("momentum") and len(outcome.result.runs) == _n_configs(get("momentum").grid) == 7
    for grid in outcome.reading.grids:  # equal η and equal effective step, each with every β
        assert [arm.beta for arm in grid.arms] == [0.0, 0.5, 0.9, 0.99]
    assert outcome.reading.epochs == 3
    assert "by cross-validated accuracy after 3 epochs" in outcome.study.conclusion(outcome.reading)


def test_epochs_study_trains_once_per_seed(split):
    # once per seed and fold (it cross-validates, 3 folds): its three checkpoints are read off that one training
    result = run_preset("epochs", split, grid={"max_iter": [2, 4, 6]}, seeds=2, progress=False)
    assert get("epochs").cv == 3 and result.config.n_trainings == 2 * 3
    assert sorted(result.runs.n_iter) == [2, 2, 4, 4, 6, 6]
    assert result.config.preset == "epochs"


def test_unknown_study():
    with pytest.raises(UsageError, match="unknown preset 'lr'"):
        run_preset("lr", progress=False)
    assert ALIASES["seed"] == "original-to-ours" and get("seed") is get("original-to-ours")
