"""Dask is an optional extra: where it is not installed, its tests skip with a reason and every other test of the
backends passes. Proved for real, in a Python where importing dask or distributed fails as it does when they are
not installed (a meta path blocker loaded by sitecustomize, so no conftest or monkeypatch is involved)."""

import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent

#: Loaded at start-up by any Python that has this folder on its path: ``import dask`` then fails as if not installed.
BLOCKER = """import sys


class _NoDask:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("dask", "distributed"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


sys.meta_path.insert(0, _NoDask())
"""


def _without_dask(tmp_path, *argv):
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, *argv],
        env={**os.environ, "PYTHONPATH": path},
        cwd=HERE.parent.parent,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_backend_tests_skip_dask_with_a_reason_where_it_is_not_installed(tmp_path):
    hidden = _without_dask(tmp_path, "-c", "import distributed")
    assert hidden.returncode == 1 and "ModuleNotFoundError: No module named 'distributed'" in hidden.stderr
    done = _without_dask(
        tmp_path,
        "-m",
        "pytest",
        "-q",
        "-rs",
        "-p",
        "no:cacheprovider",
        str(HERE / "test_backends.py"),
        str(HERE / "test_dask_faults.py"),
    )
    assert done.returncode == 0, done.stdout[-3000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert "failed" not in summary and "error" not in summary, summary
    skipped = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]
    assert any(
        "test_backends.py" in line and 'Dask is not installed (pip install -e ".[dask]")' in line for line in skipped
    ), done.stdout[-3000:]
    assert any("test_dask_faults.py" in line and "distributed" in line for line in skipped), done.stdout[-3000:]
    # at least: chunking, serial = processes, Dask missing is one line, a dying worker
    assert int(re.search(r"(\d+) passed", summary).group(1)) >= 4, summary
