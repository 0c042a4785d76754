"""The batch-size study: from pure SGD to full batch, each size at its best rate, per epoch and per second."""

from digitnet.studies import get

from .helpers import conclude, sweep_result


def test_the_grid_goes_from_one_row_to_all_of_them():
    grid = get("batch-size").grid
    assert grid["batch_size"][0] == 1 and grid["batch_size"][-1] == "full" and len(grid["learning_rate_init"]) >= 5


def _runs(arms):
    """``arms[batch] = {rate: (val accuracy, final loss)}``, 3 seeds alike, 3 epochs of ``seconds`` each."""
    rows, curves, c = [], {}, 0
    for batch, (seconds, rates) in arms.items():
        for lr, (val, loss) in rates.items():
            for s in range(3):
                rows.append({"config": c, "seed": s, "batch_size": batch, "learning_rate_init": lr,
                             "val_accuracy": val, "n_iter": 3, "fit_seconds": 3 * seconds})
                curves[f"c{c:02d}-s{s}"] = {"loss": [2.0, 1.0, loss]}
            c += 1
    return sweep_result(rows, curves)


def test_per_epoch_and_per_second_can_disagree():
    # batch 1 goes furthest in 3 epochs but takes 10x as long; in batch 32's time it has done no epoch at all
    result = _runs({1: (1.0, {0.01: (0.95, 0.05), 0.1: (0.90, 0.2)}), 32: (0.1, {0.1: (0.94, 0.3), 1.0: (0.96, 0.2)})})
    sentence = conclude("batch-size", result)
    assert "batch 1: rate 0.01 (at the edge of its grid), loss 0.0500, 1000.0 ms per epoch" in sentence
    assert "Per epoch, batch 1 went furthest" in sentence
    assert "in the 300 ms the quickest size needed for its 3 epochs, batch 32 got lowest (0.2000)" in sentence
