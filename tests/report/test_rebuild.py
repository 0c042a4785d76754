"""``digitnet report --from DIR``: the page rebuilt from a report folder's saved results, without training."""

import re
import shutil
import subprocess
import sys

import pytest

from digitnet import report
from digitnet.report import saved


def _page_without_dates(text):
    """The page with its figures' bytes and the minute it was written left out (nothing else may differ)."""
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "PNG", text)
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "DATE", text)


def test_the_rebuilt_page_is_the_page(built, tmp_path, monkeypatch):
    out, index, page, data = built
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    monkeypatch.setattr(report.studies, "run_preset", lambda *a, **k: pytest.fail("--from must not train"))
    rebuilt = report.rebuild_report(copy, progress=False)
    assert _page_without_dates(rebuilt.read_text(encoding="utf-8")) == _page_without_dates(page)
    again = saved.load_report_data(copy)  # every study reads the same numbers from the files as from the runs
    for name, outcome in data.studies.items():
        assert again.studies[name].study.conclusion(again.studies[name].reading) == outcome.study.conclusion(
            outcome.reading
        )
        assert again.studies[name].study.page(again.studies[name].reading) == outcome.study.page(outcome.reading)


def _digitnet(*argv):
    return subprocess.run([sys.executable, "-m", "digitnet", *argv], capture_output=True, text=True, timeout=120)


def test_a_folder_that_is_not_a_report_is_one_line(tmp_path):
    (tmp_path / "notes.txt").write_text("not a report")
    done = _digitnet("report", "--from", str(tmp_path))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and f"{tmp_path / 'report.json'}" in done.stderr
    assert "is it a report folder" in done.stderr or "no such file" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # nothing written


def test_from_takes_no_training_options(tmp_path):
    done = _digitnet("report", "--from", str(tmp_path), "--quick")
    assert done.returncode == 2 and "--quick and --seeds do not apply" in done.stderr
    done = _digitnet("report", "--from", str(tmp_path), "--out", str(tmp_path))
    assert done.returncode == 2 and "not allowed with argument" in done.stderr
