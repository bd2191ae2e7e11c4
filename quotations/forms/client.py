from django import forms
from django.utils.translation import gettext_lazy as _


class RequestChangesForm(forms.Form):
    message = forms.CharField(
        label=_("What would you like to change?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )


class DeclineQuoteForm(forms.Form):
    reason = forms.CharField(
        label=_("Could you tell us why?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )
