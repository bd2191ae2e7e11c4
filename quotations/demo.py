"""Build the demo dataset (`python manage.py seed_demo`) through the services.

Idempotent: users, clients and hotels are found by natural key and written
only when missing or different from the demo data; a trip is created, and
driven through its statuses, only when its client has no quotation with that
group name yet. Everything happens in one transaction, so a failed run leaves
nothing behind.
"""

import datetime
import zlib
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.contrib.auth.hashers import check_password, make_password
from django.db import models, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Language, Role, User
from quotations.cities import city_key
from quotations.demo_data import (
    CLIENTS,
    DEMO_PASSWORD,
    DIRECTOR,
    HOTELS,
    SALES_AGENT,
    STAFF,
    ClientSpec,
    HotelSpec,
    Person,
    StaffSpec,
)
from quotations.demo_trips import TRIPS, TripPlan
from quotations.models import Client, ExchangeRate, Hotel, HotelInvitation, Quotation, QuotationStay, RoomType
from quotations.models import QuotationStatus as S
from quotations.services import (
    BidLineInput,
    StayInput,
    bid_revise,
    bid_submit,
    bid_withdraw,
    invitation_decline,
    invitation_mark_viewed,
    quotation_approve,
    quotation_cancel,
    quotation_close_bidding,
    quotation_create,
    quotation_decline,
    quotation_expire,
    quotation_invite_hotels,
    quotation_mark_booked,
    quotation_price,
    quotation_request_changes,
    quotation_revise,
    quotation_send,
)
from spirittours.geo import Country

BID_WINDOW_DAYS = 12
BID_VALID_DAYS = 35
# Shorter than BID_VALID_DAYS: a quote never outlives the hotel rates behind it.
QUOTE_VALID_DAYS = 14
REVISION_DISCOUNT = Decimal("0.95")
# Hotels never quote two groups exactly alike: rates vary by up to this share either way.
RATE_SPREAD_PERCENT = 6
ROOM_TYPES = (RoomType.SINGLE, RoomType.DOUBLE, RoomType.TWIN, RoomType.TRIPLE)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


@dataclass(frozen=True)
class DemoSummary:
    logins: list[DemoLogin]
    quotations_created: int
    clients: int
    hotels: int
    quotations_by_status: dict[str, int]


@dataclass(frozen=True)
class _DemoHotel:
    hotel: Hotel
    spec: HotelSpec
    member: User


class _DemoPassword:
    """Hash the demo password once per run instead of once per user.

    Hashing costs a third of a second by design; the demo users share a
    published password, so sharing its salt gives nothing away.
    """

    def __init__(self) -> None:
        self._verified: dict[str, bool] = {}

    @cached_property
    def encoded(self) -> str:
        return make_password(DEMO_PASSWORD)

    def matches(self, encoded: str) -> bool:
        if encoded not in self._verified:
            self._verified[encoded] = check_password(DEMO_PASSWORD, encoded)
        return self._verified[encoded]


def demo_seed() -> DemoSummary:
    """Create whatever part of the demo dataset is missing; return what to tell the operator."""
    password = _DemoPassword()
    created = 0
    with transaction.atomic():
        staff = {spec.person.email: _staff_ensure(spec=spec, password=password) for spec in STAFF}
        clients = {spec.name: _client_ensure(spec=spec, password=password) for spec in CLIENTS}
        hotels = {spec.name: _hotel_ensure(spec=spec, password=password) for spec in HOTELS}
        _exchange_rates_ensure()
        for plan in TRIPS:
            client, contact = clients[plan.client]
            if Quotation.objects.filter(client=client, group_name=plan.group_name).exists():
                continue
            _trip_build(plan=plan, client=client, contact=contact, owner=staff[plan.owner], hotels=hotels)
            created += 1
    by_status = dict(Quotation.objects.values_list("status").annotate(count=Count("pk")).order_by())
    return DemoSummary(
        logins=demo_logins(),
        quotations_created=created,
        clients=Client.objects.count(),
        hotels=Hotel.objects.count(),
        quotations_by_status={status: by_status.get(status, 0) for status in S.values},
    )


def demo_logins() -> list[DemoLogin]:
    """One login per kind of user, all with the demo password."""
    hotel_user = next(spec.member for spec in HOTELS if spec.name == "Hotel Alfonso XIII")
    return [
        DemoLogin(role=_("Director (superuser)"), email=DIRECTOR.person.email, password=DEMO_PASSWORD),
        DemoLogin(role=_("Sales agent"), email=SALES_AGENT.person.email, password=DEMO_PASSWORD),
        DemoLogin(role=_("Client contact"), email=CLIENTS[0].contacts[0].email, password=DEMO_PASSWORD),
        DemoLogin(role=_("Hotel user"), email=hotel_user.email, password=DEMO_PASSWORD),
    ]


# --- People, clients and hotels: found by natural key, written only if different ---


def _assign(obj: models.Model, values: dict) -> list[str]:
    """Set the fields that differ from `values`; return their names."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


def _record_ensure(model: type[models.Model], *, key: dict, values: dict) -> models.Model:
    obj = model.objects.filter(**key).order_by("pk").first()
    if obj is None:
        obj = model(**key, **values)
        obj.full_clean()
        obj.save()
        return obj
    changed = _assign(obj, values)
    if changed:
        obj.full_clean()
        obj.save(update_fields=[*changed, "updated_at"])
    return obj


def _user_ensure(*, person: Person, password: _DemoPassword, role: str, language: str, **extra) -> User:
    values = {
        "full_name": person.full_name,
        "role": role,
        "language": language,
        "is_active": True,
        "staff_level": None,
        "is_staff": False,
        "is_superuser": False,
        **extra,
    }
    user = User.objects.filter(email=person.email).first()
    if user is None:
        user = User(email=person.email, password=password.encoded, **values)
        user.full_clean()
        user.save()
        return user
    changed = _assign(user, values)
    if not password.matches(user.password):
        user.password = password.encoded
        changed.append("password")
    if changed:
        user.full_clean()
        user.save(update_fields=changed)
    return user


def _staff_ensure(*, spec: StaffSpec, password: _DemoPassword) -> User:
    return _user_ensure(
        person=spec.person,
        password=password,
        role=Role.STAFF,
        language=Language.SPANISH,
        staff_level=spec.staff_level,
        is_staff=True,
        is_superuser=spec.is_superuser,
    )


def _client_ensure(*, spec: ClientSpec, password: _DemoPassword) -> tuple[Client, User]:
    """The client and its first contact, who answers for it in the demo trips."""
    client = _record_ensure(
        Client,
        key={"name": spec.name},
        values={
            "kind": spec.kind,
            "country": spec.country,
            "language": spec.language,
            "email": spec.email,
            "notes": spec.notes,
        },
    )
    contacts = [
        _user_ensure(person=person, password=password, role=Role.CLIENT, language=spec.language)
        for person in spec.contacts
    ]
    client.contacts.add(*contacts)  # adds only the missing links
    return client, contacts[0]


def _hotel_ensure(*, spec: HotelSpec, password: _DemoPassword) -> _DemoHotel:
    hotel = _record_ensure(
        Hotel,
        key={"name": spec.name},
        values={
            "city": spec.city,
            "country": Country.ES,
            "stars": spec.stars,
            "email": spec.email,
            "currency": spec.currency,
            "is_active": True,
        },
    )
    member = _user_ensure(person=spec.member, password=password, role=Role.HOTEL, language=Language.SPANISH)
    hotel.members.add(member)
    return _DemoHotel(hotel=hotel, spec=spec, member=member)


# Rates staff would keep up to date in the admin; one fixed day keeps reruns unchanged.
DEMO_RATES_FROM = datetime.date(2026, 1, 1)
DEMO_RATES = (("USD", "EUR", Decimal("0.92000000")), ("GBP", "EUR", Decimal("1.17000000")))


def _exchange_rates_ensure() -> None:
    for base, quote, rate in DEMO_RATES:
        ExchangeRate.objects.get_or_create(base=base, quote=quote, valid_from=DEMO_RATES_FROM, defaults={"rate": rate})


# --- Trips: created and moved only through the services ---


def _trip_build(
    *, plan: TripPlan, client: Client, contact: User, owner: User, hotels: dict[str, _DemoHotel]
) -> Quotation:
    today = timezone.localdate()
    arrival = today + datetime.timedelta(days=plan.arrival_in_days)
    quotation = quotation_create(
        client=client,
        owner=owner,
        group_name=plan.group_name,
        arrival=arrival,
        departure=arrival + datetime.timedelta(days=sum(nights for _city, nights in plan.stays)),
        pax=plan.pax,
        rooms=plan.rooms,
        stays=[
            StayInput(city=city, nights=nights, meal_plan=plan.stay_meal_plans.get(city, ""))
            for city, nights in plan.stays
        ],
        meal_plan=plan.meal_plan,
        margin_percent=plan.margin_percent,
        notes=plan.notes,
        by=owner,
    )
    for target in plan.path:
        match target:
            case S.BIDDING:
                _bidding_run(plan=plan, quotation=quotation, owner=owner, hotels=hotels)
            case S.QUOTED if quotation.status == S.BIDDING:
                quotation_close_bidding(quotation=quotation, by=owner)
            case S.QUOTED:
                quotation_revise(quotation=quotation, by=owner)
            case S.SENT:
                quotation_price(quotation=quotation, by=owner)
                quotation_send(
                    quotation=quotation, valid_until=today + datetime.timedelta(days=QUOTE_VALID_DAYS), by=owner
                )
            case S.CHANGES_REQUESTED:
                quotation_request_changes(quotation=quotation, message=plan.change_request, by=contact)
            case S.APPROVED:
                quotation_approve(quotation=quotation, by=contact)
            case S.DECLINED:
                quotation_decline(quotation=quotation, reason=plan.decline_reason, by=contact)
            case S.EXPIRED:
                # Demo only: a quote sent today is valid today, so backdate its
                # validity for the expiry service to find it due. No product
                # code writes a quotation outside the services.
                Quotation.objects.filter(pk=quotation.pk).update(valid_until=today - datetime.timedelta(days=3))
                quotation_expire(quotation=quotation, by=None)
            case S.BOOKED:
                # What a confirmed booking does (the payments demo then pays the deposit of its booking).
                quotation_mark_booked(quotation=quotation)
            case S.CANCELLED:
                quotation_cancel(quotation=quotation, reason=plan.cancel_reason, by=owner)
            case _:
                raise ValueError(f"No demo step leads to {target!r}.")
    return quotation


def _bidding_run(*, plan: TripPlan, quotation: Quotation, owner: User, hotels: dict[str, _DemoHotel]) -> None:
    """Invite every demo hotel in the itinerary's cities and play each one's answer."""
    cities = {city_key(city) for city, _nights in plan.stays}
    invited = sorted(
        (entry for entry in hotels.values() if city_key(entry.spec.city) in cities), key=lambda e: e.spec.name
    )
    deadline = (timezone.localtime() + datetime.timedelta(days=BID_WINDOW_DAYS)).replace(
        hour=18, minute=0, second=0, microsecond=0
    )
    quotation_invite_hotels(
        quotation=quotation, hotels=[entry.hotel for entry in invited], by=owner, bid_deadline=deadline
    )
    stays = list(quotation.stays.all())
    for entry in invited:
        name, member = entry.spec.name, entry.member
        if name in plan.silent:
            continue
        # Each hotel holds its rates for a slightly different time, never under BID_VALID_DAYS.
        valid_until = timezone.localdate() + datetime.timedelta(days=BID_VALID_DAYS + _spread(plan, name) % 10)
        invitation = HotelInvitation.objects.get(quotation=quotation, hotel=entry.hotel)
        invitation_mark_viewed(invitation=invitation, by=member)
        if name in plan.declining:
            invitation_decline(invitation=invitation, reason=plan.declining[name], by=member)
            continue
        terms = {"currency": entry.spec.currency, "valid_until": valid_until, "conditions": entry.spec.conditions}
        lines = _bid_lines(plan=plan, quotation=quotation, stays=stays, spec=entry.spec, factor=Decimal(1))
        bid = bid_submit(invitation=invitation, lines=lines, by=member, **terms)
        if name in plan.revising:
            lines = _bid_lines(plan=plan, quotation=quotation, stays=stays, spec=entry.spec, factor=REVISION_DISCOUNT)
            notes = "Tarifa revisada tras hablar con el departamento de grupos."
            bid = bid_revise(invitation=invitation, lines=lines, by=member, notes=notes, **terms)
        if name in plan.withdrawing:
            bid_withdraw(bid=bid, by=member)


def _bid_lines(
    *, plan: TripPlan, quotation: Quotation, stays: list[QuotationStay], spec: HotelSpec, factor: Decimal
) -> list[BidLineInput]:
    """A nightly rate for every requested room type in every stay in the hotel's city."""
    base_rates = dict(zip(ROOM_TYPES, spec.rates, strict=True))
    spread = _spread(plan, spec.name) % (2 * RATE_SPREAD_PERCENT + 1) - RATE_SPREAD_PERCENT
    factor = factor * plan.season * (100 + spread) / 100
    return [
        BidLineInput(
            stay_id=stay.pk,
            room_type=room_type,
            nightly_rate=(Decimal(base_rates[room_type]) * factor).quantize(Decimal(1)),
            rooms_available=count,
        )
        for stay in stays
        if city_key(stay.city) == city_key(spec.city)
        for room_type, count in quotation.room_mix.items()
        if count
    ]


def _spread(plan: TripPlan, hotel_name: str) -> int:
    """A number fixed for a trip and hotel, the same on every run and machine."""
    return zlib.crc32(f"{plan.group_name}|{hotel_name}".encode())
