"""The code passes the linter and the formatter configured in pyproject.toml (``[tool.ruff]``), as a maintainer runs
them: ``ruff check`` and ``ruff format --check`` on the sources, the tests and the benchmarks."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PATHS = ["src", "tests", "benchmarks"]


def _ruff(*args):
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, *PATHS], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module", autouse=True)
def _ruff_installed():
    if _ruff_version().returncode != 0:  # the test extra installs it; say so rather than pass
        pytest.fail("ruff is not installed: python -m pip install -e '.[test]'")


def _ruff_version():
    return subprocess.run([sys.executable, "-m", "ruff", "--version"], capture_output=True, text=True, timeout=60)


def test_ruff_check_finds_nothing():
    done = _ruff("check", "--output-format", "concise")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_ruff_format_changes_nothing():
    done = _ruff("format", "--check")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
