"""Claims as data: what a study states, whether other seeds would state it again, and the words for it.

A study does not write its conclusions as free text: it makes :class:`Claim` records, each of one
kind (see :data:`KINDS`), about one thing (a parameter, the optimizers), judged on one declared
metric, and marked ``supported`` only when it replicates (:mod:`~digitnet.studies.replication`).
``claims.json`` beside a study's tables holds them (:func:`write_claims`, :func:`read_claims`); the
page's, the notebook's and the README's sentences are made from them (:func:`sentence`), and
:func:`contradictions` says where two runs of a study disagree (a different best, an opposite
order, a value in two regions).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..files import atomic_write
from ..jsonify import dumps

#: What a claim can say. best: ``values`` holds the best value, alone; order: the values, best first
#: (each entry a value, or a list of values the data cannot tell apart); region: the values in one region
#: (``region`` names it); tie: values that cannot be told apart; effect: what changing a value does
#: (``values`` holds the change and its direction); chosen: the model the study carries forward (``params``).
KINDS = ("best", "order", "region", "tie", "effect", "chosen")
#: The learning-rate regions, in the order of increasing rate.
REGIONS = ("too small", "good", "too large", "diverges")
#: The file beside a study's tables.
FILENAME = "claims.json"


@dataclass(frozen=True)
class Claim:
    """One thing a study states.

    Attributes
    ----------
    study : str
        The study's name.
    kind : str
        One of :data:`KINDS`.
    about : str
        What the values are values of (``"learning_rate_init"``, ``"optimizer"``, ``"momentum"``).
    values : list
        See :data:`KINDS`.
    supported : bool
        Whether it replicates: both halves of the seeds and at least 95% of resamples of them say it too.
    metric : str
        What it is judged on, in words (``"cross-validated accuracy"``, ``"training loss after 30 epochs"``).
    region : str, optional
        For a region claim: which one.
    agreement : float, optional
        The share of resamples of the seeds that say it.
    params : dict, optional
        For a chosen claim: the estimator parameters of the model carried forward.
    estimator : str, optional
        For a chosen claim: the class of ``digitnet`` that takes ``params``.
    note : str
        What it says, in words, when the kind alone does not (an effect's size, a chosen model's score).
    """

    study: str
    kind: str
    about: str
    values: list
    supported: bool
    metric: str
    region: str | None = None
    agreement: float | None = None
    params: dict | None = None
    estimator: str | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"a claim's kind is one of {KINDS}, got {self.kind!r}")
        if self.kind == "region" and self.region not in REGIONS:
            raise ValueError(f"a region claim names one of {REGIONS}, got {self.region!r}")

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None and v != "" and v != {}}

    @classmethod
    def from_json(cls, value: dict) -> Claim:
        return cls(**value)


def write_claims(claims: list[Claim], folder) -> str:
    """Write ``claims.json`` into ``folder`` (atomically); returns its path."""
    path = Path(folder) / FILENAME
    text = dumps([c.to_json() for c in claims], indent=2) + "\n"
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))
    return str(path)


def read_claims(folder) -> list[Claim]:
    """The claims a study wrote into ``folder`` (a UsageError, in one line, if the file is not such a list)."""
    path = Path(folder) / FILENAME
    try:
        return [Claim.from_json(c) for c in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None


def _flat(values):
    return [v for entry in values for v in (entry if isinstance(entry, list) else [entry])]


def _ranks(values):
    """value -> its place in an order claim (values in one entry share a place)."""
    return {v: i for i, entry in enumerate(values) for v in (entry if isinstance(entry, list) else [entry])}


def _topic(claim):
    return claim.study, claim.kind, claim.about, claim.metric


def contradictions(first: list[Claim], second: list[Claim]) -> list[str]:
    """Where two runs' supported claims disagree: a different best or chosen model, an opposite order of two
    values, a value in two different regions, an effect in opposite directions. One line each."""
    found = []
    a_claims = [c for c in first if c.supported]
    b_claims = [c for c in second if c.supported]
    for a in a_claims:
        for b in b_claims:
            if _topic(a) != _topic(b) and not (
                a.kind == b.kind == "region" and a.study == b.study and a.about == b.about
            ):
                continue
            if a.kind in ("best", "effect", "chosen") and a.values != b.values:
                found.append(
                    f"{a.study}: {a.kind} of {a.about} ({a.metric}) is {a.values} in one run, {b.values} in the other"
                )
            elif a.kind == "order":
                ra, rb = _ranks(a.values), _ranks(b.values)
                shared = [v for v in ra if v in rb]
                for i, x in enumerate(shared):
                    for y in shared[i + 1 :]:
                        if (ra[x] - ra[y]) * (rb[x] - rb[y]) < 0:
                            found.append(f"{a.study}: {x} and {y} are in opposite orders ({a.metric})")
            elif a.kind == "region" and a.region != b.region:
                for v in set(_flat(a.values)) & set(_flat(b.values)):
                    found.append(f"{a.study}: {a.about} {v} is {a.region} in one run, {b.region} in the other")
    return sorted(set(found))


def _words(values, fmt=str):
    values = [fmt(v) for v in values]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def sentence(claim: Claim, fmt=str) -> str:
    """A claim in words: what it says, and, when it is not supported, that the seeds do not agree on it."""
    values = claim.values
    if claim.kind == "best":
        text = f"the best {claim.about} by {claim.metric} is {fmt(values[0])}"
    elif claim.kind == "tie":
        text = f"by {claim.metric}, {_words(values, fmt)} cannot be told apart"
    elif claim.kind == "order":
        levels = [
            (_words(v, fmt) + " (tied)")
            if isinstance(v, list) and len(v) > 1
            else fmt(v[0] if isinstance(v, list) else v)
            for v in values
        ]
        text = f"by {claim.metric}: " + " > ".join(levels)
    elif claim.kind == "region":
        text = f"{claim.about} {_words(values, fmt)}: {claim.region}"
    else:
        text = claim.note or f"{claim.kind} of {claim.about}: {values}"
    if claim.kind != "chosen" and not claim.supported:
        text += " (not every replication agrees: the data cannot tell)"
    return text


def summary(claims: list[Claim], fmt=str) -> str:
    """A study's claims in one line: what every replication says, then what the data cannot tell."""
    supported = [sentence(c, fmt) for c in claims if c.supported]
    uncertain = sorted({str(fmt(v)) for c in claims if not c.supported and c.kind != "chosen" for v in _flat(c.values)})
    text = "; ".join(supported) if supported else "nothing every replication agrees on"
    return text + (f"; uncertain: {', '.join(uncertain)}" if uncertain else "")
