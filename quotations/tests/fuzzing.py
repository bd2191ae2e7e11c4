"""What the fuzz tests share: hostile form values, a snapshot of every table, and the verdict.

Each example runs inside a savepoint that is rolled back, so every example
meets the same rows. The verdict on a response:

- a 5xx is a failure (the test client re-raises the view's exception);
- "accepted" is a redirect with no error message: the verb may have written;
- anything else is "rejected": a 4xx, a form shown again, or a redirect with an
  error message. A rejected request must show the error and leave every table
  exactly as it was, with no email queued.
"""

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from django import forms
from django.apps import apps
from django.contrib import messages
from django.core import mail
from django.db import transaction
from django.http import HttpResponse
from django.test import Client as HttpClient
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from quotations import limits

# A bounded number of examples per endpoint keeps the suite fast; `database=None`
# writes no example database into the working tree.
FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Rows these tables gain are not the verb's doing: a login's session, the login throttle's record of a failure.
NOT_SNAPSHOT = {"sessions", "axes"}

MISSING = object()  # the field is left out of the request


class World(SimpleNamespace):
    """The rows a fuzz test works on; short in Hypothesis's report of a failing example."""

    def __repr__(self) -> str:
        return "<world>"


@dataclass(frozen=True)
class Ref:
    """A value known only once the test's rows exist (a primary key), resolved when sending."""

    name: str


def resolve(data: dict[str, object], refs: dict[str, object]) -> dict[str, object]:
    """Put the rows' keys in: `Ref` values, and field names such as "rate_{stay}_double"."""

    def one(value):
        return str(refs[value.name]) if isinstance(value, Ref) else value

    def key(name: str) -> str:
        return name.format_map(refs) if "{" in name else name

    resolved = {}
    for name, value in data.items():
        resolved[key(name)] = [one(v) for v in value] if isinstance(value, list) else one(value)
    return resolved


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


NUMBERS = [
    "0",
    "-0",
    "-1",
    "1",
    "0.001",
    "1.005",
    "12,5",
    " 7 ",
    "1e3",
    "0x10",
    "1_000",
    "١٢",  # Arabic-Indic digits
    str(2**15),
    str(2**31 - 1),
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    str(-(2**63) - 1),
    "9" * 30,
    "1e309",
    "-1e309",
    "1e-400",
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "99999999.995",
    "0." + "0" * 40 + "1",
    "12.3456789012345678901234567890",
]
HUGE = ["x" * 100_001, "9" * 5_000, "Sevilla:" + "9" * 5_000, "A:1," * 5_000, "é" * 2_001, "\x00" * 10]
ODD_TEXT = ["", " ", "\x00", "a\x00b", "\u202e\u0000", "🙂" * 3, "<script>alert(1)</script>", "%s %(x)s {0}", "\r\n"]


def date_edges() -> list[str]:
    today = timezone.localdate()
    return [
        today.isoformat(),
        (today - datetime.timedelta(days=1)).isoformat(),
        limits.valid_until_latest().isoformat(),
        (limits.valid_until_latest() + datetime.timedelta(days=1)).isoformat(),
        limits.travel_date_latest().isoformat(),
        (limits.travel_date_latest() + datetime.timedelta(days=1)).isoformat(),
        "9999-12-31",
        "9999-12-30",
        "0001-01-01",
        "10000-01-01",
        "2026-02-30",
        "2028-02-29",
        "0000-00-00",
        "-0001-01-01",
        "12/31/9999",
        "31/12/9999",
    ]


def datetime_edges() -> list[str]:
    now = timezone.now()
    latest = limits.bid_deadline_latest().replace(second=0, microsecond=0)
    return [
        _local(now),
        _local(now + datetime.timedelta(minutes=2)),
        _local(now - datetime.timedelta(minutes=2)),
        _local(latest),
        _local(latest + datetime.timedelta(minutes=1)),
        "9999-12-30T10:00",
        "9999-12-31T23:59",
        "9999-12-31T23:59:59.999999",
        "0001-01-01T00:00",
        "0001-01-01 00:00:00+14:00",
        "2026-03-29T02:30",  # a moment the clocks skip in Madrid
        "2026-10-25T02:30",  # a moment that happens twice in Madrid
        "2026-13-01T10:00",
        "10000-01-01T00:00",
        "9999-12-31",
    ]


def junk() -> st.SearchStrategy[str]:
    """Anything a hostile or broken client might send for any field."""
    return st.one_of(
        st.sampled_from(NUMBERS + HUGE + ODD_TEXT),
        st.text(max_size=40),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.floats().map(repr),
    )


def kind_values(kind: str) -> st.SearchStrategy[str]:
    """Values aimed at one kind of field, mixed with plain junk."""
    aimed = {
        "date": st.sampled_from(date_edges()),
        "datetime": st.sampled_from(datetime_edges()),
        "number": st.sampled_from(NUMBERS),
        "decimal": st.one_of(
            st.sampled_from(NUMBERS),
            st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2).map(str),
            st.decimals(allow_nan=False, allow_infinity=False).map(str),
        ),
        "text": st.one_of(st.sampled_from(HUGE + ODD_TEXT), st.text(max_size=300)),
        "id": st.one_of(st.sampled_from(NUMBERS), st.integers(min_value=-5, max_value=50).map(str)),
        "itinerary": st.one_of(
            st.sampled_from(HUGE),
            st.lists(
                st.tuples(
                    st.one_of(st.text(min_size=1, max_size=120), st.sampled_from(["Sevilla", "S" * 101])),
                    st.sampled_from(["0", "1", "365", "366", "32767", "32768", str(2**31), "-1", "", "x"]),
                ),
                max_size=35,
            ).map(lambda stays: ", ".join(f"{city}:{nights}" for city, nights in stays)),
        ),
    }.get(kind)
    return junk() if aimed is None else st.one_of(aimed, aimed, junk())


@st.composite
def form_data(draw, valid: dict[str, object], kinds: dict[str, str] | None = None) -> dict[str, object]:
    """A valid submission with up to three fields spoiled: left out, repeated, or replaced."""
    kinds = kinds or {}
    names = sorted(valid)
    spoiled = draw(st.sets(st.sampled_from(names), max_size=min(3, len(names)))) if names else set()
    data: dict[str, object] = {}
    for name in names:
        if name not in spoiled:
            data[name] = valid[name]
            continue
        bad = kind_values(kinds.get(name, "text"))
        value = draw(
            st.one_of(
                st.just(MISSING),
                bad,
                st.lists(st.one_of(bad, st.just(valid[name])), min_size=2, max_size=3),
            )
        )
        if value is not MISSING:
            data[name] = value
    if draw(st.booleans()) and draw(st.booleans()):
        data[draw(st.sampled_from(["unknown", "csrfmiddlewaretoken", "id", "status", "pk"]))] = draw(junk())
    return data


def db_snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    snapshot = {}
    for model in apps.get_models():
        if model._meta.app_label in NOT_SNAPSHOT or model._meta.proxy or not model._meta.managed:
            continue
        names = [field.attname for field in model._meta.concrete_fields]
        snapshot[model._meta.label] = list(model._base_manager.order_by("pk").values_list(*names))
    return snapshot


def snapshot_diff(before: dict, after: dict) -> dict[str, tuple[int, int]]:
    """The tables that changed, with their row counts before and after."""
    return {label: (len(before[label]), len(after[label])) for label in before if before[label] != after[label]}


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run one example in a savepoint and undo whatever it wrote."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def logged_in(user) -> HttpClient:
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        http.force_login(user)
    return http


def _queued(response: HttpResponse) -> list:
    storage = getattr(response.wsgi_request, "_messages", None)
    return list(getattr(storage, "_queued_messages", []))


def _forms_in(context) -> Iterator[forms.BaseForm | forms.BaseFormSet]:
    """The forms a rendered page had: top-level, in a dict (the room's form), or the admin's wrappers."""
    if context is None:
        return
    for one in context if isinstance(context, list) else [context]:
        for scope in one:
            for value in scope.values():
                candidates = list(value.values()) if isinstance(value, dict) else [value]
                if isinstance(value, list | tuple):
                    candidates = list(value)
                for candidate in candidates:
                    if isinstance(candidate, forms.BaseForm | forms.BaseFormSet):
                        yield candidate
                    elif isinstance(getattr(candidate, "form", None), forms.BaseForm):
                        yield candidate.form  # the admin's AdminForm
                    elif isinstance(getattr(candidate, "formset", None), forms.BaseFormSet):
                        yield candidate.formset  # the admin's inline formsets


def _has_errors(item) -> bool:
    if isinstance(item, forms.BaseFormSet):
        return bool(item.non_form_errors()) or any(form.errors for form in item.forms)
    return bool(item.errors)


def verdict(response: HttpResponse) -> str:
    assert response.status_code < 500, response.status_code
    errors = [m for m in _queued(response) if m.level >= messages.ERROR]
    if response.status_code in (301, 302, 303) and not errors:
        return "accepted"
    return "rejected"


def shows_an_error(response: HttpResponse) -> bool:
    """The person sees why: a field or form error on the page, or an error message."""
    if any(m.level >= messages.ERROR for m in _queued(response)):
        return True
    return any(_has_errors(form) for form in _forms_in(response.context))


def submit_and_judge(
    *,
    http: HttpClient,
    send: Callable[[HttpClient], HttpResponse],
    after: Callable[[HttpClient], HttpResponse] | None = None,
    must_show_error: bool = True,
) -> str:
    """Send one request in a rolled-back savepoint and check the verdict's promises.

    `after` is the page the person goes back to: once a request was accepted it
    must still open (200), whatever was written. (After a refusal nothing was
    written, so the page is the one it was.) Returns the verdict.
    """
    with rolled_back():
        before, emails_before = db_snapshot(), len(mail.outbox)
        response = send(http)
        outcome = verdict(response)
        if outcome == "rejected":
            changed = snapshot_diff(before, db_snapshot())
            assert changed == {}, f"rejected with {response.status_code} but wrote {changed}"
            assert len(mail.outbox) == emails_before
            if must_show_error and response.status_code != 404:
                assert shows_an_error(response), f"rejected with {response.status_code} and no error shown"
        elif after is not None:
            page = after(http)
            assert page.status_code == 200, page.status_code
    return outcome


def _posted(field: forms.Field, value) -> object:
    """A form value as a browser would post it back, or MISSING for an unticked box."""
    if isinstance(field.widget, forms.CheckboxInput):
        return "on" if value else MISSING
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return str(value)


def _form_fields(form: forms.BaseForm) -> dict[str, object]:
    data = {}
    for name, field in form.fields.items():
        value = _posted(field, form[name].value())
        if value is not MISSING:
            data[form.add_prefix(name)] = value
    return data


def admin_form_data(response: HttpResponse) -> dict[str, object]:
    """What the admin's change page would post back unchanged: its form, inlines and management forms."""
    assert response.status_code == 200, response.status_code
    data = _form_fields(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_fields(formset.management_form))
        for form in formset.forms:
            data.update(_form_fields(form))
    data["_save"] = "Save"
    return data
