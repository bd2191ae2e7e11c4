"""Factories for tests and the demo data. Quotations are built through the
services so that every factory-made quotation is one the product could make."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.factories import HotelUserFactory, StaffFactory
from quotations.cities import city_key
from quotations.models import Client, Hotel, Quotation
from quotations.services import (
    BidLineInput,
    RoomMix,
    StayInput,
    bid_submit,
    quotation_close_bidding,
    quotation_create,
    quotation_invite_hotels,
    quotation_price,
    quotation_send,
)
from spirittours.geo import Country, Currency


class ClientFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Parroquia San Miguel {n}")
    country = Country.ES
    email = factory.Sequence(lambda n: f"grupos{n}@parroquia.example")

    class Meta:
        model = Client
        skip_postgeneration_save = True

    @factory.post_generation
    def contacts(self, create, extracted, **kwargs):
        if create and extracted:
            self.contacts.add(*extracted)


class HotelFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Hotel Alcázar {n}")
    city = "Sevilla"
    country = Country.ES
    stars = 4
    email = factory.Sequence(lambda n: f"ventas{n}@hotel.example")
    currency = Currency.EUR

    class Meta:
        model = Hotel
        skip_postgeneration_save = True

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)


def quotation_make(
    *,
    client: Client | None = None,
    owner=None,
    group_name: str = "Peregrinación a Sevilla",
    arrival: datetime.date | None = None,
    nights: tuple[tuple[str, int], ...] = (("Sevilla", 3),),
    pax: int = 20,
    rooms: RoomMix | None = None,
    currency: str = Currency.EUR,
    margin_percent: Decimal = Decimal("15.00"),
) -> Quotation:
    """A draft quotation made by the `quotation_create` service."""
    owner = owner or StaffFactory()
    arrival = arrival or timezone.localdate() + datetime.timedelta(days=60)
    return quotation_create(
        client=client or ClientFactory(),
        owner=owner,
        group_name=group_name,
        arrival=arrival,
        departure=arrival + datetime.timedelta(days=sum(n for _, n in nights)),
        pax=pax,
        rooms=rooms or RoomMix(singles=2, doubles=9),
        stays=[StayInput(city=city, nights=n) for city, n in nights],
        currency=currency,
        margin_percent=margin_percent,
        by=owner,
    )


def bid_lines_full(*, quotation: Quotation, hotel: Hotel, rates: dict[str, str]) -> list[BidLineInput]:
    """Lines pricing every requested room type at the given rate for each stay in the hotel's city."""
    return [
        BidLineInput(
            stay_id=stay.pk, room_type=room_type, nightly_rate=Decimal(rates[room_type]), rooms_available=count
        )
        for stay in quotation.stays.all()
        if city_key(stay.city) == city_key(hotel.city)
        for room_type, count in quotation.room_mix.items()
        if count
    ]


def quotation_sent(
    *, client: Client | None = None, owner=None, rates: dict[str, str] | None = None, **make_args
) -> Quotation:
    """A quotation taken through one real bidding round, priced and sent to the client."""
    owner = owner or StaffFactory()
    quotation = quotation_make(client=client, owner=owner, **make_args)
    member = HotelUserFactory()
    hotel = HotelFactory(city=quotation.stays.first().city, members=[member])
    (invitation,) = quotation_invite_hotels(
        quotation=quotation, hotels=[hotel], by=owner, bid_deadline=timezone.now() + datetime.timedelta(days=3)
    )
    bid_submit(
        invitation=invitation,
        lines=bid_lines_full(
            quotation=quotation,
            hotel=hotel,
            rates=rates or {"single": "90", "double": "110", "twin": "110", "triple": "140"},
        ),
        currency=hotel.currency,
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
        by=member,
    )
    quotation_close_bidding(quotation=quotation, by=owner)
    quotation_price(quotation=quotation, by=owner)
    return quotation_send(quotation=quotation, valid_until=timezone.localdate() + datetime.timedelta(days=14), by=owner)
