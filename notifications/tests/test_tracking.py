"""Tracking events: deduplicated, never moving a message backwards, suppressing bad addresses."""

import base64
import datetime
import json

import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.utils import timezone

from notifications.models import EmailMessage, EmailStatus, EmailSuppression, EmailTrackingEvent

SECRET = "tracker:s3cr3t-webhook"


def _message(**fields) -> EmailMessage:
    return EmailMessage.objects.create(
        template="quotation_approved",
        language="es",
        to_email="grupos@parroquia.example",
        subject="Cotización aprobada",
        body_text="Hola",
        body_html="<p>Hola</p>",
        dedupe_key=fields.pop("dedupe_key", "t:1"),
        status=EmailStatus.SENT,
        provider_message_id=fields.pop("provider_message_id", "pm-123"),
        **fields,
    )


def _event(event_type: str, event_id: str, *, message_id="pm-123", recipient="grupos@parroquia.example"):
    event = AnymailTrackingEvent(
        event_type=event_type,
        timestamp=timezone.now(),
        event_id=event_id,
        message_id=message_id,
        recipient=recipient,
    )
    tracking.send(sender=object, event=event, esp_name="Postmark")


@pytest.mark.django_db
def test_opened_before_delivered_still_ends_opened():
    message = _message()
    _event("opened", "e-2")
    _event("delivered", "e-1")
    message.refresh_from_db()
    assert message.status == EmailStatus.OPENED
    assert message.opened_at is not None and message.delivered_at is not None


@pytest.mark.django_db
def test_duplicate_events_are_applied_once():
    message = _message()
    _event("clicked", "e-9")
    _event("clicked", "e-9")
    assert EmailTrackingEvent.objects.filter(event_id="Postmark:e-9").count() == 1
    message.refresh_from_db()
    assert message.status == EmailStatus.CLICKED


@pytest.mark.django_db
@pytest.mark.parametrize("event_type", ["bounced", "complained"])
def test_bounce_or_complaint_suppresses_the_address(event_type):
    message = _message()
    _event(event_type, "e-5")
    message.refresh_from_db()
    assert message.status == event_type
    assert list(EmailSuppression.objects.values_list("email", "reason")) == [("grupos@parroquia.example", event_type)]


def _postmark_delivery(message_id="pm-123"):
    return {
        "RecordType": "Delivery",
        "ServerID": 23,
        "MessageStream": "outbound",
        "MessageID": message_id,
        "Recipient": "grupos@parroquia.example",
        "Tag": "",
        "DeliveredAt": (timezone.now() - datetime.timedelta(seconds=5)).isoformat(),
        "Details": "Test delivery webhook details",
        "Metadata": {},
    }


@pytest.mark.django_db
def test_webhook_without_the_secret_is_refused_and_changes_nothing(client, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    message = _message()
    response = client.post(
        "/anymail/postmark/tracking/", data=json.dumps(_postmark_delivery()), content_type="application/json"
    )
    wrong = client.post(
        "/anymail/postmark/tracking/",
        data=json.dumps(_postmark_delivery()),
        content_type="application/json",
        headers={"authorization": "Basic " + base64.b64encode(b"tracker:guess").decode()},
    )
    assert (response.status_code, wrong.status_code) == (400, 400)
    message.refresh_from_db()
    assert (message.status, EmailTrackingEvent.objects.count()) == (EmailStatus.SENT, 0)


@pytest.mark.django_db
def test_webhook_with_the_secret_records_delivery(client, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    message = _message()
    auth = "Basic " + base64.b64encode(SECRET.encode()).decode()
    payload = json.dumps(_postmark_delivery())
    for _ in range(2):  # the provider resends the same event
        response = client.post(
            "/anymail/postmark/tracking/",
            data=payload,
            content_type="application/json",
            headers={"authorization": auth},
        )
        assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == EmailStatus.DELIVERED
    assert EmailTrackingEvent.objects.filter(message=message, event_type="delivered").count() == 1
