"""The headless chromium fixture of the browser tests, for the one browser check here (CSP)."""

from tests.browser.conftest import browser  # noqa: F401
