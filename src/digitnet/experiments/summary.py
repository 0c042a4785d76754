"""Reading a results store: the best configurations, and a few lines about the runs (``digitnet results``).

Runs are grouped by configuration (every estimator parameter) and data (fingerprint,
cross-validation, test scoring); each group's metrics are means over its seeds and folds.
Groups are ranked by mean validation accuracy (the test accuracy for runs without a validation
part), then by fewer weights.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..jsonify import canonical_json
from .params import count_weights, format_layers

if TYPE_CHECKING:
    from .store_rows import StoredRun, SweepEntry


@dataclass
class DataSummary:
    """The configurations run on one dataset (one data fingerprint, cv setting and test scoring), ranked.

    Attributes
    ----------
    label : str
        The dataset, e.g. ``"digits (validation split)"`` or ``"iris (3-fold cv)"``.
    heading : str
        What the table shows, in words.
    table : DataFrame
        The ``top`` best configurations, their varying parameters as columns.
    ranking : DataFrame
        Every configuration with a finished run, best first; those whose every run failed come
        last and are never ranked (their scores are empty).
    best : str
        One line naming the best configuration and its score (or saying that every run failed).
    """

    label: str
    heading: str
    table: pd.DataFrame
    ranking: pd.DataFrame
    best: str


@dataclass
class StoreSummary:
    """What :func:`summarize` returns: what the store holds in words, and one ranking per dataset."""

    lines: list
    sections: list


@dataclass
class _Group:
    """The runs of one configuration on one dataset, and their summary row."""

    config: dict
    row: dict
    n_weights: int


def _seed_text(seeds):
    seeds = sorted(seeds)
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"seeds {seeds[0]}-{seeds[-1]}"
    return ("seed " if len(seeds) == 1 else "seeds ") + ", ".join(map(str, seeds))


def _show(name, value):
    return format_layers(value) if name == "hidden_layer_sizes" else value


def _group_runs(rows):
    """``(config JSON, data JSON) -> [StoredRun, ...]``: the runs of each configuration on each data."""
    groups = {}
    for row in rows:
        data = {k: v for k, v in (row.data or {}).items() if k != "split"}
        groups.setdefault((canonical_json(row.config), canonical_json(data)), []).append(row)
    return groups


def _summary_row(members, config, varying, metric, data_label=None):
    """One configuration's ranking row: its varying parameters, mean metric (and spread over seeds), ..."""
    ok = [m for m in members if not m.error]
    by_seed = {}
    for m in ok:
        by_seed.setdefault(m.seed, []).append(getattr(m, metric))
    per_seed = [float(np.mean(v)) for v in by_seed.values()]

    def mean(name):
        return float(np.mean([getattr(m, name) for m in ok])) if ok else math.nan

    row = {name: _show(name, config.get(name)) for name in varying}
    if data_label is not None:
        row["data"] = data_label
    row[metric] = mean(metric)
    row[f"{metric}_std"] = float(np.std(per_seed)) if len(per_seed) > 1 else math.nan
    if metric == "val_accuracy":
        row["test_accuracy"] = mean("test_accuracy")
    folds = {m.fold for m in members if m.fold is not None}
    row.update(
        seeds=len({m.seed for m in members}),
        folds=len(folds) or None,
        n_iter=mean("n_iter"),
        fit_seconds=float(sum(m.fit_seconds for m in members if not math.isnan(m.fit_seconds))),
        failed=len(members) - len(ok),
    )
    return row


def _data_label(members, data_text):
    split = (members[0].data or {}).get("split") or {}
    cv = json.loads(data_text).get("cv")
    return f"{split.get('dataset', '?')} ({f'{cv}-fold cv' if cv else 'validation split'})"


def _ranking(groups, metric):
    """Every group's summary, best first; a configuration whose every run failed is not ranked: it comes last."""
    configs = [json.loads(k[0]) for k in groups]
    varying = [
        name
        for name in sorted({n for c in configs for n in c})
        if len({canonical_json(c.get(name)) for c in configs}) > 1
    ]
    ranked = []
    for (config_text, _), members in groups.items():
        config = json.loads(config_text)
        split = (members[0].data or {}).get("split") or {}
        row = _summary_row(members, config, varying, metric, None)
        weights = count_weights(config, split.get("n_features", 64), len(split.get("classes", [])) or 10)
        ranked.append(_Group(config, row, weights))
    ranked.sort(key=lambda g: (math.isnan(g.row[metric]), -np.nan_to_num(g.row[metric], nan=0.0), g.n_weights))
    return ranked, varying


def _ranking_table(ranked):
    table = pd.DataFrame([g.row for g in ranked])
    if not table["failed"].any():
        table = table.drop(columns="failed")
    if table["folds"].isna().all():
        table = table.drop(columns="folds")
    if "test_accuracy" in table and table["test_accuracy"].isna().all():
        table = table.drop(columns="test_accuracy")
    return table


def _overview(rows, sweeps, n_groups):
    """The lines that say what the store holds, and how the last sweep on it ended."""
    n_failed = sum(1 for r in rows if r.error)
    seeds = {r.seed for r in rows}
    cvs = {(r.data or {}).get("cv") for r in rows}
    datasets = {((r.data or {}).get("split") or {}).get("dataset", "?") for r in rows}
    setup = ", ".join(f"{k}-fold cv" if k else "validation split" for k in sorted(cvs, key=lambda k: k or 0))
    seconds = sum(r.fit_seconds for r in rows if not math.isnan(r.fit_seconds))
    lines = [
        f"{len(rows)} runs of {n_groups} configurations ({_seed_text(seeds)}; {setup}; data:"
        f" {', '.join(sorted(map(str, datasets)))}), {n_failed} failed, {seconds:.1f} s of training"
    ]
    if sweeps:
        last = sweeps[-1]
        lines.append(
            f"{len(sweeps)} sweep command{'s' if len(sweeps) != 1 else ''} on this store; the last,"
            f" {last.name!r}, started {last.started_at}: {last.status}, {last.n_runs} runs"
            f" asked for, {last.n_found} already there"
        )
    return lines


def _best_line(best, varying, metric, what):
    if math.isnan(best.row[metric]):
        return "best: none (every run failed)"
    shown = ", ".join(f"{k}={_show(k, v)}" for k, v in best.config.items() if k in varying) or "the only configuration"
    spread = best.row[f"{metric}_std"]
    text = f"best: {shown}: mean {what.split(' (')[0]} {best.row[metric]:.4f}" + (
        f" ± {spread:.4f} over {best.row['seeds']} seeds" if not math.isnan(spread) else ""
    )
    if metric == "val_accuracy" and not math.isnan(best.row.get("test_accuracy", math.nan)):
        text += f" (test accuracy {best.row['test_accuracy']:.4f})"
    return text


def summarize(rows: Sequence[StoredRun], sweeps: Sequence[SweepEntry] = (), top: int = 10) -> StoreSummary:
    """The best configurations of a store's runs, for each dataset, and a few lines about them.

    Parameters
    ----------
    rows : list of StoredRun
        :meth:`Store.rows`.
    sweeps : list of SweepEntry
        :meth:`Store.sweeps`.
    top : int
        Configurations to keep in each table.

    Returns
    -------
    StoreSummary
    """
    groups = _group_runs(rows)
    lines = _overview(rows, sweeps, len(groups))
    sections = []
    for data_text in dict.fromkeys(k[1] for k in groups):  # runs of different datasets are never ranked together
        mine = {k: v for k, v in groups.items() if k[1] == data_text}
        runs = [r for members in mine.values() for r in members]
        has_val = any(not math.isnan(r.val_accuracy) for r in runs)
        metric = "val_accuracy" if has_val else "test_accuracy"
        ranked, varying = _ranking(mine, metric)
        what = "validation accuracy" if has_val else "test accuracy (no validation scores)"
        ranking = _ranking_table(ranked)
        label = _data_label(next(iter(mine.values())), data_text)
        heading = f"{label}: best {min(top, len(mine))} of {len(mine)} configurations by mean {what}:"
        sections.append(
            DataSummary(
                label=label,
                heading=heading,
                table=ranking.head(top),
                ranking=ranking,
                best=_best_line(ranked[0], varying, metric, what),
            )
        )
    return StoreSummary(lines=lines, sections=sorted(sections, key=lambda section: section.label))
