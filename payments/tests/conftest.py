"""The browser tests' fixtures (Chromium through Playwright, daphne on the test database) are quotations'."""

from quotations.tests.conftest import browser, daphne_server  # noqa: F401 (fixtures)
