"""digitnet report: its arguments, and what it runs and prints."""

import pytest

from digitnet import cli
from digitnet.cli import studies
from digitnet.errors import UsageError


def _parser():
    return cli.build_parser()


def test_report_command_arguments():
    args = _parser().parse_args(["report", "--out", "somewhere", "--quick", "--seeds", "3", "--jobs", "2"])
    assert (args.out, args.quick, args.seeds, args.jobs, args.no_progress) == ("somewhere", True, 3, 2, False)
    args = _parser().parse_args(["report", "--out", "x"])
    assert (args.quick, args.seeds, args.jobs) == (False, None, 2)  # two worker processes by default
    with pytest.raises(UsageError, match="--seeds"):
        _parser().parse_args(["report", "--out", "x", "--seeds", "many"])
    with pytest.raises(UsageError, match="--out"):
        _parser().parse_args(["report"])


def test_cmd_report_builds_and_prints_the_path(monkeypatch, capsys, tmp_path):
    calls = []

    def fake(out, **kwargs):
        calls.append((out, kwargs))
        return tmp_path / "index.html"

    monkeypatch.setattr(studies, "build_report", fake)
    args = _parser().parse_args(["report", "--out", str(tmp_path), "--quick", "--no-progress"])
    assert studies.run_report(args) == 0
    assert calls == [(str(tmp_path), {"quick": True, "seeds": None, "n_jobs": 2, "progress": False})]
    assert capsys.readouterr().out.strip() == f"wrote {tmp_path / 'index.html'}"


def test_cli_unwritable_directory_exits_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert cli.main(["report", "--out", str(blocker / "out"), "--quick"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("digitnet: error: cannot write to output directory")
