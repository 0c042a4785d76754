"""Reading a results store: the best configurations, and a few lines about the runs (``digitnet results``).

Runs are grouped by configuration (every estimator parameter) and data (fingerprint,
cross-validation, test scoring); each group's metrics are means over its seeds and folds.
Groups are ranked by mean validation accuracy (the test accuracy for runs without a validation
part), then by fewer weights.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..jsonify import canonical_json
from .params import count_weights, format_layers


@dataclass
class StoreSummary:
    """What :func:`summarize` returns.

    Attributes
    ----------
    lines : list of str
        What the store holds, in words.
    table : DataFrame
        The ``top`` best configurations, their varying parameters as columns.
    best : str
        One line naming the best configuration and its score.
    ranking : DataFrame
        Every configuration, best first.
    """

    lines: list
    table: pd.DataFrame
    best: str
    ranking: pd.DataFrame


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


def _summary_row(members, config, varying, metric, data_label):
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
    row.update(seeds=len({m.seed for m in members}), folds=len(folds) or None, n_iter=mean("n_iter"),
               fit_seconds=float(sum(m.fit_seconds for m in members if not math.isnan(m.fit_seconds))),
               failed=len(members) - len(ok))
    return row


def _ranking(groups, metric):
    """Every group's summary, best first (a failed configuration, with no score, last)."""
    configs = [json.loads(k[0]) for k in groups]
    data_keys = list(dict.fromkeys(k[1] for k in groups))
    varying = [name for name in sorted({n for c in configs for n in c})
               if len({canonical_json(c.get(name)) for c in configs}) > 1]
    ranked = []
    for (config_text, data_text), members in groups.items():
        config = json.loads(config_text)
        split = (members[0].data or {}).get("split") or {}
        label = None
        if len(data_keys) > 1:
            cv = json.loads(data_text).get("cv")
            label = f"{split.get('dataset', '?')}" + (f" cv{cv}" if cv else "") + f" #{data_keys.index(data_text)}"
        row = _summary_row(members, config, varying, metric, label)
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
    lines = [f"{len(rows)} runs of {n_groups} configurations ({_seed_text(seeds)}; {setup}; data:"
             f" {', '.join(sorted(map(str, datasets)))}), {n_failed} failed, {seconds:.1f} s of training"]
    if sweeps:
        last = sweeps[-1]
        lines.append(f"{len(sweeps)} sweep command{'s' if len(sweeps) != 1 else ''} on this store; the last,"
                     f" {last.name!r}, started {last.started_at}: {last.status}, {last.n_runs} runs"
                     f" asked for, {last.n_found} already there")
    return lines


def summarize(rows, sweeps=(), top=10):
    """The best configurations of a store's runs, and a few lines about them.

    Parameters
    ----------
    rows : list of StoredRun
        :meth:`Store.rows`.
    sweeps : list of SweepEntry
        :meth:`Store.sweeps`.
    top : int
        Configurations to keep in the table.

    Returns
    -------
    StoreSummary
    """
    groups = _group_runs(rows)
    has_val = any(not math.isnan(r.val_accuracy) for r in rows)
    metric = "val_accuracy" if has_val else "test_accuracy"
    ranked, varying = _ranking(groups, metric)
    ranking = _ranking_table(ranked)
    what = "validation accuracy" if has_val else "test accuracy (no validation scores)"
    lines = _overview(rows, sweeps, len(groups))
    lines.append(f"best {min(top, len(groups))} of {len(groups)} configurations by mean {what}:")
    best = ranked[0]
    shown = ", ".join(f"{k}={_show(k, v)}" for k, v in best.config.items() if k in varying) or "the only configuration"
    spread = best.row[f"{metric}_std"]
    text = (f"best: {shown}: mean {what.split(' (')[0]} {best.row[metric]:.4f}"
            + (f" ± {spread:.4f} over {best.row['seeds']} seeds" if not math.isnan(spread) else ""))
    if metric == "val_accuracy" and not math.isnan(best.row.get("test_accuracy", math.nan)):
        text += f" (test accuracy {best.row['test_accuracy']:.4f})"
    return StoreSummary(lines=lines, table=ranking.head(top), best=text, ranking=ranking)
