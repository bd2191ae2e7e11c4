"""Beat jobs of the quotation flow. Each scans the database for what is due and
moves it through the services; a second run finds nothing left to do."""

import logging

from celery import shared_task
from django.db import transaction

from quotations.errors import QuotationError
from quotations.models import Quotation
from quotations.selectors import (
    invitation_list_due_bid_warning,
    quotation_ids_bidding_past_deadline,
    quotation_ids_sent_past_validity,
    quotation_list_due_expiry_warning,
)
from quotations.services import quotation_close_bidding, quotation_expire
from quotations.services.emails import email_bid_deadline_warning, email_quote_expiry_warning

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
