"""A run that diverges, read off at several epoch counts, is recorded as a fresh fit of each count would be: the
same divergence rule (the reference fixed before the training's first update, not each segment's) and the epoch
counted over the whole training."""

import numpy as np

from digitnet.experiments import Task, run_task

# full-batch gradient descent at rate 5 on 300 digits: losses 2.67, 1.88, 4.67, 14.9 (<= 26.7), then above 26.7
DIVERGES_AT_5 = dict(
    hidden_layer_sizes=(16,),
    solver="sgd",
    batch_size=300,
    shuffle=False,
    momentum=0.0,
    tol=0.0,
    n_iter_no_change=np.inf,
    learning_rate_init=5.0,
)


def test_a_run_read_off_in_segments_diverges_where_a_fresh_fit_does(split):
    fresh = run_task(Task(params=DIVERGES_AT_5, checkpoints=(8,), config_ids=(0,), seed=3), (split, None))[0]
    segments = run_task(Task(params=DIVERGES_AT_5, checkpoints=(2, 8), config_ids=(0, 1), seed=3), (split, None))
    assert fresh.diverged_at == 5 and fresh.n_iter == 4 and len(fresh.curve["loss"]) == 4
    assert segments[0].diverged_at is None and segments[0].n_iter == 2 and segments[0].test_accuracy > 0
    # judged against the third epoch's start (the weights after two), 14.9 would be no divergence at all
    assert segments[1].diverged_at == 5 and segments[1].curve == fresh.curve
    assert np.isnan(segments[1].test_accuracy) and segments[1].error is None
