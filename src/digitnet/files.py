"""Writing files so that nothing is ever half-written: temporary name, then rename.

Every file digitnet writes (model files, result tables, figures, the report) goes through
:func:`atomic_write` or :func:`write_files`: the bytes go to a temporary file beside the target,
which is renamed onto it only once complete, so an interrupted write leaves the old file (or
none), never a truncated one. Output directories are checked with :func:`prepare_out_dir`
before any long work starts.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import re
import secrets
import socket
import stat
from collections.abc import Callable, Iterable, Mapping
from typing import BinaryIO

from .errors import UsageError

#: Permissions of the files we write: readable by everyone, writable by the owner (a temporary file is private).
FILE_MODE = 0o644
#: What every temporary file of ours starts with: no user names a file so (see :func:`temporary_beside`).
TEMPORARY_PREFIX = ".digitnet-tmp."
#: At most this much of the target's name goes into its temporary file's name (which must stay under NAME_MAX).
_NAME_KEPT = 100
#: Random names drawn before giving up (each has 64 random bits: a second draw is already a miracle).
_TRIES = 100
#: Our temporary files, exactly: ``.digitnet-tmp.NAME.HOST.PID.RANDOM.tmp`` (see :func:`temporary_beside`).
_TEMPORARY = re.compile(
    r"^\.digitnet-tmp\.(?P<name>.{1,%d})\.(?P<host>[0-9a-f]{8})\.(?P<pid>[1-9][0-9]{0,9})"
    r"\.(?P<random>[0-9a-f]{16})\.tmp$" % _NAME_KEPT,
    re.DOTALL,
)


@functools.cache
def _host_tag():
    """Eight hex digits naming this machine: a process id means something only on the host that wrote it."""
    return hashlib.sha256(socket.gethostname().encode("utf-8", "surrogateescape")).hexdigest()[:8]


def temporary_beside(path: str | os.PathLike[str]) -> tuple[int, str]:
    """Create a temporary file in ``path``'s directory, named after it and this process; return ``(fd, path)``.

    Its name is ``.digitnet-tmp.NAME.HOST.PID.RANDOM.tmp``: our prefix, the target's name (its first
    100 bytes), a tag of this host, this process's id and 64 random bits, a form no user would
    pick and :func:`remove_stale_temporaries` recognises exactly. It is created exclusively
    (``O_CREAT | O_EXCL``, never following a link), so it is never someone else's file; and it has a
    regular file's permissions (:data:`FILE_MODE`), so renaming it onto ``path`` gives a normal file.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    name = os.fsdecode(os.fsencode(os.path.basename(path))[:_NAME_KEPT]) or "file"  # bytes: NAME_MAX counts bytes
    stem = os.path.join(directory, f"{TEMPORARY_PREFIX}{name}.{_host_tag()}.{os.getpid()}.")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(_TRIES):
        tmp = f"{stem}{secrets.token_hex(8)}.tmp"
        try:
            fd = os.open(tmp, flags, 0o600)
        except FileExistsError:  # 64 random bits taken already: draw again
            continue
        os.fchmod(fd, FILE_MODE)
        return fd, tmp
    raise FileExistsError(errno.EEXIST, f"no free temporary name after {_TRIES} tries", os.path.join(directory, name))


def process_alive(pid: int) -> bool:
    """Does a process of this id run (on this host)? One that has ended but whose exit status was not collected
    yet (a zombie) does not: it will never write again."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except OverflowError:  # no process has an id that large
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):  # no /proc (not Linux), or it just went: it existed a moment ago
        return True


def _stale(directory, name):
    """Is ``name`` in ``directory`` a temporary file of ours whose writer is gone? Exactly our form
    (:data:`_TEMPORARY`), written on this host by a process that no longer exists, and a regular file
    (not a link) of this user: anything else is left alone."""
    match = _TEMPORARY.match(name)
    if not match or match["host"] != _host_tag():
        return False
    pid = int(match["pid"])
    if pid == os.getpid() or process_alive(pid):
        return False
    try:
        info = os.lstat(os.path.join(directory, name))
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid()


def remove_stale_temporaries(directory: str | os.PathLike[str]) -> list[str]:
    """Delete our temporary files in ``directory`` whose writer is dead (a killed run leaves them behind).

    A temporary file names the process writing it; one whose process no longer exists can never
    be completed, so nothing is lost by removing it, and a live writer's file is left alone. Only
    names of exactly our form (see :func:`temporary_beside`) are considered: a user's
    ``.thesis.2023.final.tmp`` is not ours. Returns the names removed.
    """
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        if name.startswith(TEMPORARY_PREFIX) and _stale(directory, name):
            try:
                os.unlink(os.path.join(directory, name))
                removed.append(name)
            except OSError:
                pass
    return removed


def check_regular_file(path: str | os.PathLike[str], what: str = "file") -> str:
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
        kind = (
            "a FIFO"
            if stat.S_ISFIFO(mode)
            else "a device"
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket"
            if stat.S_ISSOCK(mode)
            else "not a regular file"
        )
        raise UsageError(f"cannot read {path}: it is {kind}, not a {what}")
    return path


def check_not_inputs(
    outputs: Iterable[tuple[str, str | os.PathLike[str]]], inputs: Mapping[str, str | os.PathLike[str] | None]
) -> None:
    """Refuse, before any work, to write over a file the command reads: an output that is an input under any
    name (the same file, through a link too).

    Parameters
    ----------
    outputs : list of (str, path)
        How each output is given (``"--save d.csv"``, ``"--out DIR (where it writes sweep.csv)"``) and the file
        that will be written.
    inputs : dict of str -> path or None
        The option that names each input file (``"--csv"``) -> its path (None: not given).

    Raises
    ------
    UsageError
        An output is an input.
    """
    for given, out_path in outputs:
        for option, in_path in inputs.items():
            if in_path is not None and _same_file(out_path, in_path):
                raise UsageError(
                    f"{given} would overwrite the {option} file {in_path}, which this command reads;"
                    f" write the output somewhere else"
                )


def _same_file(a, b):
    """Are ``a`` and ``b`` one existing file (a path that does not exist yet is no file's name)?"""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # one of them does not exist (or is no path at all)
        return False


def atomic_write(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> None:
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


def write_files(out_dir: str | os.PathLike[str], files: Mapping[str, str | bytes]) -> list[str]:
    """Write ``{name: text}`` (or bytes) into ``out_dir``: every file to a temporary name first, then all renamed.

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
            with (
                os.fdopen(fd, "wb") if isinstance(text, bytes) else os.fdopen(fd, "w", encoding="utf-8", newline="")
            ) as f:
                f.write(text)
        for tmp, final in written:
            os.replace(tmp, final)
    except OSError as exc:
        for tmp, _ in written:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise UsageError(f"cannot write results to {out_dir}: {exc.strerror or exc}") from None
    return [final for _, final in written]


def prepare_out_dir(out_dir: str | os.PathLike[str]) -> str | os.PathLike[str]:
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
        fd, probe = temporary_beside(os.path.join(out_dir, "write-check"))  # ours: removed if we are killed here
        os.close(fd)
        os.unlink(probe)
    except (FileExistsError, NotADirectoryError):
        raise UsageError(f"cannot write to output directory {out_dir}: a file of that name exists") from None
    except OSError as exc:
        raise UsageError(f"cannot write to output directory {out_dir}: {exc.strerror or exc}") from None
    remove_stale_temporaries(out_dir)
    return out_dir


def prepare_out_file(path: str | os.PathLike[str], what: str = "output file") -> str:
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
