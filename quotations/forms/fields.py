"""Form fields shared by the staff workspace and the admin."""

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quotations.services import StayInput

STAY_PATTERN = re.compile(r"^(?P<city>[^:]+):\s*(?P<nights>\d+)$")


class ItineraryField(forms.CharField):
    """An itinerary typed as "Sevilla:3, Granada:2": each city and its nights, in order."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Itinerary"))
        kwargs.setdefault(
            "help_text", _('Each city and its nights, in order, separated by commas: "Sevilla:3, Granada:2".')
        )
        super().__init__(**kwargs)

    def clean(self, value) -> list[StayInput]:
        text = super().clean(value)
        stays = []
        for part in re.split(r"[,\n;]", text):
            if not part.strip():
                continue
            match = STAY_PATTERN.match(part.strip())
            if match is None:
                raise forms.ValidationError(
                    _("Write each stay as City:nights, for example Sevilla:3 (not “%(part)s”)."),
                    params={"part": part.strip()},
                )
            stays.append(StayInput(city=match["city"].strip(), nights=int(match["nights"])))
        return stays


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "form-control", **(attrs or {})}, format="%Y-%m-%dT%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "form-control", **(attrs or {})}, format="%Y-%m-%d")


def future_datetime(value: datetime.datetime) -> datetime.datetime:
    if value <= timezone.now():
        raise forms.ValidationError(_("Choose a moment in the future."))
    return value


def not_past_date(value: datetime.date) -> datetime.date:
    if value < timezone.localdate():
        raise forms.ValidationError(_("The date cannot be in the past."))
    return value
