"""Forgot password: a link by email through the outbox, in the user's language, never telling
whether an address has an account, at most one email per quarter of an hour."""

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.test import Client as HttpClient
from django.utils import timezone

from accounts.factories import ClientContactFactory, HotelUserFactory, StaffFactory
from accounts.models import Language
from accounts.services import PASSWORD_RESET_EMAIL_WINDOW

PASSWORD = "correct horse battery"  # the factories' password
NEW_PASSWORD = "a-brand-new-secret-2027"
RESET = "/accounts/password-reset/"
SENT = "/accounts/password-reset/sent/"

pytestmark = pytest.mark.django_db


def _outbox():
    # accounts sits below notifications and does not import it, not even in its tests
    return apps.get_model("notifications", "EmailMessage").objects.order_by("pk")


def _ask(http, email: str):
    return http.post(RESET, {"email": email})


def _link(message) -> str:
    return message.context["url"].removeprefix("http://127.0.0.1:8000")


def test_the_login_page_links_to_the_password_reset():
    body = HttpClient(HTTP_ACCEPT_LANGUAGE="en").get("/accounts/login/").content.decode()

    assert f'<a href="{RESET}" data-testid="forgot-password">Forgot your password?</a>' in body


@pytest.mark.parametrize("language", [Language.SPANISH, Language.ENGLISH])
def test_asking_for_a_reset_queues_one_email_in_the_users_language(settings, language):
    # given a hotel user, and a public site address that differs from the request's host
    settings.SITE_URL = "https://tours.example.com"
    user = HotelUserFactory(email="reservas@aurora.example", full_name="Marta Ejemplo", language=language)

    # when someone asks for a reset with the address in another case, on another host
    response = HttpClient(HTTP_HOST="localhost").post(RESET, {"email": "Reservas@Aurora.example"})

    # then the done page, and one queued email with a link on the site's address
    assert (response.status_code, response["Location"]) == (302, SENT)
    (message,) = _outbox()
    assert (message.template, message.to_email, message.to_name, message.language, message.status) == (
        "password_reset",
        "reservas@aurora.example",
        "Marta Ejemplo",
        language,
        "queued",
    )
    assert set(message.context) == {"recipient_name", "url", "valid_hours"}
    assert (message.context["recipient_name"], message.context["valid_hours"]) == ("Marta Ejemplo", 24)
    assert re.fullmatch(r"https://tours\.example\.com/accounts/password-reset/[\w-]+/[\w-]+/", message.context["url"])
    assert message.context["url"] in message.body_text
    assert re.fullmatch(rf"password_reset:user:{user.pk}:\d+:[0-9a-f]{{16}}", message.dedupe_key)


def test_an_unknown_inactive_or_passwordless_address_gets_the_same_answer_and_no_email():
    ClientContactFactory(email="gone@client.example", is_active=False)
    nopass = ClientContactFactory(email="nopass@client.example")
    nopass.set_unusable_password()
    nopass.save()
    known = ClientContactFactory(email="known@client.example")
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")

    answers = [_ask(http, email) for email in ("nobody@client.example", "gone@client.example", nopass.email)]
    page_for_unknown = http.get(SENT).content.decode()
    _ask(http, known.email)
    page_for_known = http.get(SENT).content.decode()

    assert [(a.status_code, a["Location"]) for a in answers] == [(302, SENT)] * 3
    assert re.sub(r"[A-Za-z0-9]{64}", "", page_for_unknown) == re.sub(r"[A-Za-z0-9]{64}", "", page_for_known)
    assert "If an account uses that address, we have sent it a link" in page_for_known
    assert list(_outbox().values_list("to_email", flat=True)) == ["known@client.example"]


def test_a_malformed_address_is_a_field_error_and_queues_nothing():
    response = HttpClient(HTTP_ACCEPT_LANGUAGE="en").post(RESET, {"email": "not an address"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"email": ["Enter a valid email address."]}
    assert not _outbox().exists()


def test_asking_again_within_the_window_queues_nothing_more_and_the_first_link_still_works(monkeypatch):
    user = StaffFactory()
    http = HttpClient()
    start = timezone.now()

    _ask(http, user.email)
    _ask(http, user.email)
    monkeypatch.setattr(timezone, "now", lambda: start + PASSWORD_RESET_EMAIL_WINDOW + datetime.timedelta(seconds=1))
    _ask(http, user.email)

    assert _outbox().count() == 2
    first = _outbox().first()
    assert http.get(_link(first)).status_code == 302  # to the set-password form


def test_the_link_sets_a_new_password_once_and_lifts_the_login_lockout(settings):
    # given a client locked out after wrong passwords, who asks for a reset
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2
    user = ClientContactFactory(language=Language.ENGLISH)
    http = HttpClient(REMOTE_ADDR="10.0.0.9")
    for _attempt in range(2):
        http.post("/accounts/login/", {"username": user.email, "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    assert AccessAttempt.objects.filter(username=user.email).exists()
    _ask(http, user.email)
    (message,) = _outbox()

    # when they follow the link and choose a new password
    form_page = http.get(_link(message))
    saved = http.post(form_page["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    # then the password is changed, the lockout gone, they can log in, and the link is spent
    assert (saved.status_code, saved["Location"]) == (302, "/accounts/password-reset/done/")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not AccessAttempt.objects.filter(username=user.email).exists()
    login = http.post("/accounts/login/", {"username": user.email, "password": NEW_PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert (login.status_code, login["Location"]) == (302, "/")
    again = HttpClient(HTTP_ACCEPT_LANGUAGE="en").get(_link(message), follow=True)
    assert 'data-testid="password-reset-invalid"' in again.content.decode()
    assert 'data-testid="password-set-form"' not in again.content.decode()


def test_a_new_password_that_fails_the_rules_is_refused_and_the_old_one_still_works():
    user = ClientContactFactory()
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    _ask(http, user.email)
    form_page = http.get(_link(_outbox().get()))

    refused = http.post(form_page["Location"], {"new_password1": "12345678", "new_password2": "12345678"})

    assert refused.status_code == 200
    assert list(refused.context["form"].errors) == ["new_password2"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_once_the_password_changed_a_new_request_in_the_same_window_sends_a_fresh_link():
    user = ClientContactFactory()
    http = HttpClient()
    _ask(http, user.email)
    user.set_password(NEW_PASSWORD)
    user.save()

    _ask(http, user.email)

    first, second = _outbox()
    assert first.context["url"] != second.context["url"]
