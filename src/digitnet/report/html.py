"""The building blocks of the report's HTML: templates, tables, figures, readable text for settings, and the scripts.

The page and each of its sections are template files in ``report/templates/`` (``${name}``
placeholders, :class:`string.Template`); :func:`fill` fills one. Every string that comes from
data (a column name, a class label, a parameter value) is escaped on its way in.

**The page's scripts are ES modules, inlined through an import map of data: URLs.** Each script
(``report/assets/*.js``, and each study's twin, a ``.js`` file beside its study's module) is a
module that says what it imports and exports (``import { el, lineChart } from "digitnet/charts.js";``).
:func:`page_scripts` gives the page an import map (``<script type="importmap">``) that maps each
module's name, a bare specifier such as ``"digitnet/charts.js"`` or ``"digitnet/studies/learning_rate.js"``,
to its text as a ``data:text/javascript;base64,...`` URL, and one inline ``<script type="module">``
that starts the page (:data:`ENTRY`). Why this, rather than joining the files or bundling them here:

- they are real modules, run as the browser runs modules: module scope (nothing a script declares is
  seen by another unless exported and imported; ``window.digitnet`` is the one global, set by
  ``main.js``), strict mode, and every import checked against its module's exports before any
  code runs, by the browser itself; the code is never rewritten (the Python side only reads the
  import and export lines, to say early and in one line what would not link);
- still one self-contained file, offline: a data: URL is its own content, fetched from nowhere, and
  works from ``file://`` (where Chrome refuses module scripts given by ``src``) as from a server,
  in every browser with import maps (Chrome and Edge 89, Firefox 108, Safari 16.4, and later);
- bare specifiers because a relative one (``"./charts.js"``) cannot be resolved from a data: URL.

The cost is a third more bytes for the scripts (base64) and a browser from 2023 at least (an older
one shows the static report without its interactive parts). The studies' twins are found through
the registry (:func:`digitnet.studies.studies`, :attr:`~digitnet.studies.Study.twin`): the module
``digitnet/twins.js``, written here, lists each under its study's name, so adding a study never
means editing a script. :func:`check_links` checks the modules' imports against their exports
(and the small syntax it reads, :data:`IMPORT_FORMS`) when the page is written; the browser tests
check the rest (``tests/report/test_scripts.py``, ``tests/report/test_browser_nn.py``).
"""

from __future__ import annotations

import base64
import functools
import html
import json
import math
import re
import string
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from ..experiments.params import format_layers
from ..plots import PARAM_LABELS
from ..plots.saving import MIN_TEXT_PX
from ..studies import studies
from ..words import pct
from .page_data import script_json

escape = html.escape


@functools.cache
def template(name):
    """The text of ``report/templates/<name>`` (a package data file)."""
    return resources.files(__package__).joinpath("templates", name).read_text(encoding="utf-8")


#: The page's own scripts (``report/assets/``), each the module ``digitnet/<file>``.
ASSETS = (
    "nn.js",
    "curvature.js",
    "digit_image.js",
    "charts.js",
    "draw.js",
    "trainer.js",
    "network_view.js",
    "playground.js",
    "explore.js",
    "main.js",
)
#: The module that lists the studies' twins under their studies' names, written from the registry.
TWINS = "digitnet/twins.js"
#: The page's one inline module: it starts the page.
ENTRY = 'import { startPage } from "digitnet/main.js";\nstartPage();\n'
#: The import and export statements the page's modules may use (:func:`check_links` reads them):
#: ``import { a, b as c } from "name";``, ``import a from "name";``, ``export function|const|let|class name``
#: (one name per statement) and ``export default``; each statement at the start of a line.
IMPORT_FORMS = (
    re.compile(r'import\s*\{(?P<names>[\w$\s,]*)\}\s*from\s*"(?P<module>[^"]+)";'),
    re.compile(r'import\s+(?P<default>[\w$]+)\s+from\s*"(?P<module>[^"]+)";'),
)
EXPORT_FORMS = re.compile(
    r"export\s+(?:(?:async\s+)?function\*?|const|let|class)\s+(?P<name>[\w$]+)|export\s+default\b"
)
_STATEMENT = re.compile(r"^(import|export)\b", re.M)


@dataclass(frozen=True)
class Module:
    """One of the page's scripts: its name (the bare specifier other modules import it by) and its text."""

    name: str
    source: str


@dataclass(frozen=True)
class Links:
    """What a module imports (module name -> the names it takes; ``default`` for a default import) and exports."""

    imports: dict
    exports: frozenset


def twin_module(study) -> str:
    """The module name of a study's twin: its file beside the study's module (``digitnet/studies/learning_rate.js``)."""
    return f"{type(study).__module__.rpartition('.')[0].replace('.', '/')}/{study.twin}"


def _twins(with_twin) -> Module:
    """The module ``digitnet/twins.js``: ``TWINS``, each study's twin (its module's default export) by study name."""
    lines = [
        "// digitnet/twins.js, written by digitnet.report.html from the studies' registry: each twin by its study."
    ]
    lines += [f'import twin{k} from "{twin_module(study)}";' for k, study in enumerate(with_twin)]
    entries = ", ".join(f"{json.dumps(study.name)}: twin{k}" for k, study in enumerate(with_twin))
    return Module(TWINS, "\n".join(lines + [f"export const TWINS = {{ {entries} }};"]) + "\n")


def modules() -> list:
    """Every module of the page: :data:`ASSETS`, each registered study's twin, and :data:`TWINS`."""
    assets = resources.files(__package__).joinpath("assets")
    with_twin = [study for study in studies() if study.twin]
    return (
        [Module(f"digitnet/{name}", assets.joinpath(name).read_text(encoding="utf-8")) for name in ASSETS]
        + [Module(twin_module(study), study.twin_script()) for study in with_twin]
        + [_twins(with_twin)]
    )


def links(module: Module) -> Links:
    """The imports and exports of ``module``; a ValueError names a statement not in :data:`IMPORT_FORMS`."""
    imports, exports = {}, set()
    for statement in _STATEMENT.finditer(module.source):
        at = statement.start()
        line = module.source.count("\n", 0, at) + 1
        found = next((m for form in IMPORT_FORMS if (m := form.match(module.source, at))), None)
        if statement.group(1) == "import" and found:
            names = found["names"].split(",") if "names" in found.groupdict() else ["default"]
            taken = imports.setdefault(found["module"], [])
            taken += [name.split()[0] for name in names if name.strip()]  # "b as c" takes b
        elif statement.group(1) == "export" and (found := EXPORT_FORMS.match(module.source, at)):
            exports.add(found["name"] or "default")
        else:
            raise ValueError(
                f"{module.name}, line {line}: {module.source[at:].splitlines()[0]!r} is not one of the"
                " import and export statements the page reads (digitnet.report.html.IMPORT_FORMS)"
            )
    if "import(" in module.source:
        raise ValueError(
            f"{module.name}: import(...) would load code at run time; the page's modules import statically"
        )
    return Links({name: tuple(taken) for name, taken in imports.items()}, frozenset(exports))


def check_links(page_modules) -> dict:
    """Each module's :class:`Links`, after checking that every module imported is one of ``page_modules`` and
    exports every name taken from it (a ValueError says which is not)."""
    found = {module.name: links(module) for module in page_modules}
    for name, module_links in found.items():
        for imported, taken in module_links.imports.items():
            if imported not in found:
                raise ValueError(
                    f'{name} imports "{imported}", which is none of the page\'s modules: {", ".join(found)}'
                )
            missing = [t for t in taken if t not in found[imported].exports]
            if missing:
                raise ValueError(f'{name} imports {", ".join(missing)} from "{imported}", which does not export it')
    return found


def page_scripts() -> tuple:
    """``(import map, entry)``: the JSON of the page's ``<script type="importmap">`` (every module of :func:`modules`
    as a data: URL, checked by :func:`check_links`), and the text of its ``<script type="module">``."""
    page_modules = modules()
    check_links(page_modules + [Module("entry", ENTRY)])

    def url(module):
        text = f"{module.source}\n//# sourceURL={module.name}\n"  # the module's name in the console's messages
        return "data:text/javascript;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")

    return script_json({"imports": {module.name: url(module) for module in page_modules}}), ENTRY


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
    out.append("<thead><tr>" + "".join(f"<th{align[c]}>{escape(str(c))}</th>" for c in frame.columns) + "</tr></thead>")
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
_COLUMN_NAMES = {
    "n_iter": "epochs",
    "train_accuracy": "training accuracy",
    "fit_seconds": "fit time (s)",
    "train_loss": "training loss",
}


def readable(frame):
    """The table with readable column names ("epochs" for ``n_iter``, "learning rate", ...)."""
    return frame.rename(columns={c: _COLUMN_NAMES.get(c, PARAM_LABELS.get(c, c)) for c in frame.columns})


#: What stands between the page's width and a figure's picture on a desktop (style.css): the page's margins
#: (28 px each side) and the figure's padding and border (13 px each side).
FIGURE_CHROME_PX = 82


def _png_url(png):
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def figure_html(images, name, caption, narrow=False):
    """The figure ``name`` embedded as a PNG data URI, with its caption and a link to its file ("" if absent).

    ``images[name]`` is the PNG's bytes, or a :class:`~digitnet.plots.saving.Picture`: then the page says its smallest
    text (``data-font-px``, in the picture's pixels) and, if it has one, serves its phone's picture
    (``<picture><source media=...>``) wherever the desktop's would be scaled down so far that its smallest text
    fell under :data:`~digitnet.plots.saving.MIN_TEXT_PX`.
    """
    picture = images.get(name)
    if picture is None:
        return ""
    cls = ' class="narrow"' if narrow else ""
    png = picture if isinstance(picture, bytes) else picture.png
    font = (
        "" if isinstance(picture, bytes) else f' data-font-px="{picture.font_px:.2f}" data-width="{picture.width_px}"'
    )
    img = f'<img src="{_png_url(png)}" alt="{escape(caption)}"{font}>'
    if not isinstance(picture, bytes) and picture.phone is not None:
        below = max(600, math.ceil(MIN_TEXT_PX * picture.width_px / picture.font_px) + FIGURE_CHROME_PX)
        phone = picture.phone
        img = (
            f'<picture><source media="(max-width: {below}px)" srcset="{_png_url(phone.png)}"'
            f' data-font-px="{phone.font_px:.2f}" data-width="{phone.width_px}">{img}</picture>'
        )
    return (
        f'<figure id="fig-{escape(name)}"{cls}>{img}'
        f'<figcaption>{escape(caption)} <a href="{escape(name)}.png">{escape(name)}.png</a></figcaption></figure>'
    )


def percent_columns(frame, columns):
    """A copy with these columns' fractions written as percentages."""
    frame = frame.copy()
    for c in columns:
        if c in frame:
            frame[c] = [pct(v) for v in frame[c]]
    return frame


def _values_text(key, values):
    return ", ".join(
        format_layers(v) if key == "hidden_layer_sizes" else f"{v:g}" if isinstance(v, float) else str(v)
        for v in values
    )


def describe_grid(result):
    """The axes a sweep actually varied (their values in grid order), and its seeds, as text.

    A grid given as a list of labelled sub-grids is described one label at a time, each with
    the settings that set it apart from the others.
    """
    grid, seeds = result.config.grid or {}, f"seeds {', '.join(map(str, result.config.seeds))}"
    if isinstance(grid, dict):
        parts = [
            f"{key} ∈ {{{_values_text(key, list(dict.fromkeys(result.runs[key].tolist())))}}}"
            for key in grid
            if key in result.runs and result.runs[key].nunique(dropna=False) > 1
        ]
        return "; ".join(parts + [seeds])
    shared = {k for k in grid[0] if all(g.get(k) == grid[0][k] for g in grid)}
    parts = []
    for g in grid:
        label = " ".join(map(str, g.get("label", [])))
        axes = [
            f"{k}={_values_text(k, v)}" if len(v) == 1 else f"{k} ∈ {{{_values_text(k, v)}}}"
            for k, v in g.items()
            if k != "label" and k not in shared
        ]
        parts.append(f"{label} ({', '.join(axes)})" if label else ", ".join(axes))
    return "; ".join(parts + [seeds])


def params_text(params):
    """``name=value, ...`` for a dict of parameters ("the defaults" for none)."""
    shown = [f"{k}={format_layers(v) if k == 'hidden_layer_sizes' else v}" for k, v in params.items()]
    return ", ".join(shown) if shown else "the defaults"
