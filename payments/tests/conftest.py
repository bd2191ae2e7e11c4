"""The browser tests' fixtures (Chromium through Playwright, the web server on the test database) are quotations'."""

from quotations.tests.conftest import browser, web_server  # noqa: F401 (fixtures)
