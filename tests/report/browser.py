"""Headless Chromium for the page's tests (Debian's ``chromium`` and ``chromium-driver``, driven by Selenium)."""

import shutil

import pytest

HOW_TO_GET_ONE = (
    "headless Chromium not found: apt-get install chromium chromium-driver (and pip install selenium)"
    " to run the page's browser tests"
)


def start_chromium(width=1200, height=1000):
    """A headless Chromium driver with the browser's console log kept, or a skip saying how to get one."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip(HOW_TO_GET_ONE)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        pytest.skip(HOW_TO_GET_ONE)
    options = Options()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        options.add_argument(flag)
    options.binary_location = browser
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    chrome.set_window_size(width, height)
    return chrome


def console_errors(chrome):
    """The console's error lines since the last call."""
    return [entry["message"] for entry in chrome.get_log("browser") if entry["level"] == "SEVERE"]


def wait_for(chrome, script, timeout=30.0):
    """Run ``script`` (a JavaScript expression) until it is truthy; its value, or a failure after ``timeout`` s."""
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = chrome.execute_script(f"return {script}")
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout} s for {script}")
