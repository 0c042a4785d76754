"""scikit-learn's numbers on NumPy's path too: tests/test_drop_in.py and tests/test_reference.py, run again in a real
process with the compiled path turned off (DIGITNET_COMPILED=0), as on a machine without numba.

(The suite itself runs them with the compiled path on, wherever numba is installed; tests/nn/test_compiled.py
proves the two paths give the same numbers to the bit.)
"""

import os
import subprocess
import sys
from pathlib import Path

from digitnet.nn import _compiled

ROOT = Path(__file__).resolve().parent.parent


def test_drop_in_and_reference_tests_pass_on_numpys_path():
    env = {**os.environ, _compiled.ENVIRONMENT: "0"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_drop_in.py",
            "tests/test_reference.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout
