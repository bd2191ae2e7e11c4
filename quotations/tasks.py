"""Beat jobs of the quotation flow. Each scans the database for what is due and
moves it through the services; a second run finds nothing left to do."""

import logging

from celery import shared_task

from quotations.errors import QuotationError
from quotations.models import Quotation
from quotations.selectors import quotation_ids_bidding_past_deadline, quotation_ids_sent_past_validity
from quotations.services import quotation_close_bidding, quotation_expire

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
