"""``digitnet report --from`` on a folder an earlier digitnet wrote: an architecture study that chose by the old
rule, or no baselines beside it, is one line saying what to do, and nothing is written."""

import json
import shutil
import subprocess
import sys


def _digitnet(*argv):
    return subprocess.run([sys.executable, "-m", "digitnet", *argv], capture_output=True, text=True, timeout=300)


def _files(folder):
    return sorted((str(p.relative_to(folder)), p.stat().st_mtime_ns) for p in folder.rglob("*"))


def test_an_architecture_study_written_by_the_old_rule_is_one_line(built, tmp_path):
    out = built[0]
    copy = tmp_path / "old"
    shutil.copytree(out, copy)
    path = copy / "architecture" / "results.json"
    meta = json.loads(path.read_text())
    meta["best"] = {
        **meta["best"],
        "best_config": meta["best"]["config"],
        "tied": [meta["best"]["config"]],
        "rule": "a paired t-test over the 3 seeds does not find a difference at the 5% level",
    }
    path.write_text(json.dumps(meta))
    before = _files(copy)
    done = _digitnet("report", "--from", str(copy))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert (
        "the results file's 'best' is not a selection this version of digitnet wrote: run the study again"
        in done.stderr
    )
    assert _files(copy) == before


def test_a_report_folder_without_its_baselines_is_one_line(built, tmp_path):
    out = built[0]
    copy = tmp_path / "old"
    shutil.copytree(out, copy)
    shutil.rmtree(copy / "baselines")
    before = _files(copy)
    done = _digitnet("report", "--from", str(copy))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert (
        f"{copy} has no baselines beside the comparison (an earlier digitnet wrote it): run digitnet report again"
        in done.stderr
    )
    assert _files(copy) == before
