"""The building blocks of the report's HTML: templates, tables, figures, and readable text for settings.

The page and each of its sections are template files in ``report/templates/`` (``${name}``
placeholders, :class:`string.Template`); :func:`fill` fills one. Every string that comes from
data (a column name, a class label, a parameter value) is escaped on its way in.
"""

from __future__ import annotations

import base64
import functools
import html
import re
import string
from importlib import resources

import numpy as np
import pandas as pd

from ..experiments.params import format_layers
from ..plots import PARAM_LABELS
from ..studies import studies
from ..words import pct

escape = html.escape


@functools.cache
def template(name):
    """The text of ``report/templates/<name>`` (a package data file)."""
    return resources.files(__package__).joinpath("templates", name).read_text(encoding="utf-8")


#: The page's scripts (``report/assets/``), in the order they are joined: the mathematics first, then the
#: studies' twins (each beside its study, :attr:`digitnet.studies.Study.twin`), the page last.
ASSETS = ("nn.js", "digit_image.js", "charts.js", "draw.js", "playground.js", "explore.js", "main.js")


def script():
    """The page's JavaScript: :data:`ASSETS` and every registered study's twin joined in one strict-mode function
    (nothing leaks into the page's global scope but ``window.digitnet``)."""
    def asset(name):
        return f"// ---- {name}\n" + resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")
    twins = [f"// ---- {study.twin}\n" + study.twin_script() for study in studies() if study.twin]
    parts = [asset(name) for name in ASSETS[:-1]] + twins + [asset(ASSETS[-1])]
    return '(function () {\n"use strict";\n' + "\n".join(parts) + "\n})();"


def fill(template_name, /, **values):
    """Template ``template_name`` with every ``${key}`` replaced by ``values[key]`` (HTML, already escaped)."""
    return string.Template(template(template_name)).substitute(values)


def _cell(value, digits):
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return ""
        return f"{value:.{digits}f}"
    return str(value)


def html_table(frame, digits=4, best_row=None, caption=None, formats=None):
    """A DataFrame as an HTML table; every header and cell is escaped.

    Parameters
    ----------
    frame : DataFrame
        Shown with its columns (not its index).
    digits : int
        Decimals of float cells.
    best_row : int, optional
        Position of a row to highlight.
    caption : str, optional
    formats : dict of column -> format string, optional
        E.g. ``{"error": "{:.1e}"}`` for that column's numbers.

    Returns
    -------
    str
    """
    formats = formats or {}
    align = {c: "" if _numeric_column(frame[c]) else ' class="text"' for c in frame.columns}
    out = ['<div class="table-wrap"><table>']  # the wrapper scrolls a wide table on a narrow screen
    if caption:
        out.append(f"<caption>{escape(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th{align[c]}>{escape(str(c))}</th>" for c in frame.columns)
               + "</tr></thead>")
    out.append("<tbody>")
    for i, row in enumerate(frame.itertuples(index=False)):
        cls = ' class="best"' if best_row is not None and i == best_row else ""
        cells = []
        for c, v in zip(frame.columns, row):
            text = formats[c].format(v) if c in formats and isinstance(v, (int, float, np.number)) else _cell(v, digits)
            cells.append(f"<td{align[c]}>{escape(text)}</td>")
        out.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "\n".join(out)


_NUMBER = re.compile(r"^[-+−]?[\d.,]+(e[-+]?\d+)?(%| s)?( ± [\d.,]+(e[-+]?\d+)?(%| s)?)?$|^(n/a)?$")


def _numeric_column(column):
    """Right-align numbers, also when they are written as text ("97.4%", "0.12 s ± 0.01 s")."""
    if pd.api.types.is_numeric_dtype(column):
        return True
    return all(_NUMBER.match(str(v)) for v in column)


#: Readable names of the result columns shown in the page's tables.
_COLUMN_NAMES = {"n_iter": "epochs", "train_accuracy": "training accuracy", "fit_seconds": "fit time (s)",
                 "train_loss": "training loss"}


def readable(frame):
    """The table with readable column names ("epochs" for ``n_iter``, "learning rate", ...)."""
    return frame.rename(columns={c: _COLUMN_NAMES.get(c, PARAM_LABELS.get(c, c)) for c in frame.columns})


def figure_html(images, name, caption, narrow=False):
    """The figure ``name`` embedded as a PNG data URI, with its caption and a link to its file ("" if absent)."""
    png = images.get(name)
    if png is None:
        return ""
    data = base64.b64encode(png).decode("ascii")
    cls = ' class="narrow"' if narrow else ""
    return (f'<figure id="fig-{escape(name)}"{cls}><img src="data:image/png;base64,{data}" alt="{escape(caption)}">'
            f'<figcaption>{escape(caption)} <a href="{escape(name)}.png">{escape(name)}.png</a></figcaption></figure>')


def percent_columns(frame, columns):
    """A copy with these columns' fractions written as percentages."""
    frame = frame.copy()
    for c in columns:
        if c in frame:
            frame[c] = [pct(v) for v in frame[c]]
    return frame


def _values_text(key, values):
    return ", ".join(format_layers(v) if key == "hidden_layer_sizes" else f"{v:g}" if isinstance(v, float) else str(v)
                     for v in values)


def describe_grid(result):
    """The axes a sweep actually varied (their values in grid order), and its seeds, as text.

    A grid given as a list of labelled sub-grids is described one label at a time, each with
    the settings that set it apart from the others.
    """
    grid, seeds = result.config.get("grid") or {}, f"seeds {', '.join(map(str, result.config['seeds']))}"
    if isinstance(grid, dict):
        parts = [f"{key} ∈ {{{_values_text(key, list(dict.fromkeys(result.runs[key].tolist())))}}}"
                 for key in grid if key in result.runs and result.runs[key].nunique(dropna=False) > 1]
        return "; ".join(parts + [seeds])
    shared = {k for k in grid[0] if all(g.get(k) == grid[0][k] for g in grid)}
    parts = []
    for g in grid:
        label = " ".join(map(str, g.get("label", [])))
        axes = [f"{k}={_values_text(k, v)}" if len(v) == 1 else f"{k} ∈ {{{_values_text(k, v)}}}"
                for k, v in g.items() if k != "label" and k not in shared]
        parts.append(f"{label} ({', '.join(axes)})" if label else ", ".join(axes))
    return "; ".join(parts + [seeds])


def params_text(params):
    """``name=value, ...`` for a dict of parameters ("the defaults" for none)."""
    shown = [f"{k}={format_layers(v) if k == 'hidden_layer_sizes' else v}" for k, v in params.items()]
    return ", ".join(shown) if shown else "the defaults"
