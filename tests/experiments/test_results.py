"""Result files: CSV plus JSON, written atomically; old files kept when writing fails."""

import json
import os

import pandas as pd
import pytest

from digitnet.errors import UsageError
from digitnet.experiments import compare, save_results, sweep


def test_save_results_writes_csv_and_json(split, tmp_path):
    result = sweep({"max_iter": [2, 3]}, split, progress=False, base_params={"hidden_layer_sizes": (6,)})
    paths = save_results(result, tmp_path / "out")
    assert sorted(os.path.basename(p) for p in paths) == ["curves.json", "results.json", "sweep.csv"]
    table = pd.read_csv(tmp_path / "out" / "sweep.csv")
    assert list(table.run_id) == list(result.runs.run_id)
    curves = json.loads((tmp_path / "out" / "curves.json").read_text())
    assert curves == json.loads(json.dumps(result.curves))
    meta = json.loads((tmp_path / "out" / "results.json").read_text())
    assert meta["config"]["seeds"] == [0] and meta["config"]["grid"] == {"max_iter": [2, 3]}
    assert {"numpy", "scikit-learn", "python", "digitnet"} <= set(meta["versions"])
    assert meta["elapsed_seconds"] > 0 and meta["configurations"][1]["max_iter"] == 3
    assert not [p for p in os.listdir(tmp_path / "out") if p.endswith(".tmp")]
    assert {oct(os.stat(p).st_mode & 0o777) for p in paths} == {oct(0o644)}  # not private like a temporary file

    compared = compare(split, seeds=2, hidden_layer_sizes=(6,), max_iter=2)
    save_results(compared, tmp_path / "cmp")
    table = pd.read_csv(tmp_path / "cmp" / "compare.csv")
    assert list(table.columns) == ["model", "seed", "accuracy", "precision", "recall", "f1", "fit_seconds", "n_iter"]
    meta = json.loads((tmp_path / "cmp" / "results.json").read_text())
    assert meta["test"]["method"] == "paired t-test"


def test_save_results_keeps_old_files_when_writing_fails(split, tmp_path, monkeypatch):
    result = sweep({"max_iter": [2]}, split, progress=False, base_params={"hidden_layer_sizes": (6,)})
    out = tmp_path / "out"
    save_results(result, out)
    before = {name: (out / name).read_bytes() for name in os.listdir(out)}
    real_replace, calls = os.replace, []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(UsageError, match="cannot write results to .*No space left on device"):
        save_results(result, out)
    monkeypatch.undo()
    # no temporary file left behind, and every file is complete (old or new, never half-written)
    assert sorted(os.listdir(out)) == sorted(before)
    json.loads((out / "results.json").read_text())
    pd.read_csv(out / "sweep.csv")


def test_save_results_to_an_unwritable_place(split, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = sweep({"max_iter": [2]}, split, progress=False, base_params={"hidden_layer_sizes": (6,)})
    with pytest.raises(UsageError, match="cannot write to output directory"):
        save_results(result, blocker)
    with pytest.raises(UsageError, match="cannot write to output directory"):
        save_results(result, blocker / "sub")
