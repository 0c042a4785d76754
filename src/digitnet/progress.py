"""Progress of long work, on stderr: a tqdm bar on a terminal, plain lines now and then in a log.

A progress bar redraws itself with carriage returns, which a log file or a CI console keeps as
one long line of clutter; when stderr is not a terminal, :func:`progress` prints instead a line
like ``sweep: 12/36 runs (33%) in 4.1 s`` at most every :data:`LINE_SECONDS` seconds, and a last
one when the work is done.
"""

from __future__ import annotations

import sys
import time

# tqdm's terminal bar: a bar is only drawn on a terminal (a notebook's stderr is not one, and gets the plain lines),
# and tqdm.auto would warn, in a notebook without ipywidgets, at import.
from tqdm import tqdm

#: Seconds between two progress lines in a log.
LINE_SECONDS = 10.0


class _Lines:
    """A tqdm stand-in for logs: ``update(n)`` counts, and prints a line now and then."""

    def __init__(self, total, desc, unit, file):
        self.total, self.desc, self.unit, self.file = total, desc, unit, file
        self.n, self.start, self.last = 0, time.monotonic(), time.monotonic()

    def _line(self):
        share = f" ({self.n / self.total:.0%})" if self.total else ""
        print(
            f"{self.desc}: {self.n}/{self.total} {self.unit}s{share} in {time.monotonic() - self.start:.1f} s",
            file=self.file,
            flush=True,
        )

    def update(self, n=1):
        self.n += n
        now = time.monotonic()
        if now - self.last >= LINE_SECONDS and self.n < self.total:
            self.last = now
            self._line()

    def close(self):
        if self.n:
            self._line()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def progress(total, desc, unit="run", enabled=True, file=None):
    """A progress counter for ``total`` units of work (use as a context manager; ``update(n)`` as they finish)."""
    file = sys.stderr if file is None else file
    if enabled and not (hasattr(file, "isatty") and file.isatty()):
        return _Lines(total, desc, unit, file)
    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled, file=file)
