import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.factories import StaffFactory
from notifications.models import EmailMessage, EmailStatus, EmailTemplate


@pytest.fixture
def admin_http():
    http = HttpClient()
    http.force_login(StaffFactory(is_superuser=True))
    return http


@pytest.mark.django_db
def test_staff_preview_every_template_in_both_languages(admin_http):
    response = admin_http.get(reverse("admin:notifications_email_previews"))
    assert response.status_code == 200
    renders = response.context["renders"]
    assert len(renders) == 2 * len(EmailTemplate.values)
    assert {(r["template"], r["language"]) for r in renders} == {
        (key, language) for key in EmailTemplate.values for language in ("es", "en")
    }


@pytest.mark.django_db
def test_failed_email_can_be_sent_again_from_the_admin(admin_http, django_capture_on_commit_callbacks):
    failed = EmailMessage.objects.create(
        template="payment_reminder",
        language="es",
        to_email="cliente@example.com",
        subject="Recordatorio",
        body_text="Hola",
        body_html="<p>Hola</p>",
        dedupe_key="admin:1",
        status=EmailStatus.FAILED,
        attempts=3,
        last_error="SMTPServerDisconnected: connection unexpectedly closed",
    )
    sent = EmailMessage.objects.create(
        template="payment_reminder",
        language="es",
        to_email="otro@example.com",
        subject="Recordatorio",
        body_text="Hola",
        body_html="<p>Hola</p>",
        dedupe_key="admin:2",
        status=EmailStatus.SENT,
        attempts=1,
    )
    with django_capture_on_commit_callbacks(execute=True):
        admin_http.post(
            reverse("admin:notifications_emailmessage_changelist"),
            {"action": "retry_failed", "_selected_action": [failed.pk, sent.pk]},
        )
    failed.refresh_from_db()
    sent.refresh_from_db()
    # Eager in tests: the retry was delivered through the console-free locmem backend.
    assert (failed.status, failed.attempts) == (EmailStatus.SENT, 1)
    assert (sent.status, sent.attempts) == (EmailStatus.SENT, 1)
