"""Email tracking webhooks: only the configured provider's endpoint answers, and only with a secret.

anymail authenticates a tracking webhook with HTTP basic auth (WEBHOOK_SECRET) but,
when no secret is set, accepts any POST with a warning: a forged bounce would put a
client's address on the suppression list. These views refuse that case outright.
The provider and the secret are read per request, so a process never serves a
provider it was not configured for, whatever anymail's URL list contains.
"""

import logging
from collections.abc import Callable

from anymail.utils import get_anymail_setting
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)

# The providers whose keys the settings read (SENDGRID_API_KEY, POSTMARK_SERVER_TOKEN,
# MAILGUN_API_KEY), by the module name of their anymail backend.
TRACKING_VIEWS = {
    "mailgun": MailgunTrackingWebhookView,
    "postmark": PostmarkTrackingWebhookView,
    "sendgrid": SendGridTrackingWebhookView,
}


def email_provider() -> str:
    """The ESP that sends our email ("postmark"), or "" when none is configured."""
    return settings.EMAIL_PROVIDER


def tracking_secret_configured() -> bool:
    """Whether tracking webhooks can be authenticated: anymail's WEBHOOK_SECRET is set."""
    return bool(get_anymail_setting("webhook_secret", default=None))


def tracking_webhook(provider: str) -> Callable[[HttpRequest], HttpResponse]:
    """The provider's anymail tracking view, served only while it is the configured provider."""
    anymail_view = TRACKING_VIEWS[provider].as_view()

    @csrf_exempt
    @login_not_required
    def view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if email_provider() != provider:
            raise Http404
        if not tracking_secret_configured():
            logger.warning("%s tracking webhook refused: ANYMAIL_WEBHOOK_SECRET is not set", provider)
            return HttpResponseForbidden()
        return anymail_view(request, *args, **kwargs)

    return view
