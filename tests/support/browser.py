"""Headless Chromium driven by Selenium (Debian's ``chromium`` and ``chromium-driver``), for the
dashboard's browser tests. Without the browser a test is skipped locally and fails in CI."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
BROWSER = ("chromium", "/usr/bin/chromium")
DRIVER = ("chromedriver", "/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"


def _find(names: tuple[str, ...]) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_browser() -> tuple[str, str]:
    """The browser and driver binaries; skips (locally) or fails (``CI=true``) without them."""
    browser, driver = _find(BROWSER), _find(DRIVER)
    if browser is None or driver is None:
        message = (
            "no Chromium found (needs /usr/bin/chromium and /usr/bin/chromedriver: "
            "apt-get install chromium chromium-driver)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; the browser tests must run in CI")
        pytest.skip(message)
    return browser, driver


@contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    """A fresh headless Chromium (its own ``--user-data-dir``) at 1280×800."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        viewport(driver, 1280, 800)
        yield driver
    finally:
        driver.quit()


def viewport(driver: Any, width: int, height: int, *, mobile: bool = False) -> None:
    """Make the page's viewport exactly ``width`` × ``height`` CSS pixels."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


def screenshot(driver: Any, name: str, scroll_to: str | None = None) -> None:
    """Write ``docs/images/<name>.png`` (1280×800) when ``PULSE_UPDATE_SCREENSHOTS=1``, the
    page scrolled to its top or to the element ``scroll_to`` selects."""
    if os.environ.get("PULSE_UPDATE_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if scroll_to is None:
        driver.execute_script("window.scrollTo(0, 0)")
    else:
        driver.execute_script("document.querySelector(arguments[0]).scrollIntoView()", scroll_to)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def until(driver: Any, condition: Callable[[Any], Any], what: str, bound: float = 30) -> Any:
    """Wait (at most ``bound`` seconds) for ``condition(driver)`` to be truthy; its value."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, bound, poll_frequency=0.05).until(condition, what)
