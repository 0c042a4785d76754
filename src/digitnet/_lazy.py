"""Heavy modules imported on first use: matplotlib and Dask's ``distributed``.

Most commands never draw a figure, and most sweeps never touch Dask, while importing matplotlib
costs about half a second and ``distributed`` a third. A module that needs one names it at its
top like any import, ``figure = lazy("matplotlib.figure")``; the real import happens at the first
attribute access (``figure.Figure(...)``). Each access asks :func:`importlib.import_module`, which
after the first time is a lookup in ``sys.modules``, so the proxy always agrees with it (a test
that blocks a module by setting ``sys.modules[name] = None`` blocks it through the proxy too).
"""

from __future__ import annotations

import importlib


class LazyModule:
    """Stands for the module ``name`` and imports it at the first attribute access."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attribute):  # only called for what the proxy itself does not have
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self):
        return f"<lazy module {self._name!r}>"


def lazy(name):
    """A :class:`LazyModule` for ``name`` (a dotted module name such as ``"matplotlib.figure"``)."""
    return LazyModule(name)
