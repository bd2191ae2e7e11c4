from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from bookings.models import BookingStatus, Guide

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


FIELD = {"class": "form-control"}


class TravellerForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150, widget=forms.TextInput(attrs=FIELD))
    room_type = forms.ChoiceField(label=_("Room type"), choices=(), widget=forms.Select(attrs={"class": "form-select"}))
    email = forms.EmailField(
        label=_("Email (for their payment link)"), required=False, widget=forms.EmailInput(attrs=FIELD)
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={**FIELD, "type": "date"})
    )
    nationality = forms.CharField(
        label=_("Nationality (country code)"),
        required=False,
        max_length=2,
        widget=forms.TextInput(attrs={**FIELD, "autocapitalize": "characters", "size": 2}),
    )
    document_number = forms.CharField(
        label=_("Document number"), required=False, max_length=40, widget=forms.TextInput(attrs=FIELD)
    )
    document_expiry = forms.DateField(
        label=_("Document expiry"), required=False, widget=forms.DateInput(attrs={**FIELD, "type": "date"})
    )
    dietary_needs = forms.CharField(
        label=_("Dietary needs"), required=False, max_length=200, widget=forms.TextInput(attrs=FIELD)
    )
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs"), required=False, max_length=200, widget=forms.TextInput(attrs=FIELD)
    )
    emergency_contact = forms.CharField(
        label=_("Emergency contact"), required=False, max_length=200, widget=forms.TextInput(attrs=FIELD)
    )

    def __init__(self, *args, room_types: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room_type"].choices = room_types


class TravellerCsvForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One traveller per row. First row: full_name, room_type (single, double, twin, triple), and any of "
            "email, date_of_birth, nationality, document_number, document_expiry, dietary_needs, "
            "accessibility_needs, emergency_contact. Dates as 2027-03-14 or 14/03/2027."
        ),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv,text/csv"}),
    )


class CancelBookingForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the booking cancelled?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )


class GuideAssignForm(forms.Form):
    guide = forms.ModelChoiceField(
        label=_("Guide"),
        queryset=Guide.objects.filter(is_active=True).order_by("full_name"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class ScheduleForm(forms.Form):
    """The rules a booking's schedule is built again from (staff from BOOKING_SCHEDULE_EDIT_FROM_LEVEL)."""

    deposit_percent = forms.DecimalField(
        label=_("Deposit, % of the total"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )
    deposit_fixed_per_person = forms.DecimalField(
        label=_("Deposit per paying traveller"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )
    whichever_higher = forms.BooleanField(
        label=_("Whichever deposit is higher"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    balance_days_before = forms.IntegerField(
        label=_("Balance due, days before arrival"),
        min_value=0,
        max_value=365,
        initial=60,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
