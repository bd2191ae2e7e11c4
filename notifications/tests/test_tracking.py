"""Tracking events: deduplicated, never moving a message backwards, suppressing bad addresses,
and only ever from the configured provider's authenticated webhook."""

import base64
import datetime
import json

import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.test import Client
from django.utils import timezone

from notifications.models import EmailMessage, EmailStatus, EmailSuppression, EmailTrackingEvent

SECRET = "tracker:s3cr3t-webhook"
AUTH = "Basic " + base64.b64encode(SECRET.encode()).decode()


@pytest.fixture
def postmark(settings):
    """Email goes through Postmark, whose webhook authenticates with the shared secret."""
    settings.EMAIL_PROVIDER = "postmark"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "server-token", "WEBHOOK_SECRET": SECRET}


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
def test_opened_before_delivered_still_ends_opened(postmark):
    message = _message()
    _event("opened", "e-2")
    _event("delivered", "e-1")
    message.refresh_from_db()
    assert message.status == EmailStatus.OPENED
    assert message.opened_at is not None and message.delivered_at is not None


@pytest.mark.django_db
def test_duplicate_events_are_applied_once(postmark):
    message = _message()
    _event("clicked", "e-9")
    _event("clicked", "e-9")
    assert EmailTrackingEvent.objects.filter(event_id="Postmark:e-9").count() == 1
    message.refresh_from_db()
    assert message.status == EmailStatus.CLICKED


@pytest.mark.django_db
@pytest.mark.parametrize("event_type", ["bounced", "complained"])
def test_bounce_or_complaint_suppresses_the_address(event_type, postmark):
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
def test_webhook_without_the_secret_is_refused_and_changes_nothing(client, postmark):
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
def test_webhook_with_the_secret_records_delivery(client, postmark):
    message = _message()
    payload = json.dumps(_postmark_delivery())
    for _ in range(2):  # the provider resends the same event
        response = client.post(
            "/anymail/postmark/tracking/",
            data=payload,
            content_type="application/json",
            headers={"authorization": AUTH},
        )
        assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == EmailStatus.DELIVERED
    assert EmailTrackingEvent.objects.filter(message=message, event_type="delivered").count() == 1


def _sendgrid_bounce():
    return [
        {
            "email": "grupos@parroquia.example",
            "timestamp": int(timezone.now().timestamp()),
            "smtp-id": "pm-123",
            "event": "bounce",
            "type": "bounce",
            "reason": "550 5.1.1 The email account that you tried to reach does not exist",
            "status": "5.1.1",
            "sg_event_id": "sg-bounce-1",
            "sg_message_id": "pm-123.filter0001",
        }
    ]


def _postmark_bounce():
    return {
        "RecordType": "Bounce",
        "ID": 4242,
        "Type": "HardBounce",
        "TypeCode": 1,
        "MessageID": "pm-123",
        "Email": "grupos@parroquia.example",
        "BouncedAt": timezone.now().isoformat(),
        "Description": "The server was unable to deliver your message",
        "Details": "550 5.1.1 unknown user",
        "Inactive": True,
        "CanActivate": True,
        "Metadata": {},
    }


def _nothing_recorded(message: EmailMessage) -> tuple:
    message.refresh_from_db()
    return (message.status, EmailTrackingEvent.objects.count(), EmailSuppression.objects.count())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("provider", "anymail", "payload"),
    [
        ("sendgrid", {"SENDGRID_API_KEY": "sg-key"}, _sendgrid_bounce),
        ("postmark", {"POSTMARK_SERVER_TOKEN": "server-token"}, _postmark_bounce),
    ],
)
def test_webhook_without_a_configured_secret_is_refused_and_suppresses_nothing(
    client, settings, provider, anymail, payload
):
    # given the provider is configured but ANYMAIL_WEBHOOK_SECRET is not
    settings.EMAIL_PROVIDER = provider
    settings.ANYMAIL = anymail
    message = _message()
    # when anyone posts a bounce for a client's address
    response = client.post(
        f"/anymail/{provider}/tracking/", data=json.dumps(payload()), content_type="application/json"
    )
    # then it is refused, and the address is not suppressed
    assert response.status_code == 403
    assert _nothing_recorded(message) == (EmailStatus.SENT, 0, 0)


UNCONFIGURED_PROVIDER_URLS = [
    "/anymail/sendgrid/tracking/",
    "/anymail/mailgun/tracking/",
    "/anymail/mailjet/tracking/",
    "/anymail/brevo/tracking/",
    "/anymail/sparkpost/tracking/",
    "/anymail/mandrill/",
    "/anymail/postmark/inbound/",
    "/anymail/sendgrid/inbound/",
]


@pytest.mark.django_db
def test_only_the_configured_providers_webhook_exists(postmark):
    # given email goes through Postmark, with the secret set
    client = Client(raise_request_exception=False)
    message = _message()
    # when other providers' webhook URLs are posted to, with the right secret
    statuses = {
        url: client.post(
            url, data=json.dumps(_sendgrid_bounce()), content_type="application/json", headers={"authorization": AUTH}
        ).status_code
        for url in UNCONFIGURED_PROVIDER_URLS
    }
    # then none of them exists, and nothing is recorded
    assert statuses == dict.fromkeys(UNCONFIGURED_PROVIDER_URLS, 404)
    assert _nothing_recorded(message) == (EmailStatus.SENT, 0, 0)


@pytest.mark.django_db
def test_without_an_email_provider_no_tracking_webhook_exists(client, settings):
    # given email goes through no ESP (console or SMTP backend), whatever the secret
    settings.EMAIL_PROVIDER = ""
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    message = _message()
    # when each known provider's tracking URL is posted to
    statuses = [
        client.post(
            f"/anymail/{provider}/tracking/",
            data=json.dumps(_postmark_bounce()),
            content_type="application/json",
            headers={"authorization": AUTH},
        ).status_code
        for provider in ("postmark", "sendgrid", "mailgun")
    ]
    # then none answers
    assert statuses == [404, 404, 404]
    assert _nothing_recorded(message) == (EmailStatus.SENT, 0, 0)


@pytest.mark.django_db
def test_configured_provider_with_the_secret_records_the_bounce(client, postmark):
    message = _message()
    response = client.post(
        "/anymail/postmark/tracking/",
        data=json.dumps(_postmark_bounce()),
        content_type="application/json",
        headers={"authorization": AUTH},
    )
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == EmailStatus.BOUNCED
    assert list(EmailSuppression.objects.values_list("email", "reason")) == [("grupos@parroquia.example", "bounced")]


@pytest.mark.django_db
def test_tracking_event_without_a_configured_secret_records_nothing(settings):
    # given anymail's signal fires while no secret is configured (no webhook could have authenticated it)
    settings.ANYMAIL = {}
    message = _message()
    # when a bounce arrives
    _event("bounced", "e-forged")
    # then no event row, no suppression, no status change
    assert _nothing_recorded(message) == (EmailStatus.SENT, 0, 0)
