"""Tracking webhooks: anymail verifies the request (WEBHOOK_SECRET) and parses the
provider's payload into AnymailTrackingEvent objects; this records each one."""

import logging

from anymail.signals import tracking
from django.dispatch import receiver

from notifications.services import email_tracking_record
from notifications.webhooks import tracking_secret_configured

logger = logging.getLogger(__name__)


@receiver(tracking, dispatch_uid="notifications.tracking")
def tracking_received(sender, event, esp_name, **kwargs) -> None:
    # Without a secret nobody authenticated the event (notifications.webhooks refuses the
    # request first; this also covers any other route to anymail's views).
    if not tracking_secret_configured():
        logger.warning("%s tracking event ignored: ANYMAIL_WEBHOOK_SECRET is not set", esp_name)
        return
    # Some providers (Postmark deliveries) send no event id: the event's own facts identify it.
    event_id = event.event_id or f"{event.message_id}:{event.event_type}:{event.timestamp}"
    email_tracking_record(
        event_id=f"{esp_name}:{event_id}",
        event_type=event.event_type,
        provider_message_id=event.message_id or "",
        recipient=event.recipient or "",
        occurred_at=event.timestamp,
    )
