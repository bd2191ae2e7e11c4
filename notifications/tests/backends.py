"""An email backend for tests that fails on a script, then sends like locmem."""

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


TRANSIENT = smtplib.SMTPServerDisconnected("connection unexpectedly closed")
PERMANENT = smtplib.SMTPRecipientsRefused({"nadie@hotel.example": (550, b"5.1.1 no such user")})
