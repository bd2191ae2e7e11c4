"""Write dj-stripe's webhook endpoint row from the environment and print the address to register at Stripe.

    python manage.py stripe_webhook_endpoint [--account acct_…]

Idempotent: the row is keyed by STRIPE_WEBHOOK_UUID, so the address stays the
same across deployments and a second run only refreshes the secret. With
`--account`, the Stripe account and API key rows are written too, so the
first notification needs no call to Stripe to learn whose key it is.
"""

import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from djstripe.models import Account, APIKey, WebhookEndpoint

from payments.providers.stripe import EVENTS


class Command(BaseCommand):
    help = "Create or update dj-stripe's webhook endpoint from STRIPE_WEBHOOK_SECRET and STRIPE_WEBHOOK_UUID."

    def add_arguments(self, parser):
        parser.add_argument("--account", default="", help="The Stripe account id (acct_…) the secret key belongs to.")

    def handle(self, *args, account: str = "", **options):
        if not settings.STRIPE_WEBHOOK_SECRET:
            raise CommandError("Set STRIPE_WEBHOOK_SECRET (whsec_…) first: see the README's Online payments.")
        try:
            endpoint_uuid = uuid.UUID(settings.STRIPE_WEBHOOK_UUID)
        except ValueError:
            raise CommandError("STRIPE_WEBHOOK_UUID must be a UUID.") from None
        url = settings.SITE_URL + reverse("djstripe:djstripe_webhook_by_uuid", kwargs={"uuid": endpoint_uuid})
        owner = None
        if account:
            owner, _ = Account.objects.get_or_create(id=account, defaults={"livemode": settings.STRIPE_LIVE_MODE})
            if settings.STRIPE_SECRET_KEY:
                key, _ = APIKey.objects.get_or_create(
                    secret=settings.STRIPE_SECRET_KEY,
                    defaults={"type": "secret", "livemode": settings.STRIPE_LIVE_MODE, "djstripe_owner_account": owner},
                )
                if key.djstripe_owner_account_id != owner.pk:
                    key.djstripe_owner_account = owner
                    key.save(update_fields=["djstripe_owner_account"])
        _endpoint, created = WebhookEndpoint.objects.update_or_create(
            djstripe_uuid=endpoint_uuid,
            defaults={
                "id": f"we_spirittours_{endpoint_uuid.hex[:12]}",
                "secret": settings.STRIPE_WEBHOOK_SECRET,
                "url": url,
                "enabled_events": EVENTS,
                "livemode": settings.STRIPE_LIVE_MODE,
                "api_version": "",
                "status": "enabled",
                "djstripe_owner_account": owner,
            },
        )
        self.stdout.write(f"Stripe webhook endpoint {'created' if created else 'updated'}: {url}")
        self.stdout.write("Register this address in Stripe's dashboard for these events: " + ", ".join(EVENTS))
