"""What a benchmark ran on, and the same measurement on OpenBLAS's default kernel: shared by the ``bench_*`` scripts.

- :func:`header` prints the machine (CPU, cores, load average), the versions, digitnet's training path (compiled or
  NumPy, :func:`digitnet.nn._compiled.status`), and each BLAS library loaded: its kernel (OpenBLAS's
  ``architecture``), threads and version, as threadpoolctl reports them.
- :func:`report` prints a script's figures in two columns: as measured in this environment, and measured again by
  the same command in a child process whose environment lacks ``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE``. Some
  machines set those two (older OpenBLAS builds crashed on their CPUs); they force a slower kernel than the one
  OpenBLAS picks on a user's machine, where they are not set. Only that one child command runs without them:
  tests and CI never change them. Where neither is set, the first column already is the default kernel, and the
  second is not measured.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile

VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def add_arguments(parser):
    """The options every benchmark shares: ``--figures-json`` (the child's output) and ``--one-column``."""
    parser.add_argument("--figures-json", help="(used by the second column's child) write the figures here")
    parser.add_argument(
        "--one-column",
        action="store_true",
        help=f"measure in this environment only (not again with {' and '.join(VARIABLES)} unset)",
    )


def cpu_model():
    try:
        with open("/proc/cpuinfo") as info:
            return next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
    except OSError:
        return platform.processor()


def blas_libraries():
    """One line per BLAS library loaded in this process: name, version, kernel, threads (threadpoolctl)."""
    import numpy  # noqa: F401  (loads NumPy's BLAS)
    import scipy.linalg  # noqa: F401  (and SciPy's)
    from threadpoolctl import threadpool_info

    lines = []
    for lib in threadpool_info():
        if lib.get("user_api") != "blas":
            continue
        lines.append(
            f"{lib.get('internal_api')} {lib.get('version')} ({os.path.basename(lib['filepath'])}): kernel"
            f" {lib.get('architecture', '?')}, {lib.get('num_threads')} threads"
        )
    return lines


def kernel():
    """The kernel of NumPy's BLAS (else the first one threadpoolctl lists), e.g. ``Haswell`` or ``SkylakeX``."""
    import numpy  # noqa: F401
    from threadpoolctl import threadpool_info

    blas = [lib for lib in threadpool_info() if lib.get("user_api") == "blas"]
    mine = [lib for lib in blas if "numpy" in lib["filepath"]] or blas
    return mine[0].get("architecture", "?") if mine else "?"


def header(extra=""):
    """Print what this benchmark runs on (see the module's docstring)."""
    import numpy
    import sklearn

    from digitnet.nn import _compiled

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(f"machine: {cpu_model()}, {cores} cores usable, load average {load} (1, 5, 15 min)")
    print(
        f"python {platform.python_version()}, numpy {numpy.__version__}, scikit-learn {sklearn.__version__};"
        f" digitnet trains on: {_compiled.status()}" + (f"; {extra}" if extra else "")
    )
    for line in blas_libraries():
        print(f"BLAS: {line}")
    print("environment: " + ", ".join(f"{v}={os.environ.get(v, '(unset)')}" for v in VARIABLES) + "\n")


def _format(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _default_kernel_figures():
    """Run this very command again with the two variables removed from its environment; its figures, its kernel."""
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "figures.json")
        done = subprocess.run(
            [sys.executable, sys.argv[0], *sys.argv[1:], "--figures-json", path], env=env, stdout=subprocess.DEVNULL
        )
        if done.returncode != 0 or not os.path.exists(path):
            return None, f"(the child failed, exit status {done.returncode})"
        with open(path) as f:
            child = json.load(f)
    return child["figures"], child["kernel"]


def report(figures, args):
    """Print ``figures`` ({label: number or text}) in two columns: this environment, and OpenBLAS's default kernel."""
    if args.figures_json:
        with open(args.figures_json, "w") as f:
            json.dump({"figures": figures, "kernel": kernel()}, f)
        return
    set_here = [v for v in VARIABLES if v in os.environ]
    second, second_kernel = (None, None)
    if set_here and not args.one_column:
        second, second_kernel = _default_kernel_figures()
    width = max(len(label) for label in figures) + 2
    first_title = f"this environment ({kernel()})"
    if second is None:
        note = (
            f"{' and '.join(VARIABLES)} are not set here: this is OpenBLAS's default kernel"
            if not set_here
            else "second column not measured"
            if args.one_column
            else f"second column failed {second_kernel}"
        )
        print(f"{'figure':<{width}}{first_title:>28}   [{note}]")
        for label, value in figures.items():
            print(f"{label:<{width}}{_format(value):>28}")
        return
    second_title = f"{' and '.join(set_here)} unset ({second_kernel})"
    print(f"{'figure':<{width}}{first_title:>28}{second_title:>44}")
    for label, value in figures.items():
        print(f"{label:<{width}}{_format(value):>28}{_format(second.get(label, '-')):>44}")
