"""Suite-wide test setup.

Tests marked `postgres`, `redis` or `browser` need the real thing. Without it they
skip with the reason shown; under CI=true such a skip is a failure, so CI
can never pass by quietly not running them.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings


def _service_missing(marker: str) -> str | None:
    if marker == "browser" and not shutil.which("chromium"):
        return "needs Debian's chromium: apt-get install -y chromium"
    if marker == "postgres" and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if marker == "redis" and not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://..."
    return None


def pytest_configure(config):
    # Connections opened by the live server's request threads must close with each
    # request, or PostgreSQL refuses to drop the test database at the end.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    static_root = Path(tempfile.mkdtemp(prefix="spirittours-static-"))
    settings.STATIC_ROOT = static_root


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "browser"):
        if item.get_closest_marker(marker) is None:
            continue
        reason = _service_missing(marker)
        if reason is None:
            continue
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: service-backed tests may not be skipped)", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _isolated_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, tests only
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Login throttling needs the request, which client.login() and authenticate() in tests
    # do not pass; accounts/tests/test_throttling.py turns it back on.
    settings.AXES_ENABLED = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
