"""``digitnet sweep --preset NAME --quick --seeds 3,4,5 --out DIR``: a study's replication on other seeds, with its
claims in DIR/claims.json and in the output, each said to be supported or uncertain."""

import json
import subprocess
import sys


def _digitnet(*argv):
    return subprocess.run([sys.executable, "-m", "digitnet", *argv], capture_output=True, text=True, timeout=600)


def test_a_preset_on_listed_seeds_writes_its_claims(tmp_path):
    done = _digitnet(
        "sweep",
        "--preset",
        "learning-rate",
        "--quick",
        "--seeds",
        "3,4,5",
        "--param",
        "learning_rate_init=0.001,1,10",
        "--no-progress",
        "--jobs",
        "2",
        "--out",
        str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    claims = json.loads((tmp_path / "claims.json").read_text())
    assert {c["study"] for c in claims} == {"learning-rate"} and all(isinstance(c["supported"], bool) for c in claims)
    regions = {v: c["region"] for c in claims if c["kind"] == "region" for v in c["values"]}
    assert regions == {0.001: "too small", 1.0: "good", 10.0: "diverges"}
    assert "what the learning-rate study claims (cross-validated accuracy" in done.stdout
    assert "supported: learning_rate_init 10.0: diverges" in done.stdout
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["config"]["seeds"] == [3, 4, 5] and results["config"]["cv"] == 3


def test_seeds_are_a_count_or_a_list_of_distinct_seeds(tmp_path):
    for value, message in (
        ("3,3", "a seed is given twice"),
        ("1,-2", "a seed is an integer from 0"),
        (",", "expected a number of seeds or a list"),
    ):
        done = _digitnet("sweep", "--preset", "momentum", "--seeds", value, "--out", str(tmp_path))
        assert done.returncode == 2 and message in done.stderr and done.stderr.count("\n") == 1, done.stderr
    done = _digitnet("sweep", "--param", "alpha=0.1", "--quick", "--out", str(tmp_path))
    assert done.returncode == 2 and "--quick takes a study's quick settings: give --preset NAME" in done.stderr
