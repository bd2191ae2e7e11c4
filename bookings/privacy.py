"""What each viewer may see of a booking: the one place that decides it for pages, emails and the API.

Staff see every booking. A client's contact sees only the bookings of its own
clients, in client prices (the frozen price lines, never a hotel's cost or the
margin). Hotels see no booking here. Looking up a booking the viewer may not
see raises NotVisible, exactly like a booking that does not exist.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from bookings.models import Booking, BookingStatus, Installment, InstallmentKind
from bookings.shares import ROOM_ORDER
from quotations.models import MealPlan, RoomType
from quotations.privacy import Viewer, ViewerKind
from quotations.privacy.presented import Label, Presented
from quotations.privacy.requirements import PresentedRoomPrice, present_room_prices
from quotations.rooms import ROOM_OCCUPANCY
from spirittours.errors import NotVisible


def bookings_visible(*, viewer: Viewer) -> QuerySet[Booking]:
    if viewer.kind == ViewerKind.STAFF:
        return Booking.objects.all()
    if viewer.kind == ViewerKind.CLIENT:
        return Booking.objects.filter(client_id__in=viewer.client_ids)
    return Booking.objects.none()


def booking_get_visible(*, viewer: Viewer, pk: int) -> Booking:
    booking = bookings_visible(viewer=viewer).select_related("client", "owner", "quotation").filter(pk=pk).first()
    if booking is None:
        raise NotVisible
    return booking


@dataclass(frozen=True)
class PresentedInstallment(Presented):
    id: int
    position: int
    kind: str
    kind_label: Label
    due_date: datetime.date
    amount: Decimal
    paid: Decimal
    outstanding: Decimal
    overdue: bool


@dataclass(frozen=True)
class PresentedBookedStay(Presented):
    city: str
    nights: int
    check_in: datetime.date
    check_out: datetime.date
    hotel_name: str
    meal_plan_label: Label


@dataclass(frozen=True)
class PresentedBankDetails(Presented):
    holder: str
    iban: str
    bic: str
    bank: str
    reference: str  # what the client writes on the transfer


@dataclass(frozen=True)
class PresentedTraveller(Presented):
    id: int
    full_name: str
    email: str
    room_type: str
    room_type_label: Label
    is_free_place: bool
    date_of_birth: datetime.date | None
    nationality: str
    document_number: str
    document_expiry: datetime.date | None
    document_expires_before_return: bool  # flagged: the document must be valid until the group is home
    dietary_needs: str
    accessibility_needs: str
    emergency_contact: str
    room_id: int | None
    room_number: int | None
    removable: bool  # nothing paid or announced for them: removed, not cancelled


@dataclass(frozen=True)
class PresentedRoom(Presented):
    id: int
    number: int
    room_type: str
    room_type_label: Label
    beds: int
    guests: tuple[str, ...]


@dataclass(frozen=True)
class PresentedAdjustment(Presented):
    label: str
    amount: Decimal


@dataclass(frozen=True)
class PresentedBookedHotel(Presented):
    id: int
    hotel_name: str
    check_in: datetime.date
    check_out: datetime.date
    rooming_sent_at: datetime.datetime | None


@dataclass(frozen=True)
class PresentedBooking(Presented):
    id: int
    reference: str
    quotation_id: int
    quotation_reference: str
    group_name: str
    client_name: str
    owner_name: str
    status: str
    status_label: Label
    is_open: bool  # not cancelled or completed: money may still move
    arrival: datetime.date
    departure: datetime.date
    pax: int
    paying: int
    currency: str
    total: Decimal
    paid: Decimal
    balance: Decimal
    lines: tuple[PresentedRoomPrice, ...]
    stays: tuple[PresentedBookedStay, ...]
    installments: tuple[PresentedInstallment, ...]
    next_due: PresentedInstallment | None
    rooming_cutoff: datetime.date
    bank: PresentedBankDetails
    guide_name: str
    travellers: tuple[PresentedTraveller, ...]
    rooms: tuple[PresentedRoom, ...]
    room_types: tuple[tuple[str, Label], ...]  # the booked room types, for the manifest's form
    beds_left: int
    hotels: tuple[PresentedBookedHotel, ...]  # staff only; empty for a client
    adjustments: tuple[PresentedAdjustment, ...]  # after the lines: the lines plus these make the total


@dataclass(frozen=True)
class PresentedBookingSummary(Presented):
    id: int
    reference: str
    group_name: str
    client_name: str
    owner_name: str
    status: str
    status_label: Label
    arrival: datetime.date
    currency: str
    total: Decimal
    balance: Decimal
    next_due_date: datetime.date | None
    overdue: bool


def _installment(installment: Installment, today: datetime.date) -> PresentedInstallment:
    outstanding = max(installment.amount - installment.paid_amount, Decimal(0))
    return PresentedInstallment(
        id=installment.pk,
        position=installment.position,
        kind=installment.kind,
        kind_label=InstallmentKind(installment.kind).label,
        due_date=installment.due_date,
        amount=installment.amount,
        paid=installment.paid_amount,
        outstanding=outstanding,
        overdue=outstanding > 0 and installment.due_date < today,
    )


def present_booked_stays(*, booking: Booking) -> tuple[PresentedBookedStay, ...]:
    """The itinerary with each stay's hotel and meal plan: for the client, staff and the guide (no price)."""
    return _stays(booking)


def _stays(booking: Booking) -> tuple[PresentedBookedStay, ...]:
    stays, day = [], booking.arrival
    for stay in sorted(booking.stays, key=lambda entry: entry["position"]):
        check_out = day + datetime.timedelta(days=stay["nights"])
        stays.append(
            PresentedBookedStay(
                city=stay["city"],
                nights=stay["nights"],
                check_in=day,
                check_out=check_out,
                hotel_name=stay["hotel_name"],
                meal_plan_label=MealPlan(stay["meal_plan"]).label,
            )
        )
        day = check_out
    return tuple(stays)


def present_travellers(*, booking: Booking) -> tuple[PresentedTraveller, ...]:
    """The booking's active travellers (for its client and staff only: callers check visibility)."""
    # Through the relation the payments app declares; bookings imports nothing of it.
    rows = (
        booking.travellers.filter(cancelled_at__isnull=True)
        .select_related("room")
        .annotate(payments_made=Count("payments"))
        .order_by("created_at", "pk")
    )
    return tuple(
        PresentedTraveller(
            id=t.pk,
            full_name=t.full_name,
            email=t.email,
            room_type=t.room_type,
            room_type_label=RoomType(t.room_type).label,
            is_free_place=t.is_free_place,
            date_of_birth=t.date_of_birth,
            nationality=t.nationality,
            document_number=t.document_number,
            document_expiry=t.document_expiry,
            document_expires_before_return=t.document_expiry is not None and t.document_expiry < booking.departure,
            dietary_needs=t.dietary_needs,
            accessibility_needs=t.accessibility_needs,
            emergency_contact=t.emergency_contact,
            room_id=t.room_id,
            room_number=t.room.number if t.room else None,
            removable=not t.payments_made,
        )
        for t in rows
    )


def present_rooms(*, booking: Booking) -> tuple[PresentedRoom, ...]:
    rooms = booking.rooms.prefetch_related("travellers").order_by("number")
    return tuple(
        PresentedRoom(
            id=room.pk,
            number=room.number,
            room_type=room.room_type,
            room_type_label=RoomType(room.room_type).label,
            beds=ROOM_OCCUPANCY[room.room_type],
            guests=tuple(t.full_name for t in room.travellers.all() if t.cancelled_at is None),
        )
        for room in rooms
    )


def bank_details(*, booking: Booking) -> PresentedBankDetails:
    return PresentedBankDetails(
        holder=settings.BANK_ACCOUNT_HOLDER,
        iban=settings.BANK_ACCOUNT_IBAN,
        bic=settings.BANK_ACCOUNT_BIC,
        bank=settings.BANK_NAME,
        reference=booking.reference,
    )


def present_booking(*, viewer: Viewer, booking: Booking, today: datetime.date | None = None) -> PresentedBooking:
    """The booking page's view, for staff or one of the booking's client contacts."""
    if not bookings_visible(viewer=viewer).filter(pk=booking.pk).exists():
        raise NotVisible
    today = today or timezone.localdate()
    installments = tuple(_installment(i, today) for i in booking.installments.order_by("position"))
    is_staff = viewer.kind == ViewerKind.STAFF
    travellers = present_travellers(booking=booking)
    rooms = present_rooms(booking=booking)
    return PresentedBooking(
        id=booking.pk,
        reference=booking.reference,
        quotation_id=booking.quotation_id,
        quotation_reference=booking.quotation.reference,
        group_name=booking.group_name,
        client_name=booking.client.name,
        owner_name=booking.owner.get_full_name() if is_staff else "",
        status=booking.status,
        status_label=BookingStatus(booking.status).label,
        is_open=booking.status not in (BookingStatus.CANCELLED, BookingStatus.COMPLETED),
        arrival=booking.arrival,
        departure=booking.departure,
        pax=booking.pax,
        paying=booking.paying,
        currency=booking.currency,
        total=booking.total,
        paid=booking.paid_amount,
        balance=booking.total - booking.paid_amount,
        lines=present_room_prices(booking.price_lines),
        stays=_stays(booking),
        installments=installments,
        next_due=next((i for i in installments if i.outstanding > 0), None),
        rooming_cutoff=booking.rooming_cutoff,
        bank=bank_details(booking=booking),
        guide_name=booking.guide.full_name if booking.guide_id else "",
        travellers=travellers,
        rooms=rooms,
        room_types=tuple((t, RoomType(t).label) for t in ROOM_ORDER if any(r.room_type == t for r in rooms)),
        beds_left=sum(room.beds for room in rooms) - len(travellers),
        hotels=tuple(
            PresentedBookedHotel(
                id=h.pk,
                hotel_name=h.hotel.name,
                check_in=h.check_in,
                check_out=h.check_out,
                rooming_sent_at=h.rooming_sent_at,
            )
            for h in booking.hotels.select_related("hotel").order_by("check_in", "pk")
        )
        if is_staff
        else (),
        adjustments=tuple(
            PresentedAdjustment(label=a["label"], amount=Decimal(a["amount"])) for a in booking.adjustments
        ),
    )


def present_booking_list(
    *, viewer: Viewer, bookings: QuerySet[Booking] | None = None, today: datetime.date | None = None
) -> list[PresentedBookingSummary]:
    """One row per visible booking (of `bookings` when given, already filtered by the caller)."""
    today = today or timezone.localdate()
    visible = bookings_visible(viewer=viewer)
    if bookings is not None:
        visible = visible.filter(pk__in=bookings.values("pk"))
    is_staff = viewer.kind == ViewerKind.STAFF
    rows = []
    for booking in visible.select_related("client", "owner").prefetch_related("installments").order_by("arrival"):
        open_installments = sorted(
            (i for i in booking.installments.all() if i.amount > i.paid_amount), key=lambda i: i.position
        )
        upcoming = open_installments[0] if open_installments else None
        rows.append(
            PresentedBookingSummary(
                id=booking.pk,
                reference=booking.reference,
                group_name=booking.group_name,
                client_name=booking.client.name,
                owner_name=booking.owner.get_full_name() if is_staff else "",
                status=booking.status,
                status_label=BookingStatus(booking.status).label,
                arrival=booking.arrival,
                currency=booking.currency,
                total=booking.total,
                balance=booking.total - booking.paid_amount,
                next_due_date=upcoming.due_date if upcoming else None,
                overdue=upcoming is not None
                and upcoming.due_date < today
                and booking.status != BookingStatus.CANCELLED,
            )
        )
    return rows
