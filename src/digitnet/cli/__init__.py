"""The ``digitnet`` command: report, train, compare, sweep, results, predict, gradcheck.

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

from .. import __version__
from ..errors import UsageError
from ..experiments.backends import WorkerLost
from . import gradcheck, model, studies
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
}


def build_parser():
    """The ``digitnet`` argument parser with its subcommands (see :data:`COMMANDS`)."""
    parser = Parser(prog="digitnet", formatter_class=Formatter, description=(
        "A from-scratch NumPy MLP trained by gradient descent, compared fairly with scikit-learn's MLPClassifier."))
    parser.add_argument("--version", action="version", version=f"digitnet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add, _ in COMMANDS.values():
        add(commands)
    return parser


def main(argv=None):
    """Run the ``digitnet`` command line; return its exit status."""
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command][1](args)
    except UsageError as exc:
        print(f"digitnet: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help (0) from argparse
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM during a sweep
        describe = getattr(exc, "describe", None)
        print(f"digitnet: {describe() if describe else 'interrupted'}", file=sys.stderr)
        return 130
    except WorkerLost as exc:  # a worker process died: what was finished is saved
        print(f"digitnet: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as other commands do
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13  # SIGPIPE
    except MemoryError as exc:  # a network too large for this machine, refused before it was allocated
        print(f"digitnet: error: {' '.join(str(exc).split()) or 'out of memory'}", file=sys.stderr)
        return 2
    except OSError as exc:  # the machine, not the program: a full disk, a file-size limit, a vanished directory
        where = f"{exc.filename}: " if exc.filename else ""
        hint = "; free some space (or raise the file-size limit) and run again" if exc.errno in FULL else ""
        print(f"digitnet: error: {where}{exc.strerror or exc}{hint}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
