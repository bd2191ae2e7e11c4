"""Form fields shared by the staff workspace, the portal and the admin.

Every date a user types goes through one of the fields below, which apply the
horizons of `quotations.limits`: the checks the services make too.
"""

import re
from collections.abc import Callable

from django import forms
from django.utils.translation import gettext_lazy as _

from quotations import limits
from quotations.errors import QuotationError
from quotations.models import MealPlan
from quotations.services import StayInput

# "Sevilla:3", and optionally the stay's meal plan code: "Sevilla:3:HB".
STAY_PATTERN = re.compile(r"^(?P<city>[^:]+):\s*(?P<nights>\d+)(?:\s*:\s*(?P<meal_plan>[^:]*?))?$")
# Room for every stay at its longest ("a city of 100 characters: 365: HB, "), and no more.
ITINERARY_MAX_LENGTH = limits.MAX_STAYS * (limits.CITY_MAX_LENGTH + len(": 365: HB, "))


# The primary keys of every table are 64-bit integers; SQLite cannot even compare a larger number.
PK_RANGE = range(-(2**63), 2**63)


def _field_error(check: Callable[..., None], **arguments) -> None:
    """Run a check of `quotations.limits` and turn its refusal into a field error."""
    try:
        check(**arguments)
    except QuotationError as error:
        raise forms.ValidationError(error.message, code=error.code) from None


class ItineraryField(forms.CharField):
    """An itinerary typed as "Sevilla:3, Granada:2:HB": each city, its nights and optionally its meal plan."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Itinerary"))
        kwargs.setdefault("max_length", ITINERARY_MAX_LENGTH)
        kwargs.setdefault(
            "help_text",
            _(
                'Each city and its nights, in order, separated by commas: "Sevilla:3, Granada:2". '
                'A meal plan code after the nights gives that stay its own plan: "Granada:2:HB" '
                "(RO, BB, HB, FB or AI)."
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value) -> list[StayInput]:
        text = super().clean(value)
        if not text:
            return []
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
            meal_plan = (match["meal_plan"] or "").strip().upper()
            if match["meal_plan"] is not None and meal_plan not in MealPlan.values:
                raise forms.ValidationError(
                    _("“%(code)s” is not a meal plan code (in “%(part)s”): write RO, BB, HB, FB or AI."),
                    params={"code": match["meal_plan"].strip(), "part": part.strip()},
                )
            stays.append(StayInput(city=match["city"].strip(), nights=int(match["nights"]), meal_plan=meal_plan))
        _field_error(limits.stays_check, stays=stays)
        return stays


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, but a number no row could have is an invalid choice instead of a crash.

    Django hands `pk__in` the posted numbers as they are, and SQLite raises
    OverflowError on one beyond 64 bits.
    """

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            try:
                number = int(pk)
            except (TypeError, ValueError):
                continue  # Django refuses it as "not a valid value"
            if number not in PK_RANGE:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "form-control", **(attrs or {})}, format="%Y-%m-%dT%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "form-control", **(attrs or {})}, format="%Y-%m-%d")


class BidDeadlineField(forms.DateTimeField):
    """A moment after now and within the deadline horizon."""

    widget = LocalDateTimeInput

    def validate(self, value):
        super().validate(value)
        if value is not None:
            _field_error(limits.bid_deadline_check, bid_deadline=value)


class TravelDateField(forms.DateField):
    """Today or later, within the travel horizon: arrival and departure."""

    widget = DateInput

    def validate(self, value):
        super().validate(value)
        if value is not None:
            _field_error(limits.travel_date_check, day=value)


class ValidUntilField(forms.DateField):
    """Today or later, within the validity horizon: how long a bid or a quote holds."""

    widget = DateInput

    def validate(self, value):
        super().validate(value)
        if value is not None:
            _field_error(limits.valid_until_check, day=value)
