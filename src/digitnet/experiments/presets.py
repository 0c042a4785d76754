"""The original project's studies, done correctly: named sweeps (:data:`PRESETS`, :func:`run_preset`).

Each :class:`Preset` is a grid, the parameters shared by its configurations and how to read it;
``digitnet sweep --preset NAME`` and :func:`run_preset` run one. A selecting preset
(``architecture``) chooses its configuration on validation accuracy and only then looks at the
test set, once (:func:`select_and_test`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..data import load_split
from ..errors import UsageError
from .params import FULL_BATCH, LABEL
from .selection import select_and_test
from .sweep import Execution, plan_sweep, run_sweep

#: Plain (full-batch) gradient descent, as in the original project: one step per epoch on the
#: whole training set, theta <- theta - lr * grad. Rows need no shuffling (the gradient is a sum
#: over all of them), and training runs for exactly max_iter epochs: no stopping rule.
GRADIENT_DESCENT = dict(solver="sgd", batch_size=FULL_BATCH, momentum=0.0, learning_rate="constant",
                        shuffle=False, tol=0.0, n_iter_no_change=np.inf)
#: Train for exactly max_iter epochs (no stopping rule): curves of equal length, to compare.
NO_STOPPING = dict(tol=0.0, n_iter_no_change=np.inf)
#: From far too small to divergent, log-spaced; the original project's four rates among them.
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 2.0, 3.0, 5.0, 10.0)
ORIGINAL_RATES = (0.1, 0.01, 0.001, 0.0001)
#: The small grids from which each optimizer (and each batch size) gets its own best rate.
SGD_RATES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
ADAM_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)

#: The original project's setting (with a correct softmax output): 32 sigmoid units, weights
#: N(0, 0.01^2), full-batch gradient descent at learning rate 0.1 for 1000 epochs.
ORIGINAL = {**GRADIENT_DESCENT, "hidden_layer_sizes": (32,), "activation": "logistic", "weight_init": "small_normal",
            "learning_rate_init": 0.1, "max_iter": 1000}
#: From the original setting to ours (MLPClassifier's defaults), exactly one setting per step.
STEPS = [
    ("glorot initial weights", {"weight_init": "glorot"}),
    ("relu units", {"activation": "relu"}),
    ("100 units", {"hidden_layer_sizes": (100,)}),
    ("mini-batches of 200", {"batch_size": "auto"}),
    ("rows shuffled every epoch", {"shuffle": True}),
    ("learning rate 0.001", {"learning_rate_init": 0.001}),
    ("adam", {"solver": "adam"}),
    ("stop after 10 epochs without progress", {"n_iter_no_change": 10}),
    ("progress means 1e-4 or more", {"tol": 1e-4}),
    ("at most 200 epochs", {"max_iter": 200}),
]


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


def _chain():
    """The grid of the original-to-ours preset: one labelled configuration per step."""
    configs, current = [{LABEL: ["original"], **{k: [v] for k, v in ORIGINAL.items()}}], dict(ORIGINAL)
    for label, change in STEPS:
        current = {**current, **change}
        configs.append({LABEL: [f"+ {label}"], **{k: [v] for k, v in current.items()}})
    return configs


def _per_optimizer():
    optimizers = [("gradient descent", {"solver": "sgd", "momentum": 0.0}, SGD_RATES),
                  ("momentum", {"solver": "sgd", "momentum": 0.9, "nesterovs_momentum": False}, SGD_RATES),
                  ("Nesterov", {"solver": "sgd", "momentum": 0.9, "nesterovs_momentum": True}, SGD_RATES),
                  ("Adam", {"solver": "adam"}, ADAM_RATES)]
    return [{LABEL: [label], **{k: [v] for k, v in settings.items()}, "learning_rate_init": list(rates)}
            for label, settings, rates in optimizers]


@dataclass(frozen=True)
class Preset:
    """A named study: a grid, shared parameters, and how to read it.

    ``select=True`` chooses, among the configurations the seeds cannot tell apart from the best,
    the simplest, then scores that one alone on the test set (see :mod:`~digitnet.experiments.selection`).
    ``highlight`` names grid values worth showing apart (the original project's learning rates).
    """

    name: str
    description: str
    grid: object
    base_params: dict
    dataset: str = "digits"
    validation_size: float = 0.2
    seeds: tuple = (0, 1, 2)
    select: bool = False
    highlight: dict = field(default_factory=dict)


PRESETS = {
    "learning-rate": Preset(
        "learning-rate",
        "Full-batch gradient descent (a 64-unit relu network, 1000 epochs) at 13 learning rates from 1e-4 to 10:"
        " too small, good, too large and divergent; the original project's 0.1, 0.01, 0.001, 0.0001 among them.",
        {"learning_rate_init": list(LEARNING_RATES)},
        {**GRADIENT_DESCENT, "hidden_layer_sizes": (64,), "activation": "relu", "max_iter": 1000},
        highlight={"learning_rate_init": ORIGINAL_RATES},
    ),
    "epochs": Preset(
        "epochs",
        "A wide network that overfits (512 tanh units, no L2 penalty, adam at 0.003, batches of 64): training"
        " and validation loss over 150 epochs, read off at 25, 50, 100 and 150.",
        {"max_iter": [25, 50, 100, 150]},
        {"hidden_layer_sizes": (512,), "activation": "tanh", "solver": "adam", "learning_rate_init": 0.003,
         "batch_size": 64, "alpha": 0.0, **NO_STOPPING},
    ),
    "batch-size": Preset(
        "batch-size",
        "Stochastic gradient descent with batches of 1 (pure SGD), 8, 32, 128 and all rows, each at its best of"
        " six learning rates, 30 epochs: loss per epoch and per second.",
        {"batch_size": [1, 8, 32, 128, FULL_BATCH], "learning_rate_init": list(SGD_RATES)},
        {"hidden_layer_sizes": (64,), "activation": "relu", "solver": "sgd", "momentum": 0.0, "max_iter": 30,
         **NO_STOPPING},
    ),
    "optimizer": Preset(
        "optimizer",
        "Gradient descent, momentum, Nesterov and Adam (batches of 200, 100 epochs), each at its best of six"
        " learning rates.",
        _per_optimizer(),
        {"hidden_layer_sizes": (64,), "activation": "relu", "batch_size": "auto", "max_iter": 100, **NO_STOPPING},
    ),
    "momentum": Preset(
        "momentum",
        "Full-batch gradient descent at learning rate 0.1 with momentum 0, 0.5, 0.9 and 0.99 (300 epochs): no"
        " momentum crawls, a little speeds it up, too much overshoots.",
        {"momentum": [0.0, 0.5, 0.9, 0.99]},
        {**GRADIENT_DESCENT, "hidden_layer_sizes": (64,), "activation": "relu", "learning_rate_init": 0.1,
         "nesterovs_momentum": False, "max_iter": 300},
    ),
    "regularization": Preset(
        "regularization",
        "The L2 penalty alpha from 0 to 100 on a wide network (256 relu units, adam, 150 epochs): training and"
        " validation accuracy, from overfitting to underfitting.",
        {"alpha": [0.0, 1e-4, 1e-3, 1e-2, 0.1, 1.0, 3.0, 10.0, 30.0, 100.0]},
        {"hidden_layer_sizes": (256,), "activation": "relu", "solver": "adam", "max_iter": 150, **NO_STOPPING},
    ),
    "initialization": Preset(
        "initialization",
        "Initial weights small_normal (the original project's N(0, 0.01^2)), glorot and he, for sigmoid and relu"
        " networks of 1 and 3 layers of 32 units, full-batch gradient descent at 0.1 for 1000 epochs.",
        {"weight_init": ["small_normal", "glorot", "he"], "activation": ["logistic", "relu"],
         "hidden_layer_sizes": [(32,), (32, 32, 32)]},
        {**GRADIENT_DESCENT, "learning_rate_init": 0.1, "max_iter": 1000},
    ),
    "architecture": Preset(
        "architecture",
        "Depth 1-3, widths 16-256, activations logistic, tanh, relu, leaky_relu and elu (adam, up to 200"
        " epochs, 3 seeds); of the configurations the seeds cannot tell apart from the best, the simplest is"
        " then scored once on the test set.",
        {"hidden_layer_sizes": _architectures(), "activation": ["logistic", "tanh", "relu", "leaky_relu", "elu"]},
        {"solver": "adam", "max_iter": 200},
        select=True,
    ),
    "original-to-ours": Preset(
        "original-to-ours",
        "The original project's setting (32 sigmoid units, weights N(0, 0.01^2), full-batch gradient descent at"
        " learning rate 0.1, 1000 epochs) turned into ours (MLPClassifier's defaults) one setting at a time.",
        _chain(),
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
    name : str
        A key of :data:`PRESETS`
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
        For ``architecture``, ``best`` holds the configuration chosen (see
        :func:`~digitnet.experiments.selection.select_and_test`) and its test scores; the sweep
        itself never looks at the test set.
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
