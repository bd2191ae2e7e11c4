"""Hostile input on the booking and payment pages: never a 500; a refusal shows why and writes nothing.

The same judge as the quotation pages' fuzzing (quotations/tests/fuzzing.py): each example runs in a
rolled-back savepoint, and a rejected request must leave every table as it was with no email queued.
"""

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone
from hypothesis import given

from accounts.factories import ClientContactFactory, StaffFactory
from bookings import urls as booking_urls
from bookings.factories import booking_approved
from bookings.models import BookingRoom, Guide
from bookings.services import TravellerInput, traveller_add
from payments import urls as payment_urls
from payments.services import payment_announce, payment_record_transfer
from payments.travellers import traveller_link_token
from quotations.tests.fuzzing import FUZZ, Ref, World, form_data, logged_in, resolve, submit_and_judge

pytestmark = pytest.mark.django_db

FUZZED = {
    "client_bookings:traveller_add",
    "client_bookings:rooming_save",
    "client_bookings:cancel",
    "client_bookings:traveller_cancel",
    "client_bookings:traveller_remove",
    "client_payments:announce",
    "client_payments:traveller_link",
    "staff_payments:transfer_record",
    "staff_payments:refund",
    "staff_payments:payment_confirm",
    "staff_payments:payment_cancel",
    "staff_bookings:guide_assign",
    "staff_bookings:schedule_change",
    "staff_bookings:rooming_send",
    "pay:announce",
    "client_payments:checkout",
    "pay:checkout",
}
# Pages and downloads (GET), the CSV upload (tested row by row in bookings/tests/test_travellers.py),
# and the staff's copies of the manifest verbs (the same views as the client's, fuzzed there).
NOT_FUZZED_HERE = {
    "client_bookings:home",
    "client_bookings:booking",
    "client_bookings:for_quotation",
    "client_bookings:travellers_import",
    "staff_bookings:home",
    "staff_bookings:booking",
    "staff_bookings:for_quotation",
    "staff_bookings:rooming_export",
    "staff_bookings:traveller_add",
    "staff_bookings:rooming_save",
    "staff_bookings:cancel",
    "staff_bookings:traveller_cancel",
    "staff_bookings:traveller_remove",
    "staff_bookings:travellers_import",
    "portal_bookings:home",
    "portal_bookings:booking",
    "portal_bookings:rooming_export",
    "guide:trip",
    "client_payments:receipt",
    "client_payments:credit_note",
    "staff_payments:receipt",
    "staff_payments:credit_note",
    "pay:traveller",
    "pay:return",
}


def test_every_post_endpoint_of_the_booking_pages_is_fuzzed():
    groups = (
        ("client_bookings", booking_urls.client_urlpatterns),
        ("staff_bookings", booking_urls.staff_urlpatterns),
        ("portal_bookings", booking_urls.portal_urlpatterns),
        ("guide", booking_urls.guide_urlpatterns),
        ("client_payments", payment_urls.client_urlpatterns),
        ("staff_payments", payment_urls.staff_urlpatterns),
        ("pay", payment_urls.pay_urlpatterns),
    )
    names = {f"{ns}:{p.name}" for ns, patterns in groups for p in patterns if isinstance(p, URLPattern)}
    assert names == FUZZED | NOT_FUZZED_HERE


@pytest.fixture
def world():
    """A booking with its deposit paid, two travellers (one with an announced share), its contact and staff."""
    contact = ClientContactFactory()
    staff = StaffFactory(staff_level=8)
    booking = booking_approved(contact=contact)
    ana, bea = (
        traveller_add(booking=booking, data=TravellerInput(full_name=n, room_type="double", email=e), by=contact)
        for n, e in (("Ana Ruiz", "ana@viajeros.example"), ("Bea Soto", "bea@viajeros.example"))
    )
    deposit, balance = booking.installments.order_by("position")
    payment_record_transfer(
        booking=booking,
        installment=deposit,
        amount=deposit.amount,
        received_on=timezone.localdate(),
        reference="T-1",
        by=staff,
    )
    pending = payment_announce(booking=booking, installment=balance, traveller=bea, by=None)
    guide = Guide.objects.create(full_name="Javier Ortega", email="javier@guias.example")
    return World(
        client=logged_in(contact),
        staff=logged_in(staff),
        anonymous=logged_in(None),
        booking=booking,
        ana=ana,
        balance=balance,
        pending=pending,
        room=BookingRoom.objects.get(booking=booking, number=3),
        guide=guide,
        token=traveller_link_token(traveller=ana),
    )


def _client_page(world):
    return lambda http: http.get(reverse("client_bookings:booking", kwargs={"pk": world.booking.pk}))


def _staff_page(world):
    return lambda http: http.get(reverse("staff_bookings:booking", kwargs={"pk": world.booking.pk}))


def _post(http, url, data, after):
    return submit_and_judge(http=http, send=lambda h: h.post(url, data), after=after)


@FUZZ
@given(
    data=form_data(
        {"full_name": "Carla Vidal", "room_type": "double", "date_of_birth": "1980-02-01", "nationality": "ES"},
        {"date_of_birth": "date", "room_type": "text"},
    )
)
def test_fuzz_traveller_add(world, data):
    url = reverse("client_bookings:traveller_add", kwargs={"pk": world.booking.pk})
    _post(world.client, url, data, _client_page(world))


@FUZZ
@given(data=form_data({"room_{ana}": Ref("room")}, {"room_{ana}": "id"}))
def test_fuzz_rooming_save(world, data):
    data = resolve(data, {"ana": world.ana.pk, "room": world.room.pk})
    url = reverse("client_bookings:rooming_save", kwargs={"pk": world.booking.pk})
    _post(world.client, url, data, _client_page(world))


@FUZZ
@given(data=form_data({"reason": "The group postponed"}))
def test_fuzz_booking_cancel(world, data):
    url = reverse("client_bookings:cancel", kwargs={"pk": world.booking.pk})
    _post(world.client, url, data, _client_page(world))


@FUZZ
@given(data=form_data({"unused": "x"}))
def test_fuzz_traveller_cancel_and_remove(world, data):
    for name in ("client_bookings:traveller_cancel", "client_bookings:traveller_remove"):
        url = reverse(name, kwargs={"pk": world.booking.pk, "traveller_id": world.ana.pk})
        submit_and_judge(http=world.client, send=lambda h, url=url: h.post(url, data), after=_client_page(world))


@FUZZ
@given(data=form_data({"traveller": Ref("ana")}, {"traveller": "id"}))
def test_fuzz_announce(world, data):
    data = resolve(data, {"ana": world.ana.pk})
    url = reverse("client_payments:announce", kwargs={"pk": world.booking.pk, "installment_id": world.balance.pk})
    _post(world.client, url, data, _client_page(world))


@FUZZ
@given(data=form_data({"unused": "x"}))
def test_fuzz_traveller_link(world, data):
    url = reverse("client_payments:traveller_link", kwargs={"pk": world.booking.pk, "traveller_id": world.ana.pk})
    _post(world.client, url, data, _client_page(world))


@FUZZ
@given(
    data=form_data(
        {"installment": Ref("balance"), "amount": "10.00", "received_on": Ref("today"), "reference": "BAL-1"},
        {"installment": "id", "amount": "decimal", "received_on": "date"},
    )
)
def test_fuzz_transfer_record(world, data):
    data = resolve(data, {"balance": world.balance.pk, "today": timezone.localdate().isoformat()})
    url = reverse("staff_payments:transfer_record", kwargs={"pk": world.booking.pk})
    _post(world.staff, url, data, _staff_page(world))


@FUZZ
@given(
    data=form_data(
        {"refund-amount": "10.00", "refund-reference": "REF-1"},
        {"refund-amount": "decimal"},
    )
)
def test_fuzz_refund(world, data):
    url = reverse("staff_payments:refund", kwargs={"pk": world.booking.pk})
    _post(world.staff, url, data, _staff_page(world))


@FUZZ
@given(data=form_data({"unused": "x"}))
def test_fuzz_payment_confirm_and_cancel(world, data):
    for name in ("staff_payments:payment_confirm", "staff_payments:payment_cancel"):
        url = reverse(name, kwargs={"pk": world.booking.pk, "payment_id": world.pending.pk})
        submit_and_judge(http=world.staff, send=lambda h, url=url: h.post(url, data), after=_staff_page(world))


@FUZZ
@given(data=form_data({"guide": Ref("guide")}, {"guide": "id"}))
def test_fuzz_guide_assign(world, data):
    data = resolve(data, {"guide": world.guide.pk})
    url = reverse("staff_bookings:guide_assign", kwargs={"pk": world.booking.pk})
    _post(world.staff, url, data, _staff_page(world))


@FUZZ
@given(
    data=form_data(
        {"schedule-deposit_percent": "40", "schedule-balance_days_before": "45"},
        {"schedule-deposit_percent": "decimal", "schedule-balance_days_before": "number"},
    )
)
def test_fuzz_schedule_change(world, data):
    url = reverse("staff_bookings:schedule_change", kwargs={"pk": world.booking.pk})
    _post(world.staff, url, data, _staff_page(world))


@FUZZ
@given(data=form_data({"unused": "x"}))
def test_fuzz_rooming_send(world, data):
    url = reverse("staff_bookings:rooming_send", kwargs={"pk": world.booking.pk})
    _post(world.staff, url, data, _staff_page(world))


@FUZZ
@given(data=form_data({"unused": "x"}))
def test_fuzz_traveller_announce(world, data):
    url = reverse("pay:announce", kwargs={"token": world.token, "installment_id": world.balance.pk})
    page = reverse("pay:traveller", kwargs={"token": world.token})
    _post(world.anonymous, url, data, lambda http: http.get(page))


@FUZZ
@given(data=form_data({"traveller": Ref("ana")}, {"traveller": "id"}))
def test_fuzz_checkout_without_a_gateway(world, data):
    """No gateway set up here (no keys): every checkout is refused, whatever is posted, and writes nothing."""
    data = resolve(data, {"ana": world.ana.pk})
    url = reverse("client_payments:checkout", kwargs={"pk": world.booking.pk, "installment_id": world.balance.pk})
    _post(world.client, url, data, _client_page(world))
    url = reverse("pay:checkout", kwargs={"token": world.token, "installment_id": world.balance.pk})
    page = reverse("pay:traveller", kwargs={"token": world.token})
    _post(world.anonymous, url, data, lambda http: http.get(page))
