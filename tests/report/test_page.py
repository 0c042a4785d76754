"""The report page: self-contained, every section, every figure and result file, what was run, data escaped."""

import base64
import copy
import html
import json
import re

import numpy as np
import pandas as pd

from digitnet import report
from digitnet.studies import get, names, studies

from .helpers import PNG_SIGNATURE, text_of

SECTION_HEADINGS = [
    "Data",
    "Play: draw a digit, train a network",
    "The network",
    "Comparison with MLPClassifier and the baselines",
    "Architecture",
    "Training parameters",
    "Error analysis",
    "How far to trust these numbers",
    "Conclusions",
]
SUBSECTION_HEADINGS = [
    "Draw a digit",
    "Train a network",
    "Gradient check",
    "Learning rate",
    "Epochs",
    "Batch size",
    "Optimizer",
    "Momentum",
    "Regularization",
    "Initialization",
]
RESULT_FILES = [
    "compare/compare.csv",
    "compare/summary.csv",
    "compare/report.csv",
    "compare/results.json",
    "baselines/baselines.csv",
    "baselines/summary.csv",
    "baselines/results.json",
    *(f"{study}/{name}" for study in names() for name in ("sweep.csv", "curves.json", "results.json")),
    "errors/predictions.csv",
]


def test_build_report_returns_the_index(built):
    out, index, page, _ = built
    assert index == out / "index.html"
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")


def test_page_is_self_contained(built):
    _, _, page, _ = built
    scripts = re.findall(r"<script([^>]*)>", page, re.I)
    # the numbers, the modules (an import map of data: URLs), and the inline module that starts the page
    assert scripts == [' type="application/json" id="digitnet-data"', ' type="importmap"', ' type="module"']
    modules = json.loads(page.split('<script type="importmap">')[1].split("</script>")[0])["imports"]
    code = [page.split('<script type="module">')[1].split("</script>")[0]]
    for name, url in modules.items():
        assert url.startswith("data:text/javascript;base64,"), f"{name} must be in the page"
        code.append(base64.b64decode(url.split(",", 1)[1]).decode("utf-8"))
    assert len(code) >= 10
    imported = []
    for text in code:
        for reach in ("fetch(", "XMLHttpRequest", "WebSocket", "import(", "importScripts", "sendBeacon"):
            assert reach not in text, f"the page's script must not reach the network ({reach})"
        # a static import loads a module: every one it names is in the page's import map, nothing else
        imported += [
            name
            for names in re.findall(r'^(?:import|export)\b[^;"]*?\bfrom\s*"([^"]*)"|^import\s*"([^"]*)"', text, re.M)
            for name in names
            if name
        ]
    assert set(imported) == set(modules)  # each module is imported by name, and no other is
    assert "<link" not in page.lower()
    assert "@import" not in page and "url(" not in page
    for attribute, value in re.findall(r'\b(src|href)="([^"]*)"', page):
        assert not re.match(r"(?i)(https?:)?//", value), f"{attribute}={value} needs the network"
    images = re.findall(r'<img[^>]*\bsrc="([^"]*)"', page)
    assert len(images) >= 10
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == PNG_SIGNATURE


def test_every_section_has_its_heading(built):
    _, _, page, _ = built
    h2 = [text_of(h) for h in re.findall(r"<h2>(.*?)</h2>", page, re.S)]
    assert h2 == SECTION_HEADINGS
    h3 = [text_of(h) for h in re.findall(r"<h3[^>]*>(.*?)</h3>", page, re.S)]
    for heading in SUBSECTION_HEADINGS:
        assert heading in h3


def test_figures_and_result_tables_are_written(built):
    out, _, page, data = built
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == sorted(f"{name}.png" for name in re.findall(r'<figure id="fig-([^"]+)"', page))
    assert len(pngs) == len(re.findall(r"<img ", page))
    for name in pngs:
        assert (out / name).read_bytes()[:8] == PNG_SIGNATURE
        assert f'href="{name}"' in page  # each embedded figure links to its file
    for name in RESULT_FILES:
        assert (out / name).is_file(), name
        assert f'href="{name}"' in page
    assert not [p for p in out.rglob(".*")], "temporary files left behind"
    runs = pd.read_csv(out / "compare" / "compare.csv")
    assert len(runs) == 2 * data.settings["compare"].seeds
    predictions = pd.read_csv(out / "errors" / "predictions.csv")
    assert len(predictions) == len(data.split.y_test)
    assert np.allclose(predictions.filter(like="probability_").sum(axis=1), 1, atol=1e-4)


def test_page_states_what_was_run(built):
    _, _, page, data = built
    text = text_of(page)
    assert "quick mode" in text
    grid = "hidden_layer_sizes ∈ {64, 256}; activation ∈ {relu, tanh}; scaling ∈ {standard, max}; seeds 0, 1"
    assert grid in text
    rates = ", ".join(f"{r:g}" for r in get("learning-rate").grid["learning_rate_init"])
    assert f"learning_rate_init ∈ {{{rates}}}; seeds 0, 1" in text
    adam = next(g for g in get("optimizer").grid if g["label"] == ["Adam"])["learning_rate_init"]
    assert f"Adam (solver=adam, learning_rate_init ∈ {{{', '.join(f'{r:g}' for r in adam)}}})" in text
    assert "weight_init ∈ {small_normal, glorot, he}" in text
    for outcome in data.studies.values():  # each study's subsection ends with its computed conclusion
        conclusion = outcome.study.conclusion(outcome.reading)
        assert html.escape(conclusion, quote=False) in page or html.escape(conclusion) in page


def test_every_study_shows_its_table_and_figures(built):
    _, _, page, _ = built
    for name in (s.name for s in studies("training")):
        body = re.search(rf'<h3 id="{name}">(.*?)(?=<h3 |</section>)', page, re.S).group(1)
        assert "<table" in body, name
        assert re.findall(r'<figure id="fig-', body), name


def test_strings_from_data_are_escaped(built):
    _, _, _, data = built
    evil = '<script>alert("x")</script>'
    data = copy.deepcopy(data)
    original, architecture = data.studies["original-to-ours"].result, data.studies["architecture"].result
    original.runs["label"] = original.runs["label"].astype(str) + evil
    original.params = [{**p, "label": p["label"] + evil} for p in original.params]
    architecture.runs["activation"] = architecture.runs["activation"] + evil
    architecture.best.activation += evil
    for outcome in data.studies.values():  # read again, with the strings in
        outcome.reading = outcome.study.read(outcome.result, data.split)
    data.errors = copy.copy(data.errors)
    label = np.vectorize(lambda c: f"{c}{evil}")  # class labels from data (a CSV's, say)
    data.errors.classes, data.errors.y_true, data.errors.y_pred = (
        label(a) for a in (data.errors.classes, data.errors.y_true, data.errors.y_pred)
    )
    page = report.render_html(data, {"data_samples": PNG_SIGNATURE}, files=[f"a{evil}.csv"])
    assert page.count("<script") == 3 and page.count("</script>") == 3  # only the page's own three
    assert html.escape(evil) in page
    embedded = json.loads(
        re.search(r'<script type="application/json" id="digitnet-data">(.*?)</script>', page, re.S).group(1)
    )
    assert embedded["errors"]["classes"][0].endswith(evil)  # the label comes back whole from the JSON
    assert page.count(html.escape(evil)) >= 5  # settings list, tables, conclusions, file list
