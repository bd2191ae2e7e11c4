"""The confirmation page of an irreversible action: what will happen, Confirm, Cancel.

A button that cannot be undone (close bidding, send the quote, decline an
invitation) is a GET form that leads here; this page's Confirm button makes
the POST. It needs no JavaScript and works with the keyboard like any form.
"""

from dataclasses import dataclass, field

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@dataclass(frozen=True)
class Confirmation:
    title: str
    consequences: tuple[str, ...]  # what will happen, one sentence each
    action: str  # the URL the Confirm button posts to
    confirm_label: str
    cancel_url: str
    hidden: tuple[tuple[str, str], ...] = ()  # fields posted with Confirm, already validated
    form: forms.Form | None = None  # fields still to fill in on this page (a reason)
    danger: bool = False
    extra_links: tuple[tuple[str, str], ...] = field(default=())  # (label, url) shown before the buttons


def confirmation_render(request: HttpRequest, confirmation: Confirmation, *, status: int = 200) -> HttpResponse:
    return render(request, "quotations/confirm.html", {"confirmation": confirmation}, status=status)
