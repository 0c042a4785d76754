"""``digitnet report``: one quick report is built once; the page, its files and its numbers are checked."""

import base64
import copy
import html
import json
import re

import numpy as np
import pandas as pd
import pytest

from digitnet import cli, report
from digitnet.errors import UsageError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SECTION_HEADINGS = ["Data", "The network", "Comparison with scikit-learn's MLPClassifier", "Architecture",
                    "Training parameters", "Error analysis", "Conclusions"]
SUBSECTION_HEADINGS = ["Gradient check", "Learning rate", "Epochs"]
RESULT_FILES = ["compare/compare.csv", "compare/summary.csv", "compare/report.csv", "compare/results.json",
                "learning-rate/sweep.csv", "learning-rate/curves.json", "learning-rate/results.json",
                "epochs/sweep.csv", "epochs/results.json", "architecture/sweep.csv", "architecture/results.json",
                "seed/sweep.csv", "seed/results.json", "errors/predictions.csv"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One quick report for the whole module: (out_dir, index path, page text, the ReportData behind it)."""
    out = tmp_path_factory.mktemp("report") / "out"
    captured = {}
    original = report.run_studies

    def keep(**kwargs):
        captured["data"] = original(**kwargs)
        return captured["data"]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(report, "run_studies", keep)
        index = report.build_report(out, quick=True, progress=False)
    return out, index, index.read_text(encoding="utf-8"), captured["data"]


def _text(fragment):
    """The visible text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _conclusions(page):
    section = re.search(r'<section id="conclusions">(.*?)</section>', page, re.S).group(1)
    items = re.findall(r"<li>(.*?)</li>", section, re.S)
    return {_text(item).split(".")[0]: _text(item) for item in items}


def _pct(x):
    return f"{100 * x:.1f}%"


# ------------------------------------------------------------------------------ the page


def test_build_report_returns_the_index(built):
    out, index, page, _ = built
    assert index == out / "index.html"
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")


def test_page_is_self_contained(built):
    _, _, page, _ = built
    assert "<script" not in page.lower()
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
    h2 = [_text(h) for h in re.findall(r"<h2>(.*?)</h2>", page, re.S)]
    assert h2 == SECTION_HEADINGS
    h3 = [_text(h) for h in re.findall(r"<h3[^>]*>(.*?)</h3>", page, re.S)]
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
    assert len(runs) == 2 * data.settings["compare"]["seeds"]
    predictions = pd.read_csv(out / "errors" / "predictions.csv")
    assert len(predictions) == len(data.split.y_test)
    assert np.allclose(predictions.filter(like="probability_").sum(axis=1), 1, atol=1e-4)


def test_page_states_what_was_run(built):
    _, _, page, _ = built
    text = _text(page)
    assert "quick mode" in text
    assert "hidden_layer_sizes ∈ {32, 64, 64-32}; activation ∈ {tanh, relu}" in text
    assert "learning_rate_init ∈ {0.1, 0.01, 0.001, 0.0001}" in text


# ------------------------------------------------------------------------------ conclusions = CSVs


def test_comparison_conclusion_matches_the_csvs(built):
    out, _, page, _ = built
    sentence = _conclusions(page)["Comparison"]
    summary = pd.read_csv(out / "compare" / "summary.csv").set_index("model")
    ours, theirs = summary.loc["digitnet"], summary.loc["sklearn"]
    assert (f"digitnet reached {_pct(ours.accuracy_mean)} ± {_pct(ours.accuracy_std)} test accuracy vs scikit-learn's"
            f" {_pct(theirs.accuracy_mean)} ± {_pct(theirs.accuracy_std)}") in sentence
    test = json.loads((out / "compare" / "results.json").read_text())["test"]
    verdict = "significant" if test["pvalue"] < 0.05 else "not significant"
    assert f"the difference is {verdict} (paired t-test p={test['pvalue']:.2g})" in sentence
    ratio = theirs.fit_seconds_mean / ours.fit_seconds_mean
    faster = f"digitnet fitted {ratio:.1f}x faster" if ratio >= 1 else f"scikit-learn fitted {1 / ratio:.1f}x faster"
    assert faster in sentence
    assert f"{ours.fit_seconds_mean:.2f} s vs {theirs.fit_seconds_mean:.2f} s per fit" in sentence


def test_architecture_conclusion_matches_the_csvs(built):
    out, _, page, _ = built
    sentence = _conclusions(page)["Architecture"]
    runs = pd.read_csv(out / "architecture" / "sweep.csv", dtype={"hidden_layer_sizes": str})
    by_config = runs.groupby(["hidden_layer_sizes", "activation"])["val_accuracy"].mean()
    (layers, activation), val = by_config.idxmax(), by_config.max()
    best = json.loads((out / "architecture" / "results.json").read_text())["best"]
    assert (best["hidden_layer_sizes"], best["activation"]) == (layers, activation)
    tested = runs[(runs.hidden_layer_sizes == layers) & (runs.activation == activation)]["test_accuracy"].mean()
    assert (f"the best architecture by validation accuracy was {layers} {activation} with {_pct(val)} (one seed),"
            f" {_pct(tested)} on the test set") in sentence
    (worst_layers, worst_activation), worst = by_config.idxmin(), by_config.min()
    assert f"the worst was {worst_layers} {worst_activation} with {_pct(worst)}" in sentence
    assert f"Of the {len(by_config)} configurations tried" in sentence


def test_learning_rate_conclusion_matches_the_curves(built):
    out, _, page, _ = built
    sentence = _conclusions(page)["Learning rate"]
    runs = pd.read_csv(out / "learning-rate" / "sweep.csv")
    curves = json.loads((out / "learning-rate" / "curves.json").read_text())
    parts = {}
    for part in sentence.split(";"):
        match = re.search(r"learning rate ([\d.e-]+) ", part, re.I)
        parts[float(match.group(1))] = part
    assert sorted(parts) == sorted(runs.learning_rate_init)
    for _, run in runs.iterrows():
        loss = curves[run.run_id]["loss"]
        part = parts[run.learning_rate_init]
        assert f"{loss[0]:.2f}" in part and f"{loss[-1]:.2f}" in part
        assert f"in {len(loss)} epochs" in part
        assert f"ending at {_pct(run.val_accuracy)} validation accuracy" in part
        moved = 1 - loss[-1] / loss[0]
        assert ("barely moved the loss" in part) == (moved < 0.25)
    best = runs.loc[runs.val_accuracy.idxmax()]
    assert f"came from learning rate {best.learning_rate_init:g} ({_pct(best.val_accuracy)})" in sentence


def test_epochs_conclusion_matches_the_csvs(built):
    out, _, page, _ = built
    sentence = _conclusions(page)["Epochs"]
    runs = pd.read_csv(out / "epochs" / "sweep.csv").sort_values("max_iter")
    short, long = runs.iloc[0], runs.iloc[-1]
    assert f"training for {long.max_iter} instead of {short.max_iter} epochs" in sentence
    assert f"from {short.train_loss:.3f} to {long.train_loss:.3f}" in sentence
    assert f"from {_pct(short.val_accuracy)} to {_pct(long.val_accuracy)}" in sentence
    assert f"(test: {_pct(short.test_accuracy)} → {_pct(long.test_accuracy)})" in sentence


def test_seed_and_error_conclusions_match_the_csvs(built):
    out, _, page, _ = built
    conclusions = _conclusions(page)
    runs = pd.read_csv(out / "seed" / "sweep.csv")
    for _, run in runs.iterrows():
        assert f"{run.label}: {_pct(run.test_accuracy)} test accuracy after {run.n_iter} epochs" in \
            conclusions["Original vs ours"]
    predictions = pd.read_csv(out / "errors" / "predictions.csv")
    wrong = int((predictions.true != predictions.predicted).sum())
    accuracy = 1 - wrong / len(predictions)
    assert f"misclassified {wrong} of {len(predictions)} test digits ({_pct(accuracy)} accuracy)" in \
        conclusions["Errors"]
    # the error analysis refits the selected configuration: the same model the study scored on the test set
    best = json.loads((out / "architecture" / "results.json").read_text())["best"]
    assert accuracy == pytest.approx(best["test_accuracy"])


def test_conclusions_are_the_public_function(built):
    _, _, page, data = built
    shown = list(_conclusions(page).values())
    expected = [f"{topic}. {text}" for topic, text in report.conclusions(data)]
    assert shown == expected


# ------------------------------------------------------------------------------ escaping


def test_strings_from_data_are_escaped(built):
    _, _, _, data = built
    evil = '<script>alert("x")</script>'
    data = copy.deepcopy(data)
    data.seed.runs["label"] = data.seed.runs["label"].astype(str) + evil
    data.seed.params = [{**p, "label": p["label"] + evil} for p in data.seed.params]
    data.architecture.runs["activation"] = data.architecture.runs["activation"] + evil
    data.architecture.best = {**data.architecture.best, "activation": data.architecture.best["activation"] + evil}
    page = report.render_html(data, {"data_samples": PNG_SIGNATURE}, files=[f"a{evil}.csv"])
    assert "<script" not in page
    assert html.escape(evil) in page
    assert page.count(html.escape(evil)) >= 5  # settings list, tables, conclusions, file list


def test_html_table_escapes_headers_and_cells():
    frame = pd.DataFrame({"<b>feature</b>": ["<img src=x onerror=alert(1)>", "a & b"], "value": [0.5, 1.25]})
    table = report.html_table(frame, digits=2)
    assert "<b>" not in table and "<img" not in table
    assert "&lt;b&gt;feature&lt;/b&gt;" in table
    assert "&lt;img src=x onerror=alert(1)&gt;" in table and "a &amp; b" in table
    assert "<td>0.50</td>" in table and "<td>1.25</td>" in table
    assert '<td class="text">a &amp; b</td>' in table


# ------------------------------------------------------------------------------ errors and the command line


def test_unwritable_output_directory_is_a_usage_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")

    def must_not_run(**kwargs):
        raise AssertionError("the output directory is checked before any training")

    monkeypatch.setattr(report, "run_studies", must_not_run)
    with pytest.raises(UsageError) as caught:
        report.build_report(blocker / "report", quick=True, progress=False)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"cannot write to output directory {blocker / 'report'}")
    with pytest.raises(UsageError, match="a file of that name exists"):
        report.build_report(blocker, quick=True, progress=False)


@pytest.mark.parametrize("seeds", [0, -2, 1.5, True])
def test_bad_seeds_are_a_usage_error(seeds, tmp_path):
    with pytest.raises(UsageError, match="seeds"):
        report.build_report(tmp_path, seeds=seeds, progress=False)
    assert not (tmp_path / "index.html").exists()


def test_study_settings():
    quick, full = report.study_settings(quick=True), report.study_settings()
    assert set(quick) == set(full) == {"compare", "learning-rate", "epochs", "architecture", "seed"}
    assert full["compare"]["seeds"] == 5 and quick["compare"]["seeds"] == 2
    assert all(s["seeds"] == 3 for s in report.study_settings(seeds=3).values())
    assert full["learning-rate"]["grid"] is None and full["epochs"]["grid"] is None  # the presets as they are


def test_progress_is_one_line_per_step_on_stderr(capsys):
    steps = report._Steps(2, True)
    assert steps.run("a", "first step", lambda: 41) == 41
    steps.run("b", "second step", lambda: None)
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[0] == "digitnet report [1/2] first step ..."
    assert re.fullmatch(r"digitnet report \[2/2\] second step: done in \d+\.\d s", lines[-1])
    assert set(steps.timings) == {"a", "b"}
    quiet = report._Steps(1, False)
    quiet.run("a", "silent", lambda: None)
    assert capsys.readouterr().err == ""


def _parser():
    parser = cli._Parser(prog="digitnet")
    report.add_report_command(parser.add_subparsers(dest="command"))
    return parser


def test_report_command_arguments():
    args = _parser().parse_args(["report", "--out", "somewhere", "--quick", "--seeds", "3", "--jobs", "2"])
    assert (args.out, args.quick, args.seeds, args.jobs, args.no_progress) == ("somewhere", True, 3, 2, False)
    args = _parser().parse_args(["report", "--out", "x"])
    assert (args.quick, args.seeds, args.jobs) == (False, None, 1)
    with pytest.raises(UsageError, match="--seeds"):
        _parser().parse_args(["report", "--out", "x", "--seeds", "many"])
    with pytest.raises(UsageError, match="--out"):
        _parser().parse_args(["report"])


def test_cmd_report_builds_and_prints_the_path(monkeypatch, capsys, tmp_path):
    calls = []

    def fake(out, **kwargs):
        calls.append((out, kwargs))
        return tmp_path / "index.html"

    monkeypatch.setattr(report, "build_report", fake)
    args = _parser().parse_args(["report", "--out", str(tmp_path), "--quick", "--no-progress"])
    assert report.cmd_report(args) == 0
    assert calls == [(str(tmp_path), {"quick": True, "seeds": None, "n_jobs": 1, "progress": False})]
    assert capsys.readouterr().out.strip() == f"wrote {tmp_path / 'index.html'}"


@pytest.mark.skipif("report" not in cli.COMMANDS, reason="cli.py does not wire up the report command yet")
def test_cli_unwritable_directory_exits_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert cli.main(["report", "--out", str(blocker / "out"), "--quick"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("digitnet: error: cannot write to output directory")
