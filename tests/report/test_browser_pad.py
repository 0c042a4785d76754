"""The page's pad runs the accuracy ladder's model (issue 21) in a real browser (headless Chromium): an ensemble's
probabilities are DigitsClassifier.predict_proba's (1e-9, no test-time augmentation), a model of more networks is
cut to the page's three, digits drawn with thick strokes are read as Python reads them, and a blank pad is refused.
"""

import copy
import pathlib
import shutil
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from digitnet import DigitsClassifier, report
from digitnet.digit_image import NO_INK, ink_of_rgba, to_digits_input
from digitnet.errors import UsageError
from digitnet.jsonify import plain
from digitnet.model_file import load_model, save_model
from digitnet.report.build import rebuild_report
from digitnet.report.page_data import MAX_PAGE_MEMBERS, model_json, pad_of, page_model, page_model_name
from digitnet.report.saved import ERRORS_MODEL, load_report_data

from ..drawn_digits import TEMPLATES, draw, drawn_digits
from .browser import console_errors, start_chromium, wait_for


def _ensemble(data, n_members, tta=0):
    """A small DigitsClassifier on the report's raw training rows (a few epochs: the numbers, not the accuracy)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return DigitsClassifier(
            hidden_layer_sizes=(24,), n_members=n_members, max_iter=8, augment_copies=1, tta=tta, random_state=0
        ).fit(data.split.X_train_raw, data.split.y_train)


@pytest.fixture(scope="module")
def ladder_page(built, tmp_path_factory):
    """The report's page rendered with a 3-network DigitsClassifier (test-time augmentation 4) as its pad's model,
    read back from its model.npz as ``digitnet report`` does; and that model."""
    _, _, _, data = built
    folder = tmp_path_factory.mktemp("ladder_page")
    save_model(page_model(data.errors, _ensemble(data, 3, tta=4)), folder / "model.npz")
    model = load_model(folder / "model.npz")
    index = folder / "index.html"
    index.write_text(report.render_html(copy.copy(data), {}, model=model), encoding="utf-8")
    chrome = start_chromium()
    chrome.get(pathlib.Path(index).resolve().as_uri())
    wait_for(chrome, "window.digitnet && window.digitnet.pad")
    yield chrome, model, index.read_text(encoding="utf-8")
    chrome.quit()


@pytest.mark.parametrize("n_members", [2, 3])
def test_the_page_averages_the_networks_as_predict_proba_does(ladder_page, built, tmp_path, n_members):
    chrome, _, _ = ladder_page
    _, _, _, data = built
    save_model(page_model(data.errors, _ensemble(data, n_members)), tmp_path / "model.npz")
    model = load_model(tmp_path / "model.npz")
    assert len(model.estimators_) == n_members
    pixels = data.split.X_test_raw
    got = np.array(
        chrome.execute_script(
            "return arguments[0].map(p => window.digitnet.predictProba(p, arguments[1]))",
            pixels.astype(int).tolist(),
            plain(model_json(model)),
        )
    )
    np.testing.assert_allclose(got, model.predict_proba(pixels), rtol=0, atol=1e-9)
    # and each network's share is real: the mean differs from the first network alone
    assert np.abs(got - model.estimators_[0].predict_proba(model.scaler_.transform(pixels))).max() > 1e-3


def test_a_model_of_more_networks_is_cut_to_the_pages_three(built):
    _, _, _, data = built
    best = _ensemble(data, 5)
    model = page_model(data.errors, best)
    assert len(model.estimators_) == model.n_members == MAX_PAGE_MEMBERS
    assert model.member_seeds_ == best.member_seeds_[:MAX_PAGE_MEMBERS]
    assert all(W.dtype == np.float64 for m in model.estimators_ for W in m.coefs_)
    assert (
        page_model_name(model, data.errors)
        == "the accuracy ladder's top rung for drawn digits: 3 networks of 24 relu (max), averaged"
    )
    assert best.n_members == 5 and len(best.estimators_) == 5  # the ladder's own model is left as it was
    gelu = copy.copy(best)
    gelu.activation = "gelu"  # an activation nn.js lacks: the page keeps the carried-forward network
    assert page_model(data.errors, gelu).steps[-1][1].coefs_[0].shape == data.errors.model.coefs_[0].shape


def test_the_page_says_its_model_and_that_it_runs_no_test_time_augmentation(ladder_page):
    chrome, _, page = ladder_page
    assert "the accuracy ladder&#x27;s top rung for drawn digits: 3 networks of 24 relu (max), averaged" in page
    assert "The page does not run its test-time augmentation (4 jittered copies of the drawing)" in page
    assert (
        chrome.execute_script("return window.digitnet.pad.state.model")
        == "the accuracy ladder's top rung for drawn digits: 3 networks of 24 relu (max), averaged"
    )


def _put_on_pad(chrome, picture):
    """A drawn picture (280x280 RGB) put on the pad's canvas, then read by the pad as after a stroke."""
    rgba = np.asarray(picture.convert("RGBA"), dtype=int)
    chrome.execute_script(
        "const c = window.digitnet.pad.canvas.getContext('2d');"
        " const image = c.createImageData(280, 280); image.data.set(arguments[0]);"
        " c.putImageData(image, 0, 0); window.digitnet.pad.read();",
        rgba.ravel().tolist(),
    )
    return chrome.execute_script("return window.digitnet.pad.state")


def test_drawn_digits_on_the_pad_read_as_in_python_and_a_blank_pad_is_refused(ladder_page):
    chrome, model, _ = ladder_page
    pictures = drawn_digits(21)
    for picture, _ in pictures[::7]:  # six of the forty: a round zero, a one, a four, ...
        state = _put_on_pad(chrome, picture)
        expected = to_digits_input(ink_of_rgba(np.asarray(picture.convert("RGBA"))))
        assert state["input"] == expected.tolist() and state["problem"] is None
        plain_model = copy.copy(model).set_params(tta=0)  # the page runs no test-time augmentation
        np.testing.assert_allclose(state["probabilities"], plain_model.predict_proba(expected[None])[0], atol=1e-9)
        assert state["prediction"] == plain_model.predict(expected[None])[0]
    chrome.find_element("css selector", "#play-draw button").click()  # clear: a blank pad
    state = chrome.execute_script("return window.digitnet.pad.state")
    assert state["problem"] == NO_INK and state["prediction"] is None and state["probabilities"] is None
    assert chrome.execute_script("return document.querySelector('#play-draw .answer').textContent") == "draw a digit"
    assert console_errors(chrome) == []


def test_the_report_gives_the_pad_its_fitted_model(built):
    _, _, _, data = built
    assert isinstance(data.pad, DigitsClassifier) and pad_of(data) is data.pad  # the report fitted the pad's model
    best = _ensemble(data, 2)
    assert pad_of(SimpleNamespace(pad=best)) is best
    assert pad_of(SimpleNamespace(pad=DigitsClassifier())) is None  # not fitted: nothing the page can run
    assert pad_of(SimpleNamespace(pad=None)) is None  # read back from a folder: model.npz is the page's
    assert page_model(data.errors, None).steps[-1][1].coefs_[0].dtype == np.float64


def test_report_from_reads_the_ladders_model_back(built, tmp_path):
    out, _, _, data = built
    folder = tmp_path / "report"
    shutil.copytree(out, folder)
    assert (folder / ERRORS_MODEL).is_file()  # the error analysis's network, apart from the pad's model
    save_model(page_model(data.errors, _ensemble(data, 2)), folder / "model.npz")
    back = load_report_data(folder)  # what rebuild_report draws the figures and the page from (no figures here)
    assert back.errors.model.coefs_[0].shape == data.errors.model.coefs_[0].shape
    page = report.render_html(back, {}, model=load_model(folder / "model.npz"))
    assert "the accuracy ladder&#x27;s top rung for drawn digits: 2 networks of 24 relu (max), averaged" in page
    assert '"members":[{' in page and page.count('"weights":') == 2
    (folder / ERRORS_MODEL).unlink()  # a folder whose model.npz is the ladder's needs errors/model.npz
    with pytest.raises(UsageError, match=r"has no error analysis's model \(errors/model.npz\): run digitnet report"):
        rebuild_report(folder, progress=False)


@pytest.mark.parametrize("pen", [6, 12, 60])
def test_strokes_are_thickened_and_thinned_alike_in_the_page(ladder_page, monkeypatch, pen):
    """A seven drawn full size with a fine pen (dilated), a medium one, and a thick one (eroded): the pad's input is
    the Python's, and differs from the input without even_strokes (so the page took the same steps)."""
    from digitnet import digit_image

    chrome, _, _ = ladder_page
    strokes = [[(40 + 200 * x, 20 + 240 * y) for x, y in stroke] for stroke in TEMPLATES[7][1]]
    picture = draw(strokes, pen)
    state = _put_on_pad(chrome, picture)
    ink = ink_of_rgba(np.asarray(picture.convert("RGBA")))
    assert state["input"] == to_digits_input(ink).tolist()
    monkeypatch.setattr(digit_image, "even_strokes", lambda bitmap: np.asarray(bitmap, dtype=int))
    assert state["input"] != digit_image.to_digits_input(ink).tolist()
