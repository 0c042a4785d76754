"""Writing files so that nothing is ever half-written: temporary name, then rename.

Every file digitnet writes (model files, result tables, figures, the report) goes through
:func:`atomic_write` or :func:`write_files`: the bytes go to a temporary file beside the target,
which is renamed onto it only once complete, so an interrupted write leaves the old file (or
none), never a truncated one. Output directories are checked with :func:`prepare_out_dir`
before any long work starts.
"""

from __future__ import annotations

import os
import tempfile

from .errors import UsageError

#: Permissions of the files we write: readable by everyone, writable by the owner (a temporary file is private).
FILE_MODE = 0o644


def temporary_beside(path):
    """Create a temporary file in ``path``'s directory, named after it; return ``(fd, temporary path)``.

    It has a regular file's permissions (:data:`FILE_MODE`), so renaming it onto
    ``path`` gives a normal file, not a private one.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    os.fchmod(fd, FILE_MODE)
    return fd, tmp


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
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
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
    try:
        os.makedirs(out_dir, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".digitnet-write-check.", dir=out_dir)
        os.close(fd)
        os.unlink(probe)
    except FileExistsError:
        raise UsageError(f"cannot write to output directory {out_dir}: a file of that name exists") from None
    except OSError as exc:
        raise UsageError(f"cannot write to output directory {out_dir}: {exc.strerror or exc}") from None
    return out_dir


def prepare_out_file(path):
    """Check, before any long work, that the file ``path`` can be written (its directory is created)."""
    prepare_out_dir(os.path.dirname(os.path.abspath(path)))
    return path
