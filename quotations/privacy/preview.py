"""The client's and a hotel's views, built for staff: "view as client", and a bid entered for a hotel.

Exactly what `present_quotation_for_client` would give the client once the
quote is sent: the same dataclass, the same client prices and chosen hotels,
with the validity the send would set. Only staff may ask for it, and only
while the quote is priced: a preview of a quote without a price is not what
the client would get.
"""

import datetime

from django.utils.translation import gettext as _

from quotations.errors import QuotationError
from quotations.models import HotelInvitation, Quotation, QuotationStatus
from quotations.privacy.access import Viewer, ViewerKind
from quotations.privacy.clients import PresentedQuotationForClient, _chosen_hotels, _client_prices
from quotations.privacy.hotels import PresentedInvitationForHotel, present_invitation_for_hotel
from quotations.privacy.requirements import present_itinerary, present_requirements
from spirittours.errors import NotVisible


def present_quotation_preview_for_staff(
    *, viewer: Viewer, quotation: Quotation, valid_until: datetime.date
) -> PresentedQuotationForClient:
    """The client's page of this quotation as if sent today with `valid_until` (capped by the bids)."""
    if viewer.kind != ViewerKind.STAFF:
        raise NotVisible
    pricing = quotation.pricings.filter(is_current=True).first()
    if pricing is None:
        raise QuotationError(_("Price the quote before previewing it."), code="not_priced")
    # Before sending, the client would see it as sent, valid until what the send would set;
    # afterwards, as it stands.
    before_send = quotation.status == QuotationStatus.QUOTED or quotation.valid_until is None
    status = QuotationStatus.SENT if before_send else QuotationStatus(quotation.status)
    return PresentedQuotationForClient(
        id=quotation.pk,
        reference=quotation.reference,
        group_name=quotation.group_name,
        client_name=quotation.client.name,
        status=status,
        status_label=status.label,
        requirements=present_requirements(quotation),
        itinerary=present_itinerary(quotation),
        inclusions=tuple(extra.description for extra in quotation.extras.order_by("id")),
        prices=_client_prices(pricing),
        hotels=_chosen_hotels(pricing),
        valid_until=min(valid_until, pricing.bids_valid_until) if before_send else quotation.valid_until,
        owner_name=quotation.owner.get_full_name(),
        owner_email=quotation.owner.email,
    )


def present_invitation_as_hotel_for_staff(
    *, viewer: Viewer, invitation: HotelInvitation, now: datetime.datetime
) -> PresentedInvitationForHotel:
    """The hotel's own view of its invitation, for staff entering a bid on its behalf.

    Built by the hotel's presenter for that hotel alone, so the form staff fill
    is the hotel's form: its stays, its room types, its own bids, nothing else.
    """
    if viewer.kind != ViewerKind.STAFF:
        raise NotVisible
    as_hotel = Viewer(kind=ViewerKind.HOTEL, hotel_ids=frozenset({invitation.hotel_id}))
    return present_invitation_for_hotel(viewer=as_hotel, invitation=invitation, now=now)
