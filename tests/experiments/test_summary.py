"""digitnet results' reading of a store: configurations ranked by validation accuracy, a summary in words."""

from digitnet.experiments import sweep
from digitnet.experiments.store import FILENAME, Store
from digitnet.experiments.summary import summarize


def test_summarize_ranks_configurations(split, tmp_path):
    path = tmp_path / FILENAME
    sweep(
        {"hidden_layer_sizes": [(4,), (12,)], "learning_rate_init": [1e-4, 1e-2]},
        split,
        seeds=2,
        progress=False,
        store=path,
        base_params={"max_iter": 4},
    )
    with Store(path, readonly=True) as store:
        summary = summarize(store.rows(), store.sweeps(), top=3)
    [section] = summary.sections
    table, ranking = section.table, section.ranking
    assert len(table) == 3 and len(ranking) == 4
    assert list(table.columns[:4]) == ["hidden_layer_sizes", "learning_rate_init", "val_accuracy", "val_accuracy_std"]
    assert ranking.val_accuracy.is_monotonic_decreasing
    assert (ranking.seeds == 2).all()
    assert summary.lines[0].startswith("8 runs of 4 configurations (seeds 0, 1; validation split; data: digits)")
    top = ranking.iloc[0]
    assert section.best.startswith(
        f"best: hidden_layer_sizes={top.hidden_layer_sizes},"
        f" learning_rate_init={top.learning_rate_init}: mean validation accuracy"
    )
