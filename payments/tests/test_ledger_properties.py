"""For any sequence of transfers and refunds, what the booking says it has paid is its confirmed
payments minus its done refunds, each installment's paid amount is its confirmed payments, and the
balance is the total minus what is paid."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.factories import ClientContactFactory, StaffFactory
from bookings.factories import booking_approved
from payments.errors import PaymentError
from payments.models import Payment, PaymentStatus, Refund, RefundStatus
from payments.services import payment_record_transfer, refund_issue

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=1, max_value=300_000).map(lambda c: Decimal(c) / 100)
steps = st.lists(st.tuples(st.sampled_from(["pay", "refund"]), cents, st.integers(0, 1)), min_size=1, max_size=8)


class LedgerProperties(TestCase):
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps=steps)
    def test_paid_is_confirmed_payments_minus_done_refunds(self, steps):
        booking = booking_approved(contact=ClientContactFactory(), arrival_in_days=150)
        staff = StaffFactory()
        installments = list(booking.installments.order_by("position"))
        for number, (verb, amount, which) in enumerate(steps):
            try:
                if verb == "pay":
                    payment_record_transfer(
                        booking=booking,
                        installment=installments[min(which, len(installments) - 1)],
                        amount=amount,
                        received_on=timezone.localdate() - datetime.timedelta(days=1),
                        reference=f"T-{number}",
                        by=staff,
                    )
                else:
                    refund_issue(booking=booking, amount=amount, reference=f"R-{number}", by=staff)
            except PaymentError:
                pass  # refused (more than owed or than paid): nothing written, checked below

            booking.refresh_from_db()
            confirmed = Payment.objects.filter(booking=booking, status=PaymentStatus.CONFIRMED)
            refunded = Refund.objects.filter(payment__booking=booking, status=RefundStatus.DONE)
            paid = (confirmed.aggregate(s=Sum("amount"))["s"] or 0) - (refunded.aggregate(s=Sum("amount"))["s"] or 0)
            assert booking.paid_amount == paid
            assert booking.balance == booking.total - paid
            assert 0 <= booking.paid_amount <= booking.total
            for installment in booking.installments.all():
                own = confirmed.filter(installment=installment).aggregate(s=Sum("amount"))["s"] or 0
                assert installment.paid_amount == own
