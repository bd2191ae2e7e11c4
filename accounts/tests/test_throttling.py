"""Login throttling: wrong passwords lock one email out from one address, on the site and the admin."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.utils import translation

from accounts.factories import StaffFactory, UserFactory
from accounts.throttling import client_ip, lockout_message

PASSWORD = "correct horse battery"  # the factories' password
LIMIT = 3
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _throttled(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    settings.TRUSTED_PROXY_COUNT = 0


def _login(client, email, password, *, url=LOGIN, ip="10.0.0.1", **extra):
    return client.post(url, {"username": email, "password": password}, REMOTE_ADDR=ip, **extra)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def _fail(client, email, times, **kwargs) -> list[int]:
    return [_login(client, email, "not-the-password", **kwargs).status_code for _ in range(times)]


LOCKED_EN = (
    "Too many failed login attempts. For your security, logging in with this email from your connection "
    "is blocked for 15 minutes. Try again later, or ask an administrator to unlock it."
)


def test_right_password_after_the_failure_limit_is_refused_with_the_lockout_page(client):
    # given a staff member whose password was guessed wrong up to the limit
    user = StaffFactory(email="direccion@spirittours.example")
    statuses = _fail(client, user.email, LIMIT, **ENGLISH)
    # when the right password comes next
    response = _login(client, user.email, PASSWORD, **ENGLISH)
    # then the last failure and the right password both get the lockout page, and nobody is logged in
    assert statuses == [200] * (LIMIT - 1) + [429]
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert LOCKED_EN in response.content.decode()
    assert response.templates[0].name == "registration/login.html"
    assert not _logged_in(client)
    user.refresh_from_db()
    assert user.last_login is None
    assert AccessLog.objects.count() == 0
    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [(user.email, "10.0.0.1")]


def test_lockout_page_is_in_the_visitors_language(client):
    user = UserFactory()
    _fail(client, user.email, LIMIT)
    spanish = _login(client, user.email, PASSWORD)
    english = _login(client, user.email, PASSWORD, **ENGLISH)
    with translation.override("es"):
        expected_es = lockout_message(datetime.timedelta(minutes=15))
    assert (spanish.status_code, english.status_code) == (429, 429)
    assert spanish["Content-Language"] == "es"
    assert expected_es in spanish.content.decode()
    assert LOCKED_EN in english.content.decode()


def test_a_permanent_lockout_says_an_administrator_must_unlock_it(client, settings):
    settings.AXES_COOLOFF_TIME = None
    user = UserFactory()
    _fail(client, user.email, LIMIT)
    response = _login(client, user.email, PASSWORD, **ENGLISH)
    assert response.status_code == 429
    assert "Retry-After" not in response
    assert (
        "Too many failed login attempts. For your security, logging in with this email from your connection "
        "is blocked until an administrator unlocks it." in response.content.decode()
    )


def test_another_address_or_another_email_is_not_locked(client):
    # given one email locked out from one address
    victim, colleague = UserFactory(), UserFactory()
    _fail(client, victim.email, LIMIT, ip="10.0.0.1")
    # when the same email logs in from another address, and another email from the locked one
    from_elsewhere = _login(client, victim.email, PASSWORD, ip="10.0.0.2")
    client.logout()
    colleague_here = _login(client, colleague.email, PASSWORD, ip="10.0.0.1")
    # then both get in
    assert (from_elsewhere.status_code, from_elsewhere["Location"]) == (302, "/")
    assert (colleague_here.status_code, colleague_here["Location"]) == (302, "/")
    assert client.session["_auth_user_id"] == str(colleague.pk)


def test_changing_the_case_of_the_email_does_not_start_a_fresh_count(client):
    user = UserFactory(email="ana@example.com")
    statuses = [
        _login(client, email, "not-the-password").status_code
        for email in ("ANA@example.com", " Ana@Example.com", "ana@EXAMPLE.com")
    ]
    assert statuses == [200, 200, 429]
    assert _login(client, user.email, PASSWORD).status_code == 429
    assert list(AccessAttempt.objects.values_list("username", flat=True).distinct()) == ["ana@example.com"]


def test_a_forged_x_forwarded_for_does_not_dodge_the_lockout(client):
    # given no proxy is configured, so X-Forwarded-For is the client's own words
    user = UserFactory()
    statuses = [
        _login(client, user.email, "not-the-password", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(LIMIT)
    ]
    response = _login(client, user.email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert statuses == [200] * (LIMIT - 1) + [429]
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.1"}


def test_behind_a_proxy_the_forwarded_client_address_is_the_one_counted(client, settings):
    # given one reverse proxy (10.0.0.254) that appends the client's address to X-Forwarded-For
    settings.TRUSTED_PROXY_COUNT = 1
    user = UserFactory()
    attacker = {"ip": "10.0.0.254", "HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.7"}
    _fail(client, user.email, LIMIT, **attacker)
    # when the same email logs in through the same proxy from another client
    locked = _login(client, user.email, PASSWORD, **attacker)
    other = _login(client, user.email, PASSWORD, ip="10.0.0.254", HTTP_X_FORWARDED_FOR="198.51.100.9")
    # then only the attacker's address is locked
    assert (locked.status_code, other.status_code) == (429, 302)
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.7"]


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.7", "10.0.0.254"),
        (1, "", "10.0.0.254"),
        (1, "192.0.2.1, 203.0.113.7", "203.0.113.7"),
        (2, "192.0.2.1, 203.0.113.7, 10.0.0.253", "203.0.113.7"),
        (2, "203.0.113.7", "203.0.113.7"),
        (1, "192.0.2.1, not-an-address", "10.0.0.254"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_client_ip(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_a_success_below_the_limit_starts_the_count_again(client):
    user = UserFactory()
    _fail(client, user.email, LIMIT - 1)
    assert _login(client, user.email, PASSWORD).status_code == 302
    client.logout()
    assert _fail(client, user.email, LIMIT - 1) == [200] * (LIMIT - 1)
    assert _login(client, user.email, PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_too(client):
    # given a superuser whose password was guessed wrong on the admin login up to the limit
    boss = StaffFactory(is_superuser=True, staff_level=10)
    statuses = _fail(client, boss.email, LIMIT, url=ADMIN_LOGIN, **ENGLISH)
    # when the right password comes next, on the admin or on the site
    admin = _login(client, boss.email, PASSWORD, url=ADMIN_LOGIN, **ENGLISH)
    site = _login(client, boss.email, PASSWORD, **ENGLISH)
    # then both are refused: the count is per email and address, not per login page
    assert statuses == [200] * (LIMIT - 1) + [429]
    assert (admin.status_code, site.status_code) == (429, 429)
    assert LOCKED_EN in admin.content.decode()
    assert not _logged_in(client)


def _staff_with(*codenames):
    staff = StaffFactory()
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="axes", codename__in=codenames))
    return staff


def test_staff_unlock_a_locked_out_login_in_the_admin(client):
    # given a client contact locked out, and a staff member allowed to manage login attempts
    user = UserFactory()
    _fail(client, user.email, LIMIT)
    attempt = AccessAttempt.objects.get()
    staff = _staff_with("view_accessattempt", "delete_accessattempt")
    client.force_login(staff)
    # when they unlock it from the admin's list of access attempts
    response = client.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock", "_selected_action": [attempt.pk]},
        follow=True,
        **ENGLISH,
    )
    client.logout()
    # then the row is gone, the admin history says who did it, and the right password gets in
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["1 login unlocked."]
    assert AccessAttempt.objects.count() == 0
    assert list(LogEntry.objects.values_list("user", "object_id", "action_flag")) == [
        (staff.pk, str(attempt.pk), DELETION)
    ]
    login = _login(client, user.email, PASSWORD)
    assert (login.status_code, client.session["_auth_user_id"]) == (302, str(user.pk))


def test_staff_who_may_only_view_attempts_cannot_unlock(client):
    user = UserFactory()
    _fail(client, user.email, LIMIT)
    attempt = AccessAttempt.objects.get()
    client.force_login(_staff_with("view_accessattempt"))
    page = client.get("/admin/axes/accessattempt/")
    client.post("/admin/axes/accessattempt/", {"action": "unlock", "_selected_action": [attempt.pk]})
    assert page.status_code == 200
    assert [name for name, _ in page.context["action_form"].fields["action"].choices] == [
        "",
        "cleanup_expired_attempts",
    ]
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
    client.logout()
    assert _login(client, user.email, PASSWORD).status_code == 429


def test_tests_may_still_log_in_with_client_login(client, settings):
    # the suite's default (conftest.py): client.login() passes no request, which axes refuses
    settings.AXES_ENABLED = False
    user = UserFactory()
    assert client.login(username=user.email, password=PASSWORD) is True
