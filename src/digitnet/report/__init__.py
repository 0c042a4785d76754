"""``digitnet report``: run every study of the project and write one self-contained HTML page.

The page follows the original project's sections (data, the network, comparison with
MLPClassifier, architecture, training parameters, error analysis, conclusions). Every number on
it, the conclusions included, is computed from the runs just made; every figure is embedded as a
base64 PNG ``data:`` URI, so ``index.html`` can be opened anywhere without network access. Next to
it the output directory holds each figure as a PNG and each study's results as CSV (plus JSON) in
a folder of its own.

The work is split by concern, and the notebook shares it:

- :mod:`~digitnet.report.studies`: :func:`study_settings` (what each study runs), :func:`run_studies`
  (runs them, returns a :class:`ReportData`), :func:`error_analysis`;
- :mod:`~digitnet.report.conclusions`: the ``*_conclusion`` functions and :func:`conclusions`;
- :mod:`~digitnet.report.training_conclusions`, :mod:`~digitnet.report.training_sections`: the
  training-parameter studies' sentences, tables (:func:`study_table`) and subsections;
- :mod:`~digitnet.report.figures`: :func:`make_figures`, :func:`study_figures`;
- :mod:`~digitnet.report.html` and :mod:`~digitnet.report.sections`: the page, from the template
  files in ``report/templates/``; :func:`render_html`;
- :mod:`~digitnet.report.build`: :func:`build_report`, which writes it all.
"""

from .build import build_report
from .conclusions import (
    architecture_conclusion, compare_conclusion, conclusions, error_conclusion, original_conclusion, trust_conclusion,
)
from .figures import make_figures, study_figures
from .html import html_table
from .sections import SECTIONS, render_html
from .studies import (
    PRESET_STUDIES, STUDY_DTYPE, ErrorAnalysis, ReportData, Steps, compare_one_blas_thread, error_analysis,
    initialization_spreads, run_studies, study_settings,
)
from .training_conclusions import (
    TRAINING_STUDIES, TRAINING_TITLES, batch_size_conclusion, epochs_conclusion, initialization_conclusion, learning_rate_conclusion,
    momentum_conclusion, optimizer_conclusion, regularization_conclusion, training_conclusion,
)
from .training_sections import study_table
from ..plots import digit_samples_figure

__all__ = [
    "PRESET_STUDIES", "SECTIONS", "STUDY_DTYPE", "TRAINING_STUDIES", "TRAINING_TITLES", "ErrorAnalysis", "ReportData", "Steps", "architecture_conclusion",
    "batch_size_conclusion", "build_report", "compare_conclusion", "compare_one_blas_thread", "conclusions",
    "digit_samples_figure", "epochs_conclusion", "error_analysis", "error_conclusion", "html_table",
    "initialization_conclusion", "initialization_spreads", "learning_rate_conclusion", "make_figures",
    "momentum_conclusion", "optimizer_conclusion", "original_conclusion", "regularization_conclusion",
    "render_html", "run_studies", "study_figures", "study_settings", "study_table", "training_conclusion",
    "trust_conclusion",
]
