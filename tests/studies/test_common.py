"""What several studies share: each arm's best rate."""

import numpy as np
import pandas as pd

from digitnet.studies.common import best_rate_per

from .helpers import rate_runs


def test_best_rate_per_group_never_picks_a_rate_that_diverged():
    runs, _ = rate_runs({0.1: [0.9, 0.9], 1.0: [0.99, np.nan]}, diverged=())
    runs.loc[runs.learning_rate_init == 1.0, "diverged_at"] = pd.array([pd.NA, 7], dtype="Int64")
    assert best_rate_per(runs, "group") == {"a": 0.1}
    runs, _ = rate_runs({0.1: [0.9, 0.9], 1.0: [0.9, 0.9]})
    assert best_rate_per(runs, "group") == {"a": 0.1}  # a tie: the smaller rate
