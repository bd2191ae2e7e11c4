"""Who is looking, and which quotations, invitations and bids they may reach.

Looking up an object the viewer may not see raises NotVisible, exactly as
for one that does not exist, so that ids and tokens cannot be probed: pages
and the API answer both with 404, never 403. The presenters raise it too
when handed an object that is not the viewer's.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db.models import QuerySet

from accounts.models import Role, User
from quotations.models import HotelBid, HotelInvitation, Quotation, QuotationStatus
from quotations.workflow import HIDDEN_FROM_HOTEL
from spirittours.errors import NotVisible

S = QuotationStatus
# A client sees a quotation from the moment it is sent; "cancelled" only if it had been sent.
CLIENT_STATUSES = frozenset({S.SENT, S.CHANGES_REQUESTED, S.APPROVED, S.BOOKED, S.DECLINED, S.EXPIRED, S.CANCELLED})


class ViewerKind(StrEnum):
    STAFF = "staff"
    CLIENT = "client"
    HOTEL = "hotel"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Viewer:
    kind: ViewerKind
    user_id: int | None = None
    staff_level: int = 0
    is_superuser: bool = False
    client_ids: frozenset[int] = frozenset()
    hotel_ids: frozenset[int] = frozenset()

    @property
    def sees_margin(self) -> bool:
        return self.kind == ViewerKind.STAFF and (
            self.is_superuser or self.staff_level >= settings.MARGIN_VISIBLE_FROM_LEVEL
        )


ANONYMOUS = Viewer(kind=ViewerKind.ANONYMOUS)


def viewer_for(user: User | None) -> Viewer:
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    if user.role == Role.STAFF:
        return Viewer(
            kind=ViewerKind.STAFF,
            user_id=user.pk,
            staff_level=user.staff_level or 0,
            is_superuser=user.is_superuser,
        )
    if user.role == Role.CLIENT:
        return Viewer(
            kind=ViewerKind.CLIENT,
            user_id=user.pk,
            client_ids=frozenset(user.client_accounts.values_list("pk", flat=True)),
        )
    if user.role == Role.HOTEL:
        return Viewer(
            kind=ViewerKind.HOTEL,
            user_id=user.pk,
            hotel_ids=frozenset(user.hotels.filter(is_active=True).values_list("pk", flat=True)),
        )
    return ANONYMOUS


def quotations_visible(*, viewer: Viewer) -> QuerySet[Quotation]:
    if viewer.kind == ViewerKind.STAFF:
        return Quotation.objects.all()
    if viewer.kind == ViewerKind.CLIENT:
        return Quotation.objects.filter(
            client_id__in=viewer.client_ids, status__in=CLIENT_STATUSES, valid_until__isnull=False
        )
    if viewer.kind == ViewerKind.HOTEL:
        return Quotation.objects.filter(pk__in=invitations_visible(viewer=viewer).values("quotation_id"))
    return Quotation.objects.none()


def quotation_get_visible(*, viewer: Viewer, pk: int) -> Quotation:
    quotation = quotations_visible(viewer=viewer).select_related("client", "owner").filter(pk=pk).first()
    if quotation is None:
        raise NotVisible
    return quotation


def invitations_visible(*, viewer: Viewer) -> QuerySet[HotelInvitation]:
    if viewer.kind == ViewerKind.STAFF:
        return HotelInvitation.objects.all()
    if viewer.kind == ViewerKind.HOTEL:
        # The one rule (quotations.workflow): a hotel taken out of the bidding loses sight of the group.
        return HotelInvitation.objects.filter(hotel_id__in=viewer.hotel_ids).exclude(status__in=HIDDEN_FROM_HOTEL)
    return HotelInvitation.objects.none()


def invitation_get_for_hotel(*, viewer: Viewer, token: str) -> HotelInvitation:
    """The portal's invitation behind a link token, for a member of that hotel only."""
    if viewer.kind != ViewerKind.HOTEL:
        raise NotVisible
    invitation = invitations_visible(viewer=viewer).filter(token=token).select_related("hotel", "quotation").first()
    if invitation is None:
        raise NotVisible
    return invitation


def bid_get_for_hotel(*, invitation: HotelInvitation, pk: int) -> HotelBid:
    bid = invitation.bids.filter(pk=pk).first()
    if bid is None:
        raise NotVisible
    return bid
