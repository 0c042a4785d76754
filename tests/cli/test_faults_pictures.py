"""Pictures given to ``digitnet predict --image``, made for real with PIL (or byte by byte): files that are not
pictures digitnet reads (PostScript with a fake ``gs`` first on the PATH, PDF, DDS), damaged ones, decompression
bombs and pictures with no digit in them are each refused in one line, exit status 2, no traceback and no
warning, by the command (in a process of its own) and by ``digit_image.image_to_input``; 16-bit, 32-bit and
float pictures read as the 8-bit version of the same drawing."""

import os
import struct
import subprocess
import sys
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from digitnet.cli import main
from digitnet.digit_image import FORMAT_NAMES, MAX_SIDE, image_to_input
from digitnet.errors import UsageError
from digitnet.model_file import load_model

NOT_A_PICTURE = f"it is not a {FORMAT_NAMES} file (PostScript, PDF and other formats are refused); save it as PNG"
NO_INK = (
    "has no ink: it is blank, one uniform shade or fully transparent (give a picture of one digit, dark ink on"
    " light paper or light on dark)"
)
ALL_INK = (
    "is all ink: every pixel is darker than mid-grey, so no stroke stands out (give a picture of one digit,"
    " dark ink on light paper or light on dark)"
)
DAMAGED = "it is damaged, cut short or a variant Pillow cannot decode"


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.npz"
    assert main(["train", "--hidden-layer-sizes", "8", "--max-iter", "3", "--save", str(path)]) == 0
    return path


def predict(model_file, picture, env=None):
    """``digitnet predict --image`` in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "digitnet", "predict", "--model", str(model_file), "--image", str(picture)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def refused(done):
    """The one line of a refusal, without its ``digitnet: error: `` prefix."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("digitnet: error: "), done.stderr
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr and done.stdout == ""
    return lines[0].removeprefix("digitnet: error: ")


@pytest.fixture
def assert_refused(model_file, capfd):
    """``check(picture, message)``: both the command and the Python function refuse ``picture`` with exactly
    ``message``, and the function writes nothing to standard error on the way (not even from C code, to file
    descriptor 2)."""

    def check(picture, message, env=None):
        assert refused(predict(model_file, picture, env)) == message
        capfd.readouterr()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no warning on the way to the error either
            with pytest.raises(UsageError) as error:
                image_to_input(picture)
        assert str(error.value) == message
        assert capfd.readouterr().err == ""

    return check


def drawing(index=2, cell=12):
    """Digits image ``index`` drawn 8-bit, dark ink on white paper: values 0 (full ink) to 255 (paper), both used."""
    ink = np.kron(load_digits().images[index] / 16, np.ones((cell, cell)))
    picture = np.round(255 * (1 - ink)).astype(np.uint8)
    assert picture.min() == 0 and picture.max() == 255
    return picture


# ------------------------------------------------------------------------------ not pictures digitnet reads


def test_postscript_named_png_never_reaches_ghostscript(model_file, assert_refused, tmp_path):
    """Pillow hands PostScript to whatever ``gs`` is first on the PATH; digitnet never lets it see the file."""
    picture = tmp_path / "x.png"
    Image.fromarray(drawing()).save(picture, "EPS")  # real PostScript, under a PNG's name
    assert picture.read_bytes().startswith(b"%!PS-Adobe")
    bin_dir, marker = tmp_path / "bin", tmp_path / "gs-was-run"
    bin_dir.mkdir()
    (bin_dir / "gs").write_text(f"#!/bin/sh\ntouch '{marker}'\nexit 1\n")
    (bin_dir / "gs").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    # the trap is real: Pillow on its own runs the fake gs (and fails with its CalledProcessError)
    plain = subprocess.run(
        [sys.executable, "-c", "import sys; from PIL import Image; Image.open(sys.argv[1]).load()", str(picture)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert plain.returncode != 0 and "CalledProcessError" in plain.stderr and marker.exists()
    marker.unlink()
    assert_refused(picture, f"cannot read {picture} as a picture: {NOT_A_PICTURE}", env)
    assert not marker.exists()
    # with the fake gs gone from the PATH too: the same line, whether or not Ghostscript is installed
    assert refused(predict(model_file, picture)) == f"cannot read {picture} as a picture: {NOT_A_PICTURE}"


def test_pdf_is_refused(assert_refused, tmp_path):
    picture = tmp_path / "digit.pdf"
    Image.fromarray(drawing()).save(picture)  # Pillow writes PDF (and cannot read it)
    assert picture.read_bytes().startswith(b"%PDF")
    assert_refused(picture, f"cannot read {picture} as a picture: {NOT_A_PICTURE}")


def _dds(fourcc):
    """A DDS file written byte by byte: a 16x16 texture in pixel format ``fourcc``."""
    header = struct.pack("<4sIIIIIII44s", b"DDS ", 124, 0x1007, 16, 16, 0, 0, 0, bytes(44))
    pixel_format = struct.pack("<II4sIIIII", 32, 0x4, fourcc, 0, 0, 0, 0, 0)  # DDPF_FOURCC
    return header + pixel_format + struct.pack("<5I", 0x1000, 0, 0, 0, 0) + bytes(1024)


def test_dds_with_an_unknown_pixel_format_is_refused(assert_refused, tmp_path):
    picture = tmp_path / "digit.dds"
    picture.write_bytes(_dds(b"XYZW"))
    with pytest.raises(NotImplementedError, match="Unimplemented pixel format"):  # what Pillow alone does with it
        Image.open(picture)
    assert_refused(picture, f"cannot read {picture} as a picture: {NOT_A_PICTURE}")


# ------------------------------------------------------------------------------ damaged pictures


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width, height, rows, second_idat=b"IDAT"):
    """A greyscale PNG written chunk by chunk: IHDR, its ``rows`` compressed in two chunks (the second of type
    ``second_idat``), IEND."""
    pixels = zlib.compress(rows)
    half = len(pixels) // 2
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + _chunk(b"IDAT", pixels[:half])
        + _chunk(second_idat, pixels[half:])
        + _chunk(b"IEND", b"")
    )


def test_a_truncated_png_is_one_line(assert_refused, tmp_path):
    picture = tmp_path / "digit.png"
    Image.fromarray(drawing()).save(picture)
    whole = picture.read_bytes()
    picture.write_bytes(whole[: len(whole) // 2])
    assert_refused(picture, f"cannot read {picture} as a picture: {DAMAGED} (image file is truncated)")
    picture.write_bytes(whole[:40])  # cut inside the header
    assert_refused(picture, f"cannot read {picture} as a picture: it begins as a PNG file but is damaged or cut short")


def test_a_png_with_a_broken_chunk_is_one_line(assert_refused, tmp_path):
    """A chunk whose type is not letters after the pixels: Pillow raises SyntaxError (a traceback, before)."""
    picture = tmp_path / "digit.png"
    rows = b"".join(b"\0" + bytes(row) for row in drawing())
    picture.write_bytes(_png(96, 96, rows))
    assert image_to_input(picture).tolist() == image_to_input(_save(tmp_path / "saved.png", drawing())).tolist()
    picture.write_bytes(_png(96, 96, rows, second_idat=b"\x00\xda\x1f\x91"))  # the second IDAT's type mangled
    with pytest.raises(SyntaxError):
        with Image.open(picture) as plain:
            plain.load()
    assert_refused(
        picture, f"cannot read {picture} as a picture: {DAMAGED} (broken PNG file (chunk b'\\x00\\xda\\x1f\\x91'))"
    )


def test_a_damaged_compressed_tiff_is_one_line_without_libtiffs_messages(assert_refused, tmp_path):
    """libtiff writes its complaints straight to standard error (file descriptor 2): held back, as the line
    already says the picture is damaged."""
    picture = tmp_path / "digit.tiff"
    Image.fromarray(drawing()).save(picture, compression="tiff_lzw")
    damaged = bytearray(picture.read_bytes())
    damaged[200:260] = b"\xff" * 60  # inside the LZW-compressed strip
    picture.write_bytes(bytes(damaged))
    plain = subprocess.run(
        [sys.executable, "-c", "import sys; from PIL import Image; Image.open(sys.argv[1]).load()", str(picture)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Using code not yet in table" in plain.stderr and "OSError: decoder error -2" in plain.stderr
    assert_refused(picture, f"cannot read {picture} as a picture: {DAMAGED} (decoder error -2)")


@pytest.mark.parametrize("side", [10_000, 100_000])
def test_a_decompression_bomb_is_refused_before_decoding(assert_refused, tmp_path, side):
    """A PNG declaring side×side pixels in a few hundred bytes: Pillow warns past 89 million pixels (10,000²)
    and refuses past twice that (100,000²); digitnet says one line either way, without the warning."""
    picture = tmp_path / "bomb.png"
    picture.write_bytes(_png(side, side, bytes(side + 1) * 8))
    assert picture.stat().st_size < 2000
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            Image.open(picture).close()
        except Image.DecompressionBombError:
            assert side == 100_000
        else:
            assert side == 10_000 and caught[0].category is Image.DecompressionBombWarning
    pixels = f"{side}×{side}" if side == 10_000 else f"over {2 * Image.MAX_IMAGE_PIXELS:,}"  # 178,956,970
    expected = f"{picture}: a picture of {pixels} pixels is too large for a digit (at most {MAX_SIDE} a side);"
    assert_refused(picture, expected + " scale it down")


# ------------------------------------------------------------------------------ pictures with no digit


def _save(path, array, mode=None):
    Image.fromarray(array, mode).save(path) if mode else Image.fromarray(array).save(path)
    return path


@pytest.mark.parametrize(
    "name, make, problem",
    [
        ("transparent.png", lambda: np.zeros((40, 40, 4), np.uint8), NO_INK),  # black, but fully transparent
        ("white.png", lambda: np.full((40, 40), 255, np.uint8), NO_INK),
        ("light-grey.png", lambda: np.full((40, 40), 200, np.uint8), NO_INK),
        ("dark-grey.png", lambda: np.full((40, 40), 60, np.uint8), ALL_INK),
        ("black.png", lambda: np.zeros((40, 40), np.uint8), ALL_INK),
        ("one-white-pixel.png", lambda: np.full((1, 1), 255, np.uint8), NO_INK),
        ("one-black-pixel.png", lambda: np.zeros((1, 1), np.uint8), ALL_INK),
        ("uniform-16-bit.png", lambda: np.full((40, 40), 8000, np.uint16), NO_INK),
        ("uniform-float.tiff", lambda: np.full((40, 40), 0.25, np.float32), NO_INK),
    ],
)
def test_a_picture_with_no_digit_is_refused(assert_refused, tmp_path, name, make, problem):
    picture = _save(tmp_path / name, make())
    assert_refused(picture, f"{picture} {problem}")


def test_strokes_too_thin_for_eight_by_eight_are_refused(assert_refused, tmp_path):
    """A one-pixel diagonal across 200x200: ink, but no cell of the 32x32 bitmap is mostly ink."""
    thin = np.full((200, 200), 255, np.uint8)
    thin[np.arange(200), np.arange(200)] = 0
    picture = _save(tmp_path / "thin.png", thin)
    assert_refused(
        picture,
        f"{picture} has strokes too thin to show in the 8x8 input (every value is 0);"
        " draw the digit with a thicker pen",
    )


def test_float_pixels_that_are_not_numbers_are_refused(assert_refused, tmp_path):
    values = drawing().astype(np.float32) / 255
    values[5, 5] = np.nan
    picture = _save(tmp_path / "nan.tiff", values)
    assert_refused(picture, f"cannot read {picture} as a picture: some of its pixels are not numbers (NaN or infinite)")


# ------------------------------------------------------------------------------ 16-bit, 32-bit and float pictures


def _grid(stderr):
    """The 8x8 input the command printed ("as the model sees it")."""
    lines = stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if "as the model sees it" in line) + 1
    return [int(v) for line in lines[start : start + 8] for v in line.split()]


def _deep_versions():
    """(name, deep picture's values, its 8-bit version): the same drawing in more bits or as floats."""
    v8 = drawing()
    scan = np.round(v8 * (8000 / 255)).astype(np.uint16)  # a dim scan: paper at 8000, ink at 0, of 65535
    paper = np.where(v8 == 255, 65535, np.round(v8 * (8000 / 255))).astype(np.uint16)  # white paper, ink 0..8000
    return [
        ("scan-0-8000.png", scan, v8),
        ("white-paper-ink-0-8000.png", paper, np.round(paper / 257).astype(np.uint8)),
        ("full-range-16-bit.tiff", v8.astype(np.uint16) * 257, v8),
        ("big-endian-16-bit.tiff", (v8.astype(np.uint16) * 257).astype(">u2"), v8),
        ("int32.tiff", v8.astype(np.int32) * 1000 - 50_000, v8),
        ("float-0-1.tiff", (v8 / 255).astype(np.float32), v8),
        ("float-any-range.tiff", (v8 * 3.5 - 100).astype(np.float32), v8),
    ]


@pytest.mark.parametrize("name, values, eight_bit", _deep_versions(), ids=[v[0] for v in _deep_versions()])
def test_deep_pictures_read_as_their_eight_bit_version(model_file, tmp_path, name, values, eight_bit):
    """By their real range: exactly the 8-bit version's input (no grey lies within the formats' quantisation of
    the threshold, so the 64 values are equal, not merely close)."""
    picture = _save(tmp_path / name, values)
    with Image.open(picture) as opened:
        assert opened.mode in ("I;16", "I;16B", "I", "F")
    expected = image_to_input(_save(tmp_path / "eight-bit.png", eight_bit))
    assert expected.sum() > 0
    assert image_to_input(picture).tolist() == expected.tolist()
    done = predict(model_file, picture)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr
    assert _grid(done.stderr) == expected.tolist()
    prediction = done.stdout.splitlines()[1].split(",")[0]
    assert prediction == str(load_model(model_file).predict(expected.reshape(1, -1).astype(float))[0])
