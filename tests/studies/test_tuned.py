"""What the tuned studies share (studies/common.py): each arm's rate chosen by the metric each question ranks by,
rates ranked like arms (a best rate only when it replicates), losses compared on a log scale, this machine's
seconds per epoch as a median."""

import math

import numpy as np
import pandas as pd

from digitnet.studies.common import rate_window
from digitnet.studies.ranking import tuned_table
from digitnet.studies.tuned import LOSS_FACTOR, epoch_seconds, rate_claims, tuned_questions, with_log_loss

from .tuned_helpers import find, tuned_runs


def test_each_question_chooses_each_arms_rate_by_its_own_metric():
    # A's most accurate rate is not its lowest-loss rate: each question reads A at its own
    result = tuned_runs(
        "label", {"A": {0.1: (0.97, 0.05), 1.0: (0.95, 0.005)}, "B": {0.1: (0.96, 0.02), 1.0: (0.90, 0.5)}}
    )
    accuracy, loss = tuned_questions(result.runs, "label", "s", "arm", 3, 0.005)
    assert accuracy.ranking.rates["A"].value == 0.1 and loss.ranking.rates["A"].value == 1.0
    # by accuracy A (97%) beats B (96%); by loss A (0.005 at its own rate) beats B (0.02)
    assert find(accuracy.claims, "best", "arm")[0].values == ["A"]
    assert find(loss.claims, "best", "arm")[0].values == ["A"]
    assert find(loss.claims, "best", "learning rate of A")[0].values == [1.0]
    assert find(accuracy.claims, "best", "learning rate of A")[0].values == [0.1]


def test_losses_within_the_factor_are_tied_and_beyond_it_ordered():
    close = tuned_runs("label", {"A": {0.1: (0.97, 0.010)}, "B": {0.1: (0.97, 0.010 * (LOSS_FACTOR - 0.05))}})
    _, loss = tuned_questions(close.runs, "label", "s", "arm", 3, 0.005)
    assert find(loss.claims, "tie", "arm")[0].values and not find(loss.claims, "best", "arm")
    apart = tuned_runs("label", {"A": {0.1: (0.97, 0.010)}, "B": {0.1: (0.97, 0.010 * (LOSS_FACTOR + 0.1))}})
    _, loss = tuned_questions(apart.runs, "label", "s", "arm", 3, 0.005)
    assert find(loss.claims, "order", "arm")[0].values == [["A"], ["B"]]
    # the same factor counts the same at any size of loss: log scale
    tiny = tuned_runs("label", {"A": {0.1: (0.97, 1e-5)}, "B": {0.1: (0.97, 1e-5 * (LOSS_FACTOR + 0.1))}})
    _, loss = tuned_questions(tiny.runs, "label", "s", "arm", 3, 0.005)
    assert find(loss.claims, "order", "arm")[0].values == [["A"], ["B"]]


def test_a_rate_tied_with_its_neighbour_is_no_best_rate():
    # 0.3 and 1 within half a point on every seed: which is "best" would flip between sets of seeds
    result = tuned_runs(
        "label", {"A": {0.1: (0.93, 0.1), 0.3: ([0.970, 0.968, 0.971], 0.02), 1.0: ([0.969, 0.970, 0.969], 0.01)}}
    )
    table = tuned_table(with_log_loss(result.runs), "label", "val_accuracy")
    claims = rate_claims("s", "acc", table, 0.005, True)
    assert not find(claims, "best")
    assert find(claims, "tie")[0].values == [0.3, 1.0]
    assert find(claims, "order")[0].values == [[0.3, 1.0], [0.1]] and find(claims, "order")[0].supported


def test_a_rate_that_diverged_is_never_chosen_nor_ranked():
    result = tuned_runs("label", {"A": {0.1: (0.95, 0.05), 1.0: (0.97, 0.01), 3.0: (0.99, None)}})
    accuracy, loss = tuned_questions(result.runs, "label", "s", "arm", 3, 0.005)
    assert accuracy.ranking.rates["A"].value == 1.0 and loss.ranking.rates["A"].value == 1.0
    ranked = [r for level in find(accuracy.claims, "order", "learning rate of A")[0].values for r in level]
    assert 3.0 not in ranked
    assert math.isnan(with_log_loss(result.runs).query("learning_rate_init == 3.0")["log10_train_loss"].iloc[0])


def test_seconds_per_epoch_is_a_median_that_one_slow_run_does_not_move():
    runs = pd.DataFrame(
        {
            "fit_seconds": [0.3, 0.3, 0.3, 30.0],
            "n_iter": [10.0] * 4,
            "n_folds": [3] * 4,
            "diverged_at": pd.array([pd.NA] * 4, dtype="Int64"),
        }
    )
    assert epoch_seconds(runs) == (0.01, 4)
    runs.loc[3, "diverged_at"] = 2  # a run that diverged is not timed
    assert epoch_seconds(runs) == (0.01, 3)


def test_rate_windows_are_consecutive_rates_of_the_ladder():
    assert rate_window(0.003) == [0.003, 0.01, 0.03, 0.1]
    assert rate_window(0.1, 5) == [0.1, 0.3, 1.0, 3.0, 10.0]
    assert np.all(np.diff(np.log10(rate_window(1e-4, 6))) > 0.4)


def test_the_figures_draw_each_arm_at_the_rate_each_question_chose():
    import matplotlib.pyplot as plt

    from .tuned_helpers import claims_of

    result = tuned_runs(
        "label",
        {
            "gradient descent": {0.3: (0.96, 0.05), 1.0: (0.985, 0.010), 3.0: (0.95, 0.005)},
            "Adam": {0.003: (0.96, 0.004), 0.01: (0.955, 0.001), 0.03: (0.95, 0.0004)},
        },
    )
    study, reading, _ = claims_of("optimizer", result)
    figures = study.figures(reading)
    loss_ax, accuracy_ax = figures["optimizer"].axes
    assert [line.get_label() for line in loss_ax.get_lines()] == ["gradient descent (η = 3)", "Adam (η = 0.03)"]
    assert [line.get_label() for line in accuracy_ax.get_lines()] == ["gradient descent (η = 1)", "Adam (η = 0.003)"]
    np.testing.assert_allclose(loss_ax.get_lines()[1].get_ydata()[-1], 0.0004, rtol=1e-3)  # its curve, at its rate
    rate_acc, rate_loss = figures["optimizer_rates"].axes
    circled = [
        (line.get_xdata()[0], line.get_ydata()[0]) for line in rate_loss.get_lines() if line.get_markersize() == 12
    ]
    np.testing.assert_allclose(circled, [(3.0, 0.005), (0.03, 0.0004)], rtol=1e-3)
    circled = [line.get_xdata()[0] for line in rate_acc.get_lines() if line.get_markersize() == 12]
    assert circled == [1.0, 0.003]
    plt.close("all")
