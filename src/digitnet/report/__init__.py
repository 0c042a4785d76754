"""``digitnet report``: run every study of the project and write one self-contained HTML page.

The page follows the original project's sections (data, the network, comparison with
MLPClassifier, architecture, training parameters, error analysis, conclusions). Every number on
it, the conclusions included, is computed from the runs just made; every figure is embedded as a
base64 PNG ``data:`` URI, so ``index.html`` can be opened anywhere without network access. Next to
it the output directory holds each figure as a PNG and each study's results as CSV (plus JSON) in
a folder of its own.

The studies themselves (their grids, readings, tables, figures, sentences and twins) live in
:mod:`digitnet.studies`, one module each; the report runs every registered study and lays it out:

- :mod:`~digitnet.report.studies`: :func:`study_settings` (what each study runs), :func:`run_studies`
  (runs them, returns a :class:`ReportData`), :func:`error_analysis`, :func:`run_baselines` (the
  carried-forward model beside MLPClassifier and the baselines);
- :mod:`~digitnet.report.conclusions`: the comparison's, the errors' and the trust conclusions, and
  :func:`conclusions` (every sentence, in page order);
- :mod:`~digitnet.report.training_sections`: a study's subsection of "Training parameters";
- :mod:`~digitnet.report.figures`: :func:`make_figures`;
- :mod:`~digitnet.report.html` and :mod:`~digitnet.report.sections`: the page, from the template
  files in ``report/templates/``; :func:`render_html`;
- :mod:`~digitnet.report.build`: :func:`build_report`, which writes it all, and :func:`rebuild_report`, which
  draws the page again from a report folder's results (read back by :mod:`~digitnet.report.saved`).
"""

from ..plots import digit_samples_figure
from .build import build_report, rebuild_report
from .conclusions import compare_conclusion, conclusions, error_conclusion, trust_conclusion
from .figures import make_figures
from .html import html_table
from .sections import SECTIONS, render_html
from .studies import (
    STUDY_DTYPE,
    ErrorAnalysis,
    ReportData,
    Steps,
    compare_one_blas_thread,
    error_analysis,
    run_baselines,
    run_studies,
    study_settings,
)

__all__ = [
    "SECTIONS",
    "STUDY_DTYPE",
    "ErrorAnalysis",
    "ReportData",
    "Steps",
    "build_report",
    "compare_conclusion",
    "compare_one_blas_thread",
    "conclusions",
    "digit_samples_figure",
    "error_analysis",
    "error_conclusion",
    "html_table",
    "make_figures",
    "rebuild_report",
    "render_html",
    "run_baselines",
    "run_studies",
    "study_settings",
    "trust_conclusion",
]
