"""Staff workspace forms."""

import datetime
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from quotations.forms.fields import (
    BidDeadlineField,
    DateInput,
    ModelMultipleChoiceField,
    TravelDateField,
    ValidUntilField,
)
from quotations.forms.itinerary import ItineraryForm
from quotations.models import Client, ExtraKind, Hotel, MealPlan, Quotation, QuotationStatus
from quotations.selectors import hotel_list_invitable
from quotations.services import RoomMix
from spirittours.geo import Currency

# What the forms suggest: a week for hotels to bid, two weeks for the client to decide.
DEFAULT_BID_WINDOW = datetime.timedelta(days=7)
DEFAULT_QUOTE_VALIDITY = datetime.timedelta(days=14)

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


def _count(label):
    return forms.IntegerField(
        label=label, min_value=0, max_value=500, initial=0, widget=forms.NumberInput(attrs={**TEXT, "min": 0})
    )


class QuotationCreateForm(ItineraryForm):
    client = forms.ModelChoiceField(
        label=_("Client"), queryset=Client.objects.order_by("name"), widget=forms.Select(attrs=SELECT)
    )
    group_name = forms.CharField(label=_("Group name"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    arrival = TravelDateField(label=_("Arrival"))
    departure = TravelDateField(label=_("Departure"))
    pax = forms.IntegerField(
        label=_("Passengers"), min_value=1, max_value=1000, widget=forms.NumberInput(attrs={**TEXT, "min": 1})
    )
    singles = _count(_("Single rooms"))
    doubles = _count(_("Double rooms"))
    twins = _count(_("Twin rooms"))
    triples = _count(_("Triple rooms"))
    meal_plan = forms.ChoiceField(
        label=_("Meal plan"),
        choices=MealPlan.choices,
        initial=MealPlan.BED_AND_BREAKFAST,
        widget=forms.Select(attrs=SELECT),
    )
    currency = forms.ChoiceField(
        label=_("Currency"), choices=Currency.choices, initial=Currency.EUR, widget=forms.Select(attrs=SELECT)
    )
    margin_percent = forms.DecimalField(
        label=_("Margin %"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        initial=Decimal("15.00"),
        widget=forms.NumberInput(attrs={**TEXT, "step": "0.01"}),
    )
    free_place_every = forms.IntegerField(
        label=_("One free place per"),
        help_text=_("paying travellers (0: no free places). With 20, a group of 42 has 2 free places and 40 paying."),
        required=False,
        min_value=0,
        max_value=100,
        initial=0,
        widget=forms.NumberInput(attrs={**TEXT, "step": "1"}),
    )
    notes = forms.CharField(label=_("Internal notes"), required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 2}))

    def room_mix(self) -> RoomMix:
        data = self.cleaned_data
        return RoomMix(singles=data["singles"], doubles=data["doubles"], twins=data["twins"], triples=data["triples"])


class QuotationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *QuotationStatus.choices],
        widget=forms.Select(attrs={**SELECT, "class": "form-select form-select-sm"}),
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        required=False,
        empty_label=_("Everyone"),
        queryset=User.objects.filter(role=Role.STAFF, is_active=True).order_by("full_name"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    deadline_before = forms.DateField(
        label=_("Bid deadline before"),
        required=False,
        widget=DateInput(attrs={"class": "form-control form-control-sm"}),
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": _("Reference, group, client or email")}
        ),
    )


class InviteHotelsForm(forms.Form):
    hotels = ModelMultipleChoiceField(
        label=_("Hotels"), queryset=Hotel.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    bid_deadline = BidDeadlineField(label=_("Bid deadline"))

    def __init__(self, *args, quotation: Quotation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hotels"].queryset = hotel_list_invitable(quotation=quotation)


class ExtendDeadlineForm(forms.Form):
    bid_deadline = BidDeadlineField(label=_("New bid deadline"))


class ExtraForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ExtraKind.choices, widget=forms.Select(attrs=SELECT))
    description = forms.CharField(
        label=_("Description shown to the client"), max_length=200, widget=forms.TextInput(attrs=TEXT)
    )
    amount_per_person = forms.DecimalField(
        label=_("Amount per person"),
        max_digits=10,
        decimal_places=2,
        min_value=0,
        widget=forms.NumberInput(attrs={**TEXT, "step": "0.01", "min": 0}),
    )


class PriceForm(forms.Form):
    """Margin and, per stay, an optional bid chosen by staff instead of the cheapest."""

    margin_percent = forms.DecimalField(
        label=_("Margin %"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        widget=forms.NumberInput(attrs={**TEXT, "step": "0.01"}),
    )

    def __init__(self, *args, comparison: list[dict], show_margin: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_margin:
            del self.fields["margin_percent"]
        self.override_fields = []
        for stay in comparison:
            name = f"override_{stay['stay_id']}"
            choices = [("", _("Cheapest complete bid"))] + [
                (str(row["bid_id"]), f"{row['hotel_name']} ({row['total']} )".replace(" )", ")"))
                for row in stay["rows"]
                if row["complete"]
            ]
            self.fields[name] = forms.TypedChoiceField(
                label=stay["city"],
                required=False,
                choices=choices,
                coerce=int,
                empty_value=None,
                widget=forms.Select(attrs={**SELECT, "hx-trigger": "change"}),
            )
            self.override_fields.append(name)

    def overrides(self) -> dict[int, int]:
        return {
            int(name.removeprefix("override_")): self.cleaned_data[name]
            for name in self.override_fields
            if self.cleaned_data.get(name) is not None
        }


class SendForm(forms.Form):
    valid_until = ValidUntilField(
        label=_("Valid until"),
        help_text=_("No later than the earliest validity of the chosen bids; an earlier date is kept."),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={**TEXT, "rows": 2}))


class WithdrawHotelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this hotel taken out?"),
        max_length=1000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )


class DuplicateForm(forms.Form):
    arrival = TravelDateField(label=_("New arrival date"))
