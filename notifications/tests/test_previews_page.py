"""The admin's email previews page: each email whole inside its own sandboxed frame,
nothing of its markup (inline styles among it) leaking into the page around it."""

from html.parser import HTMLParser

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.factories import StaffFactory


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
    assert len(frames) == 20
    assert all(frame["srcdoc"].startswith("<!DOCTYPE html>") for frame in frames)
    assert all(frame["srcdoc"].rstrip().endswith("</html>") for frame in frames)
    assert all("sandbox" in frame for frame in frames)
    assert [tag for tag, attrs in page.tags if "style" in attrs] == []
