from django import forms
from django.utils.translation import gettext_lazy as _

from quotations.models import Hotel, MessageAudience, Quotation

BODY = forms.CharField(
    label=_("Message"),
    max_length=2000,
    widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
)


class MessageForm(forms.Form):
    """A hotel's question or a client's message: always to our team."""

    body = BODY


class StaffMessageForm(forms.Form):
    audience = forms.ChoiceField(
        label=_("To"),
        choices=[
            (MessageAudience.ALL_HOTELS, MessageAudience.ALL_HOTELS.label),
            (MessageAudience.HOTEL, MessageAudience.HOTEL.label),
            (MessageAudience.CLIENT, MessageAudience.CLIENT.label),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    hotel = forms.ModelChoiceField(
        label=_("Hotel"),
        required=False,
        queryset=Hotel.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_("Only for a private message to one hotel."),
    )
    body = BODY

    def __init__(self, *args, quotation: Quotation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hotel"].queryset = Hotel.objects.filter(invitations__quotation=quotation).order_by("name")
