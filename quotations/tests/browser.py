"""Helpers for the browser tests: Debian's Chromium driven by Playwright.

The `browser` fixture lives in conftest.py; these log a role in, in its own
context, and keep screenshots as test artifacts under test-artifacts/e2e/.

Every page opened through `open_page` or `login` records its console messages and
uncaught errors; each browser test ends with `assert csp_violations(browser) == []`,
so a page that trips the Content-Security-Policy fails the test that showed it.

With SCREENSHOTS_DIR set (`make screenshots` sets docs/screenshots), `shot(..., docs=True)`
also writes the visible viewport there, small enough to keep in the repository.
"""

import os
import subprocess
import sys
import time
import urllib.request
import weakref
from pathlib import Path

from spirittours.testing import current_database_url, free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
PASSWORD = "correct horse battery"  # the factories' password
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# How Chromium words a Content-Security-Policy violation in the console and in errors.
CSP_MARKERS = ("Content Security Policy", "Refused to")

_console: "weakref.WeakKeyDictionary[object, list[str]]" = weakref.WeakKeyDictionary()


def _watch(browser, page) -> None:
    log = _console.setdefault(browser, [])
    page.on("console", lambda message: log.append(f"{page.url} console.{message.type}: {message.text}"))
    page.on("pageerror", lambda error: log.append(f"{page.url} uncaught: {error}"))


def open_page(browser, *, locale: str = "en-GB", viewport: dict[str, int] | None = None):
    """A page in a fresh context whose console (and its popups') is recorded.

    `locale` is the browser's language (the pages follow its Accept-Language), `viewport`
    its size, e.g. {"width": 390, "height": 844}.
    """
    context = browser.new_context(locale=locale, **({"viewport": viewport} if viewport else {}))
    context.on("page", lambda popup: _watch(browser, popup))
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def console_messages(browser) -> list[str]:
    """Everything the pages opened through these helpers logged, in order."""
    return list(_console.get(browser, []))


def csp_violations(browser) -> list[str]:
    return [line for line in console_messages(browser) if any(marker in line for marker in CSP_MARKERS)]


def login(browser, base_url: str, email: str, *, password: str = PASSWORD, **page_options):
    """Log `email` in on a fresh page; `page_options` are open_page's (locale, viewport)."""
    page = open_page(browser, **page_options)
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]:not([name=language])")
    page.wait_for_load_state()
    return page


def shot(page, name: str, *, docs: bool = False) -> None:
    """The whole page into test-artifacts/e2e/<name>.png; with `docs` and SCREENSHOTS_DIR
    set, also the viewport into that folder (the documentation's screenshots)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    folder = os.environ.get("SCREENSHOTS_DIR")
    if docs and folder:
        target = ROOT / folder
        target.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target / f"{name}.png"), animations="disabled", caret="hide")


# Everything wider than the window, for a failure message: the page scrolls sideways.
WIDER_THAN_WINDOW = """() => {
    const width = window.innerWidth;
    return [...document.querySelectorAll("body *")]
        .filter((el) => el.getBoundingClientRect().right > width + 0.5)
        .filter((el) => !el.parentElement.closest(".table-responsive"))
        .slice(0, 10)
        .map((el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${[...el.classList].join(".")}`
            + ` right=${Math.round(el.getBoundingClientRect().right)}`);
}"""


def horizontal_overflow(page) -> dict:
    """How far the document is wider than the window (0 when it fits), and what sticks out."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    return {"overflow": max(0, widths[0] - widths[1]), "wider": page.evaluate(WIDER_THAN_WINDOW)}


def procfile_command(process: str) -> str:
    """The command the Procfile gives `process` ("web", "worker", "beat"): the tests run what production runs."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            return command.strip()
    raise LookupError(f"no {process!r} process in the Procfile")


class WebServer:
    """The production web process, as the Procfile starts it, on a free port against the test database."""

    def __init__(self, env: dict[str, str] | None = None, port: int | None = None):
        """`env` overrides the server's environment (e.g. REDIS_URL for a private Redis); `port`, when
        the environment must name the server's own address (SITE_URL)."""
        overrides = env or {}
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "DATABASE_URL": current_database_url(),
            "DEBUG": "True",
            "DJANGO_SETTINGS_MODULE": "spirittours.settings",
            "WEB_HOST": "127.0.0.1",
            "WEB_PORT": str(self.port),
            **overrides,
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.process = subprocess.Popen(  # noqa: S603 (our own server, the Procfile's command)
            ["/bin/sh", "-c", f"exec {procfile_command('web')}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=1)  # noqa: S310 (loopback)
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(self.process.stderr.read().decode()) from None
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the web server did not start in 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
