"""The Content-Security-Policy: the header every page carries, and templates that
need nothing it forbids (inline scripts, styles and event handlers, htmx eval)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client as HttpClient

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
# Emails are not served as pages: mail clients need their inline styles.
NOT_PAGES = TEMPLATES / "emails"

FORBIDDEN_IN_PAGES = {
    "an inline <script> block": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "a <style> block": re.compile(r"<style\b", re.IGNORECASE),
    "a style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "an inline event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: URL or htmx js: value": re.compile(r"""["'=]\s*(?:javascript|js):""", re.IGNORECASE),
    "hx-on or hx-vars (htmx eval)": re.compile(r"\b(?:data-)?hx-(?:on|vars)\b", re.IGNORECASE),
    "an htmx trigger filter (htmx eval)": re.compile(r"""hx-trigger\s*=\s*["'][^"']*\[""", re.IGNORECASE),
}
# Template comments document the rules; only what renders is checked.
COMMENT = re.compile(r"{% comment %}.*?{% endcomment %}|{#.*?#}", re.DOTALL)


def _rendered_part(template: Path) -> str:
    """The template's source with comments blanked out, line numbers kept."""
    return COMMENT.sub(lambda comment: re.sub(r"[^\n]", " ", comment.group(0)), template.read_text())


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    directives = [part.strip().split(" ", 1) for part in header.split(";")]
    return {name: sources for name, sources in directives}


def _expected(websocket_origin: str) -> dict[str, str]:
    return {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "connect-src": f"'self' {websocket_origin}",
        "frame-ancestors": "'none'",
        # Forms post to us; the pay buttons lead on to the gateways' hosted pages.
        "form-action": " ".join(["'self'", *settings.PAYMENT_CHECKOUT_ORIGINS]),
        "base-uri": "'self'",
        "object-src": "'none'",
    }


def _websocket_origin_of_site() -> str:
    scheme, rest = settings.SITE_URL.split("://", 1)
    return {"http": "ws", "https": "wss"}[scheme] + "://" + rest.split("/", 1)[0]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_pages_carry_exactly_the_policy(path):
    # when
    response = HttpClient().get(path)

    # then
    assert response.status_code == 200
    assert _policy(response) == _expected(_websocket_origin_of_site())
    assert "Content-Security-Policy-Report-Only" not in response.headers


def test_sockets_of_an_https_site_are_allowed_over_wss():
    # given: a production-like SITE_URL
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SITE_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": "spirittours.settings", "SITE_URL": "https://tours.example/app/"})

    # when
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(' '.join(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['connect-src']))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "'self' wss://tours.example"


def test_page_templates_need_nothing_the_policy_forbids():
    # given: every template served as (part of) a page
    pages = [path for path in TEMPLATES.rglob("*.html") if NOT_PAGES not in path.parents]
    assert len(pages) > 10

    # when
    found = [
        f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}: {what}: {match.group(0).strip()}"
        for path in pages
        for text in [_rendered_part(path)]
        for what, pattern in FORBIDDEN_IN_PAGES.items()
        for match in pattern.finditer(text)
    ]

    # then
    assert found == []
