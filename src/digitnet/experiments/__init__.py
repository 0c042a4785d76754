"""Experiments: a fair comparison with MLPClassifier and parameter sweeps (the project's studies are built on
them in :mod:`digitnet.studies`).

A thin front over modules that each hold one concern:

- :mod:`~digitnet.experiments.params`: parameter names, checks, grids, seeds, ``"64-32"`` notation;
- :mod:`~digitnet.experiments.runs`: one training run (:class:`Task`) and what it measured (``RunRecord``);
- :mod:`~digitnet.experiments.sweep`: :func:`sweep`, in stages (plan, pending, run and commit, tabulate);
- :mod:`~digitnet.experiments.compare`: :func:`compare` with MLPClassifier, paired over seeds;
- :mod:`~digitnet.experiments.results`: result tables and :func:`save_results` (CSV plus JSON);
- :mod:`~digitnet.experiments.backends`: serial, process-pool and Dask execution;
- :mod:`~digitnet.experiments.store` and :mod:`~digitnet.experiments.summary`: the SQLite results
  store of sweeps, and ``digitnet results``' reading of it.

Everything returns tidy pandas tables (one row per run).
"""

from ..data import load_split
from .compare import CompareResult, PairedTest, compare
from .params import PARAM_NAMES, check_params, expand_grid, format_layers, parse_layers, resolved_params
from .results import SweepResult, package_versions, save_results
from .runs import RunRecord, Task, run_chunk, run_task
from .sweep import Execution, SweepInterrupted, sweep

__all__ = [
    "PARAM_NAMES",
    "CompareResult",
    "Execution",
    "PairedTest",
    "RunRecord",
    "SweepInterrupted",
    "SweepResult",
    "Task",
    "check_params",
    "compare",
    "expand_grid",
    "format_layers",
    "load_split",
    "package_versions",
    "parse_layers",
    "resolved_params",
    "run_chunk",
    "run_task",
    "save_results",
    "sweep",
]
