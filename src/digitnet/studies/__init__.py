"""The studies of the project, one module each: a question, a sweep that answers it, and its reading.

Every module here (``learning_rate.py``, ``batch_size.py``, ...) holds one
:class:`~digitnet.studies.base.Study` with everything about it: its question, its grid and
settings (full and quick), its reading of the runs (a typed record, computed once), its table,
figures and conclusion, the numbers its page twin draws (and, beside it, the twin's script), and
its notebook text. Each registers itself once (:func:`register`); the report, the notebook,
``digitnet sweep --preset`` and the benchmarks iterate over :func:`studies`.

- :mod:`~digitnet.studies.base`: :class:`Study`, :class:`Settings`, :class:`Outcome`;
- :mod:`~digitnet.studies.registry`: :func:`register`, :func:`studies`, :func:`get`;
- :mod:`~digitnet.studies.run`: :func:`run_preset` (a study's sweep), :func:`run_study` (and its reading);
- :mod:`~digitnet.studies.common`: settings and readings several studies share.

Adding a study: a new module here with a :class:`Study` subclass and ``register(MyStudy())`` at its
end (and, for a page twin, a JavaScript module beside it whose default export draws it: the page
finds it through the registry), a test, and a line in the README.
"""

from .base import Outcome, Settings, Study
from .registry import ALIASES, get, names, register, studies, unregister
from .run import run_preset, run_study, study_split

__all__ = [
    "ALIASES",
    "Outcome",
    "Settings",
    "Study",
    "get",
    "names",
    "register",
    "run_preset",
    "run_study",
    "studies",
    "study_split",
    "unregister",
]
