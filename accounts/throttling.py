"""Login throttling with django-axes: who is counted, from where, and what a locked-out person sees.

Failures are counted per (email, client address) pair (AXES_LOCKOUT_PARAMETERS); after
AXES_FAILURE_LIMIT of them the pair is refused, even with the right password, until the
cool-off has passed or staff unlock it in the admin. settings.py points axes at these
functions.
"""

import ipaddress
from datetime import timedelta

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext

LOCKOUT_STATUS = 429


def login_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The email typed into the login form as accounts store it (lower case, trimmed), so
    "Admin@Example.com " and "admin@example.com" share one failure count."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username")
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower()


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT reverse proxies that
    each append to X-Forwarded-For, the address the outermost proxy saw. Entries further left
    were written by the client and are never trusted."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    return _valid_ip(forwarded[-min(proxies, len(forwarded))]) or remote


def lockout_message(cool_off: timedelta | None) -> str:
    if cool_off is None:
        return gettext(
            "Too many failed login attempts. For your security, logging in with this email from your "
            "connection is blocked until an administrator unlocks it."
        )
    minutes = max(1, round(cool_off.total_seconds() / 60))
    return ngettext(
        "Too many failed login attempts. For your security, logging in with this email from your "
        "connection is blocked for %(minutes)d minute. Try again later, or ask an administrator to unlock it.",
        "Too many failed login attempts. For your security, logging in with this email from your "
        "connection is blocked for %(minutes)d minutes. Try again later, or ask an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """The login page again, saying why and for how long, with 429 Too Many Requests.

    axes calls this (AXES_LOCKOUT_CALLABLE) with the original response and the credentials,
    in an order that differs between its sync and async middleware; neither is needed here.
    """
    cool_off = get_cool_off(request)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    context = {"form": AuthenticationForm(request), "lockout_message": lockout_message(cool_off), "next": next_url}
    response = render(request, "registration/login.html", context, status=LOCKOUT_STATUS)
    if cool_off is not None:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
