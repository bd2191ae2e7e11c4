"""The pages that guide, in a real browser: forgot password through the emailed link, the site
opening in the user's stored language whatever the browser's, the profile, the language
switcher storing the choice, and the 404 page of another role's link with "switch account".
Both languages, desktop and phone width, under the Content-Security-Policy."""

import pytest
from django.apps import apps
from django.conf import settings

from accounts.factories import ClientContactFactory, StaffFactory
from accounts.models import User
from quotations.tests.browser import CSP_MARKERS, PASSWORD, csp_violations, shot

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
LOCALES = {"en": "en-GB", "es": "es-ES"}
OTHER = {"en": "es", "es": "en"}
NEW_PASSWORD = "a-brand-new-secret-2027"


def _page(browser, language: str, size: str, console: list[str]):
    context = browser.new_context(locale=LOCALES[language], viewport=SIZES[size])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("console", lambda message: console.append(f"{page.url} console.{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"{page.url} uncaught: {error}"))
    return page


def _navbar(page) -> None:
    """Open the collapsed navigation bar on a phone; nothing to do on a desktop."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        page.locator("#site-navbar.show").wait_for()


def _lang(page) -> str:
    return page.evaluate("() => document.documentElement.lang")


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", list(LOCALES))
def test_forgot_password_then_the_account_pages_in_the_users_language(live_server, browser, language, size):
    # given a client contact who prefers `language`, in a browser set to the other one
    contact = ClientContactFactory(language=language, full_name="Marta Ejemplo")
    console: list[str] = []
    page = _page(browser, OTHER[language], size, console)

    # when they ask for a password reset from the login page
    page.goto(f"{live_server.url}/accounts/login/")
    assert _lang(page) == OTHER[language]
    page.click("[data-testid=forgot-password]")
    page.fill("input[name=email]", contact.email.upper())
    page.click("[data-testid=password-reset-form] button[type=submit]")
    page.locator("[data-testid=password-reset-sent]").wait_for()
    shot(page, f"password-reset-sent-{language}-{size}")

    # then one email in their language; its link lets them choose a new password
    (message,) = apps.get_model("notifications", "EmailMessage").objects.filter(template="password_reset")
    assert (message.to_email, message.language) == (contact.email, language)
    page.goto(message.context["url"].replace(settings.SITE_URL, live_server.url))
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.click("[data-testid=password-set-form] button[type=submit]")
    page.locator("[data-testid=password-reset-complete]").wait_for()
    shot(page, f"password-reset-complete-{OTHER[language]}-{size}")

    # when they log in with it
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", contact.email)
    page.fill("input[name=password]", NEW_PASSWORD)
    page.click("form button[type=submit]:not([name=language])")
    page.wait_for_url(f"{live_server.url}/client/")

    # then the site opens in the language they prefer, not the browser's
    assert _lang(page) == language

    # when they open their account from the navigation and save a phone number
    _navbar(page)
    page.click("a.nav-link[href='/accounts/profile/']")
    page.wait_for_url(f"{live_server.url}/accounts/profile/")
    page.fill("input[name=phone]", "+34 600 111 222")
    page.click("[data-testid=profile-form] button[type=submit]")
    page.locator(".alert-success").wait_for()
    shot(page, f"account-profile-{language}-{size}")

    # then it is stored in E.164
    contact.refresh_from_db()
    assert contact.phone == "+34600111222"

    # when they switch language in the navigation bar
    _navbar(page)
    page.click(f"form.language-switcher button[value={OTHER[language]}]")
    page.wait_for_function(f"() => document.documentElement.lang === '{OTHER[language]}'")

    # then the choice is stored for the next login and the emails
    assert User.objects.get(pk=contact.pk).language == OTHER[language]

    # when they follow a link meant for staff
    response = page.goto(f"{live_server.url}/staff/")

    # then the site's 404 page, saying who they are, and "switch account" leads to the login page and back
    assert response.status == 404
    assert page.locator("[data-testid=error-page][data-status='404']").is_visible()
    assert contact.email in page.locator("[data-testid=signed-in-as]").inner_text()
    shot(page, f"error-404-signed-in-{OTHER[language]}-{size}", docs=True)
    page.click("[data-testid=signed-in-as] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/login/?next=/staff/")
    staff = StaffFactory()
    page.fill("input[name=username]", staff.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]:not([name=language])")
    page.wait_for_url(f"{live_server.url}/staff/")

    assert [line for line in console if any(marker in line for marker in CSP_MARKERS)] == []
    assert csp_violations(browser) == []
    page.context.close()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", list(LOCALES))
def test_an_unknown_address_shows_the_404_page_to_a_visitor(live_server, browser, language, size):
    console: list[str] = []
    page = _page(browser, language, size, console)

    response = page.goto(f"{live_server.url}/no-such-page/")

    assert response.status == 404
    assert _lang(page) == language
    assert page.locator("[data-testid=signed-in-as]").count() == 0
    shot(page, f"error-404-anonymous-{language}-{size}", docs=True)
    page.click("[data-testid=error-home]")
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert [line for line in console if any(marker in line for marker in CSP_MARKERS)] == []
    assert csp_violations(browser) == []
    page.context.close()


# Per role: a link of another area, and an object of its own area it may not see.
WRONG_LINKS = {
    "staff": ("/portal/", "/staff/quotations/999999/"),
    "hotel": ("/client/", "/portal/i/no-such-invitation/"),
    "client": ("/portal/", "/client/quotations/999999/"),
}
HOMES = {"staff": "/staff/", "hotel": "/portal/", "client": "/client/"}


@pytest.mark.parametrize("language", list(LOCALES))
def test_the_404_page_as_each_role(live_server, browser, language):
    from accounts.factories import HotelUserFactory
    from quotations.factories import HotelFactory

    users = {
        "staff": StaffFactory(email="e2e-404-staff@spirittours.example", language=language),
        "hotel": HotelUserFactory(email="e2e-404-hotel@hotel.example", language=language),
        "client": ClientContactFactory(email="e2e-404-client@client.example", language=language),
    }
    HotelFactory(members=[users["hotel"]])
    console: list[str] = []
    for role, user in users.items():
        for size in SIZES:
            page = _page(browser, OTHER[language], size, console)  # the browser prefers the other language
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", user.email)
            page.fill("input[name=password]", PASSWORD)
            page.click("form button[type=submit]:not([name=language])")
            page.wait_for_load_state()
            for path in WRONG_LINKS[role]:
                # when they follow another area's link, or an object that does not exist for them
                response = page.goto(f"{live_server.url}{path}")

                # then the branded 404 page in their stored language, naming them, with a way home
                assert response.status == 404, (role, path)
                assert _lang(page) == language, (role, path)
                assert page.locator("[data-testid=error-page][data-status='404']").is_visible()
                assert user.email in page.locator("[data-testid=signed-in-as]").inner_text()
                assert "URLconf" not in page.content()
            shot(page, f"error-404-{role}-{language}-{size}")
            page.click("[data-testid=error-home]")
            page.wait_for_load_state()
            assert page.url.startswith(f"{live_server.url}{HOMES[role]}")
            page.context.close()
    assert [line for line in console if any(marker in line for marker in CSP_MARKERS)] == []
