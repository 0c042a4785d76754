"""CSV files read the way the user meant: headers of numbers, labels as written, continuous targets, FIFOs."""

import os
import subprocess
import sys

import numpy as np
import pytest

from digitnet.data import load_split, read_csv_dataset, read_features_csv
from digitnet.errors import UsageError


def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _rows(n, label=lambda i: i % 2):
    return "".join(f"{i},{(i * 7) % 5},{label(i)}\n" for i in range(n))


def test_a_header_of_numbers_is_data_and_no_header_reads_every_row(tmp_path):
    path = _write(tmp_path, _rows(20))  # no header: the first row is a sample
    with pytest.raises(UsageError) as info:
        read_csv_dataset(path)
    message = str(info.value)
    assert "its first line (0, 0, 0) holds numbers, not column names" in message and "--no-header" in message
    data = read_csv_dataset(path, header=False)
    assert data.X.shape == (20, 2) and data.feature_names == ["0", "1"] and data.target_name == "2"
    assert list(data.y[:3]) == [0, 1, 0]  # the first row was kept
    assert read_csv_dataset(path, target="0", header=False).feature_names == ["1", "2"]


def test_the_header_pandas_writes_for_an_unnamed_frame_is_a_header(tmp_path):
    path = _write(tmp_path, "0,1,2\n" + _rows(20))
    data = read_csv_dataset(path)
    assert data.X.shape == (20, 2) and data.feature_names == ["0", "1"]


def test_labels_keep_their_text(tmp_path):
    labels = ["1", "01", "NA", "cat"]
    path = _write(tmp_path, "a,b,y\n" + _rows(40, lambda i: labels[i % 4]))
    data = read_csv_dataset(path)
    assert sorted(set(data.y)) == ["01", "1", "NA", "cat"]  # "1" and "01" are two classes, "NA" is one
    split = load_split(path=path)
    assert sorted(split.classes) == ["01", "1", "NA", "cat"]
    numbers = read_csv_dataset(_write(tmp_path, "a,b,y\n" + _rows(20), "n.csv"))
    assert numbers.y.dtype.kind == "i" and set(numbers.y) == {0, 1}  # plain numbers stay numbers


def test_a_missing_label_is_an_empty_cell(tmp_path):
    path = _write(tmp_path, "a,b,y\n1,2,x\n3,4,\n5,6,x\n")
    with pytest.raises(UsageError, match=r"column 'y' has 1 missing label\(s\) \(empty cells\), the first on line 3"):
        read_csv_dataset(path)
    with pytest.raises(UsageError, match="column 'a' has 1 missing value"):  # NA in a feature is missing
        read_csv_dataset(_write(tmp_path, "a,b,y\nNA,2,x\n3,4,y\n", "f.csv"))


def test_a_continuous_default_target_is_named(tmp_path):
    rows = "".join(f"{i % 3},{i / 7:.5f}\n" for i in range(50))
    path = _write(tmp_path, "label,ratio\n" + rows)
    with pytest.raises(UsageError) as info:
        load_split(path=path)  # the last column, a continuous feature, is the default target
    message = str(info.value)
    assert "the target column 'ratio' looks continuous (50 distinct values in 50 rows, such as 0.14286)" in message
    assert "--target" in message and "label, ratio" in message and "\n" not in message
    assert list(np.unique(load_split(path=path, target="label").classes)) == [0, 1, 2]
    ids = "".join(f"{i % 3},{i}\n" for i in range(60))  # integers, but every row its own value
    with pytest.raises(UsageError, match="looks continuous"):
        load_split(path=_write(tmp_path, "label,id\n" + ids, "ids.csv"))


def test_columns_are_matched_by_name_and_what_is_wrong_is_named(tmp_path):
    names = ["a", "b", "c"]
    X, _ = read_features_csv(_write(tmp_path, "c,a,b\n3,1,2\n"), 3, names)
    np.testing.assert_array_equal(X, [[1, 2, 3]])
    cases = [
        ("x,y,z\n1,2,3\n", "none of its columns (x, y, z) are the model's features (a, b, c)"),
        ("a,b\n1,2\n", "lacks 1 of the model's feature columns: c"),
        (
            "a,b,c,extra\n1,2,3,4\n",
            "has column(s) the model does not use: extra (remove them; if one holds the"
            " true labels, name it with --target)",
        ),
    ]
    for text, message in cases:
        with pytest.raises(UsageError) as info:
            read_features_csv(_write(tmp_path, text, "case.csv"), 3, names)
        assert message in str(info.value)
    X, y = read_features_csv(_write(tmp_path, "a,b,c,truth\n1,2,3,01\n", "t.csv"), 3, names, target="truth")
    assert list(y) == ["01"]
    X, _ = read_features_csv(_write(tmp_path, "1,2,3\n4,5,6\n", "nh.csv"), 3, names, header=False)
    np.testing.assert_array_equal(X, [[1, 2, 3], [4, 5, 6]])  # no header: in the model's order, every row kept


@pytest.mark.parametrize("what", ["csv", "model"])
def test_a_fifo_is_refused_not_waited_on(tmp_path, what):
    """A real FIFO with no writer: reading it would block forever; the command refuses it at once."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    argv = ["train", "--csv", str(fifo)] if what == "csv" else ["predict", "--model", str(fifo), "--dataset", "digits"]
    done = subprocess.run([sys.executable, "-m", "digitnet.cli", *argv], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert (
        done.stderr.strip() == f"digitnet: error: cannot read {fifo}: it is a FIFO, not a"
        f" {'CSV file' if what == 'csv' else 'model file'}"
    )
    with pytest.raises(UsageError, match="it is a device"):
        read_csv_dataset("/dev/zero")
