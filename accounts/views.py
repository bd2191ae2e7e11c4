"""The account pages: language switch, profile, password change and password reset."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.i18n import set_language

from accounts.forms import PasswordChangeForm, PasswordResetRequestForm, ProfileForm, SetPasswordForm
from accounts.language import language_cookie_set
from accounts.services import password_reset_complete, user_language_set, user_profile_update


def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie, redirect to `next`), and for a logged-in user the stored preference too."""
    if request.method == "POST" and request.user.is_authenticated:
        user_language_set(user=request.user, language=request.POST.get("language", ""))
    return set_language(request)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """Name, phone and language of whoever is logged in, whatever their role."""
    form = ProfileForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = user_profile_update(user=request.user, **form.cleaned_data)
        response = redirect("account:profile")
        language_cookie_set(response, user.language)  # the next page is already in the chosen language
        with translation.override(user.language):  # the message is read on the next page, in its language
            messages.success(request, _("Your details are saved."))
        return response
    return render(request, "accounts/profile.html", {"form": form})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's (old password, new one twice; the session stays logged in) with our page."""

    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for the email address; the link goes out through the outbox (accounts.services)."""

    form_class = PasswordResetRequestForm


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm

    def form_valid(self, form):
        response = super().form_valid(form)
        password_reset_complete(user=form.user)
        return response
