"""The emails of the quotation flow, queued in the transaction of their change.

Each context comes from the privacy module, built for its recipient; each
dedupe key names the event, so a retried service or a rerun job never queues
the same email twice.
"""

from django.urls import reverse

from accounts.models import User
from notifications.services import email_queue
from quotations.models import HotelInvitation, Quotation, QuotationLog
from quotations.privacy.emails import (
    email_context_bidding_incomplete,
    email_context_client_changes_requested,
    email_context_client_declined,
    email_context_deadline_warning,
    email_context_hotel_activity,
    email_context_hotel_invitation,
    email_context_quotation_approved,
    email_context_quotation_created,
    email_context_quotation_sent,
)
from quotations.selectors import quotation_changes_requests_count, quotation_sendings_count


def hotel_language(*, hotel) -> str:
    """A hotel's emails are in its first active member's language (Spanish without one)."""
    member = hotel.members.filter(is_active=True).order_by("pk").first()
    return member.language if member else "es"


def _hotel_language(invitation: HotelInvitation) -> str:
    return hotel_language(hotel=invitation.hotel)


def email_quotation_created(*, quotation: Quotation) -> None:
    owner = quotation.owner
    email_queue(
        template="quotation_created",
        to_email=owner.email,
        to_name=owner.get_full_name(),
        language=owner.language,
        context=email_context_quotation_created(quotation=quotation),
        dedupe_key=f"quotation_created:quotation:{quotation.pk}",
    )


def email_hotel_invitation(*, invitation: HotelInvitation, dedupe_key: str | None = None) -> None:
    """The invitation with its portal link; a resend names itself in `dedupe_key`."""
    email_queue(
        template="hotel_invitation",
        to_email=invitation.hotel.email,
        to_name=invitation.hotel.name,
        language=_hotel_language(invitation),
        context=email_context_hotel_invitation(invitation=invitation),
        dedupe_key=dedupe_key or f"hotel_invitation:invitation:{invitation.pk}",
    )


def email_quotation_approved(*, quotation: Quotation) -> None:
    recipients: list[User] = [quotation.owner, *quotation.client.contacts.filter(is_active=True).order_by("pk")]
    for recipient in recipients:
        email_queue(
            template="quotation_approved",
            to_email=recipient.email,
            to_name=recipient.get_full_name(),
            language=recipient.language,
            context=email_context_quotation_approved(quotation=quotation, recipient=recipient),
            dedupe_key=f"quotation_approved:quotation:{quotation.pk}:user:{recipient.pk}",
        )


def email_bid_deadline_warning(*, invitation: HotelInvitation, dedupe_key: str | None = None) -> None:
    """The deadline warning (beat job, 24 h before); a reminder from staff names itself in `dedupe_key`."""
    email_queue(
        template="deadline_warning",
        to_email=invitation.hotel.email,
        to_name=invitation.hotel.name,
        language=_hotel_language(invitation),
        context=email_context_deadline_warning(
            quotation=invitation.quotation,
            kind="bid",
            url_path=reverse("portal:invitation", kwargs={"token": invitation.token}),
        ),
        dedupe_key=dedupe_key or f"deadline_warning:invitation:{invitation.pk}",
    )


def email_quote_expiry_warning(*, quotation: Quotation) -> None:
    for contact in quotation.client.contacts.filter(is_active=True).order_by("pk"):
        email_queue(
            template="deadline_warning",
            to_email=contact.email,
            to_name=contact.get_full_name(),
            language=contact.language,
            context=email_context_deadline_warning(
                quotation=quotation, kind="quote", url_path=reverse("client:quotation", kwargs={"pk": quotation.pk})
            ),
            dedupe_key=f"deadline_warning:quotation:{quotation.pk}:expiry:user:{contact.pk}",
        )


def email_quotation_sent(*, quotation: Quotation) -> None:
    """The quote to each of the client's contacts; a quote sent again is "your revised quote".

    Call it after the move to `sent`, in its transaction: the audit entry of
    this sending is already written, so its number names the sending in the
    dedupe key (the same pricing may be sent twice, after an expiry).
    """
    sending = quotation_sendings_count(quotation=quotation)
    for contact in quotation.client.contacts.filter(is_active=True).order_by("pk"):
        email_queue(
            template="quotation_sent",
            to_email=contact.email,
            to_name=contact.get_full_name(),
            language=contact.language,
            context=email_context_quotation_sent(quotation=quotation, recipient=contact, revised=sending > 1),
            dedupe_key=f"quotation_sent:quotation:{quotation.pk}:sending:{sending}:user:{contact.pk}",
            attachments=[{"kind": "quote", "id": quotation.pk}],
        )


def _to_owner(quotation: Quotation, *, template: str, context: dict, dedupe_key: str) -> None:
    owner = quotation.owner
    email_queue(
        template=template,
        to_email=owner.email,
        to_name=owner.get_full_name(),
        language=owner.language,
        context=context,
        dedupe_key=dedupe_key,
    )


def email_client_changes_requested(*, quotation: Quotation, message: str, by: User) -> None:
    """Tell the owner what the client asked for; one email per request (after its audit entry)."""
    request = quotation_changes_requests_count(quotation=quotation)
    _to_owner(
        quotation,
        template="client_changes_requested",
        context=email_context_client_changes_requested(quotation=quotation, message=message, by=by),
        dedupe_key=f"client_changes_requested:quotation:{quotation.pk}:request:{request}",
    )


def email_client_declined(*, quotation: Quotation, reason: str, by: User) -> None:
    """Tell the owner the client declined; a quote is declined once."""
    _to_owner(
        quotation,
        template="client_declined",
        context=email_context_client_declined(quotation=quotation, reason=reason, by=by),
        dedupe_key=f"client_declined:quotation:{quotation.pk}",
    )


def email_hotel_activity(*, quotation: Quotation, entries: list[QuotationLog], after_log_id: int) -> None:
    """One digest of the hotels' activity after audit entry `after_log_id`.

    The key names where the digest starts, so two jobs that saw the same
    previous digest queue one email; `activity_through` is where the next starts.
    """
    _to_owner(
        quotation,
        template="hotel_activity",
        context={
            **email_context_hotel_activity(quotation=quotation, entries=entries),
            "activity_through": max(entry.pk for entry in entries),
        },
        dedupe_key=f"hotel_activity:quotation:{quotation.pk}:after:{after_log_id}",
    )


def email_bidding_incomplete(*, quotation: Quotation, cities: list[str]) -> None:
    """Tell the owner which cities lack a complete, valid bid; once per bid deadline."""
    deadline = int(quotation.bid_deadline.timestamp())
    _to_owner(
        quotation,
        template="bidding_incomplete",
        context=email_context_bidding_incomplete(quotation=quotation, cities=cities),
        dedupe_key=f"bidding_incomplete:quotation:{quotation.pk}:deadline:{deadline}",
    )
