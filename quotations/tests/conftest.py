"""A whole bidding round with distinctive figures, shared by pricing and privacy tests.

Sevilla 3 nights then Granada 2 nights, 20 pax in 2 singles and 9 doubles,
margin 17.35 %, extras 12.50 + 8.00 per person. Five hotels bid:

    Aurora   Sevilla 4★ EUR  81.37 / 96.53
    Boreal   Sevilla 5★ USD  85.17 / 100.29   (1 USD = 0.92 EUR)
    Cenit    Sevilla 3★ EUR  51.11 / 61.13    (its bid has expired)
    Delta    Granada 4★ EUR  70.41 / 85.23
    Estrella Granada 5★ EUR  70.86 / 85.13    (same total as Delta, more stars)
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.factories import ClientContactFactory, HotelUserFactory, StaffFactory
from quotations.factories import ClientFactory, HotelFactory, bid_lines_full, quotation_make
from quotations.models import ExchangeRate, HotelBid, HotelInvitation
from quotations.services import (
    RoomMix,
    bid_submit,
    quotation_close_bidding,
    quotation_extra_add,
    quotation_invite_hotels,
)

HOTELS = {
    "aurora": ("Hotel Aurora Triana", "Sevilla", 4, "EUR", {"single": "81.37", "double": "96.53"}),
    "boreal": ("Hotel Boreal Macarena", "Sevilla", 5, "USD", {"single": "85.17", "double": "100.29"}),
    "cenit": ("Hotel Cenit Alameda", "Sevilla", 3, "EUR", {"single": "51.11", "double": "61.13"}),
    "delta": ("Hotel Delta Albaicín", "Granada", 4, "EUR", {"single": "70.41", "double": "85.23"}),
    "estrella": ("Hotel Estrella Alhambra", "Granada", 5, "EUR", {"single": "70.86", "double": "85.13"}),
}


@pytest.fixture
def bidding_round(db):
    today = timezone.localdate()
    staff = StaffFactory(full_name="Lucía Comercial", staff_level=8)
    contact = ClientContactFactory(full_name="Padre Ignacio Zeta")
    client = ClientFactory(name="Cofradía Zeta Confidencial", email="zeta@cofradia.example", contacts=[contact])
    quotation = quotation_make(
        client=client,
        owner=staff,
        group_name="Semana Santa en Andalucía",
        nights=(("Sevilla", 3), ("Granada", 2)),
        pax=20,
        rooms=RoomMix(singles=2, doubles=9),
        margin_percent=Decimal("17.35"),
    )
    ExchangeRate.objects.create(base="USD", quote="EUR", rate=Decimal("0.92"), valid_from=today)
    quotation_extra_add(
        quotation=quotation, kind="guide", description="Guía acompañante", amount_per_person=Decimal("12.50"), by=staff
    )
    quotation_extra_add(
        quotation=quotation,
        kind="entrance",
        description="Entrada a la Alhambra",
        amount_per_person=Decimal("8.00"),
        by=staff,
    )
    hotels, users = {}, {}
    for key, (name, city, stars, currency, _rates) in HOTELS.items():
        users[key] = HotelUserFactory(full_name=f"Reservas {name}")
        hotels[key] = HotelFactory(name=name, city=city, stars=stars, currency=currency, members=[users[key]])
    quotation_invite_hotels(
        quotation=quotation,
        hotels=list(hotels.values()),
        by=staff,
        bid_deadline=timezone.now() + datetime.timedelta(days=2),
    )
    invitations = {key: HotelInvitation.objects.get(quotation=quotation, hotel=hotel) for key, hotel in hotels.items()}
    bids = {}
    for key, (_name, _city, _stars, currency, rates) in HOTELS.items():
        bids[key] = bid_submit(
            invitation=invitations[key],
            lines=bid_lines_full(quotation=quotation, hotel=hotels[key], rates={**rates, "twin": "1", "triple": "1"}),
            currency=currency,
            valid_until=today + datetime.timedelta(days=20 + len(bids)),
            conditions=f"Condiciones privadas de {HOTELS[key][0]}",
            by=users[key],
        )
    # Test-only write: bids cannot be submitted already expired, so age Cenit's.
    HotelBid.objects.filter(pk=bids["cenit"].pk).update(valid_until=today - datetime.timedelta(days=1))
    return SimpleNamespace(
        quotation=quotation,
        staff=staff,
        contact=contact,
        client=client,
        hotels=hotels,
        users=users,
        invitations=invitations,
        bids=bids,
        close=lambda: quotation_close_bidding(quotation=quotation, by=staff),
    )


@pytest.fixture
def browser(monkeypatch):
    """A headless Debian Chromium through Playwright, closed after the test."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    from quotations.tests.browser import CHROMIUM_ARGS

    # Playwright's sync API runs an event loop in this thread; the ORM calls in the
    # test body are ordinary synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield launched
        launched.close()
        # Queries made while Playwright ran used a connection of their own context;
        # close it here, or PostgreSQL cannot drop the test database afterwards.
        connections.close_all()


@pytest.fixture
def web_server(transactional_db, settings):
    """The production web server (the Procfile's) serving HTTP and WebSocket against the test database (PostgreSQL)."""
    from django.conf import global_settings

    from quotations.tests.browser import WebServer

    # The server checks passwords with the real hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS

    server = WebServer()
    yield server
    server.stop()
