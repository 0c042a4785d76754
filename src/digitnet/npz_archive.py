"""Reading a model file, an ``.npz`` archive that may have been crafted: its directory first, each array's header before its data.

:class:`Archive` refuses a file that is not a zip archive, whose members are not all ``.npy``
arrays, or whose members are encrypted or compressed other than as NumPy writes them (stored or
deflated: another method would need a decoder's memory, or a password). Each array is read only
after its header (shape and type) has been checked against what the caller expects, and exactly
the bytes that shape needs are read, within a budget of the memory available, so a crafted file
cannot make it read gigabytes. Object arrays (the only way a NumPy file can carry code) are
refused. Every problem is one :class:`UsageError` line naming the file.
"""

from __future__ import annotations

import lzma
import math
import struct
import tokenize
import zipfile
import zlib
from typing import TYPE_CHECKING

import numpy as np

from .errors import UsageError
from .files import check_regular_file
from .resources import available_memory, gib

if TYPE_CHECKING:
    import os

__all__ = ["Archive", "ZIP_METHODS"]

#: How a model file's members may be compressed: as np.savez and np.savez_compressed write them.
ZIP_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
#: Zip flag bits of members that cannot be read as they are: encrypted (0, 6), patched (5), masked directory (13).
_UNREADABLE_FLAGS = 0x1 | 0x20 | 0x40 | 0x2000
#: What the zip and .npy readers raise on bytes that are not what they claim to be (a damaged or crafted file).
_CORRUPT = (
    ValueError,
    TypeError,
    SyntaxError,
    tokenize.TokenError,
    OSError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    struct.error,
    zipfile.BadZipFile,
    NotImplementedError,
    RuntimeError,
)


#: What a member of each kind holds, for messages.
_KINDS = {"f": "floats", "u": "unsigned integers", "U": "text"}


def _one_line(exc, limit=200):
    """An exception's message on one line, shortened: a crafted file must not be able to fill the terminal."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[:limit] + "..."


class Archive:
    """An open model file (an ``.npz`` archive): its members' names, and each array read only after its header is
    checked. ``what`` names the file in messages about a file that is not there or not a regular file."""

    def __init__(self, path: str | os.PathLike[str], what: str = "model file") -> None:
        self.path = check_regular_file(path, what)
        try:
            with open(self.path, "rb") as f:
                magic = f.read(4)
        except OSError as exc:
            raise UsageError(f"cannot read model file {self.path}: {exc.strerror or exc}") from None
        if magic != b"PK\x03\x04":  # every .npz archive is a zip file
            raise UsageError(
                f"{self.path} is not a digitnet model file: "
                f"{'it is empty' if not magic else 'it is not an .npz archive'}"
            )
        try:
            self.zip = zipfile.ZipFile(self.path)
            infos = self.zip.infolist()
        except _CORRUPT as exc:
            raise UsageError(f"{self.path} is truncated or corrupt: {_one_line(exc)}") from None
        names = [info.filename for info in infos]
        if any(not n.endswith(".npy") for n in names) or len(set(names)) != len(names):
            self.zip.close()
            raise UsageError(f"{self.path} is not a digitnet model file: it holds members other than arrays")
        self._check_directory(infos)
        self.names = {n[:-4] for n in names}
        budget = available_memory()
        self.budget = min(budget // 2, 16 << 30) if budget else 16 << 30  # the most all arrays may take

    def _check_directory(self, infos):
        """Every member stored or deflated as NumPy writes them, none encrypted: what another method would need
        (a decoder's memory, a password) is never asked for."""
        for info in infos:
            problem = (
                "is encrypted"
                if info.flag_bits & 0x41
                else f"uses zip features digitnet does not read (flags {info.flag_bits:#x})"
                if info.flag_bits & _UNREADABLE_FLAGS
                else f"is compressed with zip method {info.compress_type}"
                if info.compress_type not in ZIP_METHODS
                else None
            )
            if problem:
                self.zip.close()
                raise UsageError(
                    f"{self.path}: member {info.filename[:40]!r} {problem}; a model file's members are"
                    " stored or deflated, as NumPy writes them (save the model again with save_model)"
                )

    def close(self) -> None:
        self.zip.close()

    def read(
        self, name: str, shape: tuple[int, ...] | None = None, kinds: str = "f", max_bytes: int | None = None
    ) -> np.ndarray:
        """Array ``name``, after checking that its header declares ``shape`` (or a 1-D shape if None, at most
        ``max_bytes``) and a dtype kind in ``kinds``; exactly that many bytes are read."""
        try:
            with self.zip.open(name + ".npy") as f:
                version = np.lib.format.read_magic(f)
                if version not in ((1, 0), (2, 0)):
                    raise ValueError(f"unsupported .npy version {version}")
                header = (
                    np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                )
                declared, fortran, dtype = header(f)
                nbytes = self._check_header(name, declared, dtype, shape, kinds, max_bytes)
                data = f.read(nbytes)
        except UsageError:
            raise
        except _CORRUPT as exc:
            raise UsageError(f"{self.path} is truncated or corrupt ({name}: {_one_line(exc)})") from None
        if len(data) != nbytes:
            raise UsageError(f"{self.path} is truncated: {name} holds {len(data)} of its {nbytes} bytes")
        array = np.frombuffer(data, dtype=dtype).reshape(declared, order="F" if fortran else "C")
        return np.array(array, order="C")  # a writable copy of our own

    def _check_header(self, name, declared, dtype, shape, kinds, max_bytes):
        if dtype.hasobject:  # unpickling an object array could run code
            raise UsageError(
                f"{self.path} holds pickled Python objects; refusing to load it (a model file holds only plain arrays)"
            )
        if (
            dtype.kind not in kinds
            or (shape is not None and tuple(declared) != tuple(shape))
            or (shape is None and len(declared) != 1)
        ):
            want = f"of shape {tuple(shape)}" if shape is not None else "of one dimension"
            raise UsageError(
                f"{self.path}: {name} has shape {tuple(declared)} and dtype {dtype}, but the model"
                f" needs an array {want} of {_KINDS.get(kinds, 'labels')}"
            )
        if any(not isinstance(n, int) or n < 0 for n in declared):
            raise UsageError(f"{self.path} is corrupt: {name} declares the shape {_one_line(declared)}")
        nbytes = math.prod(declared) * dtype.itemsize  # Python integers: no overflow whatever the shape
        if nbytes > min(self.budget, max_bytes or self.budget):
            raise UsageError(f"{self.path}: {name} declares {gib(nbytes)} of data, more than a model may hold here")
        self.budget -= nbytes
        return nbytes
