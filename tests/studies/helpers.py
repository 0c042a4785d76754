"""Made-up sweep results for the studies' readings and conclusions (no training)."""

from types import SimpleNamespace

import numpy as np
import pandas as pd

from digitnet.experiments.results import SweepConfig, SweepResult
from digitnet.studies import get

N_VAL = 288
#: What a study's reading may ask of its split: its shape and classes, and rows to look at.
FAKE_SPLIT = SimpleNamespace(
    X_train=np.random.default_rng(0).normal(size=(50, 64)), y_train=np.arange(50) % 10, classes=np.arange(10)
)


def sweep_result(rows, curves=None, params=None, seeds=(0, 1, 2)):
    """A SweepResult from rows of ``config, seed`` and metrics (run ids and missing columns filled in)."""
    runs = pd.DataFrame(rows)
    runs["run_id"] = [f"c{c:02d}-s{s}" for c, s in zip(runs.config, runs.seed)]
    for column in ("diverged_at", "test_accuracy"):
        if column not in runs:
            runs[column] = pd.NA if column == "diverged_at" else np.nan
    runs["diverged_at"] = runs["diverged_at"].astype("Int64")
    n_configs = int(runs.config.max()) + 1
    config = SweepConfig(
        name=None, grid={}, base_params={}, seeds=list(seeds), cv=None, split={"n_val": N_VAL, "n_train": 1149}
    )
    return SweepResult(runs=runs, curves=curves or {}, params=params or [{}] * n_configs, config=config, elapsed=0.0)


def conclude(name, result, split=FAKE_SPLIT):
    """The conclusion the study ``name`` draws from ``result``."""
    study = get(name)
    return study.conclusion(study.read(result, split))


def rate_runs(values, diverged=()):
    rows, curves = [], {}
    for c, (rate, scores) in enumerate(values.items()):
        for s, v in enumerate(scores):
            run_id = f"c{c}-s{s}"
            rows.append(
                {
                    "learning_rate_init": rate,
                    "seed": s,
                    "run_id": run_id,
                    "group": "a",
                    "val_accuracy": np.nan if rate in diverged else v,
                    "diverged_at": 3 if rate in diverged else pd.NA,
                }
            )
            curves[run_id] = {"loss": [2.0, 5.0] if rate in diverged else [2.0, 1.0, 0.5]}
    runs = pd.DataFrame(rows)
    runs["diverged_at"] = runs["diverged_at"].astype("Int64")
    return runs, curves
