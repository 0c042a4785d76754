"""Ranking arms on one metric, and saying only what replicates: the best, an order, the ties.

A study that compares arms (optimizers, batch sizes, momentum values, penalties) declares the one
metric it ranks them by, whether higher is better, and what counts as a difference (``margin``:
two arms closer than that are not told apart). :func:`ranking` decides, on any set of seeds,
which of every two arms is ahead by at least the margin; :func:`~digitnet.studies.replication.replicate`
says which of those decisions other seeds would take again; the arms are then cut into levels
(an arm in a higher level is ahead of every arm in a lower one, on every replication), and the
claims follow: the order of the levels, the best arm if it is alone at the top, and the arms that
cannot be told apart.

For a study that gives each arm its own learning rate (its best of a small grid), ``rates`` names
the column of those rates: every replication picks each arm's rate again, by the same metric, so
the choice of the rate is part of what must replicate.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .claims import Claim
from .replication import Verdict, replicate


@dataclass
class Ranking:
    """What a ranking found: the arms' means, the levels (best first), the pairwise and rate verdicts, claims."""

    means: pd.Series
    levels: list
    pairs: dict
    rates: dict
    claims: list


def _arm_means(table, higher, rates):
    """Each arm's mean score (the larger the better), and the rate each arm is read at (None without rates).

    An arm (or arm and rate) with a missing score has no mean; with rates, an arm is read at its first best rate.
    Plain NumPy on the table's values: this runs for each of a replication's thousand resamples."""
    sign = 1.0 if higher else -1.0
    values = sign * table.to_numpy(dtype=float).mean(axis=1)  # NaN where a seed is missing (pandas' skipna=False)
    rows = [(key, value) for key, value in zip(table.index, values) if not np.isnan(value)]
    if rates is None:
        return pd.Series(dict(rows), dtype=float), None
    best = {}
    for (arm, rate), value in rows:  # the first of equal means wins, as idxmax
        if arm not in best or value > best[arm][1]:
            best[arm] = (rate, value)
    return pd.Series({arm: value for arm, (_, value) in best.items()}, dtype=float), {
        arm: rate for arm, (rate, _) in best.items()
    }


def ranking(table, margin, higher=True, rates=False):
    """The decision on one set of seeds: ``{("pair", a, b): a, b or None, ("rate", arm): rate}``.

    Parameters
    ----------
    table : DataFrame
        Scores, one column per seed; one row per arm (or, with ``rates``, per arm and rate: a two-level index).
    margin : float
        The smallest difference of mean scores that counts.
    higher : bool
        Whether a higher score is better.
    rates : bool
        Whether the index's second level is a rate each arm chooses among (its best mean).
    """
    means, chosen = _arm_means(table, higher, "rates" if rates else None)
    means = means.to_dict()
    out = {}
    for a, b in itertools.combinations(sorted(means, key=str), 2):
        d = means[a] - means[b]
        out["pair", a, b] = a if d >= margin else b if d <= -margin else None
    for arm, rate in (chosen or {}).items():
        out["rate", arm] = rate
    return out


def _levels(order, verdicts):
    """Cut the arms (best first) into levels: a cut only where every arm above beats every arm below, replicably."""

    def beats(a, b):
        key = ("pair", *sorted((a, b), key=str))
        v = verdicts.get(key)
        return v is not None and v.supported and v.value == a

    levels, start = [], 0
    for cut in range(1, len(order)):
        if all(beats(a, b) for a in order[start:cut] for b in order[cut:]):
            levels.append(order[start:cut])
            start = cut
    levels.append(order[start:])
    return levels


def rank_arms(
    study: str, about: str, metric: str, table, margin: float, higher: bool = True, rates: bool = False
) -> Ranking:
    """Rank the arms of ``table`` (see :func:`ranking`) and make the claims that replicate.

    Returns
    -------
    Ranking
        With ``claims``: an ``order`` claim over the levels (supported when there are two or more), a ``best``
        claim when one arm is alone at the top of two or more levels, a ``tie`` claim for the top level when
        it holds several arms, and (``rates``) a ``best`` claim per arm for its rate.
    """
    verdicts = replicate(lambda t: ranking(t, margin, higher, rates), table)
    means, _ = _arm_means(table, higher, "rates" if rates else None)
    order = list(means.sort_values(ascending=False, kind="stable").index)
    levels = _levels(order, verdicts)
    claims = []
    if order:
        claims.append(Claim(study, "order", about, [list(level) for level in levels], len(levels) > 1, metric))
        if len(levels) > 1 and len(levels[0]) == 1:
            claims.append(
                Claim(
                    study,
                    "best",
                    about,
                    [levels[0][0]],
                    True,
                    metric,
                    agreement=min(v.agreement for k, v in verdicts.items() if k[0] == "pair" and levels[0][0] in k[1:]),
                )
            )
        elif len(levels[0]) > 1:
            claims.append(Claim(study, "tie", about, list(levels[0]), True, metric))
    rate_verdicts = {k[1]: v for k, v in verdicts.items() if k[0] == "rate"}
    for arm, v in rate_verdicts.items():
        claims.append(
            Claim(study, "best", f"learning rate of {arm}", [v.value], v.supported, metric, agreement=v.agreement)
        )
    pairs = {k[1:]: v for k, v in verdicts.items() if k[0] == "pair"}
    return Ranking(means if higher else -means, levels, pairs, rate_verdicts, claims)


def tuned_table(runs, arm, metric, rate="learning_rate_init"):
    """Scores by (arm, rate) and seed: the table a tuned ranking reads (``rates=True``)."""
    table = runs.pivot_table(index=[arm, rate], columns="seed", values=metric, aggfunc="mean", sort=False, dropna=False)
    table.columns = list(table.columns)
    return table


def verdict_text(verdict: Verdict) -> str:
    """How far a decision replicates, in words."""
    return f"{100 * verdict.agreement:.0f}% of resamples" + ("" if verdict.halves else ", not both halves")


def finite(table):
    """The rows of a seed table with every score finite (an arm that diverged on a seed has no score there)."""
    return table[np.isfinite(table).all(axis=1)]
