"""The one list of studies: :func:`register` adds one, :func:`studies` and :func:`get` read them.

Every module of :mod:`digitnet.studies` that defines a study registers it when it is imported;
:func:`load` imports them all (once), so that a new study is one new module and nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil

from ..errors import UsageError
from .base import Study

_REGISTRY: dict[str, Study] = {}
#: Old names of studies, still understood by ``digitnet sweep --preset``.
ALIASES = {"seed": "original-to-ours"}
#: Modules of the package that are not studies.
_NOT_STUDIES = {"base", "registry", "common", "run", "claims", "ranking", "replication", "tuned"}


def register(study: Study) -> Study:
    """Add ``study`` to the registry (a second study of the same name replaces the first); returns it."""
    if not getattr(study, "name", None):
        raise TypeError(f"{study!r} has no name")
    _REGISTRY[study.name] = study
    return study


def unregister(name: str) -> None:
    """Remove a study (for tests that register throwaway ones)."""
    _REGISTRY.pop(name, None)


_loaded = False


def load() -> None:
    """Import every study module of the package, so that each has registered itself."""
    global _loaded
    if _loaded:
        return
    package = __name__.rpartition(".")[0]
    for module in pkgutil.iter_modules(importlib.import_module(package).__path__):
        if module.name not in _NOT_STUDIES and not module.name.startswith("_"):
            importlib.import_module(f"{package}.{module.name}")
    _loaded = True


def studies(section: str | None = None) -> list[Study]:
    """Every registered study in page order (only those of ``section`` if given)."""
    load()
    ordered = sorted(_REGISTRY.values(), key=lambda s: (s.order, s.name))
    return [s for s in ordered if section is None or s.section == section]


def names() -> list[str]:
    """The registered studies' names, in page order."""
    return [s.name for s in studies()]


def get(name: str) -> Study:
    """The study called ``name`` (or an old name of it).

    Raises
    ------
    UsageError
        If there is none, listing the names there are.
    """
    load()
    name = ALIASES.get(name, name)
    if name not in _REGISTRY:
        raise UsageError(f"unknown preset {name!r}; choose one of {', '.join(names())}")
    return _REGISTRY[name]
