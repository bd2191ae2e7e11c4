"""Supplier portal forms. Field validation here; business rules in the services."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from quotations.forms.fields import ValidUntilField
from quotations.services import MAX_NIGHTLY_RATE, BidLineInput


class BidForm(forms.Form):
    """One rate and one room count per stay of the hotel's city and requested room type.

    Built from the presented invitation, so it only knows what the hotel may see.
    A room type left blank is not offered. A hotel bids in its own currency: the
    page shows it as text, whatever a post says is ignored, and the cleaned data
    carry the hotel's currency for the service.
    """

    valid_until = ValidUntilField(label=_("Rates valid until"))
    conditions = forms.CharField(
        label=_("Conditions"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
        help_text=_("Cancellation terms, release days, deposit, taxes included or not."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )

    def __init__(self, *args, invitation: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.grid = []  # [(stay, [(room, rate field name, rooms field name)])] for the template
        active = invitation["active_bid"]
        previous = {(line["stay_id"], line["room_type"]): line for line in active["lines"]} if active else {}
        self.currency = invitation["hotel"]["currency"]
        if active:
            self.fields["valid_until"].initial = active["valid_until"]
            self.fields["conditions"].initial = active["conditions"]
            self.fields["notes"].initial = active["notes"]
        for stay in invitation["stays"]:
            cells = []
            for room in invitation["requirements"]["rooms"]:
                rate_name = f"rate_{stay['id']}_{room['room_type']}"
                rooms_name = f"rooms_{stay['id']}_{room['room_type']}"
                line = previous.get((stay["id"], room["room_type"]))
                self.fields[rate_name] = forms.DecimalField(
                    label=_("Nightly rate per room"),
                    required=False,
                    max_digits=10,
                    decimal_places=2,
                    validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_NIGHTLY_RATE)],
                    initial=line["nightly_rate"] if line else None,
                    widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01", "min": "0.01"}),
                )
                self.fields[rooms_name] = forms.IntegerField(
                    label=_("Rooms available"),
                    required=False,
                    min_value=1,
                    max_value=room["count"],
                    initial=line["rooms_available"] if line else room["count"],
                    widget=forms.NumberInput(attrs={"class": "form-control", "min": "1", "max": room["count"]}),
                )
                cells.append((room, rate_name, rooms_name))
            self.grid.append((stay, cells))

    @property
    def rows(self) -> list[dict]:
        """The grid with bound fields, for the template: a row per stay, a cell per room type."""
        return [
            {
                "stay": stay,
                "cells": [{"room": room, "rate": self[rate], "rooms": self[rooms]} for room, rate, rooms in cells],
            }
            for stay, cells in self.grid
        ]

    def clean(self):
        cleaned = super().clean()
        offered = 0
        for _stay, cells in self.grid:
            for _room, rate_name, rooms_name in cells:
                rate, rooms = cleaned.get(rate_name), cleaned.get(rooms_name)
                if rate is not None:
                    offered += 1
                    if rooms is None and rooms_name not in self.errors:
                        self.add_error(rooms_name, _("How many of these rooms can you offer?"))
        if offered == 0 and not self.errors:
            raise forms.ValidationError(_("Offer a rate for at least one room type."))
        cleaned["currency"] = self.currency
        return cleaned

    def lines(self) -> list[BidLineInput]:
        return [
            BidLineInput(
                stay_id=stay["id"],
                room_type=room["room_type"],
                nightly_rate=self.cleaned_data[rate_name],
                rooms_available=self.cleaned_data[rooms_name],
            )
            for stay, cells in self.grid
            for room, rate_name, rooms_name in cells
            if self.cleaned_data.get(rate_name) is not None
        ]


class DeclineInvitationForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you declining?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )
