"""The password reset email, as the reset pages queue it: {url, valid_hours} and the name."""

import pytest

from notifications.models import EmailMessage, EmailStatus
from notifications.services import email_queue

URL = "https://spirittours.example/accounts/reset/MQ/c1a2b3-5f6e7d8c9b0a/"


@pytest.mark.django_db
def test_password_reset_is_queued_once_in_the_users_language():
    # When the reset pages queue it twice under one key
    for _ in range(2):
        email_queue(
            template="password_reset",
            to_email="ana@client.example",
            to_name="Ana Torres",
            language="en",
            context={"url": URL, "valid_hours": 24},
            dedupe_key="password_reset:user:7:token:c1a2b3",
        )

    # Then one row, in English, with the link and how long it works
    (email,) = EmailMessage.objects.filter(template="password_reset")
    assert (email.status, email.language, email.to_name) == (EmailStatus.QUEUED, "en", "Ana Torres")
    assert email.subject == "Reset your Spirit Tours password"
    assert email.body_text.startswith("Hello Ana Torres,")
    assert URL in email.body_text and f'href="{URL}"' in email.body_html
    assert "It works once, for 24 hours." in email.body_text
