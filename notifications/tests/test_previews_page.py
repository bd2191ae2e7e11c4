"""The admin's email previews page: each email whole inside its own sandboxed frame,
nothing of its markup (inline styles among it) leaking into the page around it."""

from html.parser import HTMLParser

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.factories import StaffFactory
from notifications.models import EmailTemplate


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.mark.django_db
def test_each_email_is_whole_inside_its_frame():
    # given
    http = HttpClient()
    http.force_login(StaffFactory(is_superuser=True))

    # when
    response = http.get(reverse("admin:notifications_email_previews"))
    page = _Tags()
    page.feed(response.content.decode())

    # then: every email is whole in its sandboxed frame, and the page itself has no inline style
    assert response.status_code == 200
    frames = [attrs for tag, attrs in page.tags if tag == "iframe"]
    assert len(frames) == 2 * len(EmailTemplate.values)
    assert all("sandbox" in frame for frame in frames)
    assert [tag for tag, attrs in page.tags if "style" in attrs] == []
    previews = [http.get(frame["src"]) for frame in frames]
    assert {preview.status_code for preview in previews} == {200}
    assert all(preview.content.decode().startswith("<!DOCTYPE html>") for preview in previews)
    assert all(preview.content.decode().rstrip().endswith("</html>") for preview in previews)


@pytest.mark.django_db
def test_a_framed_preview_allows_inline_styles_and_nothing_else():
    # given
    http = HttpClient()
    http.force_login(StaffFactory(is_superuser=True))
    url = reverse("admin:notifications_email_preview_html", kwargs={"template": "hotel_invitation", "language": "es"})

    # when
    preview = http.get(url)
    unknown = http.get(url.replace("hotel_invitation", "nonexistent"))
    anonymous = HttpClient().get(url)

    # then
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in preview["Content-Security-Policy"].split(";")
        if directive.strip()
    )
    assert (policy["style-src"], policy["script-src"], policy["default-src"]) == ("'unsafe-inline'", "'none'", "'none'")
    assert policy["frame-ancestors"] == "'self'"
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    assert unknown.status_code == 404
    assert anonymous.status_code == 302  # the admin login
