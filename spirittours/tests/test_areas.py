"""Areas: discovered from each app, mounted at their prefix, and the navigation of each role."""

import itertools
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.test import Client as HttpClient
from django.urls import get_resolver, path, reverse
from django.utils import translation

from spirittours import areas
from spirittours.areas import Area, NavEntry, NavLink, area_include, areas_discover, nav_links_for

NAVBAR = re.compile(r'<ul class="navbar-nav[^"]*">(.*?)</ul>', re.DOTALL)
SEQUENCE = itertools.count()
NAV_LINK = re.compile(r'<a class="nav-link( active)?" href="([^"]+)"( aria-current="page")?>([^<]+)</a>')


def _user(role: str, **fields):
    return get_user_model().objects.create_user(
        email=f"{role}{next(SEQUENCE)}@areas.example", password="correct horse battery", role=role, **fields
    )


def _view(request):
    raise AssertionError("never called")


def _fake(namespace: str, role: str | tuple[str, ...], nav: tuple[NavEntry, ...] = (), home: str | None = None) -> Area:
    return Area(namespace=namespace, prefix=f"{namespace}/", role=role, urlpatterns=[], home=home, nav=nav)


# --- Discovery ------------------------------------------------------------------


def test_the_site_declares_the_staff_client_and_portal_areas():
    found = {(a.namespace, a.prefix, a.role, a.home) for a in areas_discover()}

    assert found == {
        ("account", "accounts/", ("staff", "client", "hotel"), None),
        ("staff", "staff/", "staff", "staff:home"),
        ("client", "client/", "client", "client:home"),
        ("portal", "portal/", "hotel", "portal:home"),
        ("client_bookings", "client/bookings/", "client", None),
        ("staff_bookings", "staff/bookings/", "staff", None),
        ("portal_bookings", "portal/bookings/", "hotel", None),
        ("staff_payments", "staff/payments/", "staff", None),
        ("client_payments", "client/payments/", "client", None),
        ("pay", "pay/", (), None),
        ("payments_webhooks", "payments/webhooks/", (), None),
        ("guide", "guide/", (), None),
    }


def test_each_area_is_mounted_at_its_prefix_in_its_namespace():
    assert reverse("staff:home") == "/staff/"
    assert reverse("staff:quotation", kwargs={"pk": 7}) == "/staff/quotations/7/"
    assert reverse("client:quotation", kwargs={"pk": 7}) == "/client/quotations/7/"
    assert reverse("portal:invitation", kwargs={"token": "abc"}) == "/portal/i/abc/"


def test_an_area_is_included_at_its_prefix_in_its_namespace():
    page = path("report/", _view, name="report")
    area = Area(namespace="bookings_staff", prefix="staff/bookings/", role="staff", urlpatterns=[page])

    resolver = area_include(area)

    assert str(resolver.pattern) == "staff/bookings/"
    assert resolver.namespace == "bookings_staff"
    assert resolver.url_patterns == [page]


def test_two_areas_with_one_namespace_are_refused():
    with pytest.raises(ImproperlyConfigured, match="Two areas use the namespace 'staff'"):
        areas._areas_check([_fake("staff", "staff"), _fake("staff", "client")])


def test_two_homes_for_one_role_are_refused():
    first, second = _fake("staff", "staff", home="staff:home"), _fake("sales", "staff", home="sales:home")

    with pytest.raises(ImproperlyConfigured, match="'staff' and 'sales' both name a home for role 'staff'"):
        areas._areas_check([first, second])


def test_an_area_without_home_may_share_its_role():
    areas._areas_check([_fake("staff", "staff", home="staff:home"), _fake("bookings_staff", "staff")])


# --- Navigation: merging, order, visibility, highlighting ------------------------


@pytest.fixture
def fake_areas(monkeypatch):
    """Replace the discovered areas; the project's URLs are loaded first, from the real ones."""
    get_resolver().url_patterns  # noqa: B018 (loading the URLconf is the point)

    def install(*found: Area) -> None:
        monkeypatch.setattr(areas, "areas_discover", lambda: found)

    return install


@pytest.mark.django_db
def test_entries_of_every_area_of_the_role_merge_by_order(fake_areas):
    # Given a second app adding to the staff side, and a client area that must not show.
    staff = _fake(
        "staff",
        "staff",
        nav=(NavEntry("Quotations", "staff:home", order=10), NavEntry("Back office", "admin:index", order=1000)),
    )
    client = _fake("client", "client", nav=(NavEntry("Your quotes", "client:home", order=10),))
    bookings = _fake("bookings_staff", "staff", nav=(NavEntry("Bookings", "staff:quotation_create", order=30),))
    fake_areas(staff, client, bookings)

    links = nav_links_for(_user("staff", staff_level=3), current=None)

    assert [(link.label, link.url) for link in links] == [
        ("Quotations", "/staff/"),
        ("Bookings", "/staff/quotations/new/"),
        ("Back office", "/admin/"),
    ]


@pytest.mark.django_db
def test_an_entry_shows_only_to_users_it_is_visible_to(fake_areas):
    entry = NavEntry("Back office", "admin:index", visible=lambda user: user.is_staff)
    fake_areas(_fake("staff", "staff", nav=(entry,)))

    assert [link.label for link in nav_links_for(_user("staff", is_staff=True), current=None)] == ["Back office"]
    assert nav_links_for(_user("staff"), current=None) == []


@pytest.mark.django_db
def test_an_entry_is_current_on_its_page_and_active_on_its_related_pages(fake_areas):
    entry = NavEntry("Quotations", "staff:home", active_on=("staff:quotation",))
    fake_areas(_fake("staff", "staff", nav=(entry,)))
    user = _user("staff")

    assert nav_links_for(user, current="staff:home") == [NavLink("Quotations", "/staff/", active=True, current=True)]
    assert nav_links_for(user, current="staff:quotation") == [
        NavLink("Quotations", "/staff/", active=True, current=False)
    ]
    assert nav_links_for(user, current="staff:send") == [NavLink("Quotations", "/staff/", active=False, current=False)]


@pytest.mark.django_db
def test_anonymous_and_inactive_users_get_no_navigation():
    assert nav_links_for(AnonymousUser(), current=None) == []
    assert nav_links_for(_user("staff", is_active=False, is_staff=True), current=None) == []


# --- Navigation of the real site, rendered, in both languages --------------------


def _your_account(language: str) -> tuple[str, str, bool, bool]:
    """The account area's entry, last for every role."""
    with translation.override(language):
        return (translation.gettext("Your account"), "/accounts/profile/", False, False)


def _navbar(user, url: str, language: str) -> list[tuple[str, str, bool, bool]]:
    http = HttpClient()
    http.force_login(user)
    http.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = http.get(url)
    assert response.status_code == 200
    (navbar,) = NAVBAR.findall(response.content.decode())
    return [(label, href, bool(active), bool(current)) for active, href, current, label in NAV_LINK.findall(navbar)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "quotations", "bookings", "new_quotation", "back_office"),
    [
        ("es", "Cotizaciones", "Reservas", "Nueva cotización", "Gestión interna"),
        ("en", "Quotations", "Bookings", "New quotation", "Back office"),
    ],
)
def test_staff_navigation(language, quotations, bookings, new_quotation, back_office):
    with_admin = _user("staff", staff_level=5, is_staff=True)
    without_admin = _user("staff", staff_level=3, is_staff=False)

    assert _navbar(with_admin, "/staff/", language) == [
        (quotations, "/staff/", True, True),
        (bookings, "/staff/bookings/", False, False),
        (new_quotation, "/staff/quotations/new/", False, False),
        (back_office, "/admin/", False, False),
        _your_account(language),
    ]
    assert _navbar(without_admin, "/staff/quotations/new/", language) == [
        (quotations, "/staff/", False, False),
        (bookings, "/staff/bookings/", False, False),
        (new_quotation, "/staff/quotations/new/", True, True),
        _your_account(language),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "label", "bookings"),
    [("es", "Sus cotizaciones", "Sus reservas"), ("en", "Your quotes", "Your bookings")],
)
def test_client_navigation(language, label, bookings):
    assert _navbar(_user("client"), "/client/", language) == [
        (label, "/client/", True, True),
        (bookings, "/client/bookings/", False, False),
        _your_account(language),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "label", "bookings"), [("es", "Invitaciones", "Reservas"), ("en", "Invitations", "Bookings")]
)
def test_hotel_navigation(language, label, bookings):
    assert _navbar(_user("hotel"), "/portal/", language) == [
        (label, "/portal/", True, True),
        (bookings, "/portal/bookings/", False, False),
        _your_account(language),
    ]


@pytest.mark.django_db
def test_the_login_page_has_no_navigation_links():
    response = HttpClient().get(reverse("login"))

    (navbar,) = NAVBAR.findall(response.content.decode())
    assert NAV_LINK.findall(navbar) == []


def test_labels_translate_per_request():
    (staff,) = [area for area in areas_discover() if area.namespace == "staff"]

    with translation.override("es"):
        spanish = [str(entry.label) for entry in staff.nav]
    with translation.override("en"):
        english = [str(entry.label) for entry in staff.nav]

    assert spanish == ["Cotizaciones", "Nueva cotización", "Gestión interna"]
    assert english == ["Quotations", "New quotation", "Back office"]


@pytest.mark.django_db
def test_an_area_may_serve_several_roles(fake_areas):
    shared = _fake("account", ("staff", "client"), nav=(NavEntry("Your account", "login"),))
    fake_areas(shared, _fake("staff", "staff", nav=(NavEntry("Quotations", "staff:home"),)))

    assert [link.label for link in nav_links_for(_user("staff"), current=None)] == ["Your account", "Quotations"]
    assert [link.label for link in nav_links_for(_user("client"), current=None)] == ["Your account"]
    assert nav_links_for(_user("hotel"), current=None) == []


def test_an_area_of_several_roles_naming_a_home_clashes_with_each_roles_home():
    shared = _fake("account", ("client", "hotel"), home="account:profile")

    with pytest.raises(ImproperlyConfigured, match="'portal' and 'account' both name a home for role 'hotel'"):
        areas._areas_check([_fake("portal", "hotel", home="portal:home"), shared])
