"""What a study is: :class:`Study`, the settings it runs with (:class:`Settings`), what it found (:class:`Outcome`).

A study asks one question of gradient descent on the digits (how big a step? how many rows per
step?), answers it with a sweep (a grid of configurations, each trained over several seeds) and
reads the answer off the runs: once, into a typed record of its own (its *reading*), from which
its table, figures, conclusion and the numbers its page twin draws are all made. So a figure and
the sentence under it can never disagree, and nothing is computed twice.

Each study is one module of :mod:`digitnet.studies` holding one :class:`Study` subclass, registered
once with :func:`~digitnet.studies.registry.register`; the report, the notebook, ``digitnet sweep
--preset``, its ``--help`` and the benchmarks all iterate over the registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, ClassVar

import pandas as pd

from ..experiments.results import SweepResult


@dataclass(frozen=True)
class Settings:
    """How much of a study one run trains: seeds, and changes to its grid and shared parameters.

    Attributes
    ----------
    seeds : int or tuple of int
        A count (seeds 0..N-1) or the seeds themselves.
    grid : dict or None
        Axes replacing (or added to) the study's grid, e.g. ``{"max_iter": [10, 20]}``.
    params : dict
        Parameters overriding the study's shared ones (``max_iter`` for a quick run, say).
    """

    seeds: int | tuple = 3
    grid: Mapping | None = None
    params: Mapping = field(default_factory=dict)

    def with_seeds(self, seeds: int | tuple | None) -> Settings:
        """The same settings with other seeds (``None``: unchanged)."""
        return self if seeds is None else Settings(seeds, self.grid, self.params)


@dataclass
class Outcome:
    """A study run and read: its sweep's result and its reading (the study's own typed record)."""

    study: Study
    result: SweepResult
    reading: Any


class Study:
    """One study: its question, what it trains, and how it reads the runs.

    A subclass sets the class attributes below and implements :meth:`read`; :meth:`table`,
    :meth:`figures`, :meth:`conclusion` and :meth:`page` turn the reading into what the report,
    the notebook and the page show. Nothing here trains: :func:`digitnet.studies.run_study` runs
    the sweep (the same for every study) and hands its result to :meth:`read`.

    Attributes
    ----------
    name : str
        The preset's name (``digitnet sweep --preset NAME``), also the page's anchor.
    title : str
        Its heading.
    order : int
        Its place on the page and in ``--help`` (smaller first).
    section : str
        The page section that shows it: ``"training"`` (a subsection of "Training parameters")
        or the name of a section of its own (``"network"``, ``"architecture"``).
    question : str
        What it asks and how, in a sentence or two (the page, under the heading).
    metric : str
        The one held-out metric it ranks by and chooses by, declared before it runs (in words, as its claims
        say it); a study that also reads a training loss or a speed says so in its claims, each judged apart.
    margin : float
        What counts as a difference on that metric: two arms closer than this are not told apart.
    description : str
        One line for ``--help`` and ``results.json``.
    notebook : str
        Its section of the notebook, in Markdown (formulas in LaTeX).
    grid, base_params
        The sweep: a grid (a dict of axes, or a list of labelled sub-grids) and the parameters
        every configuration shares.
    varied : tuple of str
        The parameters it varies (the others are listed as shared settings).
    seeds : tuple of int
        Its seeds when run on its own (``digitnet sweep --preset``).
    select : bool
        Whether it chooses a configuration and scores that one, once, on the test set.
    cv : int or None
        Cross-validation folds of the development rows (every digit validates once; folds drawn anew for every
        seed), or None for the split's one validation part.
    highlight : dict
        Grid values worth showing apart (the original project's learning rates).
    full, quick : Settings
        What the report runs (full, or ``--quick``: illustrative numbers in seconds).
    captions : tuple of (str, str)
        Its figures, by file stem, with their captions, in page order.
    twin : str or None
        The file of its interactive twin on the page, or None: a JavaScript module beside its
        module, whose default export ``(container, numbers of page())`` draws it
        (:mod:`digitnet.report.html` puts it on the page under the study's name).
    """

    name: ClassVar[str]
    title: ClassVar[str]
    order: ClassVar[int]
    section: ClassVar[str] = "training"
    question: ClassVar[str]
    metric: ClassVar[str] = "cross-validated accuracy"
    margin: ClassVar[float] = 0.005
    description: ClassVar[str]
    notebook: ClassVar[str] = ""
    grid: ClassVar[Any]
    base_params: ClassVar[dict]
    varied: ClassVar[tuple] = ()
    seeds: ClassVar[tuple] = (0, 1, 2)
    select: ClassVar[bool] = False
    highlight: ClassVar[dict] = {}
    dataset: ClassVar[str] = "digits"
    validation_size: ClassVar[float] = 0.2
    cv: ClassVar[int | None] = None
    full: ClassVar[Settings] = Settings()
    quick: ClassVar[Settings] = Settings(seeds=2)
    captions: ClassVar[tuple] = ()
    twin: ClassVar[str | None] = None

    def settings(self, quick: bool = False) -> Settings:
        """What the report runs of this study."""
        return self.quick if quick else self.full

    def measure(self, result: SweepResult, split) -> dict:
        """What the study measures besides its sweep, once it has run (JSON-ready: kept in ``result.extra`` and in
        ``results.json``, so that a page rebuilt from the files trains nothing); default: nothing."""
        return {}

    def read(self, result: SweepResult, split) -> Any:
        """The study's reading of its runs: every number its table, figures, conclusion and twin need.

        Parameters
        ----------
        result : SweepResult
            The sweep it ran (``result.best`` set for a selecting study).
        split : Split
            The rows it ran on (for readings that look at the data, such as activation spreads).
        """
        raise NotImplementedError

    def table(self, reading: Any) -> pd.DataFrame | None:
        """Its table of readings (one row per value it varies), or None."""
        return None

    def figures(self, reading: Any) -> dict:
        """Its figures by file stem (the keys of :attr:`captions`), as matplotlib figures."""
        return {}

    def conclusion(self, reading: Any) -> str:
        """What it found, in words computed from the reading."""
        raise NotImplementedError

    def claims(self, reading: Any) -> list:
        """What the study states (:class:`~digitnet.studies.claims.Claim`), each marked supported or not; the
        reading makes them once (its ``claims``)."""
        return list(getattr(reading, "claims", []))

    def findings(self, reading: Any) -> list:
        """Its supported claims, as JSON (what ``claims.json`` keeps of them)."""
        return [c.to_json() for c in self.claims(reading) if c.supported]

    def same_findings(self, a: Any, b: Any) -> bool:
        """Do two readings of this study (other seeds, another precision) conclude the same: no supported claim of
        one contradicts a supported claim of the other?"""
        from .claims import contradictions

        return not contradictions(self.claims(a), self.claims(b))

    def quoted(self, reading: Any) -> list:
        """The configurations whose scores the conclusion quotes (default: every configuration)."""
        return list(reading.result.runs["config"].unique())

    def page(self, reading: Any) -> dict:
        """The numbers its twin draws on the page (JSON-ready)."""
        return {}

    def twin_script(self) -> str:
        """The text of its twin's script (empty if it has none)."""
        if not self.twin:
            return ""
        package = type(self).__module__.rpartition(".")[0]
        return resources.files(package).joinpath(self.twin).read_text(encoding="utf-8")

    def outcome(self, result: SweepResult, split) -> Outcome:
        """Read ``result`` into an :class:`Outcome`."""
        return Outcome(self, result, self.read(result, split))

    def __repr__(self) -> str:
        return f"<study {self.name!r}>"
