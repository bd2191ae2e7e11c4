"""An approval becomes a booking in the same transaction, every figure frozen from the quote."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from accounts.factories import ClientContactFactory, HotelUserFactory, StaffFactory
from bookings.errors import BookingError
from bookings.factories import booking_approved
from bookings.models import Booking, BookingLog, BookingStatus, InstallmentKind, PaymentTerms
from bookings.money import DepositRule, ScheduleRules
from bookings.services import booking_create_from_quotation, booking_schedule_change, bookings_travel_progress
from notifications.models import EmailMessage
from quotations.factories import ClientFactory, HotelFactory, bid_lines_full, quotation_make, quotation_sent
from quotations.models import ExchangeRate, QuotationStatus
from quotations.services import (
    bid_submit,
    quotation_approve,
    quotation_cancel,
    quotation_close_bidding,
    quotation_invite_hotels,
    quotation_price,
    quotation_send,
)

pytestmark = pytest.mark.django_db


def test_approving_a_quote_creates_its_booking_with_the_frozen_figures_and_schedule(settings):
    # given the default rules: 30 % deposit due in 7 days, the balance 60 days before arrival
    settings.BOOKING_DEPOSIT_PERCENT = "30"
    settings.BOOKING_DEPOSIT_FIXED_PER_PERSON = ""
    today = timezone.localdate()

    # when the client approves a quote arriving in 150 days
    booking = booking_approved(arrival_in_days=150)

    # then the booking holds the quote's price and hotels, and a deposit and a balance that add up to it
    quotation = booking.quotation
    pricing = quotation.pricings.get(is_current=True)
    assert booking.status == BookingStatus.OPTION
    assert booking.reference.startswith(f"B-{today.year}-")
    assert (booking.total, booking.currency, booking.paid_amount) == (pricing.price_total, "EUR", Decimal(0))
    assert booking.price_lines == pricing.room_prices
    assert [(s["city"], s["nights"]) for s in booking.stays] == [("Sevilla", 3)]
    assert booking.stays[0]["hotel_name"] == pricing.choices.get().bid.invitation.hotel.name
    installments = list(booking.installments.order_by("position"))
    deposit = (pricing.price_total * Decimal("0.30")).quantize(Decimal("0.01"))
    assert [(i.kind, i.due_date, i.amount) for i in installments] == [
        (InstallmentKind.DEPOSIT, today + datetime.timedelta(days=7), deposit),
        (InstallmentKind.BALANCE, booking.arrival - datetime.timedelta(days=60), pricing.price_total - deposit),
    ]
    assert booking.rooming_cutoff == booking.arrival - datetime.timedelta(days=21)
    # and the quotation stays approved until the deposit is paid
    assert quotation.status == QuotationStatus.APPROVED
    assert BookingLog.objects.filter(booking=booking, action="booking.created").count() == 1


def test_approval_inside_the_balance_window_is_one_installment_due_today():
    booking = booking_approved(arrival_in_days=45)

    assert [(i.kind, i.due_date, i.amount) for i in booking.installments.all()] == [
        (InstallmentKind.FULL, timezone.localdate(), booking.total)
    ]


def test_the_exchange_rate_of_the_day_is_stored_and_never_recomputed():
    # given a quote priced from a hotel's bid in dollars, with a rate in force
    today = timezone.localdate()
    ExchangeRate.objects.create(base="USD", quote="EUR", rate=Decimal("0.92"), valid_from=today)
    contact, staff = ClientContactFactory(), StaffFactory()
    quotation = quotation_make(
        client=ClientFactory(contacts=[contact]), owner=staff, arrival=today + datetime.timedelta(days=120)
    )
    member = HotelUserFactory()
    hotel = HotelFactory(city="Sevilla", currency="USD", members=[member])
    (invitation,) = quotation_invite_hotels(
        quotation=quotation, hotels=[hotel], by=staff, bid_deadline=timezone.now() + datetime.timedelta(days=3)
    )
    bid_submit(
        invitation=invitation,
        lines=bid_lines_full(quotation=quotation, hotel=hotel, rates={"single": "90", "double": "110"}),
        currency="USD",
        valid_until=today + datetime.timedelta(days=30),
        by=member,
    )
    quotation_close_bidding(quotation=quotation, by=staff)
    quotation_price(quotation=quotation, by=staff)
    quotation_send(quotation=quotation, valid_until=today + datetime.timedelta(days=14), by=staff)

    # when the client approves, and the rate changes the next day
    quotation_approve(quotation=quotation, by=contact)
    ExchangeRate.objects.create(
        base="USD", quote="EUR", rate=Decimal("0.99"), valid_from=today + datetime.timedelta(days=1)
    )

    # then the booking keeps the rate of its day
    booking = Booking.objects.get(quotation=quotation)
    assert booking.exchange_rates == {"USD": "0.92000000"}


def test_a_booking_that_cannot_be_created_rolls_the_approval_back():
    # given a sent quote
    contact = ClientContactFactory()
    quotation = quotation_sent(
        client=ClientFactory(contacts=[contact]), arrival=timezone.localdate() + datetime.timedelta(days=120)
    )
    emails_before = EmailMessage.objects.count()

    # when creating its booking fails
    with (
        mock.patch("bookings.services.bookings.schedule_build", side_effect=ValueError("broken rule")),
        pytest.raises(ValueError),
    ):
        quotation_approve(quotation=quotation, by=contact)

    # then nothing of the approval was written
    quotation.refresh_from_db()
    assert quotation.status == QuotationStatus.SENT
    assert Booking.objects.count() == 0
    assert EmailMessage.objects.count() == emails_before


def test_a_quote_not_approved_is_never_booked():
    quotation = quotation_sent(arrival=timezone.localdate() + datetime.timedelta(days=120))

    with pytest.raises(BookingError):
        booking_create_from_quotation(quotation=quotation, by=StaffFactory())

    assert Booking.objects.count() == 0


def test_staff_cancelling_the_quotation_cancel_its_booking_with_the_tier_of_the_day():
    booking = booking_approved()
    staff = StaffFactory()

    quotation_cancel(quotation=booking.quotation, reason="El grupo no viaja", by=staff)

    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == (BookingStatus.CANCELLED, "El grupo no viaja")
    assert booking.retained_amount == (booking.total * Decimal("0.25")).quantize(Decimal("0.01"))


def test_a_quotations_own_payment_terms_make_its_schedule():
    contact = ClientContactFactory()
    quotation = quotation_sent(
        client=ClientFactory(contacts=[contact]), arrival=timezone.localdate() + datetime.timedelta(days=150)
    )
    PaymentTerms.objects.create(quotation=quotation, deposit_fixed_per_person=Decimal("100.00"), balance_days_before=45)

    quotation_approve(quotation=quotation, by=contact)

    booking = Booking.objects.get(quotation=quotation)
    deposit, balance = booking.installments.order_by("position")
    assert deposit.amount == Decimal("100.00") * booking.paying
    assert balance.due_date == booking.arrival - datetime.timedelta(days=45)


@pytest.mark.parametrize(("level", "allowed"), [(4, False), (5, True)])
def test_senior_staff_build_a_schedule_again_before_any_payment(level, allowed):
    booking = booking_approved()
    rules = ScheduleRules(deposit=DepositRule(percent=Decimal("50")), balance_days_before=30)
    staff = StaffFactory(staff_level=level)

    if not allowed:
        with pytest.raises(BookingError):
            booking_schedule_change(booking=booking, rules=rules, by=staff)
        assert booking.installments.get(position=1).amount == (booking.total * Decimal("0.30")).quantize(
            Decimal("0.01")
        )
        return
    booking_schedule_change(booking=booking, rules=rules, by=staff)
    deposit, balance = booking.installments.order_by("position")
    assert deposit.amount == (booking.total * Decimal("0.50")).quantize(Decimal("0.01"))
    assert deposit.amount + balance.amount == booking.total
    assert balance.due_date == booking.arrival - datetime.timedelta(days=30)


def test_confirmed_bookings_travel_on_arrival_and_complete_after_departure():
    booking = booking_approved()
    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.CONFIRMED)
    option = booking_approved()

    on_arrival = bookings_travel_progress(today=booking.arrival)
    again = bookings_travel_progress(today=booking.arrival)
    booking.refresh_from_db()
    travelling = booking.status
    after = bookings_travel_progress(today=booking.departure + datetime.timedelta(days=1))
    booking.refresh_from_db()

    assert (on_arrival, again, travelling) == (1, 0, BookingStatus.TRAVELLING)
    assert (after, booking.status) == (1, BookingStatus.COMPLETED)
    option.refresh_from_db()
    assert option.status == BookingStatus.OPTION
