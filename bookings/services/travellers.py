"""The passenger manifest and the rooming list: added by the group leader until the rooming cut-off.

Each traveller sleeps in one of the booked room types, which sets their
price (bookings.shares); the beds of a type are its rooms × occupancy, so a
traveller is refused when no bed of their type is left. A CSV upload is all or
nothing: every bad row is listed with its reason and no row is saved.
"""

import contextlib
import csv
import datetime
import io
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from bookings.emails import email_hotel_rooming
from bookings.errors import BookingError
from bookings.events import BookingRoomingChanged
from bookings.models import Booking, BookingHotel, BookingRoom, BookingStatus, Traveller
from bookings.rules import manifest_editable_check
from bookings.services.bookings import booking_lock, booking_log
from quotations.models import RoomType
from quotations.rooms import ROOM_OCCUPANCY
from quotations.services.room import room_event_record

MAX_CSV_BYTES = 512 * 1024
MAX_CSV_ROWS = 1000
NAME_MAX = 150
COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class TravellerInput:
    full_name: str
    room_type: str
    email: str = ""
    date_of_birth: datetime.date | None = None
    nationality: str = ""
    document_number: str = ""
    document_expiry: datetime.date | None = None
    dietary_needs: str = ""
    accessibility_needs: str = ""
    emergency_contact: str = ""
    is_free_place: bool = False


def _beds(booking: Booking) -> dict[str, int]:
    counts: dict[str, int] = {}
    for room in booking.rooms.all():
        counts[room.room_type] = counts.get(room.room_type, 0) + ROOM_OCCUPANCY[room.room_type]
    return counts


def _free_places(booking: Booking) -> int:
    return sum(line.get("free", 0) for line in booking.price_lines.values() if isinstance(line, dict))


def _validate(data: TravellerInput, *, booking: Booking, beds_left: dict[str, int], free_left: int) -> dict[str, str]:
    """Field errors of one traveller (empty when it may be added)."""
    errors: dict[str, str] = {}
    if not data.full_name.strip():
        errors["full_name"] = _("Give the traveller's full name.")
    elif len(data.full_name.strip()) > NAME_MAX:
        errors["full_name"] = _("The name is too long.")
    if data.room_type not in RoomType.values or data.room_type not in beds_left:
        errors["room_type"] = _("Choose one of the booked room types.")
    elif beds_left[data.room_type] <= 0:
        errors["room_type"] = _("No bed of this room type is left.")
    if data.nationality and not COUNTRY.match(data.nationality.strip().upper()):
        errors["nationality"] = _("Give the nationality as a two-letter country code, e.g. ES.")
    if data.date_of_birth and not datetime.date(1900, 1, 1) <= data.date_of_birth <= timezone.localdate():
        errors["date_of_birth"] = _("Give a date of birth in the past.")
    if data.document_expiry and data.document_expiry.year > timezone.localdate().year + 20:
        errors["document_expiry"] = _("This expiry date is too far away.")
    if data.is_free_place and free_left <= 0:
        errors["is_free_place"] = _("This booking has no free place left.")
    for name in ("document_number", "dietary_needs", "accessibility_needs", "emergency_contact", "email"):
        if len(getattr(data, name)) > 200:
            errors[name] = _("This is too long.")
    return errors


def _left(booking: Booking) -> tuple[dict[str, int], int]:
    beds = _beds(booking)
    active = booking.travellers.filter(cancelled_at__isnull=True)
    for room_type in active.values_list("room_type", flat=True):
        beds[room_type] = beds.get(room_type, 0) - 1
    return beds, _free_places(booking) - active.filter(is_free_place=True).count()


def _create(booking: Booking, data: TravellerInput) -> Traveller:
    return Traveller.objects.create(
        booking=booking,
        full_name=" ".join(data.full_name.split()),
        email=data.email.strip(),
        date_of_birth=data.date_of_birth,
        nationality=data.nationality.strip().upper(),
        document_number=data.document_number.strip(),
        document_expiry=data.document_expiry,
        dietary_needs=data.dietary_needs.strip(),
        accessibility_needs=data.accessibility_needs.strip(),
        emergency_contact=data.emergency_contact.strip(),
        room_type=data.room_type,
        is_free_place=data.is_free_place,
    )


def traveller_add(*, booking: Booking, data: TravellerInput, by: User) -> Traveller:
    """Add one traveller; refused with the first field error, writing nothing."""
    with transaction.atomic():
        locked = booking_lock(booking=booking)
        manifest_editable_check(booking=locked, by=by)
        beds, free = _left(locked)
        errors = _validate(data, booking=locked, beds_left=beds, free_left=free)
        if errors:
            field, message = next(iter(errors.items()))
            raise BookingError(message, field=field)
        traveller = _create(locked, data)
        booking_log(booking=locked, action="traveller.added", actor=by, data={"traveller": traveller.pk})
        _rooming_changed(booking=locked)
    return traveller


def traveller_remove(*, traveller: Traveller, by: User) -> None:
    """Take a traveller off the manifest before anything is paid for them (a paid one is cancelled instead)."""
    with transaction.atomic():
        locked = booking_lock(booking=traveller.booking)
        manifest_editable_check(booking=locked, by=by)
        if traveller.payments.exists():
            raise BookingError(_("This traveller has payments: cancel their place instead."), code="paid")
        booking_log(
            booking=locked,
            action="traveller.removed",
            actor=by,
            data={"traveller": traveller.pk, "name": traveller.full_name},
        )
        traveller.delete()
        _rooming_changed(booking=locked)


# --- CSV upload -----------------------------------------------------------------------------------

# Column names accepted in the header row, English or Spanish; any order.
COLUMNS = {
    "full_name": ("full_name", "name", "nombre", "nombre_completo"),
    "room_type": ("room_type", "room", "habitacion", "tipo_habitacion"),
    "email": ("email", "correo"),
    "date_of_birth": ("date_of_birth", "birth_date", "fecha_nacimiento"),
    "nationality": ("nationality", "nacionalidad"),
    "document_number": ("document_number", "document", "documento", "pasaporte", "passport"),
    "document_expiry": ("document_expiry", "expiry", "caducidad", "caducidad_documento"),
    "dietary_needs": ("dietary_needs", "diet", "dieta"),
    "accessibility_needs": ("accessibility_needs", "accessibility", "accesibilidad"),
    "emergency_contact": ("emergency_contact", "emergency", "contacto_emergencia"),
}
ROOM_WORDS = {
    "single": RoomType.SINGLE,
    "individual": RoomType.SINGLE,
    "double": RoomType.DOUBLE,
    "doble": RoomType.DOUBLE,
    "twin": RoomType.TWIN,
    "triple": RoomType.TRIPLE,
}


@dataclass(frozen=True)
class CsvRowError:
    line: int  # the line of the file, the header being line 1
    message: str


def _header_key(name: str) -> str:
    plain = re.sub(r"[^a-z_]", "", name.strip().lower().replace(" ", "_").replace("ó", "o").replace("í", "i"))
    for key, aliases in COLUMNS.items():
        if plain in aliases:
            return key
    return ""


def _date(value: str) -> datetime.date | None:
    value = value.strip()
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(value)


def _rows(content: bytes) -> tuple[list[str], list[list[str]]]:
    text = content.decode("utf-8-sig")
    dialect = csv.excel
    with contextlib.suppress(csv.Error):  # one column, or no delimiter to sniff: plain commas
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    reader = csv.reader(io.StringIO(text), dialect)
    rows = [row for row in reader]
    return (rows[0] if rows else []), rows[1:]


def travellers_import_csv(*, booking: Booking, content: bytes, by: User) -> tuple[list[Traveller], list[CsvRowError]]:
    """Add every traveller of a CSV file, or none: with any bad row, nothing is saved and every
    bad row is returned with its reason."""
    if len(content) > MAX_CSV_BYTES:
        raise BookingError(_("The file is too large (at most 512 KB)."), field="file")
    try:
        header, rows = _rows(content)
    except UnicodeDecodeError:
        raise BookingError(_("Save the file as CSV in UTF-8."), field="file") from None
    keys = [_header_key(name) for name in header]
    if "full_name" not in keys or "room_type" not in keys:
        raise BookingError(_("The first row must name the columns, at least full_name and room_type."), field="file")
    if len(rows) > MAX_CSV_ROWS:
        raise BookingError(_("The file has too many rows."), field="file")
    with transaction.atomic():
        locked = booking_lock(booking=booking)
        manifest_editable_check(booking=locked, by=by)
        beds, free = _left(locked)
        errors: list[CsvRowError] = []
        inputs: list[TravellerInput] = []
        for line, row in enumerate(rows, start=2):
            if not any(cell.strip() for cell in row):
                continue
            values = {key: row[i].strip() for i, key in enumerate(keys) if key and i < len(row)}
            try:
                data = TravellerInput(
                    full_name=values.get("full_name", ""),
                    room_type=ROOM_WORDS.get(values.get("room_type", "").lower(), values.get("room_type", "")),
                    email=values.get("email", ""),
                    date_of_birth=_date(values.get("date_of_birth", "")),
                    nationality=values.get("nationality", "").upper(),
                    document_number=values.get("document_number", ""),
                    document_expiry=_date(values.get("document_expiry", "")),
                    dietary_needs=values.get("dietary_needs", ""),
                    accessibility_needs=values.get("accessibility_needs", ""),
                    emergency_contact=values.get("emergency_contact", ""),
                )
            except ValueError as bad:
                errors.append(CsvRowError(line=line, message=_("%(value)s is not a date.") % {"value": bad}))
                continue
            problems = _validate(data, booking=locked, beds_left=beds, free_left=free)
            if problems:
                errors.append(CsvRowError(line=line, message=" ".join(problems.values())))
                continue
            beds[data.room_type] -= 1
            inputs.append(data)
        if errors or not inputs:
            if not errors:
                errors.append(CsvRowError(line=1, message=_("The file has no traveller.")))
            return [], errors
        created = [_create(locked, data) for data in inputs]
        booking_log(booking=locked, action="traveller.imported", actor=by, data={"count": len(created)})
        _rooming_changed(booking=locked)
    return created, []


# --- The rooming list ------------------------------------------------------------------------------


def _rooming_changed(*, booking: Booking) -> None:
    """Flag the change to every hotel that already had its rooming list, and tell the room."""
    BookingHotel.objects.filter(booking=booking, rooming_sent_at__isnull=False).update(
        rooming_changed_at=timezone.now()
    )
    hotels = sorted(BookingHotel.objects.filter(booking=booking).values_list("hotel_id", flat=True))
    room_event_record(quotation=booking.quotation, event=BookingRoomingChanged(booking=booking.pk, hotels=hotels))


def rooming_assign(*, booking: Booking, assignments: dict[int, int | None], by: User) -> None:
    """Put travellers in rooms ({traveller id: room id or None}); all or nothing.

    A traveller goes only in a room of their own type, and a room holds at most
    its occupancy.
    """
    with transaction.atomic():
        locked = booking_lock(booking=booking)
        manifest_editable_check(booking=locked, by=by)
        travellers = {t.pk: t for t in locked.travellers.filter(cancelled_at__isnull=True)}
        rooms = {r.pk: r for r in BookingRoom.objects.filter(booking=locked)}
        if not set(assignments) <= set(travellers):
            raise BookingError(_("Choose travellers of this booking."), field="rooming")
        placed = {pk: t.room_id for pk, t in travellers.items()}
        for traveller_id, room_id in assignments.items():
            if room_id is not None and room_id not in rooms:
                raise BookingError(_("Choose rooms of this booking."), field="rooming")
            if room_id is not None and rooms[room_id].room_type != travellers[traveller_id].room_type:
                raise BookingError(
                    _("%(name)s is booked in another room type.") % {"name": travellers[traveller_id].full_name},
                    field="rooming",
                )
            placed[traveller_id] = room_id
        occupancy: dict[int, int] = {}
        for room_id in placed.values():
            if room_id is not None:
                occupancy[room_id] = occupancy.get(room_id, 0) + 1
        for room_id, count in occupancy.items():
            if count > ROOM_OCCUPANCY[rooms[room_id].room_type]:
                raise BookingError(
                    _("Room %(number)s holds at most %(beds)s.")
                    % {"number": rooms[room_id].number, "beds": ROOM_OCCUPANCY[rooms[room_id].room_type]},
                    field="rooming",
                )
        changed = [pk for pk, room_id in placed.items() if travellers[pk].room_id != room_id]
        for pk in changed:
            travellers[pk].room_id = placed[pk]
            travellers[pk].save(update_fields=["room", "updated_at"])
        if changed:
            booking_log(booking=locked, action="rooming.changed", actor=by, data={"travellers": sorted(changed)})
            _rooming_changed(booking=locked)


def rooming_send(*, booking: Booking, by: User) -> int:
    """Staff send each chosen hotel its rooming list (an email with its portal link); returns how many.

    Sending again after a change tells each hotel its list was updated.
    """
    if by.role != Role.STAFF or not by.is_active:
        raise BookingError(_("Only active staff may do this."), code="forbidden")
    with transaction.atomic():
        locked = booking_lock(booking=booking)
        if locked.status == BookingStatus.CANCELLED:
            raise BookingError(_("This booking is cancelled."), code="closed")
        now = timezone.now()
        hotels = list(BookingHotel.objects.filter(booking=locked).select_related("hotel", "booking"))
        for booked in hotels:
            update = booked.rooming_sent_at is not None
            booked.rooming_sent_at = now
            booked.rooming_changed_at = None
            booked.save(update_fields=["rooming_sent_at", "rooming_changed_at"])
            email_hotel_rooming(booked_hotel=booked, update=update, sent_at=now)
        booking_log(booking=locked, action="rooming.sent", actor=by, data={"hotels": [b.hotel_id for b in hotels]})
    return len(hotels)
