"""Effects that replicate: what changing one thing does to a score, judged on every seed, both halves, resamples.

A study that asks "what does this change do?" compares two arms of its seed table (one row per arm,
one column per seed, each seed an independent replication), paired by seed: the same seed's
starting weights and folds on both sides. The effect's *direction* is what it claims: it raises the
score (by at least the study's margin), lowers it (by at least the margin), or makes no difference
(within half the margin: an equivalence needs a stricter bound than a difference, so that an effect
near the margin is never "no difference" on some seeds and a difference on others, each stated as
sure); between half the margin and the margin the data cannot call it (:data:`UNDECIDED`, never a
supported claim). :func:`paired_effects` takes the direction of every pair on all the seeds, on both
halves and on resamples of them (:func:`~digitnet.studies.replication.replicate`); the size is a
descriptive number (a mean over the seeds, with its standard error), never part of the claim.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .claims import Claim
from .replication import Verdict, replicate

RAISES, LOWERS, SAME = "raises", "lowers", "no difference"
UNDECIDED = "too close to the margin to call"
#: The directions an effect can take, as its claim's values say them.
DIRECTIONS = (RAISES, LOWERS, SAME, UNDECIDED)
#: "No difference" only within this share of the margin.
SAME_WITHIN = 0.5


def direction(difference: float, margin: float) -> str | None:
    """``raises`` (difference >= margin), ``lowers`` (<= -margin), ``no difference`` (within half the margin),
    else :data:`UNDECIDED`; None if not finite."""
    if difference is None or not np.isfinite(difference):
        return None
    if abs(difference) < margin:
        return SAME if abs(difference) <= SAME_WITHIN * margin else UNDECIDED
    return RAISES if difference > 0 else LOWERS


def claimable(verdict: Verdict) -> bool:
    """A direction that replicates and can be claimed (not :data:`UNDECIDED`, not None)."""
    return verdict.value not in (None, UNDECIDED) and verdict.supported


@dataclass(frozen=True)
class Effect:
    """One paired effect: ``with`` minus ``without``, per seed, and how its direction replicates.

    Attributes
    ----------
    key : hashable
        The study's name for it.
    mean, error : float
        Mean over the seeds of the paired differences, and its standard error (NaN where a seed has no score).
    with_mean, without_mean : float
        The two arms' mean scores.
    verdict : Verdict
        Its direction on all the seeds (:func:`direction`), and whether it replicates.
    """

    key: Hashable
    mean: float
    error: float
    with_mean: float
    without_mean: float
    verdict: Verdict

    @property
    def direction(self) -> str | None:
        return self.verdict.value

    @property
    def supported(self) -> bool:
        """The direction replicates, and is one (raises, lowers, no difference) that can be claimed."""
        return claimable(self.verdict)


def _differences(values: np.ndarray, rows: dict) -> dict:
    """key -> the per-seed differences of its two rows (positions in ``values``)."""
    return {key: values[a] - values[b] for key, (a, b) in rows.items()}


def paired_effects(table: pd.DataFrame, pairs: dict, margin: float) -> dict[Hashable, Effect]:
    """The effect of each pair of arms of ``table``, and whether its direction replicates.

    Parameters
    ----------
    table : DataFrame
        Scores, one row per arm, one column per seed (:func:`~digitnet.studies.replication.seed_table`).
    pairs : dict
        ``key -> (arm with, arm without)``: rows of ``table``; the effect is with minus without.
    margin : float
        The smallest difference that counts (:func:`direction`).

    Returns
    -------
    dict
        ``key -> Effect``, in the order of ``pairs``.
    """
    position = {arm: i for i, arm in enumerate(table.index)}
    rows = {key: (position[a], position[b]) for key, (a, b) in pairs.items()}

    def decide(scores):
        return {
            key: direction(float(np.mean(d)), margin)
            for key, d in _differences(scores.to_numpy(dtype=float), rows).items()
        }

    verdicts = replicate(decide, table)
    values = table.to_numpy(dtype=float)
    out = {}
    for key, d in _differences(values, rows).items():
        a, b = rows[key]
        error = float(np.std(d, ddof=1) / np.sqrt(d.size)) if d.size > 1 else 0.0
        out[key] = Effect(
            key, float(np.mean(d)), error, float(np.mean(values[a])), float(np.mean(values[b])), verdicts[key]
        )
    return out


def effect_claim(study: str, about: str, effect: Effect, metric: str, note: str) -> Claim:
    """An ``effect`` claim: ``values`` holds the direction alone (the size, which moves from seed set to seed set,
    is in ``note`` and ``extra``), supported when the direction replicates."""
    return Claim(
        study,
        "effect",
        about,
        [effect.direction],
        effect.supported,
        metric,
        agreement=effect.verdict.agreement,
        note=note,
        extra={"difference": round(effect.mean, 6), "standard_error": round(effect.error, 6)},
    )


def moves(effect_direction: str | None, what: str) -> str:
    """``raises the loss``, ``lowers the loss``, ``changes the loss by less than half the margin`` (or ``by less than
    the margin, too close to it to call``)."""
    return {
        RAISES: f"raises {what}",
        LOWERS: f"lowers {what}",
        SAME: f"changes {what} by less than half the margin",
    }.get(effect_direction, f"changes {what} by less than the margin, too close to it to call")


def signed(value: float, scale: float = 100.0, unit: str = "points", digits: int = 1) -> str:
    """A difference with its sign and unit: ``+1.2 points``."""
    return "n/a" if not np.isfinite(value) else f"{scale * value:+.{digits}f} {unit}"
