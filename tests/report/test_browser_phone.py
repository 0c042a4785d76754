"""The page at a phone's width (390 px) and a desktop's (1400 px), in headless Chromium, with its trainer used and
every <details> open: no text under 11 px (HTML text, the charts' SVG text as scaled on the screen, form controls,
and each figure's smallest text times the scale its picture is shown at), nothing cut off; on a phone every
figure is its phone's picture; a table wider than the page says it scrolls."""

import pathlib

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from .browser import console_errors, start_chromium, wait_for
from .readability import CUT_OFF, SMALL_TEXT


@pytest.fixture(scope="module")
def page_url(built):
    _, index, _, _ = built
    return pathlib.Path(index).resolve().as_uri()


def _used(chrome, url):
    """The page opened at the trainer, two hidden layers, trained four epochs (a tap on train; the pace set by
    keyboard), every <details> open."""
    chrome.get(url + "#play?hidden_layer_sizes=32-16&max_iter=4&learning_rate_init=0.3")
    wait_for(chrome, "window.digitnet && window.digitnet.twins")
    chrome.execute_script("for (const d of document.querySelectorAll('details')) d.open = true")
    chrome.find_element("css selector", "select[name=pace]").send_keys(Keys.HOME)  # as fast as it computes
    train = chrome.find_element("id", "play-train")
    chrome.execute_script("arguments[0].scrollIntoView({block: 'center'})", train)
    ActionChains(chrome).click(train).perform()
    wait_for(chrome, "document.getElementById('play-status').textContent.includes('(done)')", timeout=60)
    wait_for(chrome, "Array.from(document.images).every(i => i.complete)")


@pytest.mark.parametrize("width", [390, 1400])
def test_no_text_is_under_11_px_and_nothing_is_cut_off(page_url, width):
    chrome = start_chromium(width=width, height=900)
    try:
        _used(chrome, page_url)
        assert chrome.execute_script("return window.innerWidth") <= width
        assert chrome.execute_script(SMALL_TEXT, "body", 11) == []
        assert chrome.execute_script(CUT_OFF, "body") == []
        # what was measured: the trainer's charts (SVG text), its drawing of the network, and every figure
        measured = chrome.execute_script(
            "return [document.querySelectorAll('#play-train-box .chart svg text').length,"
            " document.querySelectorAll('#play-train-box svg.net-units text').length,"
            " document.querySelectorAll('figure img[data-font-px]').length,"
            " Array.from(document.querySelectorAll('figure picture')).filter(p =>"
            "   p.querySelector('img').currentSrc === p.querySelector('source').srcset).length]"
        )
        charts, network, figures, phone_pictures = measured
        assert charts > 20 and network >= 16 and figures >= 15
        assert phone_pictures == (figures if width == 390 else 0)  # a phone gets the pictures drawn for it
        assert console_errors(chrome) == []
    finally:
        chrome.quit()


def test_a_table_wider_than_a_phone_says_it_scrolls(page_url):
    for width in (390, 1400):
        chrome = start_chromium(width=width, height=900)
        try:
            _used(chrome, page_url)
            tables = chrome.execute_script(
                "return Array.from(document.querySelectorAll('.table-wrap')).filter(w => w.getClientRects().length)"
                ".map(w => [w.scrollWidth > w.clientWidth + 1, !w.previousElementSibling.hidden"
                " && w.previousElementSibling.getClientRects().length > 0, w.previousElementSibling.textContent])"
            )
            wide = [shown for overflows, shown, _ in tables if overflows]
            assert all(overflows == shown for overflows, shown, _ in tables)  # a hint exactly where one is needed
            assert all(text.startswith("The table is wider than the page: scroll it sideways") for *_, text in tables)
            if width == 390:
                assert len(wide) >= 3
            else:
                assert wide == []
        finally:
            chrome.quit()
