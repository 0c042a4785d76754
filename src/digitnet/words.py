"""How numbers are written in words: shared by the studies' sentences and tables and the report's."""

from __future__ import annotations

import numpy as np


def pct(x: float | None) -> str:
    """A fraction as a percentage with one decimal: 0.9743 -> "97.4%"."""
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * x:.1f}%"


def num(x: float | None, digits: int = 2) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.{digits}f}"


def rate(value: float) -> str:
    return f"{float(value):g}"


def points(x: float | None) -> str:
    """A difference of fractions in percentage points: 0.0123 -> "+1.2 points"."""
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * x:+.1f} points"
