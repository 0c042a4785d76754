"""The model the architecture study carries forward: its chosen claim refits it, model.npz holds it with its scaler
(a max scaling too), the page's predictProba runs it, and the comparison and architecture sections show it beside
MLPClassifier and the baselines."""

import copy
import pathlib
import re
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from digitnet import NumpyMLPClassifier, report
from digitnet.data import MaxScaler, scaler_for
from digitnet.model_file import load_model, parts, save_model
from digitnet.report.page_data import model_json, page_model
from digitnet.report.saved import ERRORS_MODEL
from digitnet.report.studies import STUDY_DTYPE, carried_forward

from .browser import start_chromium, wait_for
from .helpers import text_of


def test_the_chosen_claims_params_refit_the_error_analysis_model(built):
    out, _, _, data = built
    params = carried_forward(data.studies["architecture"])
    scaling = params.pop("scaling")
    split = data.split
    scaler = scaler_for(scaling).fit(split.X_dev_raw)
    X = np.ascontiguousarray(scaler.transform(split.X_dev_raw), dtype=STUDY_DTYPE)  # as the study trains
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = NumpyMLPClassifier(**params, random_state=data.errors.seed).fit(X, split.y_dev)
    saved_scaler, saved = parts(load_model(out / ERRORS_MODEL))  # model.npz is the pad's (report/pad_model.py)
    assert len(saved.coefs_) == len(model.coefs_)
    for mine, theirs in zip(model.coefs_ + model.intercepts_, saved.coefs_ + saved.intercepts_):
        np.testing.assert_array_equal(np.asarray(mine, dtype=np.float64), theirs)
    np.testing.assert_array_equal(saved_scaler.mean_, scaler.mean_)
    np.testing.assert_array_equal(saved_scaler.scale_, scaler.scale_)
    assert load_model(out / ERRORS_MODEL)[-1].activation == params["activation"]


def _max_scaled_errors(data):
    """The report's error analysis with a real model trained on pixels divided by 16 instead."""
    errors = copy.copy(data.errors)
    errors.scaler = MaxScaler().fit(data.split.X_dev_raw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        errors.model = NumpyMLPClassifier(hidden_layer_sizes=(12,), max_iter=15, random_state=0).fit(
            errors.scaler.transform(data.split.X_dev_raw).astype(np.float32), data.split.y_dev
        )
    errors.params = {**errors.params, "hidden_layer_sizes": (12,), "scaling": "max"}
    return errors


def test_a_max_scaled_model_file_round_trips_and_the_page_gets_its_mean_and_scale(built, tmp_path):
    _, _, _, data = built
    errors = _max_scaled_errors(data)
    model = page_model(errors)
    save_model(model, tmp_path / "model.npz")
    back = load_model(tmp_path / "model.npz")
    scaler = parts(back)[0]
    assert not scaler.mean_.any() and (scaler.scale_ == 16.0).all()  # a StandardScaler of mean 0, scale 16
    pixels = data.split.X_test_raw
    np.testing.assert_array_equal(back.predict_proba(pixels), model.predict_proba(pixels))
    np.testing.assert_allclose(
        back.predict_proba(pixels), errors.model.predict_proba((pixels / 16.0).astype(np.float32)), atol=1e-5
    )  # the float32 model, read in float64
    page = model_json(back)
    assert list(page["mean"]) == [0.0] * 64 and list(page["scale"]) == [16.0] * 64
    assert errors.name == "12 relu (max)"


def test_the_page_runs_a_max_scaled_model_as_model_npz_does(built, tmp_path):
    _, _, _, data = built
    errors = _max_scaled_errors(data)
    save_model(page_model(errors), tmp_path / "model.npz")
    model = load_model(tmp_path / "model.npz")
    mine = copy.copy(data)
    mine.errors = errors
    index = tmp_path / "index.html"
    index.write_text(report.render_html(mine, {}, model=model), encoding="utf-8")
    chrome = start_chromium()
    try:
        chrome.get(pathlib.Path(index).resolve().as_uri())
        wait_for(chrome, "window.digitnet && window.digitnet.twins")
        pixels = data.split.X_test_raw
        got = np.array(
            chrome.execute_script(
                "return arguments[0].map(p => window.digitnet.predictProba(p))", pixels.astype(int).tolist()
            )
        )
    finally:
        chrome.quit()
    np.testing.assert_allclose(got, model.predict_proba(pixels), rtol=0, atol=1e-9)


def test_the_comparison_puts_the_carried_forward_model_beside_mlpclassifier_and_the_baselines(built):
    _, _, page, data = built
    section = re.search(r'<section id="comparison">(.*?)</section>', page, re.S).group(1)
    text = text_of(section)
    for m in data.baselines.models:
        low, high = m.interval
        assert f"{m.name} {m.settings}" in text
        assert f"{100 * low:.1f}% to {100 * high:.1f}%" in text
    assert [m.name for m in data.baselines.models] == [
        "digitnet, carried forward",
        "MLPClassifier",
        "logistic regression",
        "k-nearest neighbours",
        "RBF SVC",
    ]
    assert 'id="fig-compare_baselines"' in section
    assert text.index("Every model on the same test digits") < text.index("A drop-in: the same model as MLPClassifier")
    chosen = data.baselines.models[0]
    assert chosen.params == carried_forward(data.studies["architecture"])  # its chosen claim's parameters
    assert chosen.seeds == data.compare.config["seeds"]


def test_the_architecture_section_shows_the_choice_the_simplest_of_its_ties_and_the_claims(built):
    _, _, page, data = built
    outcome = data.studies["architecture"]
    reading = outcome.reading
    section = text_of(re.search(r'<section id="architecture">(.*?)</section>', page, re.S).group(1))
    assert f"Carried forward: {reading.name(reading.selection.config)}" in section
    assert f"cannot tell apart from it: {reading.name(reading.simplest)}" in section
    assert "Ranked by one metric, declared before the study runs: its cross-validated accuracy" in section
    assert '"scaling": "' in section  # the chosen claim's parameters, enough to refit it
    for claim in reading.claims:
        assert ("supported: " if claim.supported else "not supported: ") in section
    assert "Beside the baselines, on the same test digits" in section
    assert outcome.study.conclusion(reading) in section
