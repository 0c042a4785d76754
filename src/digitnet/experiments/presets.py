"""The original project's studies, done correctly: named sweeps (:data:`PRESETS`, :func:`run_preset`).

Each :class:`Preset` is a grid, the parameters shared by its configurations and how to read it;
``digitnet sweep --preset NAME`` and :func:`run_preset` run one. A selecting preset
(``architecture``) chooses its configuration on validation accuracy and only then looks at the
test set, once (:func:`select_and_test`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..data import load_split
from ..errors import UsageError
from .backends import execute
from .params import DEFAULTS, FULL_BATCH, LABEL, count_weights, format_layers, hidden_layers, without_label
from .runs import Task
from .sweep import Execution, plan_sweep, run_sweep

#: Plain (full-batch) gradient descent, as in the original project: one step per epoch on the
#: whole training set, theta <- theta - lr * grad. Rows need no shuffling (the gradient is a sum
#: over all of them), and training runs for exactly max_iter epochs: no stopping rule.
GRADIENT_DESCENT = dict(solver="sgd", batch_size=FULL_BATCH, momentum=0.0, learning_rate="constant",
                        shuffle=False, tol=0.0, n_iter_no_change=np.inf)


def _architectures():
    """Depth 1 to 3, widths 16 to 256: constant widths, and funnels halving at each layer."""
    shapes = []
    for width in (16, 32, 64, 128, 256):
        shapes += [(width,), (width, width), (width, width, width)]
        if width >= 32:
            shapes.append((width, width // 2))
        if width >= 64:
            shapes.append((width, width // 2, width // 4))
    return sorted(shapes, key=lambda s: (len(s), s))


@dataclass(frozen=True)
class Preset:
    """A named study: a grid, shared parameters, and how to read it.

    ``select=True`` chooses the configuration with the best mean validation
    accuracy, then scores that one alone on the test set.
    """

    name: str
    description: str
    grid: object
    base_params: dict
    dataset: str = "digits"
    validation_size: float = 0.2
    seeds: tuple = (0,)
    select: bool = False


PRESETS = {
    "learning-rate": Preset(
        "learning-rate",
        "Full-batch gradient descent with learning rates 0.1, 0.01, 0.001 and 0.0001, 1000 epochs each"
        " (a 64-unit relu network).",
        {"learning_rate_init": [0.1, 0.01, 0.001, 0.0001]},
        {**GRADIENT_DESCENT, "hidden_layer_sizes": (64,), "activation": "relu", "max_iter": 1000},
    ),
    "epochs": Preset(
        "epochs",
        "Full-batch gradient descent for 1000 to 5000 epochs at learning rate 0.01 (one training run, read off"
        " at each epoch count).",
        {"max_iter": [1000, 2000, 3000, 4000, 5000]},
        {**GRADIENT_DESCENT, "hidden_layer_sizes": (64,), "activation": "relu", "learning_rate_init": 0.01},
    ),
    "architecture": Preset(
        "architecture",
        "Depth 1-3, widths 16-256, activations logistic, tanh, relu, leaky_relu and elu (adam, up to 200"
        " epochs), chosen by validation accuracy; the best is then scored once on the test set.",
        {"hidden_layer_sizes": _architectures(), "activation": ["logistic", "tanh", "relu", "leaky_relu", "elu"]},
        {"solver": "adam", "max_iter": 200},
        select=True,
    ),
    "original-to-ours": Preset(
        "original-to-ours",
        "The original project's setting (32 sigmoid units, weights N(0, 0.01^2), full-batch gradient descent"
        " at learning rate 0.1, 1000 epochs) step by step to ours (glorot weights, then relu and adam).",
        [
            {LABEL: ["original"], "hidden_layer_sizes": [(32,)], "activation": ["logistic"],
             "weight_init": ["small_normal"], **{k: [v] for k, v in GRADIENT_DESCENT.items()},
             "learning_rate_init": [0.1], "max_iter": [1000]},
            {LABEL: ["original + glorot init"], "hidden_layer_sizes": [(32,)], "activation": ["logistic"],
             "weight_init": ["glorot"], **{k: [v] for k, v in GRADIENT_DESCENT.items()},
             "learning_rate_init": [0.1], "max_iter": [1000]},
            {LABEL: ["ours (relu, adam, glorot)"], "hidden_layer_sizes": [(100,)], "activation": ["relu"],
             "weight_init": ["glorot"], "solver": ["adam"], "batch_size": ["auto"], "momentum": [0.9],
             "learning_rate": ["constant"], "shuffle": [True], "tol": [1e-4], "n_iter_no_change": [10],
             "learning_rate_init": [0.001], "max_iter": [200]},
        ],
        {},
    ),
}


#: Old names of presets, still understood.
PRESET_ALIASES = {"seed": "original-to-ours"}


def _override_grid(grid, axes):
    """Replace (or add) grid axes: ``axes`` maps a name to its new list of values."""
    if not axes:
        return grid
    axes = {k: list(v) for k, v in axes.items()}
    if isinstance(grid, Mapping):
        return {**grid, **axes}
    return [{**g, **axes} for g in grid]


def run_preset(name, split=None, *, seeds=None, cv=None, n_jobs=1, progress=True, grid=None, params=None,
               backend=None, scheduler=None, store=None, log=None):
    """Run one of :data:`PRESETS`.

    Parameters
    ----------
    name : {"learning-rate", "epochs", "architecture", "original-to-ours"}
        (``"seed"``, the original project's name for its setting, is an alias of ``"original-to-ours"``)
    split : Split, optional
        Default: the preset's dataset with its validation split (20% of the training part).
    seeds : int or sequence of int, optional
        Default: the preset's (seed 0).
    cv : int, optional
        Cross-validate instead of using the validation split.
    n_jobs, progress, backend, scheduler, store, log
        As in :func:`~digitnet.experiments.sweep` (see :class:`~digitnet.experiments.sweep.Execution`).
    grid : dict, optional
        Axes replacing the preset's (e.g. ``{"max_iter": [5, 10]}`` for a quick run).
    params : dict, optional
        Parameters overriding the preset's shared ones.

    Returns
    -------
    SweepResult
        For ``architecture``, ``best`` holds the configuration chosen by mean
        validation accuracy over seeds and its test scores; the sweep itself
        never looks at the test set.
    """
    start = time.perf_counter()
    name = PRESET_ALIASES.get(name, name)
    if name not in PRESETS:
        raise UsageError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    preset = PRESETS[name]
    if split is None:
        split = load_split(preset.dataset, validation_size=0 if cv else preset.validation_size)
    execution = Execution(n_jobs=n_jobs, backend=backend, scheduler=scheduler, progress=progress, store=store, log=log)
    plan = plan_sweep(_override_grid(preset.grid, grid), split, seeds=preset.seeds if seeds is None else seeds, cv=cv,
                      base_params={**preset.base_params, **(params or {})}, score_test=not preset.select, name=name,
                      execution=execution)
    result = run_sweep(plan, execution, start)
    result.config.update(preset=name, description=preset.description)
    if preset.select:
        result.best = select_and_test(result, split, cv)
    return result


def select_and_test(result, split, cv):
    """The configuration with the best mean validation accuracy (ties: fewer weights), scored once on the test set.

    Without cv, the chosen runs are repeated (they are deterministic, so the
    models are the ones the sweep selected) and scored on the test part; with cv,
    the chosen configuration is refitted on all non-test rows, as GridSearchCV does.
    """
    runs = result.runs
    if "error" in runs:
        runs = runs[runs["error"] == ""]
    if runs.empty:
        raise UsageError("every run of the sweep failed; nothing to select")
    by_config = runs.groupby("config")["val_accuracy"].mean()
    n_features, n_classes = split.X_train.shape[1], len(split.classes)
    best_id = min(by_config.index,
                  key=lambda c: (-by_config[c], count_weights(result.params[c], n_features, n_classes), c))
    params = without_label(result.params[best_id])
    test_split = split.dev_split() if cv else split
    max_iter = params.pop("max_iter", DEFAULTS["max_iter"])
    tasks = [Task(params=params, checkpoints=(max_iter,), config_ids=(best_id,), seed=s)
             for s in result.config["seeds"]]
    records = execute(tasks, (test_split, None), backend="serial", progress=False, desc="test")
    rows = result.runs["config"] == best_id
    for record in records:
        at = rows & (result.runs["seed"] == record.seed)
        result.runs.loc[at, ["test_accuracy", "test_f1"]] = record.test_accuracy, record.test_f1
    chosen = result.runs[rows]
    return {
        "config": int(best_id),
        "params": result.params[best_id],
        "hidden_layer_sizes": format_layers(hidden_layers(params)),
        "activation": params.get("activation", DEFAULTS["activation"]),
        "val_accuracy": float(by_config[best_id]),
        "test_accuracy": float(chosen["test_accuracy"].mean()),
        "test_f1": float(chosen["test_f1"].mean()),
        "refit_on": "train+validation rows" if cv else "training rows (the selected models)",
    }
