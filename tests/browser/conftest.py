"""Headless Debian chromium driven by selenium through /usr/bin/chromedriver.

Screens are always taken (so the screenshot code runs in every test run), but they are written to
docs/screens/ only when EVENTFLOW_SCREENSHOTS=1; otherwise to a temporary folder, so that `./test`
leaves the tracked PNGs (and `git status`) untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"
_scratch_screens: tempfile.TemporaryDirectory[str] | None = None  # removed when the test process exits
PHONE = (390, 844)
DESKTOP = (1280, 800)


def _require_browser() -> None:
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        if os.environ.get("EVENTFLOW_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium and chromedriver are required (apt-get install chromium chromium-driver)")
        pytest.skip("chromium/chromedriver not installed")


Browser = Callable[..., "webdriver.Chrome"]  # type: ignore[name-defined]  # noqa: F821


@pytest.fixture
def browser() -> Iterator[Browser]:
    """A factory of headless chromium windows (each its own profile); all closed afterwards."""
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    drivers: list[webdriver.Chrome] = []
    profiles: list[str] = []

    def open_window(size: tuple[int, int] = DESKTOP, camera: Path | None = None,
                    cameras: int = 0) -> webdriver.Chrome:
        profile = tempfile.mkdtemp(prefix="ef-chrome-")
        profiles.append(profile)
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in (
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--disable-quic", f"--user-data-dir={profile}",
            f"--window-size={size[0]},{size[1]}",
        ):
            options.add_argument(argument)
        if camera is not None:  # a fake camera that films this .y4m video
            for argument in ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                             f"--use-file-for-fake-video-capture={camera}"):
                options.add_argument(argument)
        if cameras:  # that many fake cameras showing chromium's test pattern (a device with a choice)
            options.add_argument("--use-fake-ui-for-media-stream")
            options.add_argument(f"--use-fake-device-for-media-stream=device-count={cameras}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console output for failure reports
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        driver.set_window_size(*size)
        drivers.append(driver)
        return driver

    yield open_window
    for driver in drivers:
        driver.quit()
    for profile in profiles:
        shutil.rmtree(profile, ignore_errors=True)


def screens_folder() -> Path:
    """docs/screens when EVENTFLOW_SCREENSHOTS=1 (refreshing the README's pictures), else a temporary folder."""
    global _scratch_screens
    if os.environ.get("EVENTFLOW_SCREENSHOTS") == "1":
        SCREENS.mkdir(parents=True, exist_ok=True)
        return SCREENS
    if _scratch_screens is None:
        _scratch_screens = tempfile.TemporaryDirectory(prefix="ef-screens-")
    return Path(_scratch_screens.name)


def screenshot(driver, name: str, testid: str | None = None) -> Path:
    """Take a screen (linked from the README when saved to docs/screens, see screens_folder): the top of the
    page, or the element `testid`."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    path = screens_folder() / f"{name}.png"
    if testid is None:
        driver.execute_script("window.scrollTo(0, 0)")
    else:
        # Live panels re-render while we look at them: find the element afresh if it was replaced.
        for attempt in range(5):
            try:
                element = driver.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')
                driver.execute_script("arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -70)",
                                      element)
                break
            except StaleElementReferenceException:
                if attempt == 4:
                    raise
    driver.save_screenshot(str(path))
    return path
