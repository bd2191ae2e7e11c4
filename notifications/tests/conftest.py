"""Fixtures shared by the outbox's tests."""

import pytest

from notifications.tests.backends import ScriptedBackend


@pytest.fixture
def scripted(settings):
    """Email through ScriptedBackend, whose `script` says how each send ends."""
    settings.EMAIL_BACKEND = "notifications.tests.backends.ScriptedBackend"
    ScriptedBackend.script = []
    yield ScriptedBackend
    ScriptedBackend.script = []
