"""Writing files so that nothing is ever half-written: temporary name, then rename.

Every file digitnet writes (model files, result tables, figures, the report) goes through
:func:`atomic_write` or :func:`write_files`: the bytes go to a temporary file beside the target,
which is renamed onto it only once complete, so an interrupted write leaves the old file (or
none), never a truncated one. Output directories are checked with :func:`prepare_out_dir`
before any long work starts.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile

from .errors import UsageError

#: Permissions of the files we write: readable by everyone, writable by the owner (a temporary file is private).
FILE_MODE = 0o644
#: Our temporary files: ``.NAME.PID.RANDOM.tmp``, PID being the writing process (see :func:`remove_stale_temporaries`).
_TEMPORARY = re.compile(r"^\..+\.(\d+)\.[A-Za-z0-9_]+\.tmp$")


def temporary_beside(path):
    """Create a temporary file in ``path``'s directory, named after it and this process; return ``(fd, path)``.

    It has a regular file's permissions (:data:`FILE_MODE`), so renaming it onto
    ``path`` gives a normal file, not a private one.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.{os.getpid()}.", suffix=".tmp", dir=directory)
    os.fchmod(fd, FILE_MODE)
    return fd, tmp


def process_alive(pid):
    """Does a process of this id exist (on this host)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def remove_stale_temporaries(directory):
    """Delete our temporary files in ``directory`` whose writer is dead (a killed run leaves them behind).

    A temporary file names the process writing it; one whose process no longer exists can never
    be completed, so nothing is lost by removing it, and a live writer's file is left alone.
    Returns the names removed.
    """
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        match = _TEMPORARY.match(name)
        if match and int(match.group(1)) != os.getpid() and not process_alive(int(match.group(1))):
            try:
                os.unlink(os.path.join(directory, name))
                removed.append(name)
            except OSError:
                pass
    return removed


def check_regular_file(path, what="file"):
    """``path`` as a string, after checking that it names an existing regular file (not a directory, FIFO or device).

    A FIFO or a device would make a reader wait forever or read without end.
    """
    path = os.fspath(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise UsageError(f"cannot read {path}: no such file ({what} {path} does not exist)") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise UsageError(f"cannot read {path}: it is a directory, not a {what}")
    if not stat.S_ISREG(mode):
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else \
            "a socket" if stat.S_ISSOCK(mode) else "not a regular file"
        raise UsageError(f"cannot read {path}: it is {kind}, not a {what}")
    return path


def atomic_write(path, write):
    """Write a file through ``write(fileobj)`` into a temporary file beside ``path``, then rename it.

    Either the complete new file replaces ``path`` or ``path`` is left as it was.
    """
    fd, tmp = temporary_beside(path)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not exc.filename:  # say which file could not be written
            raise OSError(exc.errno, exc.strerror or str(exc), os.fspath(path)) from exc
        raise


def write_files(out_dir, files):
    """Write ``{name: text}`` into ``out_dir``: every file to a temporary name first, then all renamed.

    Returns
    -------
    list of str
        The paths written.

    Raises
    ------
    UsageError
        If a file cannot be written; no temporary file is left behind, and the files that
        were there before are unchanged.
    """
    written = []
    try:
        for name, text in files.items():
            final = os.path.join(out_dir, name)
            fd, tmp = temporary_beside(final)
            written.append((tmp, final))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        for tmp, final in written:
            os.replace(tmp, final)
    except OSError as exc:
        for tmp, _ in written:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise UsageError(f"cannot write results to {out_dir}: {exc.strerror or exc}") from None
    return [final for _, final in written]


def prepare_out_dir(out_dir):
    """Create ``out_dir`` if needed and check that files can be written there (before any long work).

    Raises
    ------
    UsageError
        If the directory cannot be created or written.
    """
    out_dir = os.fspath(out_dir)
    if not out_dir:
        raise UsageError("the output directory is an empty name; give a directory")
    try:
        os.makedirs(out_dir, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".digitnet-write-check.", dir=out_dir)
        os.close(fd)
        os.unlink(probe)
    except (FileExistsError, NotADirectoryError):
        raise UsageError(f"cannot write to output directory {out_dir}: a file of that name exists") from None
    except OSError as exc:
        raise UsageError(f"cannot write to output directory {out_dir}: {exc.strerror or exc}") from None
    remove_stale_temporaries(out_dir)
    return out_dir


def prepare_out_file(path, what="output file"):
    """Check, before any long work, that the file ``path`` can be written: a name, not a directory, in a
    directory that can be written (created if needed)."""
    path = os.fspath(path)
    if not path.strip():
        raise UsageError(f"the {what} is an empty name; give a file name")
    if os.path.isdir(path):
        raise UsageError(f"cannot write the {what} {path}: it is a directory; give a file name")
    if os.path.exists(path) and not os.path.isfile(path):
        raise UsageError(f"cannot write the {what} {path}: it exists and is not a regular file")
    prepare_out_dir(os.path.dirname(os.path.abspath(path)))
    return path
