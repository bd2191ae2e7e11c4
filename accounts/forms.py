"""Forms of the account pages: the profile, the password change and the password reset."""

import re

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from accounts.models import E164_VALIDATOR, Language, User
from accounts.selectors import user_phone_taken
from accounts.services import password_reset_email_queue

# What people type between the digits of a phone number: "+34 600-111 222", "(600) 111.222".
PHONE_SEPARATORS = re.compile(r"[\s\-.()/]")


class BootstrapFieldsMixin:
    """Gives every widget the Bootstrap class partials/field.html expects."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class ProfileForm(BootstrapFieldsMixin, forms.Form):
    """The details a person keeps up to date themselves; email and role are staff's to change."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        max_length=24,
        help_text=_("In international format, for example +34600111222. Leave it empty to remove it."),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=Language.choices,
        help_text=_("The pages, the emails and the messages you receive are in this language."),
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        kwargs.setdefault(
            "initial", {"full_name": user.full_name, "phone": user.phone or "", "language": user.language}
        )
        super().__init__(*args, **kwargs)
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        self.fields["phone"].widget.attrs.update(autocomplete="tel", inputmode="tel")

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_phone(self) -> str | None:
        """E.164 (+34600111222), whatever separators were typed; "00" before the country code counts as "+"."""
        phone = PHONE_SEPARATORS.sub("", self.cleaned_data["phone"])
        if not phone:
            return None
        if phone.startswith("00"):
            phone = "+" + phone[2:]
        E164_VALIDATOR(phone)
        if user_phone_taken(phone=phone, other_than=self.user):
            raise forms.ValidationError(_("Another account already uses this phone number."), code="taken")
        return phone


class PasswordChangeForm(BootstrapFieldsMixin, auth_forms.PasswordChangeForm):
    pass


class SetPasswordForm(BootstrapFieldsMixin, auth_forms.SetPasswordForm):
    pass


class PasswordResetRequestForm(BootstrapFieldsMixin, auth_forms.PasswordResetForm):
    """Django's form, whose email goes through the outbox instead of straight to the mail server.

    For an address without an active account nothing happens, and the page says the same
    as for one with an account: the form never tells whether an address is registered.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update(autocapitalize="none", spellcheck="false", autofocus=True)

    def save(self, **kwargs) -> None:
        """Queue one reset email per active account with this address; Django's mail options are not used."""
        for user in self.get_users(self.cleaned_data["email"]):
            password_reset_email_queue(user=user)
