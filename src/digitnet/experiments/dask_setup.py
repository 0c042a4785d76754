"""Run by Dask in every worker process of the LocalCluster that a sweep starts (its ``preload``).

A Ctrl-C at the terminal reaches every process of the foreground group, the sweep's workers too. The
sweep stops its cluster itself (see :mod:`digitnet.experiments.dask_backend`); a worker that took the
Ctrl-C as its own would only die first and print its traceback. So the workers ignore it, from the
moment they are set up; SIGTERM and SIGKILL (how a cluster stops its workers) still end them.
"""

from __future__ import annotations

import signal
import threading


def dask_setup(worker: object) -> None:
    """Ignore Ctrl-C (SIGINT) in this worker process. ``worker`` is Dask's Worker (unused)."""
    if threading.current_thread() is threading.main_thread():  # where a Dask worker runs its event loop
        signal.signal(signal.SIGINT, signal.SIG_IGN)
