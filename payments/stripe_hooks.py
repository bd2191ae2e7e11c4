"""Stripe's notifications, taken from dj-stripe into the ledger.

dj-stripe's endpoint (/stripe/webhook/<uuid>/) checks the Stripe-Signature
against the endpoint's secret, stores a `WebhookEventTrigger` for every
delivery (valid or not) and an `Event` once per event id, then sends its
signal for the event type. For the types the ledger needs, dj-stripe's own
handlers are disconnected: they fetch each object again from Stripe while
the request waits (a network call inside the webhook's transaction, and a
500 to Stripe whenever it fails). The signed event is enough: it is
recorded as a `ProviderEvent` in the same transaction and processed after
commit by the same task as every gateway's.
"""

import json

from djstripe import event_handlers
from djstripe.models import Event, WebhookEventTrigger
from djstripe.signals import WEBHOOK_SIGNALS, webhook_post_validate

from payments.providers.stripe import EVENTS, notification_from_event
from payments.services.events import provider_event_refused, provider_event_store

# dj-stripe's handler of each type we take over (the refund.* types have none).
DJSTRIPE_HANDLERS = {
    "checkout.session": event_handlers.handle_other_event,
    "payment_intent": event_handlers.handle_other_event,
    "charge": event_handlers.handle_charge_event,
}


def stripe_event_received(sender, event: Event, **kwargs) -> None:
    notification = notification_from_event(event_id=event.id, event_type=event.type, obj=event.data["object"])
    provider_event_store(
        provider="stripe",
        notification=notification,
        headers={},
        query={},
        body=json.dumps({"id": event.id, "type": event.type, "data": event.data}),
    )


def stripe_delivery_validated(sender, instance: WebhookEventTrigger, valid: bool, **kwargs) -> None:
    """A delivery whose signature failed is recorded with the others' (its trigger row is dj-stripe's)."""
    if not valid:
        provider_event_refused(
            provider="stripe",
            headers=instance.headers or {},
            query={},
            body=(instance.body or "").encode(),
            reason="Invalid Stripe-Signature.",
        )


def connect() -> None:
    for event_type in EVENTS:
        signal = WEBHOOK_SIGNALS[event_type]
        handler = DJSTRIPE_HANDLERS.get(event_type.rsplit(".", 1)[0])
        if handler is not None:
            signal.disconnect(handler, sender=Event)
        signal.connect(stripe_event_received, sender=Event, dispatch_uid=f"payments.stripe:{event_type}")
    webhook_post_validate.connect(stripe_delivery_validated, dispatch_uid="payments.stripe:invalid")
