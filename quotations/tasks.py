"""Beat jobs of the quotation flow. Each scans the database for what is due and
moves it through the services; a second run finds nothing left to do."""

import datetime
import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from quotations.errors import QuotationError
from quotations.models import Quotation
from quotations.selectors import (
    hotel_activity_digest_last,
    hotel_activity_list,
    invitation_list_due_bid_warning,
    quotation_ids_bidding_past_deadline,
    quotation_ids_sent_past_validity,
    quotation_ids_with_hotel_activity,
    quotation_list_bidding_ended_unpriced,
    quotation_list_due_expiry_warning,
)
from quotations.services import quotation_close_bidding, quotation_expire, quotation_price_preview
from quotations.services.emails import (
    email_bid_deadline_warning,
    email_bidding_incomplete,
    email_hotel_activity,
    email_quote_expiry_warning,
)
from quotations.services.quotations import quotation_lock

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def quotations_close_due_bidding() -> int:
    closed = 0
    for pk in quotation_ids_bidding_past_deadline():
        try:
            quotation_close_bidding(quotation=Quotation.objects.get(pk=pk), by=None)
            closed += 1
        except QuotationError as refused:  # moved by someone else meanwhile
            logger.info("quotation %s not closed: %s", pk, refused)
    return closed


@shared_task(acks_late=True)
def quotations_expire_due() -> int:
    expired = 0
    for pk in quotation_ids_sent_past_validity():
        try:
            quotation_expire(quotation=Quotation.objects.get(pk=pk))
            expired += 1
        except QuotationError as refused:
            logger.info("quotation %s not expired: %s", pk, refused)
    return expired


@shared_task(acks_late=True)
def quotations_deadline_warnings() -> int:
    """24 h before the bid deadline, warn each invited hotel that has not bid yet (once)."""
    invitations = invitation_list_due_bid_warning()
    for invitation in invitations:
        with transaction.atomic():
            email_bid_deadline_warning(invitation=invitation)
    return len(invitations)


@shared_task(acks_late=True)
def quotations_expiry_warnings() -> int:
    """A day before a sent quote expires, warn the client's contacts (once each)."""
    quotations = quotation_list_due_expiry_warning()
    for quotation in quotations:
        with transaction.atomic():
            email_quote_expiry_warning(quotation=quotation)
    return len(quotations)


# At most one hotel activity digest per quotation in this time.
DIGEST_EVERY = datetime.timedelta(minutes=15)
# How far back the jobs look: older activity and deadlines are never reported late in bulk.
LOOKBACK = datetime.timedelta(days=2)


@shared_task(acks_late=True)
def quotations_hotel_activity_digests() -> int:
    """Tell each owner what hotels did (bids, revisions, declines): one digest per 15 minutes at most.

    A quotation's digest covers the audit entries after the previous one's; it
    waits while that previous digest is less than 15 minutes old. The
    quotation row is locked while deciding (hotels' verbs lock it too), and
    the dedupe key names the previous digest: two runs at once queue one.
    """
    since = timezone.now() - LOOKBACK
    queued = 0
    for pk in quotation_ids_with_hotel_activity(since=since):
        with transaction.atomic():
            quotation = quotation_lock(quotation=Quotation(pk=pk))
            last = hotel_activity_digest_last(quotation=quotation)
            if last is not None and timezone.now() - last.created_at < DIGEST_EVERY:
                continue
            after = int(last.context.get("activity_through", 0)) if last is not None else 0
            entries = hotel_activity_list(quotation=quotation, after_log_id=after, since=since)
            if not entries:
                continue
            email_hotel_activity(quotation=quotation, entries=entries, after_log_id=after)
            queued += 1
    return queued


@shared_task(acks_late=True)
def quotations_bidding_incomplete_warnings() -> int:
    """Once the bid deadline has passed, tell the owner which cities lack a complete, valid bid.

    Once per deadline (it is in the dedupe key): a deadline extended and
    passed again is reported again. A quotation priced meanwhile is not.
    """
    warned = 0
    for quotation in quotation_list_bidding_ended_unpriced(since=timezone.now() - LOOKBACK):
        try:
            missing = quotation_price_preview(quotation=quotation).missing
        except QuotationError as refused:
            logger.info("quotation %s not checked for missing bids: %s", quotation.pk, refused)
            continue
        if not missing:
            continue
        with transaction.atomic():
            email_bidding_incomplete(quotation=quotation, cities=list(dict.fromkeys(stay.city for stay in missing)))
        warned += 1
    return warned
