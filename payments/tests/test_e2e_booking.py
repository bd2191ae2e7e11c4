"""The whole booking in a real browser, with bank transfers (the manual provider).

The client approves → the booking and its schedule → two travellers say their
shares are on the way through their own links and the leader sends the rest →
staff confirm the transfers: confirmed → the rooming list is filled, exported,
sent, and read-only after the cut-off → the balance reminder → paid → one
traveller cancels (repriced) → the whole booking is cancelled → staff refund →
the client downloads the credit note. The emails are queued at each step, none
twice.
"""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.factories import ClientContactFactory, StaffFactory
from bookings.models import Booking, BookingStatus, Traveller
from notifications.models import EmailMessage
from payments.models import Payment, PaymentStatus, Refund
from payments.tasks import payments_send_reminders
from payments.travellers import traveller_link_token
from quotations.factories import ClientFactory, quotation_sent
from quotations.tests.browser import csp_violations, login, open_page, shot

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

TRAVELLERS_CSV = (
    "full_name,room_type,email,nationality,document_number,document_expiry\n"
    "Ana Ruiz,double,ana@viajeros.example,ES,X1234567,2031-05-01\n"
    "Bea Soto,double,bea@viajeros.example,ES,Y7654321,2032-09-30\n"
)


def _emails() -> dict[str, int]:
    counts: dict[str, int] = {}
    for template in EmailMessage.objects.values_list("template", flat=True):
        counts[template] = counts.get(template, 0) + 1
    return counts


def _status(page) -> str:
    return page.locator("[data-testid=booking-status]").first.get_attribute("data-status")


def test_a_booking_from_approval_to_refund(web_server, browser, tmp_path):
    base = web_server.url
    staff = StaffFactory(email="e2e-bookings@spirittours.example", language="en", full_name="Lucía Reservas")
    contact = ClientContactFactory(email="leader@parroquia.example", language="en", full_name="Padre Ignacio")
    quotation = quotation_sent(
        client=ClientFactory(name="Parroquia de San Gil", contacts=[contact]),
        owner=staff,
        arrival=timezone.localdate() + datetime.timedelta(days=150),
    )

    # when the client approves the quote and follows the link to the booking
    client_page = login(browser, base, contact.email)
    client_page.goto(f"{base}/client/quotations/{quotation.pk}/")
    client_page.once("dialog", lambda dialog: dialog.accept())
    client_page.locator("[data-testid=approve-form] button[type=submit]").click()
    client_page.locator("[data-testid=booking-link] a").click()
    client_page.wait_for_selector("[data-testid=schedule]")

    # then the booking holds a deposit and a balance that add up to the quote's total
    booking = Booking.objects.get(quotation=quotation)
    assert _status(client_page) == BookingStatus.OPTION
    assert client_page.locator("[data-testid=installment-row]").count() == 2
    assert client_page.locator("[data-testid=transfer-reference]").inner_text() == booking.reference
    shot(client_page, "booking-client-option")

    # when the leader uploads the travellers and emails Ana her payment link
    csv_file = tmp_path / "travellers.csv"
    csv_file.write_text(TRAVELLERS_CSV, encoding="utf-8")
    client_page.locator("[data-testid=csv-form]").evaluate("form => form.closest('details').open = true")
    client_page.set_input_files("[data-testid=csv-form] input[type=file]", str(csv_file))
    client_page.locator("[data-testid=csv-form] button[type=submit]").click()
    client_page.wait_for_selector("[data-testid=traveller-row]")
    assert client_page.locator("[data-testid=traveller-row]").count() == 2
    ana, bea = Traveller.objects.filter(booking=booking).order_by("full_name")
    client_page.locator("[data-testid=share-row]", has_text="Ana Ruiz").locator("[data-testid=share-email]").click()
    client_page.wait_for_load_state()
    (link_email,) = EmailMessage.objects.filter(template="traveller_payment_link")
    assert link_email.to_email == "ana@viajeros.example" and "Bea Soto" not in link_email.body_text

    # and each traveller, without logging in, says their share is on its way
    for traveller in (ana, bea):
        pay = open_page(browser)
        pay.goto(f"{base}/pay/{traveller_link_token(traveller=traveller)}/")
        assert traveller.full_name in pay.content()
        other = bea if traveller == ana else ana
        assert other.full_name not in pay.content()
        shot(pay, f"booking-traveller-{traveller.pk}")
        pay.locator("[data-testid=traveller-announce]").first.click()
        pay.wait_for_load_state()
        pay.context.close()

    # and the leader sends the rest of the deposit
    client_page.reload()
    client_page.locator("[data-testid=announce-installment]").first.click()
    client_page.wait_for_load_state()
    deposit = booking.installments.get(position=1)
    pending = Payment.objects.filter(booking=booking, status=PaymentStatus.PENDING)
    assert pending.count() == 3 and sum(p.amount for p in pending) == deposit.amount

    # when staff confirm the three transfers as they arrive
    staff_page = login(browser, base, staff.email)
    staff_page.goto(f"{base}/staff/bookings/{booking.pk}/")
    for _ in range(3):
        staff_page.locator("[data-testid=payment-confirm]").first.click()
        staff_page.wait_for_load_state()

    # then the booking is confirmed and the quotation booked
    assert _status(staff_page) == BookingStatus.CONFIRMED
    quotation.refresh_from_db()
    assert quotation.status == "booked"
    shot(staff_page, "booking-staff-confirmed")

    # when the leader puts Ana and Bea in the same double room
    client_page.goto(f"{base}/client/bookings/{booking.pk}/")
    for select in client_page.locator("[data-testid=room-select]").all():
        select.select_option(index=1)
    client_page.locator("[data-testid=rooming-form] button[type=submit]").click()
    client_page.wait_for_load_state()
    assert {t.room_id for t in Traveller.objects.filter(booking=booking)} != {None}

    # and staff export the hotel's list and send it
    staff_page.reload()
    with staff_page.expect_download() as download:
        staff_page.locator("[data-testid=rooming-exports] a", has_text="CSV").first.click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert {"Ana Ruiz", "Bea Soto"} <= {row[2] for row in rows[1:]}
    staff_page.locator("[data-testid=rooming-send-form] button").click()
    staff_page.wait_for_load_state()

    # then after the cut-off the leader reads the list but cannot change it
    Booking.objects.filter(pk=booking.pk).update(rooming_cutoff=timezone.localdate() - datetime.timedelta(days=1))
    client_page.reload()
    assert client_page.locator("[data-testid=rooming-readonly]").is_visible()
    assert client_page.locator("[data-testid=rooming-form]").count() == 0

    # when the balance falls due in three days, the reminder goes once
    Booking.objects.filter(pk=booking.pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
    balance = booking.installments.get(position=2)
    balance.due_date = timezone.localdate() + datetime.timedelta(days=3)
    balance.save(update_fields=["due_date"])
    payments_send_reminders()
    payments_send_reminders()
    assert EmailMessage.objects.filter(template="payment_reminder").count() == 1

    # and staff record the balance's transfer: paid
    staff_page.reload()
    form = staff_page.locator("[data-testid=transfer-form]")
    form.locator("input[name=reference]").fill("BAL-2027-0001")
    form.locator("button[type=submit]").click()
    staff_page.wait_for_load_state()
    assert _status(staff_page) == BookingStatus.PAID

    # when the leader cancels Ana's place, after reading the new total
    client_page.reload()
    client_page.locator("[data-testid=traveller-row]", has_text="Ana Ruiz").locator(
        "[data-testid=traveller-cancel]"
    ).click()
    new_total = client_page.locator("[data-testid=new-total]").inner_text()
    shot(client_page, "booking-traveller-cancel")
    client_page.locator("[data-testid=confirm-button]").click()
    client_page.wait_for_load_state()
    booking.refresh_from_db()
    assert new_total.replace("\xa0", " ") in client_page.locator("[data-testid=booking-total]").inner_text().replace(
        "\xa0", " "
    )
    assert booking.refund_owed == booking.paid_amount - booking.total > 0

    # and then the whole booking
    client_page.locator("[data-testid=cancel-link]").click()
    client_page.fill("[data-testid=confirm-form] textarea[name=reason]", "The parish postponed the pilgrimage")
    shot(client_page, "booking-cancel-confirmation")
    client_page.locator("[data-testid=confirm-button]").click()
    client_page.wait_for_load_state()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED

    # when staff refund what is owed by transfer
    staff_page.reload()
    owed = booking.refund_owed
    refund_form = staff_page.locator("[data-testid=refund-form]")
    assert Decimal(refund_form.locator("input[name=refund-amount]").input_value()) == owed
    refund_form.locator("input[name=refund-reference]").fill("REF-2027-0001")
    refund_form.locator("button[type=submit]").click()
    staff_page.wait_for_load_state()

    # then the client downloads the credit note
    client_page.reload()
    with client_page.expect_download() as note:
        client_page.locator("[data-testid=credit-note-link]").first.click()
    assert note.value.suggested_filename.startswith(f"CN-{timezone.localdate().year}-")
    assert sum(Refund.objects.values_list("amount", flat=True)) == owed
    shot(client_page, "booking-client-cancelled")

    # and every email went once: nothing queued twice
    counts = _emails()
    assert {
        key: counts.get(key, 0)
        for key in (
            "booking_confirmed",
            "payment_received",
            "traveller_payment_link",
            "payment_reminder",
            "cancellation_notice",
            "refund_processed",
            "hotel_booking_request",
        )
    } == {
        "booking_confirmed": 1,
        "payment_received": 4,
        "traveller_payment_link": 1,
        "payment_reminder": 1,
        "cancellation_notice": 1,
        "refund_processed": 1,
        "hotel_booking_request": 2,  # the booking request, then the rooming list
    }
    assert csp_violations(browser) == []
