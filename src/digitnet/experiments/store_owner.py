"""Which process runs a sweep (``host:pid:start``), and whether that process has ended (the sweep was interrupted).

:class:`~digitnet.experiments.store.Store` records :func:`this_process` as a sweep's owner, and reads a sweep
left "running" by a process that :func:`_gone` says has ended as interrupted.
"""

from __future__ import annotations

import os
import socket

from ..files import process_alive


def _process_start(pid):
    """When process ``pid`` started (clock ticks after boot), to tell it from a later process of the same id."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def this_process() -> str:
    """``host:pid:start`` of this process: a sweep's owner."""
    return f"{socket.gethostname()}:{os.getpid()}:{_process_start(os.getpid())}"


def _gone(owner):
    """Is the sweep's owning process, on this host, no longer running? (False when it cannot be told.)"""
    try:
        host, pid, start = owner.rsplit(":", 2)
        pid = int(pid)
    except (AttributeError, ValueError):
        return False
    if host != socket.gethostname():
        return False
    if start == "None":  # its start time was not known: gone if no process has its id
        return not process_alive(pid)
    return _process_start(pid) != start
