"""Email backends for tests: fail on a script, count connections, then send like locmem."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class ScriptedBackend(EmailBackend):
    """`script` lists what each successive send does: None sends, an exception is raised."""

    script: list = []

    def send_messages(self, messages):
        outcome = ScriptedBackend.script.pop(0) if ScriptedBackend.script else None
        if outcome is not None:
            raise outcome
        return super().send_messages(messages)


class CountingBackend(ScriptedBackend):
    """Scripted, and counts (class-wide) the connections opened and closed, as a
    backend with a real connection would make and end them."""

    opened = 0
    closed = 0

    def open(self):
        CountingBackend.opened += 1
        return True

    def close(self):
        CountingBackend.closed += 1


TRANSIENT = smtplib.SMTPServerDisconnected("connection unexpectedly closed")
PERMANENT = smtplib.SMTPRecipientsRefused({"nadie@hotel.example": (550, b"5.1.1 no such user")})
