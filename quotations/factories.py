"""Factories for tests and the demo data. Quotations are built through the
services so that every factory-made quotation is one the product could make."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.factories import StaffFactory
from quotations.models import Client, Hotel, Quotation
from quotations.services import RoomMix, StayInput, quotation_create
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
