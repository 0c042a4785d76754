"""The page in a real browser (headless Chromium): offline, no console errors, and its JavaScript gives
digitnet's numbers: the model's probabilities, a drawing's 8x8 input (training: test_browser_nn.py)."""

import math
import pathlib

import numpy as np
import pytest
from sklearn.datasets import load_digits

import digitnet
from digitnet.digit_image import ALL_INK, NO_INK, TOO_THIN, ink_of_rgba, reading_problem, to_digits_input
from digitnet.model_file import load_model

from .browser import console_errors, start_chromium, wait_for


@pytest.fixture(scope="module")
def chrome():
    driver = start_chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page_url(built):
    out, index, _, _ = built
    return pathlib.Path(index).resolve().as_uri()


def _open(chrome, url, hash_=""):
    chrome.get("about:blank")
    chrome.get(url + hash_)
    wait_for(chrome, "window.digitnet && window.digitnet.twins")


def test_the_page_loads_offline_without_console_errors(chrome, page_url):
    chrome.execute_cdp_cmd("Network.enable", {})
    chrome.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )
    try:
        _open(chrome, page_url)
        assert chrome.execute_script("return window.digitnet.version") == digitnet.__version__
        loaded = chrome.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert [name for name in loaded if not name.startswith(("data:", "file:"))] == []
        assert console_errors(chrome) == []
        # every interactive part was built
        assert chrome.execute_script("return document.querySelectorAll('[data-twin]:not([hidden])').length") == 9
        assert chrome.execute_script("return document.querySelector('#play-draw canvas.pad') !== null")
    finally:
        chrome.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )


def test_predict_proba_is_the_model_files(chrome, page_url, built):
    """window.digitnet.predictProba(64 raw pixels) = predict_proba of model.npz, for every test digit."""
    out, _, _, data = built
    _open(chrome, page_url)
    model = load_model(out / "model.npz")
    pixels = data.split.X_test_raw
    expected = model.predict_proba(pixels)
    got = np.array(
        chrome.execute_script(
            "return arguments[0].map(p => window.digitnet.predictProba(p))", pixels.astype(int).tolist()
        )
    )
    assert got.shape == expected.shape == (len(data.split.y_test), 10)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def _trace(chrome, image, threshold=8):
    """Draw ``image`` (8x8, 0..16) on the pad with pointer strokes: one along each run of inked cells of a row
    and of a column."""
    from selenium.webdriver.common.actions import interaction
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.actions.pointer_input import PointerInput

    pad = chrome.find_element("css selector", "#play-draw canvas.pad")
    chrome.execute_script("arguments[0].scrollIntoView({block: 'center'})", pad)
    left, top, width = chrome.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.width]", pad
    )
    cell = width / 8
    actions = ActionBuilder(chrome, mouse=PointerInput(interaction.POINTER_MOUSE, "mouse"), duration=20)  # ms a move
    at = lambda i, j: (int(left + (j + 0.5) * cell), int(top + (i + 0.5) * cell))  # noqa: E731
    for lines in (image, image.T):
        for i, line in enumerate(lines):
            j = 0
            while j < 8:
                if line[j] < threshold:
                    j += 1
                    continue
                k = j
                while k + 1 < 8 and line[k + 1] >= threshold:
                    k += 1
                a, b = (at(i, j), at(i, k)) if lines is image else (at(j, i), at(k, i))
                actions.pointer_action.move_to_location(*a).pointer_down().move_to_location(*b).pointer_up()
                j = k + 1
    actions.perform()


@pytest.mark.parametrize("index", [0, 7, 22])
def test_drawing_a_test_digit_gives_its_input_and_the_models_answer(chrome, page_url, built, index):
    out, _, _, data = built
    _open(chrome, page_url)
    image = data.split.X_test_raw[index].reshape(8, 8)
    _trace(chrome, image)
    state = wait_for(chrome, "window.digitnet.pad.state.prediction !== null && window.digitnet.pad.state")
    rgba = np.array(chrome.execute_script("return window.digitnet.pad.pixels()"), dtype=float).reshape(280, 280, 4)
    expected = to_digits_input(ink_of_rgba(rgba))
    assert state["input"] == expected.tolist()  # the page's preprocessing is the Python one
    model = load_model(out / "model.npz")
    assert state["prediction"] == model.predict(expected.reshape(1, -1))[0]
    np.testing.assert_allclose(state["probabilities"], model.predict_proba(expected.reshape(1, -1))[0], atol=1e-9)
    # and it looks like the digit traced (strokes through its darker cells: a likeness, not a copy)
    assert np.corrcoef(expected, image.ravel())[0, 1] > 0.5


def _pictures():
    """Pictures of digits in several sizes, shapes and inks, as RGBA bytes."""
    rng = np.random.default_rng(0)
    digits = load_digits()
    out = []
    for k, (h, w) in enumerate([(80, 80), (33, 57), (240, 130), (9, 7), (300, 300)]):
        grey = 1 - np.kron(digits.images[k] / 16, np.ones((math.ceil(h / 8), math.ceil(w / 8))))[:h, :w]
        if k % 2:
            grey = 1 - grey  # light ink on dark paper
        grey = np.clip(grey + rng.normal(0, 0.05, grey.shape), 0, 1)
        rgba = np.dstack([np.round(grey * 255)] * 3 + [np.full(grey.shape, 255 if k != 2 else 200)])
        out.append(rgba.astype(int))
    out.append(np.full((20, 30, 4), 255))  # blank paper
    # pictures with no digit, which both refuse alike: transparent, uniform, one pixel, all ink, too thin
    out.append(np.zeros((20, 30, 4), dtype=int))  # black, fully transparent
    out += [np.dstack([np.full((12, 9), v)] * 3 + [np.full((12, 9), 255)]) for v in (200, 128, 127, 60, 0)]
    out += [np.array([[[v, v, v, 255]]]) for v in (255, 0)]
    thin = np.full((90, 90, 4), 255)
    thin[np.arange(90), np.arange(90), :3] = 0
    out.append(thin)
    return out


def test_the_page_and_python_read_pictures_the_same(chrome, page_url):
    _open(chrome, page_url)
    problems = []
    for rgba in _pictures():
        h, w = rgba.shape[:2]
        got = chrome.execute_script(
            "const d = window.digitnet, ink = d.inkOfRgba(arguments[0], arguments[1], arguments[2]);"
            " const input = d.toDigitsInput(ink, arguments[1], arguments[2]);"
            " return [ink, input, d.readingProblem(ink, input)];",
            rgba.ravel().tolist(),
            w,
            h,
        )
        ink = ink_of_rgba(rgba)
        np.testing.assert_array_equal(np.array(got[0]).reshape(h, w), ink)
        assert got[1] == to_digits_input(ink).tolist()
        assert got[2] == reading_problem(ink, to_digits_input(ink))  # the same refusals (None is null)
        problems.append(got[2])
    assert problems == [None] * 5 + [
        NO_INK,
        NO_INK,
        NO_INK,
        NO_INK,
        ALL_INK,
        ALL_INK,
        ALL_INK,
        NO_INK,
        ALL_INK,
        TOO_THIN,
    ]


def test_the_pad_says_why_it_reads_no_digit(chrome, page_url):
    """An empty pad asks for a digit; a pad inked all over says so; neither is given to the model."""
    _open(chrome, page_url)
    answer = "return document.querySelector('#play-draw .answer').textContent"
    state = chrome.execute_script("return window.digitnet.pad.state")
    assert state["problem"] == NO_INK and state["prediction"] is None
    assert chrome.execute_script(answer) == "draw a digit"
    chrome.execute_script(
        "const c = window.digitnet.pad.canvas.getContext('2d'); c.fillStyle = '#000';"
        " c.fillRect(0, 0, c.canvas.width, c.canvas.height); window.digitnet.pad.read()"
    )
    state = chrome.execute_script("return window.digitnet.pad.state")
    rgba = np.array(chrome.execute_script("return window.digitnet.pad.pixels()"), dtype=float).reshape(280, 280, 4)
    assert reading_problem(ink_of_rgba(rgba), to_digits_input(ink_of_rgba(rgba))) == ALL_INK  # as Python reads it
    assert state["problem"] == ALL_INK and state["prediction"] is None and state["probabilities"] is None
    assert chrome.execute_script(answer) == "the pad is all ink: clear it and draw a digit"
    assert chrome.execute_script("return document.querySelectorAll('#play-draw .units .unit').length") == 0
    chrome.find_element("css selector", "#play-draw button").click()
    assert chrome.execute_script("return window.digitnet.pad.state.problem") == NO_INK
    assert chrome.execute_script(answer) == "draw a digit"
    assert console_errors(chrome) == []


def test_diverging_settings_are_reported_not_drawn(chrome, page_url):
    _open(
        chrome,
        page_url,
        "#play?hidden_layer_sizes=32&activation=relu&solver=sgd&momentum=0&batch_size=all&alpha=0"
        "&max_iter=100&learning_rate_init=10&seed=0",
    )
    assert chrome.execute_script("return document.querySelector('input[name=learning_rate_init]').value") == "10"
    chrome.find_element("id", "play-train").click()
    status = wait_for(
        chrome,
        "document.getElementById('play-status').textContent.startsWith('Diverged')"
        " && document.getElementById('play-status').textContent",
    )
    assert "learning rate (10) is too large" in status
    paths = chrome.execute_script(
        "return Array.from(document.querySelectorAll('#play-train-box path'), p => p.getAttribute('d')).join(' ')"
    )
    assert "NaN" not in paths and "Infinity" not in paths
    assert console_errors(chrome) == []


def test_training_in_the_page_learns_and_keeps_its_settings_in_the_address(chrome, page_url):
    _open(
        chrome,
        page_url,
        "#play?hidden_layer_sizes=16&activation=tanh&solver=adam&batch_size=32&alpha=0.0001"
        "&max_iter=20&learning_rate_init=0.01&seed=2",
    )
    assert chrome.execute_script("return document.querySelector('select[name=hidden_layer_sizes]').value") == "16"
    chrome.find_element("id", "play-train").click()
    status = wait_for(
        chrome,
        "document.getElementById('play-status').textContent.includes('(done)')"
        " && document.getElementById('play-status').textContent",
        timeout=60,
    )
    accuracy = float(status.split("validation accuracy ")[1].rstrip("%")) / 100
    assert accuracy > 0.9, status  # 20 epochs of adam learn the digits
    assert chrome.execute_script("return document.querySelectorAll('#play-train-box canvas.unit-weights').length") == 16
    chrome.execute_script(
        "const s = document.querySelector('select[name=hidden_layer_sizes]'); s.value = '64';"
        " s.dispatchEvent(new Event('change'))"
    )
    assert "hidden_layer_sizes=64&" in chrome.execute_script("return location.hash")
    assert chrome.execute_script("return document.getElementById('play-status').textContent").startswith("Press train")


def test_the_studies_twins_answer_clicks(chrome, page_url, built):
    _, _, _, data = built
    _open(chrome, page_url)
    lr = "document.querySelector('[data-twin=\"learning-rate\"]')"
    before = chrome.execute_script(f"return {lr}.querySelectorAll('.chart')[1].querySelectorAll('path').length")
    chrome.execute_script(f"{lr}.querySelector('circle.pick').dispatchEvent(new MouseEvent('click'))")
    after = chrome.execute_script(f"return {lr}.querySelectorAll('.chart')[1].querySelectorAll('path').length")
    assert abs(after - before) == 1  # the smallest rate's curve shown or hidden
    dots = chrome.find_elements("css selector", "[data-twin=architecture] circle")
    chosen = max(dots, key=lambda dot: float(dot.get_attribute("r")))
    chrome.execute_script("arguments[0].dispatchEvent(new PointerEvent('pointermove', {bubbles: true}))", chosen)
    readout = chrome.execute_script("return document.querySelector('[data-twin=architecture] .readout').textContent")
    assert readout == chosen.find_element("css selector", "title").get_attribute("textContent")
    assert readout.endswith(" weights (chosen)"), readout  # the dot's own numbers, not the nearest x's
    wrong = np.flatnonzero(data.errors.y_true != data.errors.y_pred)
    if len(wrong):
        t, p = data.errors.y_true[wrong[0]], data.errors.y_pred[wrong[0]]
        n = int(np.sum((data.errors.y_true == t) & (data.errors.y_pred == p)))
        chrome.execute_script(f'document.querySelector(\'td[data-true="{t}"][data-pred="{p}"]\').click()')
        assert chrome.execute_script("return document.querySelectorAll('[data-twin=errors] figure.digit').length") == n
    assert console_errors(chrome) == []


def test_nothing_is_cut_off_at_a_phones_width(built, page_url):
    phone = start_chromium(width=420, height=900)
    try:
        _open(phone, page_url)
        width = phone.execute_script("return window.innerWidth")
        assert phone.execute_script("return document.documentElement.scrollWidth") <= width
        overflowing = phone.execute_script(
            "return Array.from(document.querySelectorAll('img, canvas, svg, .chart, figure, .controls'))"
            ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).length"
        )
        assert overflowing == 0
    finally:
        phone.quit()
