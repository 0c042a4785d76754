"""How the report writes numbers, shared by its sentences and its tables."""

from __future__ import annotations

import numpy as np


def pct(x):
    """A fraction as a percentage with one decimal: 0.9743 -> "97.4%"."""
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * x:.1f}%"


def num(x, digits=2):
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.{digits}f}"


def rate(value):
    return f"{float(value):g}"


def finished(runs):
    """The runs that finished (a failed run has an ``error``; a diverged one its ``diverged_at``)."""
    if "error" in runs:
        runs = runs[runs["error"] == ""]
    if "diverged_at" in runs:
        runs = runs[runs["diverged_at"].isna()]
    return runs


def points(x):
    """A difference of fractions in percentage points: 0.0123 -> "+1.2 points"."""
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * x:+.1f} points"
