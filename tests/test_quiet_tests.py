"""The test run is quiet about fits that stop early on purpose, and a test that wants the warning still sees it."""

import pathlib
import subprocess
import sys

import pytest
from sklearn.exceptions import ConvergenceWarning

from digitnet import NumpyMLPClassifier

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_pytest_warns_still_sees_the_convergence_warning(small_digits):
    X, y = small_digits
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(2\) reached"):
        NumpyMLPClassifier((8,), max_iter=2, random_state=0).fit(X, y)


def test_a_test_that_fits_too_few_epochs_prints_no_warning_summary(tmp_path):
    test = tmp_path / "test_short_fit.py"
    test.write_text(
        "from sklearn.datasets import load_digits\nfrom digitnet import NumpyMLPClassifier\n\n\n"
        "def test_short():\n    X, y = load_digits(return_X_y=True)\n"
        "    NumpyMLPClassifier((8,), max_iter=2, random_state=0).fit(X[:200] / 16, y[:200])\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            str(test),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout
    assert "1 passed" in done.stdout and "warning" not in done.stdout.lower(), done.stdout
