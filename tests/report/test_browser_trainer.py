"""The trainer's controls in a real browser (headless Chromium), used as a reader uses them, through pointer and
keyboard events: the learning rate typed or stepped along a ladder that holds every rate of the studies, and trained
at exactly that rate; link values it cannot use named in a visible message; a #play link opening at the trainer;
the pace (epochs per second, down to one batch at a time) and redraws at most ten times a second; the trained
network tried on the drawing pad; the drawing of the network; a diverged run drawn up to its divergence."""

import pathlib
import re

import numpy as np
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from digitnet.model_file import load_model
from digitnet.nn.network import backward_pass, forward_pass
from digitnet.studies.learning_rate import LEARNING_RATES

from .browser import console_errors, start_chromium, wait_for
from .test_browser import _trace

TRAINER = "window.digitnet.playground"


@pytest.fixture(scope="module")
def chrome():
    driver = start_chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page_url(built):
    _, index, _, _ = built
    return pathlib.Path(index).resolve().as_uri()


def _open(chrome, url, hash_=""):
    chrome.get("about:blank")
    chrome.get(url + hash_)
    wait_for(chrome, "window.digitnet && window.digitnet.twins")


def _net(chrome):
    """The trainer's network now: weights (matrices) and biases, as NumPy arrays."""
    got = chrome.execute_script(
        f"const n = {TRAINER}.net; return [n.weights.map(W => [W.rows, W.cols, Array.from(W.data)]),"
        " n.biases.map(b => Array.from(b))]"
    )
    return [np.array(d).reshape(r, c) for r, c, d in got[0]], [np.array(b) for b in got[1]]


def _press(chrome, element, *keys):
    ActionChains(chrome).click(element).perform() if element.tag_name != "input" else element.click()
    for key in keys:
        element.send_keys(key)


def _rate(chrome):
    return chrome.execute_script(f"return {TRAINER}.settings.learning_rate_init")


def test_a_link_with_a_rate_trains_at_exactly_that_rate(chrome, page_url, built):
    """lr=0.5, which the old quarter-decade slider made 0.562: one epoch of full-batch gradient descent moves the
    weights by exactly 0.5 times digitnet's gradient at the starting weights."""
    _, _, _, data = built
    _open(
        chrome,
        page_url,
        "#play?hidden_layer_sizes=16&activation=tanh&solver=sgd&momentum=0&batch_size=all"
        "&alpha=0.001&learning_rate_init=0.5&seed=3",
    )
    box = chrome.find_element("css selector", "input[name=learning_rate_init]")
    assert box.get_attribute("value") == "0.5" and _rate(chrome) == 0.5
    weights, biases = _net(chrome)
    ActionChains(chrome).click(chrome.find_element("id", "play-step")).perform()  # one epoch, by pointer
    after_w, after_b = _net(chrome)
    X = data.split.scaler.transform(data.split.X_train_raw)
    layers = forward_pass(X, weights, biases, "tanh")
    grad_w, grad_b = backward_pass(layers, np.eye(10)[data.split.y_train], weights, "tanh", alpha=0.001)
    for before, now, grad in zip(weights + biases, after_w + after_b, grad_w + grad_b):
        np.testing.assert_allclose(before - now, 0.5 * grad, rtol=0, atol=1e-9)
    assert np.abs(grad_w[0]).max() > 1e-3
    assert console_errors(chrome) == []


def test_the_rate_typed_or_stepped_by_keyboard_reaches_every_rate_of_the_studies(chrome, page_url):
    _open(chrome, page_url, "#play?learning_rate_init=0.1")
    box = chrome.find_element("css selector", "input[name=learning_rate_init]")
    box.click()
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("3", Keys.ENTER)  # typed: a change, as the reader commits it
    assert _rate(chrome) == 3 and "learning_rate_init=3&" in chrome.execute_script("return location.hash")
    slider = chrome.find_element("css selector", "input[name=learning_rate_slider]")
    slider.send_keys(Keys.ARROW_RIGHT)
    assert _rate(chrome) == 5 and box.get_attribute("value") == "5"
    slider.send_keys(Keys.HOME)
    seen = [_rate(chrome)]
    for _ in range(25):
        slider.send_keys(Keys.ARROW_RIGHT)
        seen.append(_rate(chrome))
    assert set(LEARNING_RATES) <= set(seen)  # 0.3, 2, 3, 5 ... exactly, each one key press from the last
    assert seen[0] == 1e-4 and seen[-1] == 10 and seen == sorted(seen)
    box.click()
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("-2", Keys.ENTER)  # not a rate: said so, and the trainer keeps 10
    notice = chrome.find_element("id", "play-notice")
    assert notice.is_displayed()
    assert (
        "A learning rate of -2 cannot be used (it takes a number above 0, up to 100): the trainer keeps 10."
        in notice.text
    )
    assert _rate(chrome) == 10 and box.get_attribute("value") == "10"


def test_the_rate_slider_by_pointer(chrome, page_url):
    _open(chrome, page_url, "#play?learning_rate_init=0.1")
    slider = chrome.find_element("css selector", "input[name=learning_rate_slider]")
    chrome.execute_script("arguments[0].scrollIntoView({block: 'center'})", slider)
    width = slider.size["width"]
    ActionChains(chrome).move_to_element_with_offset(slider, width // 2 - 2, 0).click().perform()
    assert _rate(chrome) == 10
    ActionChains(chrome).move_to_element_with_offset(slider, -width // 2 + 2, 0).click().perform()
    assert _rate(chrome) == 1e-4
    assert chrome.find_element("css selector", "input[name=learning_rate_init]").get_attribute("value") == "0.0001"


def test_link_values_it_cannot_use_are_named_in_a_visible_message(chrome, page_url):
    _open(chrome, page_url, "#play?units=100&solver=lbfgs&batch_size=0&momentum=2&foo=bar&learning_rate_init=abc")
    notice = chrome.find_element("id", "play-notice")
    assert notice.is_displayed()
    items = [li.text for li in notice.find_elements("css selector", "li")]
    assert items == [
        "solver=lbfgs cannot be used (it takes sgd, adam): the trainer uses sgd.",
        "momentum=2 cannot be used (it takes a number from 0 to 0.999): the trainer uses 0.",
        "batch_size=0 cannot be used (it takes a whole number of rows, auto or all): the trainer uses 32.",
        "learning_rate_init=abc cannot be used (it takes a number above 0, up to 100): the trainer uses 0.1.",
        "foo is not a setting of the trainer (it takes hidden_layer_sizes, activation, weight_init, solver, momentum,"
        " nesterovs_momentum, learning_rate, batch_size, alpha, max_iter, learning_rate_init, seed): ignored.",
    ]
    # units=100, a size the trainer can build though no choice offers it, is used, not refused
    assert chrome.execute_script("return document.querySelector('select[name=hidden_layer_sizes]').value") == "100"
    assert chrome.execute_script(f"return {TRAINER}.net.weights[0].cols") == 100
    _open(chrome, page_url, "#play?hidden_layer_sizes=1000-10&seed=-1")
    assert [li.text for li in chrome.find_elements("css selector", "#play-notice li")] == [
        "hidden_layer_sizes=1000-10 cannot be used (it takes 1 to 3 layers of 1 to 256 units): the trainer uses 32.",
        "seed=-1 cannot be used (it takes a whole number from 0): the trainer uses 0.",
    ]
    assert chrome.execute_script(f"return {TRAINER}.net.weights[0].cols") == 32
    _open(chrome, page_url, "#play?hidden_layer_sizes=64&learning_rate_init=0.3")
    assert not chrome.find_element("id", "play-notice").is_displayed()
    assert _rate(chrome) == 0.3


def test_a_play_link_opens_at_the_trainer(chrome, page_url):
    _open(chrome, page_url, "#play?hidden_layer_sizes=16&learning_rate_init=0.03")
    top, height, scrolled = chrome.execute_script(
        "return [document.getElementById('train-live').getBoundingClientRect().top, innerHeight, scrollY]"
    )
    assert -1 <= top < height / 2 and scrolled > 2000
    chrome.execute_script("scrollTo(0, 0); location.hash = '#play?hidden_layer_sizes=64-32&learning_rate_init=2'")
    wait_for(chrome, "document.querySelector('select[name=hidden_layer_sizes]').value === '64-32'")
    assert _rate(chrome) == 2 and chrome.execute_script("return scrollY") > 2000
    link = chrome.find_element("css selector", "#play-train-box > p a[href^='#play?']")  # the example in its words
    chrome.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    wait_for(chrome, "document.querySelector('select[name=batch_size]').value === 'all'")
    assert _rate(chrome) == 3


def test_the_pace_from_epochs_per_second_to_one_batch_at_a_time(chrome, page_url):
    _open(chrome, page_url, "#play?hidden_layer_sizes=16&batch_size=32&max_iter=300&learning_rate_init=0.1")
    pace = chrome.find_element("css selector", "select[name=pace]")
    assert pace.get_attribute("value") == "10"
    pace.send_keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN)  # by keyboard: 10, 5, 2 epochs a second
    assert pace.get_attribute("value") == "2"
    chrome.execute_script("window.started = performance.now()")
    chrome.find_element("id", "play-train").click()
    wait_for(chrome, f"{TRAINER}.epochs() >= 2")
    epochs, seconds = chrome.execute_script(f"return [{TRAINER}.epochs(), (performance.now() - window.started) / 1000]")
    assert epochs <= 2 * seconds + 1  # never ahead of its pace
    chrome.find_element("id", "play-train").click()  # pause
    assert chrome.execute_script(f"return {TRAINER}.running") is False
    pace.send_keys(Keys.END)  # the last: one batch a second
    assert pace.get_attribute("value") == "batch"
    chrome.find_element("id", "play-reset").click()
    chrome.execute_script("window.started = performance.now()")
    chrome.find_element("id", "play-train").click()
    wait_for(chrome, f"{TRAINER}.position().batch >= 2")
    where, seconds = chrome.execute_script(
        f"return [{TRAINER}.position(), (performance.now() - window.started) / 1000]"
    )
    chrome.find_element("id", "play-train").click()
    assert where["epoch"] == 0 and where["batch"] <= seconds + 1 and where["batches"] == 36
    status = chrome.find_element("id", "play-status").text
    assert re.match(r"epoch 0 \(and \d+ of epoch 1's 36 batches\): validation accuracy \d+\.\d%", status), status
    button = chrome.find_element("id", "play-batch")  # one batch at a time, by keyboard
    before = chrome.execute_script(f"return {TRAINER}.position().batch")
    button.send_keys(Keys.ENTER)
    button.send_keys(Keys.SPACE)
    assert chrome.execute_script(f"return {TRAINER}.position().batch") == before + 2
    assert console_errors(chrome) == []


def test_training_flat_out_redraws_at_most_ten_times_a_second(chrome, page_url):
    _open(chrome, page_url, "#play?hidden_layer_sizes=16&batch_size=all&max_iter=150&learning_rate_init=0.5")
    chrome.execute_script(
        "const s = document.querySelector('select[name=pace]'); s.value = 'max'; s.dispatchEvent(new Event('change'))"
    )
    chrome.execute_script("window.started = performance.now()")
    chrome.find_element("id", "play-train").click()
    wait_for(chrome, "document.getElementById('play-status').textContent.includes('(done)')", timeout=120)
    draws, seconds, epochs = chrome.execute_script(
        f"const t = {TRAINER}; return [t.draws, (performance.now() - window.started) / 1000, t.epochs()]"
    )
    assert epochs == 150
    assert draws <= 10 * seconds + 2  # not a redraw every epoch


def test_the_trained_network_reads_the_pad(chrome, page_url, built):
    out, _, _, data = built
    _open(
        chrome,
        page_url,
        "#play?hidden_layer_sizes=32&activation=relu&solver=adam&batch_size=32&learning_rate_init=0.01&seed=5",
    )
    for _ in range(3):
        chrome.find_element("id", "play-step").click()
    chrome.find_element("id", "play-to-pad").click()
    state = chrome.execute_script("return window.digitnet.pad.state")
    assert state["model"] == "the network trained above, 3 epochs"
    assert (
        chrome.execute_script("return document.querySelector('#play-draw .bars p').textContent")
        == "probabilities (the network trained above, 3 epochs):"
    )
    top = chrome.execute_script("return document.getElementById('draw').getBoundingClientRect().top")
    assert -1 <= top < 100  # the page went to the pad
    _trace(chrome, data.split.X_test_raw[3].reshape(8, 8))
    state = wait_for(chrome, "window.digitnet.pad.state.prediction !== null && window.digitnet.pad.state")
    weights, biases = _net(chrome)
    scaled = (np.array(state["input"], dtype=float) - data.split.scaler.mean_) / data.split.scaler.scale_
    expected = forward_pass(scaled.reshape(1, -1), weights, biases, "relu")[-1][0]
    np.testing.assert_allclose(state["probabilities"], expected, rtol=0, atol=1e-9)
    assert state["prediction"] == int(np.argmax(expected))
    chrome.find_element("id", "pad-back").click()  # the report's model again, on the same drawing
    state = chrome.execute_script("return window.digitnet.pad.state")
    assert state["model"] == chrome.execute_script(
        "return JSON.parse(document.getElementById('digitnet-data').textContent).model_name"
    )
    model = load_model(out / "model.npz")
    np.testing.assert_allclose(state["probabilities"], model.predict_proba(np.array([state["input"]]))[0], atol=1e-9)
    assert console_errors(chrome) == []


def test_the_drawing_of_the_network(chrome, page_url, built):
    """Every unit drawn (the input's 64 pixels, the hidden units, the outputs), the connections on a canvas; a digit
    chosen by keyboard; pointing at an output unit reads its probability for that digit, digitnet's."""
    _, _, _, data = built
    _open(chrome, page_url, "#play?hidden_layer_sizes=32-16&activation=tanh&solver=adam&learning_rate_init=0.01")
    chrome.find_element("id", "play-step").click()
    svg = chrome.find_element("css selector", "#play-train-box svg.net-units")
    assert len(svg.find_elements("css selector", "rect")) == 64
    assert len(svg.find_elements("css selector", "circle")) == 32 + 16 + 10
    inked = chrome.execute_script(
        "const c = document.querySelector('#play-train-box canvas.net-lines');"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 3; i < d.length; i += 4) n += d[i] > 0; return n"
    )
    assert inked > 1000  # the connections are drawn
    chooser = chrome.find_element("css selector", "select[name=network_digit]")
    chooser.send_keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN, Keys.ARROW_DOWN)  # the first validation 3
    row = int(chooser.get_attribute("value"))
    assert data.split.y_val[row] == 3 and row == int(np.flatnonzero(data.split.y_val == 3)[0])
    weights, biases = _net(chrome)
    x = data.split.scaler.transform(data.split.X_val_raw[row : row + 1])
    expected = forward_pass(x, weights, biases, "tanh")[-1][0]
    circles = svg.find_elements("css selector", "circle")
    output = circles[-10 + 3]  # the unit of class 3
    chrome.execute_script("arguments[0].scrollIntoView({block: 'center'})", svg)
    ActionChains(chrome).move_to_element(output).perform()
    readout = chrome.find_element("id", "net-readout").text
    assert readout == f"output 3: probability {100 * expected[3]:.1f}%"
    labels = [t.text for t in svg.find_elements("css selector", "text")]
    assert labels[:2] == ["input", "8×8 pixels"] and "hidden 2" in labels and "16 units" in labels
    assert console_errors(chrome) == []


def test_a_diverged_run_is_drawn_up_to_its_divergence_with_whole_epochs(chrome, page_url):
    """lr=10, all rows a step: diverged at epoch 2 (before, two blank charts with ticks at 0.5, 1.5): now the
    starting weights' loss and epoch 1 are drawn, the divergence marked, and every epoch tick is a whole number."""
    _open(
        chrome,
        page_url,
        "#play?hidden_layer_sizes=32&activation=relu&solver=sgd&momentum=0&batch_size=all"
        "&alpha=0&max_iter=100&learning_rate_init=10&seed=0",
    )
    chrome.find_element("id", "play-train").click()
    status = wait_for(
        chrome,
        "document.getElementById('play-status').textContent.startsWith('Diverged')"
        " && document.getElementById('play-status').textContent",
    )
    diverged = chrome.execute_script(f"return {TRAINER}.diverged")
    assert status.startswith(f"Diverged at epoch {diverged}:")
    for chart in chrome.find_elements("css selector", "#play-train-box .chart-row:first-of-type .chart svg"):
        ticks = [t.text for t in chart.find_elements("css selector", "text.tick.x")]
        assert ticks and all(re.fullmatch(r"\d+", t) for t in ticks), ticks
        assert f"diverged at epoch {diverged}" in [t.text for t in chart.find_elements("css selector", "text.mark")]
        drawn = chart.find_elements("css selector", "path[stroke], circle")
        assert drawn  # the epochs before the divergence, drawn
        d = " ".join(p.get_attribute("d") or "" for p in chart.find_elements("css selector", "path"))
        assert "NaN" not in d and "Infinity" not in d
    assert console_errors(chrome) == []


def test_the_learning_rate_twin_shows_an_uncertain_rate_as_uncertain(chrome, built, tmp_path):
    """The page built from numbers where the replications disagree on two rates' regions (``supported`` false):
    those two are drawn apart (a dashed ring, under "<region>, uncertain") and say so; the others are not."""
    import json

    from digitnet.report.page_data import script_json

    _, index, text, _ = built
    start = text.index('<script type="application/json" id="digitnet-data">') + len(
        '<script type="application/json" id="digitnet-data">'
    )
    end = text.index("</script>", start)
    data = json.loads(text[start:end])
    rates = data["studies"]["learning-rate"]["rates"]
    for r in rates:
        r["supported"] = True
    for r in rates[2:4]:
        r["supported"] = False
    page = pathlib.Path(index).with_name("uncertain.html")
    page.write_text(text[:start] + script_json(data) + text[end:], encoding="utf-8")
    _open(chrome, page.resolve().as_uri())
    twin = chrome.find_element("css selector", "[data-twin=learning-rate] .chart")
    dashed = twin.find_elements("css selector", "circle[stroke-dasharray='3 2']")
    titles = [c.find_element("css selector", "title").get_attribute("textContent") for c in dashed]
    assert sorted(float(t.split(":")[0].split()[1]) for t in titles) == sorted(r["rate"] for r in rates[2:4])
    assert all("(uncertain: not every replication puts it in" in t for t in titles)
    legend = [li.text for li in twin.find_elements("css selector", ".legend li")]
    assert {f"{r['region']}, uncertain" for r in rates[2:4]} <= set(legend)
    others = [c for c in twin.find_elements("css selector", "circle") if c not in dashed]
    assert len(others) == len(rates) - 2
    assert console_errors(chrome) == []
