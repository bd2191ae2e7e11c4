"""Forms of the quotation admin: adding a quotation through the service, inviting hotels."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from quotations.errors import QuotationError
from quotations.models import Hotel, Quotation
from quotations.selectors import hotel_list_invitable
from quotations.services import RoomMix, StayInput, quotation_create

ROOM_FIELDS = ("singles", "doubles", "twins", "triples")
TRIP_FIELDS = ("arrival", "departure", "pax", *ROOM_FIELDS, "meal_plan", "currency")
STAY_PATTERN = re.compile(r"^(?P<city>[^:]+):\s*(?P<nights>\d+)$")


class QuotationAddForm(forms.ModelForm):
    """Creates the quotation through `quotation_create`, which validates and writes in one step.

    The service runs in `_post_clean`, the hook where a ModelForm validates its
    instance, so its refusals become form errors. The admin view runs in a
    transaction, so nothing it wrote survives a later failure of the view.
    """

    by = None  # the staff member creating it, set by QuotationAdmin.get_form
    stays = forms.CharField(
        label=_("Itinerary"),
        help_text=_('Each city and its nights, in order, separated by commas: "Sevilla:3, Granada:2".'),
        widget=forms.TextInput(attrs={"class": "vLargeTextField"}),
    )

    class Meta:
        model = Quotation
        fields = ("client", "owner", "group_name", *TRIP_FIELDS, "margin_percent", "notes")

    def clean_stays(self) -> list[StayInput]:
        stays = []
        for part in re.split(r"[,\n;]", self.cleaned_data["stays"]):
            if not part.strip():
                continue
            match = STAY_PATTERN.match(part.strip())
            if match is None:
                raise forms.ValidationError(
                    _("Write each stay as City:nights, for example Sevilla:3; “%(part)s” is not."),
                    params={"part": part.strip()},
                )
            stays.append(StayInput(city=match["city"].strip(), nights=int(match["nights"])))
        return stays

    def _post_clean(self):
        if self.errors:
            return
        data = self.cleaned_data
        try:
            self.instance = quotation_create(
                client=data["client"],
                owner=data["owner"],
                group_name=data["group_name"],
                arrival=data["arrival"],
                departure=data["departure"],
                pax=data["pax"],
                rooms=RoomMix(**{name: data[name] for name in ROOM_FIELDS}),
                stays=data["stays"],
                meal_plan=data["meal_plan"],
                currency=data["currency"],
                notes=data["notes"],
                by=self.by,
                **({"margin_percent": data["margin_percent"]} if "margin_percent" in data else {}),
            )
        except QuotationError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)


class InviteHotelsForm(forms.Form):
    hotels = forms.ModelMultipleChoiceField(
        label=_("Hotels"), queryset=Hotel.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    bid_deadline = forms.DateTimeField(
        label=_("Bid deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, quotation: Quotation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hotels"].queryset = hotel_list_invitable(quotation=quotation)
