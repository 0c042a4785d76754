"""build_report refuses bad output folders and seeds before any work; what each study runs; progress lines."""

import re

import pytest

from digitnet import report
from digitnet.errors import UsageError
from digitnet.report import build
from digitnet.studies import names


def test_unwritable_output_directory_is_a_usage_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")

    def must_not_run(**kwargs):
        raise AssertionError("the output directory is checked before any training")

    monkeypatch.setattr(build, "run_studies", must_not_run)
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
    assert list(quick) == list(full) == ["compare", *names()]  # every registered study is in the report
    assert full["compare"].seeds == 10 and quick["compare"].seeds == 3
    # three seeds a study, two when quick; the accuracy ladder shows each rung over at least five (issue 21)
    assert all(full[name].seeds == 3 and quick[name].seeds == 2 for name in names() if name != "ladder")
    assert full["ladder"].seeds >= 5 and quick["ladder"].seeds == 2
    assert all(s.seeds == 4 for s in report.study_settings(seeds=4).values())
    assert full["learning-rate"].grid is None and full["epochs"].grid is None  # the studies as they are


def test_progress_is_one_line_per_step_on_stderr(capsys):
    steps = report.Steps(2, True)
    assert steps.run("a", "first step", lambda: 41) == 41
    steps.run("b", "second step", lambda: None)
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[0] == "digitnet report [1/2] first step ..."
    assert re.fullmatch(r"digitnet report \[2/2\] second step: done in \d+\.\d s", lines[-1])
    assert set(steps.timings) == {"a", "b"}
    quiet = report.Steps(1, False)
    quiet.run("a", "silent", lambda: None)
    assert capsys.readouterr().err == ""
