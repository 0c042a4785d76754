"""Baselines beside the network: tuned on the development rows only, scored once on the test rows, with the
same intervals; the carried-forward network refitted with every seed; all of it saved and read back."""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from digitnet import NumpyMLPClassifier
from digitnet.data import MaxScaler, load_split
from digitnet.errors import UsageError
from digitnet.experiments import compare, save_results
from digitnet.experiments.analysis import accuracy_interval
from digitnet.experiments.baselines import (
    CHOSEN,
    FOLDS,
    GRIDS,
    MLP_DEFAULTS,
    Baseline,
    baselines,
    from_comparison,
    load_baselines,
    network,
    tune,
)


@pytest.fixture(scope="module")
def dev_split():
    """The standard split without a validation part: 1437 development rows, 360 test rows."""
    return load_split("digits")


def test_knn_is_tuned_by_grid_search_on_the_development_rows_and_scored_once_on_the_test_rows(dev_split):
    got = tune("k-nearest neighbours", dev_split)
    by_hand = GridSearchCV(
        Pipeline([("scale", StandardScaler()), ("model", KNeighborsClassifier())]),
        [
            {
                "scale": [StandardScaler(), MaxScaler()],
                "model__n_neighbors": [1, 3, 5, 7],
                "model__weights": ["uniform", "distance"],
            }
        ],
        cv=StratifiedKFold(FOLDS, shuffle=True, random_state=0),
    ).fit(dev_split.X_dev_raw, dev_split.y_dev)
    expected = {
        "n_neighbors": by_hand.best_params_["model__n_neighbors"],
        "weights": by_hand.best_params_["model__weights"],
        "scaling": "max" if isinstance(by_hand.best_params_["scale"], MaxScaler) else "standard",
    }
    assert got.params == expected
    assert got.cv_accuracy == pytest.approx(by_hand.best_score_)
    assert got.accuracies == [pytest.approx(by_hand.score(dev_split.X_test_raw, dev_split.y_test))]
    assert not got.stochastic and np.isnan(got.std) and got.n_test == 360
    assert got.interval == pytest.approx(accuracy_interval(got.mean, 360))


def test_the_test_rows_are_untouched_until_the_end(dev_split):
    """Tuning sees the development rows only: test rows with their labels scrambled and their pixels reversed
    change the final score and nothing else."""
    rng = np.random.default_rng(0)
    scrambled = dataclasses.replace(
        dev_split, X_test_raw=dev_split.X_test_raw[:, ::-1].copy(), y_test=rng.permutation(dev_split.y_test)
    )
    for name in GRIDS:
        honest, other = tune(name, dev_split), tune(name, scrambled)
        assert other.params == honest.params and other.cv_accuracy == honest.cv_accuracy, name
        assert other.mean < 0.5 < honest.mean, name  # the test rows were looked at, once, at the end


def test_every_baseline_beats_chance_and_says_when_its_choice_is_at_the_edge_of_its_grid(dev_split):
    svc = tune("RBF SVC", dev_split)
    assert svc.estimator == "SVC" and svc.params["scaling"] == "max" and svc.mean > 0.95
    assert svc.settings.startswith(f"C={svc.params['C']:g}, gamma={svc.params['gamma']:g}, max scaling")
    assert ("at the edge of its grid" in svc.settings) == bool(svc.at_edge)
    edge = Baseline(
        "x",
        "SVC",
        {"C": 0.3, "gamma": 0.3, "scaling": "max"},
        [],
        [0.9],
        0.1,
        360,
        grid=GRIDS["RBF SVC"][1],
        at_edge=["C"],
    )
    assert edge.settings == "C=0.3, gamma=0.3, max scaling (C at the edge of its grid)"


def test_the_carried_forward_network_is_refitted_with_every_seed_as_it_is_scaled(dev_split):
    params = {"hidden_layer_sizes": [16], "activation": "relu", "max_iter": 15, "scaling": "max"}
    got = network(CHOSEN, params, dev_split, seeds=[3, 5])
    assert got.seeds == [3, 5] and got.stochastic and got.estimator == "NumpyMLPClassifier"
    scaler = MaxScaler().fit(dev_split.X_dev_raw)
    assert scaler.scale_[0] == 16.0 and not scaler.mean_.any()
    for seed, accuracy in zip(got.seeds, got.accuracies):
        model = NumpyMLPClassifier(hidden_layer_sizes=[16], max_iter=15, random_state=seed)
        model.fit(dev_split.X_dev_raw / 16.0, dev_split.y_dev)
        assert accuracy == np.mean(model.predict(dev_split.X_test_raw / 16.0) == dev_split.y_test)
    assert got.std == pytest.approx(np.std(got.accuracies, ddof=1))
    assert got.settings == "16 relu, max scaling; max_iter=15"
    with pytest.raises(UsageError, match="scaling must be one of standard, max, got 'minmax'"):
        network(CHOSEN, {**params, "scaling": "minmax"}, dev_split, seeds=1)


def test_mlpclassifier_comes_from_the_comparisons_own_fits(dev_split):
    result = compare(dev_split, seeds=2, max_iter=5)
    got = from_comparison(result)
    theirs = result.runs[result.runs.model == "sklearn"].sort_values("seed")
    assert got.name == "MLPClassifier" and got.estimator == "MLPClassifier"  # not its defaults: max_iter=5
    assert got.accuracies == theirs.accuracy.tolist() and got.seeds == [0, 1]
    assert got.settings == "100 relu, standard scaling; max_iter=5"
    defaults = dataclasses.replace(result, config={**result.config, "sklearn_params": {}})
    assert from_comparison(defaults).name == MLP_DEFAULTS


def test_baselines_are_saved_and_read_back(dev_split, tmp_path):
    result = compare(dev_split, seeds=2, max_iter=5)
    chosen = {"hidden_layer_sizes": [8], "max_iter": 5, "scaling": "standard"}
    got = baselines(dev_split, chosen=chosen, seeds=2, compare_result=result, names=["logistic regression"])
    assert [m.name for m in got.models] == [CHOSEN, "MLPClassifier", "logistic regression"]
    save_results(got, tmp_path / "baselines")
    rows = pd.read_csv(tmp_path / "baselines" / "baselines.csv")
    assert len(rows) == 2 + 2 + 1  # a row per seed of each network, one for the deterministic baseline
    assert json.loads((tmp_path / "baselines" / "results.json").read_text())["kind"] == "baselines"
    back = load_baselines(tmp_path / "baselines")
    assert [(m.name, m.accuracies, m.params, m.seeds) for m in back.models] == [
        (m.name, m.accuracies, m.params, m.seeds) for m in got.models
    ]
    assert np.isnan(back.models[0].cv_accuracy) and back.models[2].cv_accuracy == got.models[2].cv_accuracy


def test_baselines_need_the_development_rows_as_the_training_part():
    with pytest.raises(UsageError, match="the baselines need a split without a validation part"):
        baselines(load_split("digits", validation_size=0.2))
