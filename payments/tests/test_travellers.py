"""Paying per traveller: each traveller's signed link shows only their share, and announcing a transfer
makes one pending payment however often, and whoever (traveller or leader), presses at once."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client as HttpClient

from accounts.factories import ClientContactFactory, StaffFactory
from bookings.factories import booking_approved
from bookings.models import BookingStatus
from bookings.services import TravellerInput, traveller_add
from bookings.shares import installment_shares
from notifications.models import EmailMessage
from payments.errors import PaymentError
from payments.models import Payment, PaymentStatus
from payments.services import payment_announce, payment_cancel, payment_confirm_received, traveller_link_send
from payments.travellers import traveller_link_token


def _group(booking, contact, names=("Ana Ruiz", "Bea Soto")):
    return [
        traveller_add(
            booking=booking,
            data=TravellerInput(full_name=name, room_type="double", email=f"{name.split()[0].lower()}@mail.example"),
            by=contact,
        )
        for name in names
    ]


@pytest.mark.django_db
def test_the_shares_of_every_place_add_up_to_the_installment_and_travellers_hold_theirs():
    contact = ClientContactFactory()
    booking = booking_approved(contact=contact)
    ana, bea = _group(booking, contact)
    deposit = booking.installments.get(position=1)

    shares = installment_shares(booking=booking, installment=deposit)

    per_double = Decimal(booking.price_lines["double"]["per_person"])
    exact = deposit.amount * per_double / booking.total
    assert set(shares) == {ana.pk, bea.pk}
    assert all(abs(share - exact) <= Decimal("0.01") for share in shares.values())


@pytest.mark.django_db
def test_a_traveller_pays_through_their_link_without_logging_in_and_sees_no_one_else():
    contact = ClientContactFactory()
    booking = booking_approved(contact=contact)
    ana, _bea = _group(booking, contact)
    link = f"/pay/{traveller_link_token(traveller=ana)}/"
    http = HttpClient()

    page = http.get(link)
    deposit = booking.installments.get(position=1)
    announced = http.post(f"{link}installments/{deposit.pk}/announce/")
    again = http.post(f"{link}installments/{deposit.pk}/announce/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Ana Ruiz" in html and "Bea Soto" not in html and booking.client.name not in html
    assert page["Referrer-Policy"] == "same-origin"
    assert (announced.status_code, again.status_code) == (302, 302)
    (payment,) = Payment.objects.all()
    share = installment_shares(booking=booking, installment=deposit)[ana.pk]
    assert (payment.traveller, payment.amount, payment.status) == (ana, share, PaymentStatus.PENDING)
    assert payment.provider_reference == f"{booking.reference}-{ana.pk}"


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["nonsense", "eyJ0IjoxfQ:1tX:forged"])
def test_a_forged_link_is_404_and_writes_nothing(token):
    booking_approved()

    assert HttpClient().get(f"/pay/{token}/").status_code == 404
    assert HttpClient().post(f"/pay/{token}/installments/1/announce/").status_code == 404
    assert Payment.objects.count() == 0


@pytest.mark.django_db
def test_the_leader_covers_the_rest_and_staff_confirm_what_arrives():
    # given two travellers who announced their shares of the deposit
    contact = ClientContactFactory()
    booking = booking_approved(contact=contact)
    ana, bea = _group(booking, contact)
    deposit = booking.installments.get(position=1)
    for traveller in (ana, bea):
        payment_announce(booking=booking, installment=deposit, traveller=traveller, by=None)

    # when the leader sends the rest and staff confirm all three transfers
    rest = payment_announce(booking=booking, installment=deposit, by=contact)
    staff = StaffFactory()
    for payment in Payment.objects.order_by("pk"):
        payment_confirm_received(payment=payment, by=staff)

    # then the deposit is paid exactly and the booking is confirmed
    deposit.refresh_from_db()
    booking.refresh_from_db()
    assert sum(Payment.objects.values_list("amount", flat=True)) == deposit.amount
    assert rest.amount == deposit.amount - sum(
        Payment.objects.filter(traveller__isnull=False).values_list("amount", flat=True)
    )
    assert (deposit.paid_amount, booking.status) == (deposit.amount, BookingStatus.CONFIRMED)
    assert set(Payment.objects.values_list("status", flat=True)) == {PaymentStatus.CONFIRMED}


@pytest.mark.django_db
def test_nothing_left_to_announce_is_refused():
    contact = ClientContactFactory()
    booking = booking_approved(contact=contact)
    deposit = booking.installments.get(position=1)
    payment_announce(booking=booking, installment=deposit, by=contact)

    with pytest.raises(PaymentError) as refused:
        payment_announce(booking=booking, installment=deposit, by=contact)

    assert refused.value.code == "nothing_due"
    assert Payment.objects.count() == 1


@pytest.mark.django_db
def test_the_leader_emails_a_traveller_their_link_once():
    contact = ClientContactFactory(language="en")
    booking = booking_approved(contact=contact)
    ana, _bea = _group(booking, contact)

    traveller_link_send(traveller=ana, by=contact)
    traveller_link_send(traveller=ana, by=contact)

    (email,) = EmailMessage.objects.filter(template="traveller_payment_link")
    assert email.to_email == "ana@mail.example"
    assert f"/pay/{traveller_link_token(traveller=ana)}/" in email.body_text
    assert "Bea Soto" not in email.body_text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_traveller_and_the_leader_paying_the_same_share_at_once_make_one_payment():
    # given a traveller's share, the traveller on their link and the leader on the booking page
    contact = ClientContactFactory()
    booking = booking_approved(contact=contact)
    ana, _bea = _group(booking, contact)
    deposit = booking.installments.get(position=1)
    barrier = threading.Barrier(2)
    made: list[int] = []
    errors: list[Exception] = []

    def announce(by):
        try:
            barrier.wait()
            made.append(payment_announce(booking=booking, installment=deposit, traveller=ana, by=by).pk)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=announce, args=(who,)) for who in (None, contact)]
    # when both press at the same moment
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then one payment for the share, and both see it
    assert errors == []
    assert Payment.objects.count() == 1
    assert made == [Payment.objects.get().pk] * 2


@pytest.mark.django_db
def test_a_share_whose_transfer_never_came_can_be_announced_again():
    contact = ClientContactFactory()
    booking = booking_approved(contact=contact)
    ana, _bea = _group(booking, contact)
    deposit = booking.installments.get(position=1)
    first = payment_announce(booking=booking, installment=deposit, traveller=ana, by=None)
    payment_cancel(payment=first, by=StaffFactory())

    second = payment_announce(booking=booking, installment=deposit, traveller=ana, by=None)

    assert second.pk != first.pk
    assert (second.status, second.amount) == (PaymentStatus.PENDING, first.amount)
