from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking, Installment
from payments.services import RefundMethod
from spirittours.templatetags.figures import day_format, money_format


class TransferForm(forms.Form):
    """A bank transfer seen on the account: which installment, how much, when, and its bank reference."""

    installment = forms.ModelChoiceField(
        label=_("Installment"),
        queryset=Installment.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    amount = forms.DecimalField(
        label=_("Amount received"),
        max_digits=16,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )
    received_on = forms.DateField(
        label=_("Received on"), widget=forms.DateInput(attrs={"class": "form-control", "type": "date"})
    )
    reference = forms.CharField(
        label=_("Bank reference"), max_length=120, widget=forms.TextInput(attrs={"class": "form-control"})
    )

    def __init__(self, *args, booking: Booking, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["installment"]
        field.queryset = booking.installments.order_by("position")
        field.label_from_instance = lambda i: (
            f"{i.get_kind_display()} · {money_format(i.amount, booking.currency)} · {day_format(i.due_date)}"
        )
        outstanding = next((i for i in field.queryset if i.amount > i.paid_amount), None)
        if outstanding is not None:
            self.initial.setdefault("installment", outstanding.pk)
            self.initial.setdefault("amount", outstanding.amount - outstanding.paid_amount)
        self.initial.setdefault("received_on", timezone.localdate())


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount to refund"),
        max_digits=16,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )
    method = forms.ChoiceField(
        label=_("How"),
        choices=[
            (RefundMethod.GATEWAY, _("Through the provider the client paid with")),
            (RefundMethod.BANK, _("By bank transfer, already made")),
        ],
        initial=RefundMethod.BANK,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    reference = forms.CharField(
        label=_("Bank reference of the refund transfer"),
        help_text=_("Only for a bank transfer."),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, gateways: bool = False, **kwargs):
        """`gateways`: some payment of the booking came through a gateway, so it may go back that way."""
        super().__init__(*args, **kwargs)
        if not gateways:
            del self.fields["method"]

    def clean(self):
        data = super().clean()
        data.setdefault("method", RefundMethod.BANK)
        return data
