"""The emails of the quotation flow, queued in the transaction of their change.

Each context comes from the privacy module, built for its recipient; each
dedupe key names the event, so a retried service or a rerun job never queues
the same email twice.
"""

from django.urls import reverse

from accounts.models import User
from notifications.services import email_queue
from quotations.models import HotelInvitation, Quotation
from quotations.privacy.emails import (
    email_context_deadline_warning,
    email_context_hotel_invitation,
    email_context_quotation_approved,
    email_context_quotation_created,
)


def _hotel_language(invitation: HotelInvitation) -> str:
    member = invitation.hotel.members.filter(is_active=True).order_by("pk").first()
    return member.language if member else "es"


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


def email_hotel_invitation(*, invitation: HotelInvitation) -> None:
    email_queue(
        template="hotel_invitation",
        to_email=invitation.hotel.email,
        to_name=invitation.hotel.name,
        language=_hotel_language(invitation),
        context=email_context_hotel_invitation(invitation=invitation),
        dedupe_key=f"hotel_invitation:invitation:{invitation.pk}",
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


def email_bid_deadline_warning(*, invitation: HotelInvitation) -> None:
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
        dedupe_key=f"deadline_warning:invitation:{invitation.pk}",
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
