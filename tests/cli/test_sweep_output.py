"""What ``digitnet sweep`` prints: a few lines (how many runs, the best configurations, where the full table is),
the same ranking as ``digitnet results``, also when it resumes; counts printed as whole numbers."""

import sqlite3

import pandas as pd

from digitnet.cli import main
from digitnet.cli.studies import SWEEP_TOP

RATES = ["0.0003", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3"]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _block(text, start, end):
    """The lines of ``text`` from the one starting with ``start`` to the one starting with ``end``."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    last = next(i for i, line in enumerate(lines) if line.startswith(end) and i >= first)
    return lines[first : last + 1]


def test_a_sweep_prints_its_best_configurations_and_where_every_run_is_also_when_it_resumes(capsys, tmp_path):
    out = tmp_path / "rates"
    argv = [
        "sweep",
        "--param",
        f"learning_rate_init={','.join(RATES)}",
        "--hidden-layer-sizes",
        "6",
        "--max-iter",
        "3",
        "--seeds",
        "2",
        "--backend",
        "serial",
        "--no-progress",
        "--out",
        out,
    ]
    code, text, err = run(capsys, *argv)
    assert code == 0 and err == ""
    n_runs = 2 * len(RATES)
    assert len(pd.read_csv(out / "sweep.csv")) == n_runs  # every run is in the CSV ...
    assert len(text.splitlines()) < n_runs  # ... not on the terminal
    assert f"{n_runs} runs ({len(RATES)} configurations × 2 seeds) from {n_runs} trainings in" in text
    ranking = _block(text, "digits (validation split): best", "best: ")
    assert ranking[0].startswith(
        f"digits (validation split): best {SWEEP_TOP} of {len(RATES)} configurations by mean validation accuracy"
    )
    assert len(ranking) == 1 + 1 + SWEEP_TOP + 1  # heading, column names, the best five, the best one in words
    assert ranking[1].split()[:2] == ["learning_rate_init", "val_accuracy"]
    assert text.rstrip().endswith(
        f"wrote {out}/sweep.csv (every run, one row each), {out}/curves.json,"
        f" {out}/results.json; 'digitnet results {out}' ranks every configuration in the"
        " store"
    )

    code, again, err = run(capsys, *argv)  # resumed: nothing to train, the same summary, no empty table
    assert code == 0 and err == ""
    assert f"{n_runs} of {n_runs} runs found, 0 to train (0 trainings)" in again
    assert f"(0 trained now; {n_runs} runs were already in the store)" in again
    assert _block(again, "digits (validation split): best", "best: ") == ranking
    assert "Empty DataFrame" not in again and "Columns:" not in again

    code, stored, _ = run(capsys, "results", out, "--top", SWEEP_TOP)  # the sweep's ranking is the store's
    assert code == 0 and _block(stored, "digits (validation split): best", "best: ") == ranking


def test_counts_are_whole_numbers_in_a_summary_even_large_ones(capsys, tmp_path):
    out = tmp_path / "grid"
    assert (
        run(
            capsys,
            "sweep",
            "--param",
            "hidden_layer_sizes=6,9",
            "--max-iter",
            "3",
            "--seeds",
            "2",
            "--backend",
            "serial",
            "--no-progress",
            "--out",
            out,
        )[0]
        == 0
    )
    with sqlite3.connect(out / "sweep.sqlite") as conn:  # as if every run had trained 12,000 epochs
        conn.execute("UPDATE runs SET n_iter = 12000")
    code, text, _ = run(capsys, "results", out)
    assert code == 0
    table = _block(text, "digits (validation split)", "best: ")[1:-1]
    epochs = [line.split()[table[0].split().index("n_iter")] for line in table[1:]]
    assert epochs == ["12000", "12000"]  # not 1.2e+04, nor 12000.0000
