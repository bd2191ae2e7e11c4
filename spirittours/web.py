"""Turning domain errors into responses, in one place for every page."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from spirittours.errors import DomainError, NotVisible


def form_add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: on its field when the form has one."""
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


def form_submit(
    request: HttpRequest, form: forms.Form, call: Callable[[dict], Any], *, success: str | None, redirect_to: str
) -> HttpResponse | None:
    """Validate the form and call the service with its data.

    On success: the flash message (if any) and the redirect. Otherwise None, with the field
    errors or the service's refusal on the form, for the view to render it again.
    """
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except NotVisible:
            raise  # a 404, never a form error
        except DomainError as error:
            form_add_domain_error(form, error)
        else:
            if success:
                messages.success(request, success)
            return redirect(redirect_to)
    return None


def action_submit(request: HttpRequest, call: Callable[[], Any], *, success: str, redirect_to: str) -> HttpResponse:
    """A button with no fields: call the service, flash its outcome, go back."""
    try:
        call()
    except NotVisible:
        raise  # a 404, never a flash message
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect(redirect_to)
