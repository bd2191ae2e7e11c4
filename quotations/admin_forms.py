"""Forms of the quotation admin: adding a quotation through the service, inviting hotels."""

from django import forms

from quotations.errors import QuotationError
from quotations.forms.fields import ItineraryField
from quotations.models import Quotation
from quotations.services import RoomMix, quotation_create

ROOM_FIELDS = ("singles", "doubles", "twins", "triples")
TRIP_FIELDS = ("arrival", "departure", "pax", *ROOM_FIELDS, "meal_plan", "currency")


class QuotationAddForm(forms.ModelForm):
    """Creates the quotation through `quotation_create`, which validates and writes in one step.

    The service runs in `_post_clean`, the hook where a ModelForm validates its
    instance, so its refusals become form errors. The admin view runs in a
    transaction, so nothing it wrote survives a later failure of the view.
    """

    by = None  # the staff member creating it, set by QuotationAdmin.get_form
    stays = ItineraryField(widget=forms.TextInput(attrs={"class": "vLargeTextField"}))

    class Meta:
        model = Quotation
        fields = ("client", "owner", "group_name", *TRIP_FIELDS, "margin_percent", "notes")

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
