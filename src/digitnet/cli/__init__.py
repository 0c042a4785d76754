"""The ``digitnet`` command: report, train, compare, sweep, results, predict, gradcheck, lr-find.

``main(argv)`` runs in-process and returns the exit status: 0 on success,
2 for bad input (one ``digitnet: error: ...`` line on stderr, no traceback),
1 when ``gradcheck`` finds a gradient out of tolerance or a sweep's worker
process dies, 130 when interrupted (Ctrl-C; SIGTERM during a sweep), with one
line saying how many runs of the sweep are saved.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import warnings

from .. import __version__
from ..errors import UsageError
from ..experiments.backends import WorkerLost
from . import gradcheck, lr_find, model, studies
from .options import MODEL_OPTIONS, Formatter, Parser

__all__ = ["COMMANDS", "MODEL_OPTIONS", "build_parser", "main"]

#: The errors of a full disk: no space left, or a file larger than the limit allows.
FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)

#: Every subcommand: its name -> (adds its options to the parser, runs it and returns the exit status).
COMMANDS = {
    "report": (studies.add_report, studies.run_report),
    "train": (model.add_train, model.run_train),
    "compare": (studies.add_compare, studies.run_compare),
    "sweep": (studies.add_sweep, studies.run_sweep),
    "predict": (model.add_predict, model.run_predict),
    "results": (studies.add_results, studies.run_results),
    "gradcheck": (gradcheck.add_gradcheck, gradcheck.run_gradcheck),
    "lr-find": (lr_find.add_lr_find, lr_find.run_lr_find),
}


def build_parser():
    """The ``digitnet`` argument parser with its subcommands (see :data:`COMMANDS`)."""
    parser = Parser(
        prog="digitnet",
        formatter_class=Formatter,
        description=(
            "A from-scratch NumPy MLP trained by gradient descent, compared fairly with scikit-learn's MLPClassifier."
        ),
    )
    parser.add_argument("--version", action="version", version=f"digitnet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add, _ in COMMANDS.values():
        add(commands)
    return parser


def main(argv=None):
    """Run the ``digitnet`` command line; return its exit status.

    Warnings that libraries raise while a command runs are kept until it ends: when it failed with
    its one line (exit status 2, 130, or a lost worker's 1), they are dropped, as that line already
    says what went wrong (a numpy overflow before "training diverged", joblib's cancelled tasks before
    "the disk is full"); when it succeeded, each is shown once, on one line. Only the command line
    does this; the library's warnings reach a Python caller as they are.
    """
    with warnings.catch_warnings(record=True) as caught:
        status, failed = _run(argv)
    if not failed:
        for message in dict.fromkeys(" ".join(str(w.message).split()) for w in caught):
            print(f"digitnet: warning: {message}", file=sys.stderr)
    return status


def _error(text, status=2):
    """Print the one line of a failed command; return ``(status, True)``."""
    print(f"digitnet: {text}", file=sys.stderr)
    return status, True


def _run(argv):
    """Run the command; return ``(exit status, whether it failed with its one line)``."""
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command][1](args), False
    except UsageError as exc:
        return _error(f"error: {exc}")
    except SystemExit as exc:  # --help (0) from argparse
        return (exc.code if isinstance(exc.code, int) else 0), False
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM during a sweep
        describe = getattr(exc, "describe", None)
        return _error(describe() if describe else "interrupted", 130)
    except WorkerLost as exc:  # a worker process died: what was finished is saved
        return _error(f"error: {exc}", 1)
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as other commands do
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13, True  # SIGPIPE
    except MemoryError as exc:  # a network too large for this machine, refused before it was allocated
        return _error(f"error: {' '.join(str(exc).split()) or 'out of memory'}")
    except OSError as exc:  # the machine, not the program: a full disk, a file-size limit, a vanished directory
        where = f"{exc.filename}: " if exc.filename else ""
        hint = "; free some space (or raise the file-size limit) and run again" if exc.errno in FULL else ""
        return _error(f"error: {where}{exc.strerror or exc}{hint}")


if __name__ == "__main__":
    sys.exit(main())
