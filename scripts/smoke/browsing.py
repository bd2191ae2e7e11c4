"""A visitor that uses the site as a browser behind nginx would: pages, their forms, cookies.

Every request goes to one web process on 127.0.0.1 with the headers nginx adds (Host, the
public name; X-Forwarded-Proto: https; X-Forwarded-For). The site then sets its cookies
`Secure`, which an HTTP client refuses to send back over plain HTTP, so the visitor keeps its
cookies itself. Forms are read from the page and posted with their own values (the CSRF token
among them), changed only where a user would type or choose.
"""

import json
import re
import socket
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import requests
from websockets.exceptions import InvalidHandshake
from websockets.sync.client import ClientConnection, connect

from .progress import CEILING, SmokeFailure
from .services import PUBLIC_HOST

PUBLIC_ORIGIN = f"https://{PUBLIC_HOST}"
SKIPPED_INPUTS = {"submit", "button", "image", "reset", "file"}
MAX_REDIRECTS = 5


# --- Reading pages -----------------------------------------------------------------------------


@dataclass
class Form:
    attrs: dict[str, str]
    fields: list[tuple[str, str]] = field(default_factory=list)  # what the browser would post as it is
    # Every option of a select (value, label) and every box of a checkbox or radio group (value, id).
    choices: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def action(self) -> str:
        return self.attrs.get("action", "")

    @property
    def method(self) -> str:
        return self.attrs.get("method", "get").lower()

    def names(self) -> set[str]:
        return {name for name, _ in self.fields} | set(self.choices)

    def value_of(self, name: str, label: str) -> str:
        """The value of the choice of field `name` whose label is `label`."""
        for value, text in self.choices.get(name, []):
            if text.strip() == label:
                return value
        raise SmokeFailure(f"the form {self.action} offers no {label!r} for {name}: {self.choices.get(name)}")

    def filled(self, values: dict[str, str | list[str]]) -> list[tuple[str, str]]:
        """The form's own fields with `values` typed, chosen or ticked in."""
        data = [(name, value) for name, value in self.fields if name not in values]
        for name, value in values.items():
            data.extend((name, item) for item in ([value] if isinstance(value, str) else value))
        return data


class _PageParser(HTMLParser):
    """The forms of a page and every element carrying a data-testid (its attributes)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.testids: dict[str, list[dict[str, str]]] = {}
        self._form: Form | None = None
        self._select: tuple[str, list[tuple[str, str, bool]]] | None = None
        self._option: dict[str, str] | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: value if value is not None else "" for name, value in attrs}
        if "data-testid" in attributes:
            self.testids.setdefault(attributes["data-testid"], []).append(attributes)
        if tag == "form":
            self._form = Form(attrs=attributes)
            self.forms.append(self._form)
        elif self._form is not None:
            self._control(tag, attributes)

    def _control(self, tag: str, attributes: dict[str, str]) -> None:
        form, name = self._form, attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text").lower()
            value = attributes.get("value", "")
            if kind in ("checkbox", "radio"):
                form.choices.setdefault(name, []).append((value or "on", attributes.get("id", "")))
                if "checked" in attributes:
                    form.fields.append((name, value or "on"))
            elif kind not in SKIPPED_INPUTS:
                form.fields.append((name, value))
        elif tag == "select" and name:
            self._select = (name, [])
        elif tag == "option" and self._select is not None:
            self._option = {"value": attributes.get("value"), "selected": "selected" in attributes, "text": ""}
        elif tag == "textarea" and name:
            self._textarea = (name, [])

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None and self._select is not None:
            option = self._option
            value = option["value"] if option["value"] is not None else option["text"].strip()
            self._select[1].append((value, option["text"].strip(), option["selected"]))
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options = self._select
            self._form.choices[name] = [(value, text) for value, text, _ in options]
            chosen = [value for value, _, selected in options if selected] or [value for value, _, _ in options[:1]]
            self._form.fields.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, text = self._textarea
            self._form.fields.append((name, "".join(text).removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self._form = None


@dataclass
class Page:
    path: str
    status: int
    html: str
    forms: list[Form]
    testids: dict[str, list[dict[str, str]]]

    @classmethod
    def parse(cls, *, path: str, status: int, html: str) -> "Page":
        parser = _PageParser()
        parser.feed(html)
        return cls(path=path, status=status, html=html, forms=parser.forms, testids=parser.testids)

    def form(self, testid: str | None = None, *, with_field: str | None = None) -> Form:
        """The form with this data-testid (or the one with a field of this name)."""
        for form in self.forms:
            if (testid is None or form.attrs.get("data-testid") == testid) and (
                with_field is None or with_field in form.names()
            ):
                return form
        raise SmokeFailure(f"{self.path} has no form {testid or with_field!r} (status {self.status})")

    def element(self, testid: str) -> dict[str, str]:
        """The attributes of the first element with this data-testid."""
        if testid not in self.testids:
            raise SmokeFailure(f"{self.path} shows no [data-testid={testid}] (status {self.status})")
        return self.testids[testid][0]

    def errors(self) -> str:
        """The form errors and alerts of the page, else its title, for a failure message."""
        parser = _TextOf(("invalid-feedback", "alert-danger", "errorlist"))
        parser.feed(self.html)
        title = re.search(r"<title>(.*?)</title>", self.html, re.DOTALL)
        return " | ".join(parser.texts) or (" ".join(title[1].split()) if title else self.html[:300])


class _TextOf(HTMLParser):
    """The text of the elements carrying one of `classes`."""

    def __init__(self, classes: tuple[str, ...]):
        super().__init__(convert_charrefs=True)
        self.classes = classes
        self.texts: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        names = (dict(attrs).get("class") or "").split()
        if self._depth or any(name in names for name in self.classes):
            self._depth += 1
            if self._depth == 1:
                self.texts.append("")

    def handle_endtag(self, tag):
        self._depth = max(0, self._depth - 1)

    def handle_data(self, data):
        if self._depth and data.strip():
            self.texts[-1] = f"{self.texts[-1]} {data.strip()}".strip()


# --- The visitor -------------------------------------------------------------------------------


class Visitor:
    """One person's browser, talking to one web process through the (simulated) proxy."""

    def __init__(self, name: str, *, port: int, address: str):
        self.name = name
        self.port = port
        self.address = address  # the visitor's own address, as nginx puts it in X-Forwarded-For
        self.cookies: dict[str, str] = {}
        self.insecure_cookies: set[str] = set()
        self.page: Page | None = None

    def __repr__(self) -> str:
        return f"{self.name} on port {self.port}"

    def proxy_headers(self) -> dict[str, str]:
        return {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": self.address}

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def _keep_cookies(self, response: requests.Response) -> None:
        for header in response.raw.headers.getlist("Set-Cookie"):
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                    continue
                self.cookies[name] = morsel.value
                if not morsel["secure"]:
                    self.insecure_cookies.add(name)

    def _request(self, method: str, path: str, *, data=None, params=None) -> requests.Response:
        headers = {**self.proxy_headers(), "Accept-Language": "en", "User-Agent": "spirittours-production-smoke"}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        if method == "POST":
            headers["Origin"] = PUBLIC_ORIGIN
            headers["Referer"] = PUBLIC_ORIGIN + (self.page.path if self.page else "/")
        try:
            response = requests.request(
                method,
                f"http://127.0.0.1:{self.port}{path}",
                headers=headers,
                data=data,
                params=params,
                allow_redirects=False,
                timeout=CEILING,
            )
        except requests.RequestException as error:
            raise SmokeFailure(f"{self}: {method} {path} failed: {error}") from error
        self._keep_cookies(response)
        return response

    def _follow(self, response: requests.Response, path: str) -> Page:
        for _ in range(MAX_REDIRECTS):
            if response.status_code not in (301, 302, 303, 307, 308):
                break
            location = urlsplit(response.headers["Location"])
            if location.netloc and location.netloc != PUBLIC_HOST:
                raise SmokeFailure(f"{self}: {path} redirects off the site, to {response.headers['Location']}")
            path = location.path + (f"?{location.query}" if location.query else "")
            response = self._request("GET", path)
        self.page = Page.parse(path=path, status=response.status_code, html=response.text)
        return self.page

    def get(self, path: str, *, params: list[tuple[str, str]] | None = None, expect: int = 200) -> Page:
        page = self._follow(self._request("GET", path, params=params), path)
        if page.status != expect:
            raise SmokeFailure(f"{self}: GET {path} answered {page.status}, not {expect}: {page.errors()}")
        return page

    def submit(self, form: Form, values: dict[str, str | list[str]] | None = None) -> Page:
        """Submit a form of the current page as a user would; a POST must answer with a redirect
        (the page again, with status 400 and its errors, means the form was refused)."""
        data = form.filled(values or {})
        action = form.action or (self.page.path if self.page else "/")
        if form.method == "get":
            return self.get(action, params=data)
        response = self._request("POST", action, data=data)
        if response.status_code not in (302, 303):
            refused = Page.parse(path=action, status=response.status_code, html=response.text)
            raise SmokeFailure(f"{self}: POST {action} answered {response.status_code}: {refused.errors()}")
        return self._follow(response, action)

    def login(self, email: str, password: str) -> Page:
        page = self.get("/accounts/login/")
        page = self.submit(page.form(with_field="username"), {"username": email, "password": password})
        if "sessionid" not in self.cookies:
            raise SmokeFailure(f"{self}: logging in as {email} set no session cookie: {page.errors()}")
        if self.insecure_cookies & {"sessionid", "csrftoken"}:
            raise SmokeFailure(f"{self}: cookies set without Secure behind the proxy: {self.insecure_cookies}")
        return page


# --- The live room -----------------------------------------------------------------------------


def room_open(visitor: Visitor, *, quotation_id: int, port: int) -> ClientConnection:
    """The quotation's room socket as the visitor's browser opens it (its session cookie, the
    site's Origin), on the web process listening on `port`."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=CEILING)
    headers = {name: value for name, value in visitor.proxy_headers().items() if name != "Host"}  # from the URL
    try:
        return connect(
            f"ws://{PUBLIC_HOST}/ws/quotations/{quotation_id}/",
            sock=sock,
            origin=PUBLIC_ORIGIN,
            additional_headers={**headers, "Cookie": visitor.cookie_header()},
            open_timeout=CEILING,
            close_timeout=10,
        )
    except (InvalidHandshake, OSError) as refused:
        raise SmokeFailure(f"{visitor}: the room socket on port {port} was refused: {refused}") from refused


def room_frame(room: ClientConnection, *, timeout: float) -> dict:
    return json.loads(room.recv(timeout=timeout))
