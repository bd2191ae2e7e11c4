"""The login lockout in a real browser, as a person who forgot their password meets it:
both languages, desktop and phone width, under the Content-Security-Policy."""

import datetime

import pytest

from accounts.factories import StaffFactory
from quotations.tests.browser import PASSWORD, csp_violations, open_page, shot

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
LOCKED = {
    "en": "Too many failed login attempts",
    "es": "Demasiados intentos fallidos de inicio de sesión",
}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", list(LOCKED))
def test_wrong_passwords_lock_the_login_with_a_clear_message(live_server, browser, settings, language, size):
    # given: throttling on, three failures allowed
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    staff = StaffFactory()
    page = open_page(browser, locale={"en": "en-GB", "es": "es-ES"}[language], viewport=SIZES[size])

    # when: three wrong passwords, then the right one
    for attempt in range(4):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", staff.email)
        page.fill("input[name=password]", PASSWORD if attempt == 3 else f"wrong-{attempt}")
        page.click("form button[type=submit]:not([name=language])")
        page.wait_for_load_state()

    # then: the lockout message in the visitor's language, still on the login page, not logged in
    assert LOCKED[language] in page.inner_text("main")
    assert page.url.endswith("/accounts/login/")
    shot(page, f"login-locked-{language}-{size}")
    page.goto(f"{live_server.url}/staff/")
    assert "/accounts/login/" in page.url
    assert csp_violations(browser) == []
    page.context.close()
