"""One rule for turning results into JSON, shared by every file and identity we write.

:func:`plain` maps a value to plain JSON types: mappings get string keys, tuples and arrays
become lists, NumPy scalars Python numbers, a DataFrame a list of row dicts, NaN becomes ``null``
and the infinities the strings ``"inf"`` / ``"-inf"`` (JSON has neither). Anything else is
refused with a TypeError: a result must never depend on an object's ``repr``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd


def plain(value: object) -> object:
    """``value`` as plain JSON types (see the module docstring); TypeError for anything else."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, pd.DataFrame):
        return plain(value.to_dict(orient="records"))
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as JSON")


def canonical_json(value: object) -> str:
    """Canonical JSON text of :func:`plain` ``(value)``: sorted keys, no spaces (what run ids hash)."""
    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), allow_nan=False)


def dumps(value: object, **options: Any) -> str:
    """JSON text of :func:`plain` ``(value)`` (``options`` as for :func:`json.dumps`)."""
    return json.dumps(plain(value), allow_nan=False, **options)


def numbers(values: Iterable[float | str | None]) -> list[float]:
    """The inverse of :func:`plain` for a list of numbers: ``null`` -> NaN, ``"inf"`` / ``"-inf"`` -> infinities."""
    return [math.nan if v is None else float(v) for v in values]
