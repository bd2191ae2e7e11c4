"""The itinerary of a new quotation: rows of city, nights and meal plan, or the same typed as text.

The rows suggest the cities of the active hotels (an HTML datalist: no script)
and let each stay have a meal plan of its own; an itinerary longer than the
rows, or typed faster, goes into the text field ("Sevilla:3, Granada:2:HB").
Either way the form hands the service a list of `StayInput` as `stays`.
"""

from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from quotations import limits
from quotations.cities import hotel_city_list
from quotations.errors import QuotationError
from quotations.forms.fields import ItineraryField
from quotations.models import MealPlan
from quotations.services import StayInput

STAY_ROWS = 6
CITY_LIST_ID = "hotel-cities"
EMPTY_STAY = _("Every stay needs a city and at least one night.")


class StayRow:
    """The bound fields of one row, for the template."""

    def __init__(self, form: forms.Form, number: int):
        self.number = number
        self.city = form[f"stay_{number}_city"]
        self.nights = form[f"stay_{number}_nights"]
        self.meal_plan = form[f"stay_{number}_meal_plan"]

    @property
    def cells(self) -> tuple[tuple[forms.BoundField, str], ...]:
        """Each field with its column's heading, which a phone shows above the field."""
        return ((self.city, _("City")), (self.nights, _("Nights")), (self.meal_plan, _("Meal plan")))


class ItineraryForm(forms.Form):
    """A base for a form that asks for an itinerary; `cleaned_data["stays"]` is a list of StayInput."""

    stays = ItineraryField(
        label=_("Or type the itinerary"),
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "Sevilla:3, Granada:2:HB"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plans = [("", _("As the quotation")), *MealPlan.choices]
        for number in range(1, STAY_ROWS + 1):
            self.fields[f"stay_{number}_city"] = forms.CharField(
                label=_("City of stay %(number)d") % {"number": number},
                required=False,
                max_length=limits.CITY_MAX_LENGTH,
                widget=forms.TextInput(attrs={"class": "form-control", "list": CITY_LIST_ID, "autocomplete": "off"}),
            )
            self.fields[f"stay_{number}_nights"] = forms.IntegerField(
                label=_("Nights of stay %(number)d") % {"number": number},
                required=False,
                min_value=1,
                max_value=limits.MAX_STAY_NIGHTS,
                widget=forms.NumberInput(attrs={"class": "form-control", "min": 1, "max": limits.MAX_STAY_NIGHTS}),
            )
            self.fields[f"stay_{number}_meal_plan"] = forms.ChoiceField(
                label=_("Meal plan of stay %(number)d") % {"number": number},
                required=False,
                choices=plans,
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    @cached_property
    def city_suggestions(self) -> list[str]:
        """Read when the page is rendered, not when the form is built."""
        return hotel_city_list()

    @property
    def stay_rows(self) -> list[StayRow]:
        return [StayRow(self, number) for number in range(1, STAY_ROWS + 1)]

    def _row_stays(self) -> list[StayInput]:
        stays = []
        for number in range(1, STAY_ROWS + 1):
            city = self.cleaned_data.get(f"stay_{number}_city", "")
            nights = self.cleaned_data.get(f"stay_{number}_nights")
            if f"stay_{number}_city" in self.errors or f"stay_{number}_nights" in self.errors:
                continue  # its own field error says what is wrong
            if not city and nights is None:
                continue  # an empty row, whatever its meal plan says
            if not city:
                self.add_error(f"stay_{number}_city", EMPTY_STAY)
            elif nights is None:
                self.add_error(f"stay_{number}_nights", EMPTY_STAY)
            else:
                meal_plan = self.cleaned_data.get(f"stay_{number}_meal_plan", "")
                stays.append(StayInput(city=city, nights=nights, meal_plan=meal_plan))
        return stays

    def clean(self):
        cleaned = super().clean()
        rows = self._row_stays()
        typed = cleaned.get("stays") or []
        if "stays" in self.errors or any(name.startswith("stay_") for name in self.errors):
            return cleaned
        if rows and typed:
            self.add_error("stays", _("Fill in the rows or type the itinerary, not both."))
        elif not rows and not typed:
            self.add_error("stays", EMPTY_STAY)
        elif rows:
            try:
                limits.stays_check(stays=rows)
            except QuotationError as error:
                self.add_error("stays", forms.ValidationError(error.message, code=error.code))
            else:
                cleaned["stays"] = rows
        return cleaned
