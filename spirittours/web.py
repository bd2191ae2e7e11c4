"""Turning domain errors into responses, in one place for every page."""

from django import forms

from spirittours.errors import DomainError


def form_add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: on its field when the form has one."""
    form.add_error(error.field if error.field in form.fields else None, str(error.message))
