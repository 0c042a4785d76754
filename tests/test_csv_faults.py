"""CSV files that cannot crash us or eat the machine: a 100,000-column header, decompression bombs, memory bounded by
a multiple of the file's size, rows of the wrong length, infinities, overflow and values too large to square."""

import bz2
import gzip
import lzma
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from digitnet.csv_data import MAX_DECOMPRESSED, MEMORY_PER_BYTE
from digitnet.data import load_split, read_csv_dataset, read_features_csv
from digitnet.errors import UsageError

#: A hang guard, not a speed requirement: each of these answers in a few seconds.
HANG_GUARD_S = 60


def _cli(*argv, timeout=HANG_GUARD_S):
    """``digitnet ARGV`` in its own process: (exit status, stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "digitnet.cli", *map(str, argv)], capture_output=True, text=True, timeout=timeout
    )
    return done.returncode, done.stderr


def _one_line(stderr):
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("digitnet: error: ") and "Traceback" not in stderr, stderr
    return lines[0]


def _error(function, *args, **kwargs):
    with pytest.raises(UsageError) as info:
        function(*args, **kwargs)
    assert "\n" not in str(info.value)
    return str(info.value)


# ---------------------------------------------------------------------------------------------- wide headers


def test_a_header_of_100000_columns_answers_in_linear_time(tmp_path):
    """The duplicate-name check and the reading are linear: 100,000 columns are answered within the hang guard
    (20 s), where the quadratic check took 211 s."""
    n = 100_000
    names = [f"c{i}" for i in range(n)]
    (tmp_path / "dup.csv").write_text(",".join(names[:-1] + ["c7"]) + "\n" + ",".join("1" * n) + "\n")
    code, err = _cli("train", "--csv", tmp_path / "dup.csv", timeout=20)
    assert code == 2 and _one_line(err).endswith("dup.csv: column name(s) 'c7' appear more than once")
    rows = "".join(",".join(str((i + j) % 7) for j in range(n - 1)) + f",{i % 2}\n" for i in range(4))
    (tmp_path / "wide.csv").write_text(",".join(names) + "\n" + rows)
    code, err = _cli("train", "--csv", tmp_path / "wide.csv", timeout=20)  # every row read, then too few to split
    assert code == 2 and "cannot split 4 rows of 2 classes" in _one_line(err)


# ---------------------------------------------------------------------------------------------- compressed files


def _rows(n=60):
    return "a,b,label\n" + "".join(f"{i},{(i * 7) % 5 / 4},{'cat' if i % 3 else 'dog'}\n" for i in range(n))


@pytest.mark.parametrize(
    "opener, name",
    [(gzip.open, "d.csv.gz"), (bz2.open, "d.csv.bz2"), (lzma.open, "d.csv.xz"), (gzip.open, "misnamed.csv")],
)
def test_compressed_files_read_as_the_plain_file(tmp_path, opener, name):
    (tmp_path / "plain.csv").write_text(_rows())
    with opener(tmp_path / name, "wt") as f:
        f.write(_rows())
    plain, packed = read_csv_dataset(tmp_path / "plain.csv"), read_csv_dataset(tmp_path / name)
    np.testing.assert_array_equal(packed.X, plain.X)
    assert list(packed.y) == list(plain.y) and packed.feature_names == ["a", "b"]


def test_archives_and_damaged_compressed_files_are_one_line(tmp_path):
    with zipfile.ZipFile(tmp_path / "d.zip", "w") as archive:
        archive.writestr("d.csv", _rows())
    assert "d.zip is a zip archive, not a CSV file: extract (decompress) the CSV file" in _error(
        read_csv_dataset, tmp_path / "d.zip"
    )
    (tmp_path / "d.zst").write_bytes(b"(\xb5/\xfd" + bytes(40))
    assert "is zstd-compressed, not a CSV file" in _error(read_csv_dataset, tmp_path / "d.zst")
    packed = gzip.compress(_rows(2000).encode())
    (tmp_path / "cut.csv.gz").write_bytes(packed[: len(packed) // 2])
    assert "cut.csv.gz is not a valid CSV file: Compressed file ended before the end-of-stream marker" in _error(
        read_csv_dataset, tmp_path / "cut.csv.gz"
    )
    (tmp_path / "plain.csv.gz").write_text(_rows())  # named .gz, but plain text: read as it is
    assert read_csv_dataset(tmp_path / "plain.csv.gz").X.shape == (60, 2)


_PEAK = (
    "import sys\nfrom digitnet.data import {function}\nfrom digitnet.errors import UsageError\n"
    "rss = lambda key: int(next(l.split()[1] for l in open('/proc/self/status') if l.startswith(key)))\n"
    "before = rss('VmRSS')\n"
    "try:\n    {function}(path=sys.argv[1]) if '{function}' == 'load_split' else {function}(sys.argv[1])\n"
    "    print('read')\nexcept UsageError as e:\n    print(e)\n"
    # VmHWM, this program's peak: ru_maxrss would count the test process it was forked from
    "print(rss('VmHWM') - before)\n"
)


def _peak(path, function="read_csv_dataset"):
    """``(what reading ``path`` in a fresh process said, its peak memory above what it held before, in bytes)``."""
    done = subprocess.run(
        [sys.executable, "-c", _PEAK.format(function=function), str(path)],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
    )
    message, extra_kib = done.stdout.strip().splitlines()
    return message, int(extra_kib) * 1024


@pytest.mark.parametrize("content", ["zeros", "rows"])
def test_a_decompression_bomb_is_refused_after_a_bounded_read(tmp_path, content):
    """1.1 MB of gzip that inflates to 1.1 GiB (1,100 gzip members of 1 MiB each, which gzip reads one after the
    other): refused once MAX_DECOMPRESSED bytes have come out, never held in memory."""
    block = b"0" * (1 << 20) if content == "zeros" else b"1,2,3\n" * ((1 << 20) // 6)
    member = gzip.compress(block, 9)
    (tmp_path / "bomb.csv.gz").write_bytes(member * (MAX_DECOMPRESSED // len(block) + 100))
    assert (tmp_path / "bomb.csv.gz").stat().st_size < 5 << 20
    message, extra = _peak(tmp_path / "bomb.csv.gz")
    assert f"bomb.csv.gz is gzip-compressed and decompresses to more than {MAX_DECOMPRESSED / 2**30:.1f} GiB" in message
    assert "decompress it yourself and check that it is the data you meant" in message
    assert extra < 100 << 20


def test_120_mb_of_nothing_is_one_line_in_bounded_memory(tmp_path):
    """The bomb of the report (117 KB of gzip, 120 MB of zero bytes): within the bound, so it is read as text, and
    refused at its first line, longer than any line of data, in a process that stays small."""
    with gzip.open(tmp_path / "bomb.csv.gz", "wb", compresslevel=9) as f:
        for _ in range(120):
            f.write(bytes(1 << 20))
    message, extra = _peak(tmp_path / "bomb.csv.gz")
    assert "bomb.csv.gz: line 1 is longer than 16 MiB: this is not a CSV file of data" in message
    assert extra < 100 << 20


# ---------------------------------------------------------------------------------------------- memory


def _one_digit_cells(path, rows, columns):
    """A CSV file of one-digit cells, the smallest a cell can be (2 bytes with its comma): the most numbers per byte."""
    digits = np.random.default_rng(0).integers(0, 10, size=(rows, columns), dtype=np.uint8) + ord("0")
    text = np.empty((rows, 2 * columns), dtype=np.uint8)
    text[:, 0::2], text[:, 1::2] = digits, ord(",")
    text[:, -1] = ord("\n")
    text[:, -2] = ord("0") + np.arange(rows) % 3  # the label column: 3 classes
    with open(path, "wb") as f:
        f.write((",".join(f"x{j}" for j in range(columns - 1)) + ",label\n").encode())
        f.write(text.tobytes())
    return os.path.getsize(path)


def test_reading_takes_at_most_a_stated_multiple_of_the_file_size(tmp_path):
    """Reading a 24 MB file of one-digit cells peaks at about 5x its size (11x before), a split of it at about 9x
    (22x before). Checked with a margin: MEMORY_PER_BYTE (6) times the size (twice that for a split) plus 64 MiB."""
    size = _one_digit_cells(tmp_path / "digits.csv", 400_000, 30)
    message, extra = _peak(tmp_path / "digits.csv")
    assert message == "read" and extra < MEMORY_PER_BYTE * size + (64 << 20), extra / size
    message, extra = _peak(tmp_path / "digits.csv", "load_split")
    assert message == "read" and extra < 2 * MEMORY_PER_BYTE * size + (64 << 20), extra / size


# ---------------------------------------------------------------------------------------------- cells and rows


@pytest.mark.parametrize(
    "cell, task, message",
    [
        (
            "inf",
            "classification",
            "column 'b' has a non-finite value on line 3 ('inf', an infinity): values must be finite",
        ),
        ("-Infinity", "classification", "column 'b' has a non-finite value on line 3 ('-Infinity', an infinity)"),
        (
            "1e999",
            "classification",
            "column 'b' has a non-finite value on line 3 (1e999, beyond the range of float64 numbers, about ±1.8e308)",
        ),
        (
            "-1e308",
            "classification",
            "column 'b' has -1e308 on line 3: values beyond ±1e+100 are refused, as their squares"
            " (to standardise the column, or in a squared error) overflow float64; rescale",
        ),
        ("nan", "classification", "column 'b' has 1 missing value(s), the first on line 3"),
        ("1_000", "classification", "column 'b' is not numeric ('1_000' on line 3)"),
        ("1e308", "regression", "column 'b' has 1e308 on line 3: values beyond ±1e+100 are refused"),
    ],
)
def test_values_that_are_not_finite_or_overflow_are_one_line(tmp_path, cell, task, message):
    path = tmp_path / "data.csv"
    path.write_text("a,b,y\n1,2,0\n3," + cell + ",1\n" + "".join(f"{i},{i % 4},{i % 2}\n" for i in range(30)))
    assert message in _error(read_csv_dataset, path, task=task)


def test_a_regression_target_too_large_to_square_is_one_line(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b,price\n" + "".join(f"{i},{i % 4},{i * 1.5}\n" for i in range(30)) + "1,2,1e150\n")
    assert "column 'price' has 1e150 on line 32: values beyond ±1e+100 are refused" in _error(
        read_csv_dataset, path, task="regression"
    )


def test_rows_of_another_length_are_refused_with_their_line(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b,y\n1,2,cat\n\n3,4,big,dog\n")  # an unquoted comma in a label: a cell too many
    assert "data.csv: line 4 has 4 cell(s), but the header has 3 columns (an unquoted comma in a cell?)" in _error(
        read_csv_dataset, path
    )
    path.write_text("a,b,y\n1,2,cat\n3,4\n")
    assert "line 3 has 2 cell(s), but the header has 3 columns" in _error(read_csv_dataset, path)
    path.write_text('a,b,y\n1,2,"big, black cat"\n3,4,dog\n')  # quoted: one cell
    assert list(read_csv_dataset(path).y) == ["big, black cat", "dog"]


def test_line_numbers_count_blank_lines_and_quoted_line_breaks(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text('\na,b,y\n1,2,"two\nlines"\n\n3,,dog\n')
    assert "column 'b' has 1 missing value(s), the first on line 6" in _error(read_csv_dataset, path)


def test_numbers_are_read_exactly_as_python_reads_them(tmp_path):
    """Correctly rounded: each value of a column is the float64 nearest to its text, whatever its digits."""
    values = np.random.default_rng(3).standard_normal(2000) * 10.0 ** np.random.default_rng(4).integers(-90, 90, 2000)
    texts = [f"{v:.17g}" if i % 3 == 0 else repr(float(v)) if i % 3 == 1 else f"{v:.6e}" for i, v in enumerate(values)]
    path = tmp_path / "data.csv"
    path.write_text("a,b,y\n" + "".join(f" {t} ,{i},{i % 2}\n" for i, t in enumerate(texts)))
    X, _ = read_features_csv(path, 2, ["a", "b"], "y")
    np.testing.assert_array_equal(X[:, 0], [float(t) for t in texts])
    split = load_split(path=str(path), validation_size=0.2)
    assert len(split.y_train) + len(split.y_val) + len(split.y_test) == 2000
    assert split.X_train_raw.shape == (len(split.y_train), 2)
