from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from bookings.models import BookingStatus

TEXT = {"class": "form-control form-control-sm"}
SELECT = {"class": "form-select form-select-sm"}


class BookingFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *BookingStatus.choices],
        widget=forms.Select(attrs=SELECT),
    )
    arrival_from = forms.DateField(
        label=_("Arriving from"), required=False, widget=forms.DateInput(attrs={**TEXT, "type": "date"})
    )
    arrival_to = forms.DateField(
        label=_("Arriving until"), required=False, widget=forms.DateInput(attrs={**TEXT, "type": "date"})
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        required=False,
        empty_label=_("Anyone"),
        queryset=User.objects.filter(role=Role.STAFF, is_active=True).order_by("full_name"),
        widget=forms.Select(attrs=SELECT),
    )
    overdue = forms.BooleanField(
        label=_("Only with an overdue payment"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
