#!/usr/bin/env python
"""Page latency over HTTP: every page of a logged-in user, beside a bare Django view, per variant of the server.

Builds a fresh PostgreSQL database (dropped and created each run) with the project's
factories and services, as the product would have made it:

- staff (level 8) and three colleagues owning --quotations quotations (40 by default:
  drafts, open bidding rounds, quotes sent, quotes approved into bookings), so the staff
  lists page through real rows;
- the quotation of the measured pages: Sevilla 3 nights then Granada 2, two extras, five
  hotels invited, each bidding, three of them revising (Aurora four bids in all), a few
  room messages, priced and sent to the client;
- an approved quotation of the same client (Aurora and Delta chosen) whose booking has 20
  travellers on the rooming list, the rooming list sent to the hotels, the deposit paid
  by transfer, one traveller's share announced and a guide assigned.

It logs staff, the client's contact and Aurora's reservations user in through the login
form (django.test.Client in this process, django-axes' backend and all) and sends their
session, CSRF and language cookies with every request. Each page is first opened in this
process, twice: the first must answer 200 (or the run stops, printing the answer), the
second's SQL queries are counted (CaptureQueriesContext, same data, same settings).

Pages (name: role, path). Measured by default:

    floor               -         /bench/floor/: a bare ASGI callable in this module, the server alone
    bare                -         /bench/bare/: a sync Django view through the product's whole
                                  middleware, no database, a small HTML answer (THE baseline)
    login               -         /accounts/login/
    static_css          -         /static/css/site.<hash>.css, through WhiteNoise
    staff_home          staff     /staff/: the quotation list, 25 a page
    staff_quotation     staff     /staff/quotations/<id>/: five hotels' bids, the pricing, the room
    staff_bookings      staff     /staff/bookings/
    staff_booking       staff     /staff/bookings/<id>/: manifest, rooming, ledger, guide
    client_home         client    /client/: the client's quotes
    client_quotation    client    /client/quotations/<id>/: the quote sent
    client_bookings     client    /client/bookings/
    client_booking      client    /client/bookings/<id>/: schedule, travellers, rooming, payments
    portal_home         hotel     /portal/: the hotel's invitations
    portal_invitation   hotel     /portal/i/<token>/: requirements and the hotel's own four bids
    portal_bookings     hotel     /portal/bookings/: the hotel's booked stays
    portal_booking      hotel     /portal/bookings/<id>/: one stay and its rooming list
    traveller_pay       -         /pay/<token>/: a traveller's own payment page (signed link)
    guide_trip          -         /guide/<token>/: the guide's trip page (signed link)

With --pages (or --pages all), also:

    password_reset      -         /accounts/password-reset/
    account_profile     staff     /accounts/profile/
    staff_quotation_new staff     /staff/quotations/new/
    staff_client_preview staff    /staff/quotations/<id>/preview/
    staff_quotation_bidding staff /staff/quotations/<id>/ of a round still open
    staff_close_bidding staff     /staff/quotations/<id>/close/: closing that round, confirmed first
    staff_enter_bid     staff     /staff/quotations/<id>/invitations/<id>/bid/: a bid taken by phone
    portal_invitation_open hotel  /portal/i/<token>/ of a round still open (the bid form)
    portal_decline      hotel     /portal/i/<token>/decline/: declining it, confirmed first
    account_password    client    /accounts/password/
    client_booking_cancel client  /client/bookings/<id>/cancel/: the terms, confirmed first
    client_traveller_cancel client /client/bookings/<id>/travellers/<id>/cancel/
    client_quote_pdf    client    /client/quotations/<id>/quote.pdf
    staff_receipt_pdf   staff     /staff/payments/bookings/<id>/receipts/<payment>.pdf
    staff_rooming_xlsx  staff     /staff/bookings/<id>/rooming/<stay>.xlsx
    portal_rooming_csv  hotel     /portal/bookings/<id>/rooming.csv
    pay_return          -         /pay/return/<token>/: where a gateway sends the payer back

Not measured: redirects (/, the bookings' /quotation/<id>/ links), staff's send confirmation
(it needs a priced quote not yet sent), the POST-only verbs, the Django admin (/admin/), the
gateways' and the email provider's webhooks.

Then, for each variant in --servers, started in turn with production settings (DEBUG off,
PostgreSQL with CONN_MAX_AGE 0, Redis as cache and channel layer, collected static files,
behind a TLS proxy: every request says X-Forwarded-Proto: https) and serving this module's
`application` (the product's ASGI app plus the bench routes). A variant is a lever setting:
a server command, its environment and the ASGI handler of HTTP, all against the same data on
the same run, so that every lever tried shows its before and after:

    before          daphne (main's Procfile web line before this work), Django's stock
                    ASGIHandler (django.core.asgi.get_asgi_application()), no pool
    uvicorn-stock   the Procfile's web line, 1 worker, the stock handler, no pool (DATABASE_POOL_SIZE=0)
    uvicorn-nopool  the Procfile's web line, 1 worker, the product's handler, no pool (DATABASE_POOL_SIZE=0)
    uvicorn         the Procfile's web line as production runs it, 1 worker (WEB_CONCURRENCY=1):
                    the product's handler, the Procfile's pool (DATABASE_POOL_SIZE=10)
    uvicorn-2       the same with 2 workers (WEB_CONCURRENCY=2: one per core)
    gunicorn-2      gunicorn -k <uvicorn worker> -w 2, the product's handler, the Procfile's pool

The uvicorn variants run the Procfile's web line itself through /bin/sh, as the tests do, with
WEB_HOST, WEB_PORT and WEB_CONCURRENCY set and `spirittours.asgi:application` replaced by
`bench.http_latency:application`. The handler is chosen by BENCH_ASGI_HANDLER, which only
this module reads: `stock` (Django's ASGIHandler) or `product` (spirittours.asgi's, the
SyncChainASGIHandler). Each server process logs a `BENCH_APP {...}` line (its handler and
pool) into the variant's log, and /bench/info/ answers the same with the live pool's figures;
both, the server's real command line and the tuning variables of its environment
(/proc/<pid>/environ) are recorded per variant; a server that does not run its variant's
handler and pool stops the run. By default --servers is before,uvicorn,uvicorn-2; `all` runs
every variant; the old names `daphne` and `gunicorn` stand for `before` and `gunicorn-2`.

Every page answers 200 once more, then for each --concurrency level and each page, K
keep-alive connections send GETs back to back (each waits for its answer: a closed loop)
for --warmup seconds, not counted, then --duration seconds. The load comes from another
process (raw asyncio sockets on uvloop); latency is from writing a request to reading its
whole answer.

Targets, per page and variant: p95 under 100 ms with 10 clients; p95 within 3× the bare
view's p95 on the same server with the same clients; no error with 50 clients (an answer
other than 200, a connection error or a request timeout). The summary gives, per variant,
the geometric mean of the product pages' req/s at 10 clients and its ratio to `before`: a
lever's effect in one number.

    .venv/bin/python bench/http_latency.py
    .venv/bin/python bench/http_latency.py --servers all --duration 5 --warmup 1
    .venv/bin/python bench/http_latency.py --servers before,uvicorn --concurrency 10 --duration 3
    .venv/bin/python bench/http_latency.py --pages staff_quotation,portal_invitation --py-spy /path/to/py-spy

Needs PostgreSQL (--database-url: that database is dropped and created, and dropped at
the end unless --keep) and Redis (--redis-url: flushed). Prints a table per variant and a
summary, and writes everything to bench/results/http_latency.json (--out), the servers'
logs beside it (http_latency-<variant>.log). The variants set DATABASE_POOL_SIZE and
WEB_CONCURRENCY themselves (this process's values are ignored); other settings a deployment
tunes (CONN_MAX_AGE, DATABASE_POOL_TIMEOUT, CHANNEL_LAYER) pass from the environment to every
server and are recorded. Run it under `flock /tmp/bench.lock` on a shared machine.
"""

import argparse
import asyncio
import collections
import concurrent.futures
import contextlib
import datetime
import json
import math
import multiprocessing
import os
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ENVIRON = dict(os.environ)  # before this process sets its own settings

MODULE = "bench.http_latency"
SECRET_KEY = "bench-only-secret-key-" + "x" * 40
PASSWORD = "correct horse battery"  # the user factories' password
FLOOR_PATH = "/bench/floor/"
BARE_PATH = "/bench/bare/"
INFO_PATH = "/bench/info/"  # the serving process's handler and pool, as JSON (see _info)
PROCFILE = ROOT / "Procfile"
PRODUCT_APP = "spirittours.asgi:application"  # in the Procfile's web line; replaced by this module's
# main's Procfile web line before this work (f3bb215~1): the `before` variant runs it.
BEFORE_WEB = "daphne -b ${WEB_HOST:-127.0.0.1} -p ${WEB_PORT:-8000} spirittours.asgi:application"
HANDLER_VARIABLE = "BENCH_ASGI_HANDLER"  # read by this module only, when it builds its application
HANDLERS = {
    "stock": "Django's ASGIHandler: django.core.asgi.get_asgi_application()",
    "product": "spirittours.asgi's http handler (SyncChainASGIHandler)",
}
APP_MARKER = "BENCH_APP "  # the line each server process logs once it has built its application
TARGET_P95_MS = 100
TARGET_BARE_RATIO = 3
TARGET_LOW, TARGET_HIGH = 10, 50  # the clients of the p95 targets and of the no-error target
READY_SECONDS = 60
STOP_SECONDS = 10
PROJECT_PACKAGES = tuple(
    f"{name}/" for name in ("spirittours", "accounts", "notifications", "quotations", "bookings", "payments", "reports")
)
IN_PROCESS_TIMINGS = 3  # openings of each page in this process, timed: their median is reported
# Settings a deployment may tune: recorded from each server's environment. The variants set the
# first ones themselves; the others pass through from this process's environment.
VARIANT_VARIABLES = ("DATABASE_POOL_SIZE", "WEB_CONCURRENCY", "WEB_HOST", "WEB_PORT", HANDLER_VARIABLE)
TUNING_VARIABLES = (*VARIANT_VARIABLES, "CONN_MAX_AGE", "DATABASE_POOL_TIMEOUT", "CHANNEL_LAYER")
# (name, city, stars, first bid's single rate); each city's first hotel is its cheapest, so it is chosen.
HOTELS = (
    ("Hotel Aurora Triana", "Sevilla", 4, 78),
    ("Hotel Boreal Macarena", "Sevilla", 5, 92),
    ("Hotel Cenit Alameda", "Sevilla", 3, 85),
    ("Hotel Delta Albaicín", "Granada", 4, 70),
    ("Hotel Estrella Alhambra", "Granada", 5, 81),
)
MAIN_REVISIONS = (3, 2, 1, 0, 1)  # revisions after the first bid, per hotel above
FIRST_NAMES = ("Ana", "Bea", "Carlos", "Diego", "Elena", "Fátima", "Gonzalo", "Hugo", "Inés", "Javier")
LAST_NAMES = ("Ruiz Gómez", "Soto Lara", "Martín Vidal", "Navarro Gil", "Ortega Paz", "Prieto Mora")


@dataclass(frozen=True)
class Page:
    name: str
    role: str  # "" for a visitor who is not logged in; else the `role` of the user
    path: str
    default: bool = True
    django: bool = True  # False: the floor, which never reaches Django


@dataclass(frozen=True)
class Variant:
    """A lever setting: the server's command, its environment, the ASGI handler of HTTP."""

    name: str
    web: str  # "before": BEFORE_WEB; "procfile": the Procfile's web line; "gunicorn": gunicorn's command
    handler: str  # BENCH_ASGI_HANDLER: a key of HANDLERS
    environment: tuple[tuple[str, str | None], ...] = ()  # None: unset (the Procfile's default applies)
    workers: int = 1
    about: str = ""


VARIANTS = {
    variant.name: variant
    for variant in (
        Variant(
            "before",
            "before",
            "stock",
            (("DATABASE_POOL_SIZE", None), ("WEB_CONCURRENCY", None)),
            about="what main served before this work: daphne, Django's stock handler, a connection per request",
        ),
        Variant(
            "uvicorn-stock",
            "procfile",
            "stock",
            (("DATABASE_POOL_SIZE", "0"), ("WEB_CONCURRENCY", "1")),
            about="the Procfile's uvicorn, 1 worker, Django's stock handler, no pool",
        ),
        Variant(
            "uvicorn-nopool",
            "procfile",
            "product",
            (("DATABASE_POOL_SIZE", "0"), ("WEB_CONCURRENCY", "1")),
            about="the Procfile's uvicorn, 1 worker, the product's handler, no pool",
        ),
        Variant(
            "uvicorn",
            "procfile",
            "product",
            (("DATABASE_POOL_SIZE", None), ("WEB_CONCURRENCY", "1")),
            about="the Procfile's web process, 1 worker: the product's handler, the Procfile's pool",
        ),
        Variant(
            "uvicorn-2",
            "procfile",
            "product",
            (("DATABASE_POOL_SIZE", None), ("WEB_CONCURRENCY", "2")),
            workers=2,
            about="the Procfile's web process, 2 workers (one per core)",
        ),
        Variant(
            "gunicorn-2",
            "gunicorn",
            "product",
            (("DATABASE_POOL_SIZE", "procfile"), ("WEB_CONCURRENCY", None)),  # "procfile": its default size
            workers=2,
            about="gunicorn with 2 uvicorn workers, the product's handler, the Procfile's pool",
        ),
    )
}
DEFAULT_VARIANTS = ("before", "uvicorn", "uvicorn-2")
ALIASES = {"daphne": "before", "gunicorn": "gunicorn-2"}  # the names of the servers before the variants
BASELINE = "before"  # the summary's ratios are to this variant


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--servers",
        default=",".join(DEFAULT_VARIANTS),
        help=f"comma list of variants, or 'all': {', '.join(VARIANTS)} (daphne and gunicorn: before and "
        "gunicorn-2); default %(default)s",
    )
    parser.add_argument("--concurrency", default="10,50", help="comma list: keep-alive connections per page run")
    parser.add_argument("--duration", type=float, default=10, help="measured seconds per page and level (%(default)s)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of load before each measurement (%(default)s)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds a request may take before it counts lost")
    parser.add_argument("--pages", default="", help="comma list of page names, or 'all' (default: the usual set)")
    parser.add_argument("--quotations", type=int, default=40, help="quotations in the staff list (at least 10)")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/spirittours_bench_http")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--py-spy", default="", help="path of py-spy: sample the server during each page at 10")
    parser.add_argument("--keep", action="store_true", help="keep the database, Redis and static files at the end")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    names = list(VARIANTS) if args.servers == "all" else [name for name in args.servers.split(",") if name]
    if unknown := set(names) - set(VARIANTS) - set(ALIASES):
        parser.error(f"unknown variants {sorted(unknown)}: choose among {', '.join(VARIANTS)}, or 'all'")
    args.servers = list(dict.fromkeys(ALIASES.get(name, name) for name in names))  # in order, once each
    if not args.servers:
        parser.error("--servers names no variant")
    args.concurrency = sorted({int(level) for level in args.concurrency.split(",") if level})
    if not args.concurrency or min(args.concurrency) < 1:
        parser.error("--concurrency takes positive integers")
    if args.quotations < 10:
        parser.error("--quotations must be at least 10")
    args.static_root = Path(tempfile.gettempdir()) / (args.database_url.rpartition("/")[2] + "_static")
    return args


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_env(args, port: int) -> dict[str, str]:
    """Production settings for the servers: what a deployment sets, nothing more. The variants
    add their own DATABASE_POOL_SIZE, WEB_CONCURRENCY and handler (variant_env)."""
    return {
        **{key: value for key, value in ENVIRON.items() if key not in VARIANT_VARIABLES},
        "DJANGO_SETTINGS_MODULE": "spirittours.settings",
        "DEBUG": "false",
        "LOG_LEVEL": "INFO",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        # Deployed behind a TLS-terminating proxy: every request below says it came over HTTPS.
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "SITE_URL": f"https://127.0.0.1:{port}",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CHANNEL_LAYER_PREFIX": "bench-http",  # pub/sub ignores the database number
        "CELERY_BROKER_URL": "memory://localhost/",  # no worker: the GET pages queue nothing
        "STATIC_ROOT": str(args.static_root),
        "NO_PROXY": "127.0.0.1,localhost",
    }


# --- Data: a fresh database, built through the factories and services --------------------------


def setup_django(args) -> None:
    import psycopg
    import redis

    base, _, name = args.database_url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(args.redis_url).flushdb()
    # This process builds data and counts queries: no Redis (the channel layer and cache are
    # in-memory here); the emails the services queue go to an in-process broker nobody reads.
    os.environ.update(bench_env(args, 0), REDIS_URL="", LOG_LEVEL="ERROR")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ROOT_URLCONF = MODULE  # the bench routes here too, as the servers have them
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    print(f"database {name} migrated in {time.monotonic() - started:.0f} s", flush=True)
    started = time.monotonic()
    call_command("collectstatic", interactive=False, clear=True, verbosity=0)
    print(f"static files collected into {args.static_root} in {time.monotonic() - started:.0f} s", flush=True)


def _bid_round(*, quotation, hotels: list, members: dict, by, revisions: dict[int, int], deadline_days: int = 3):
    """Invite `hotels`; each bids (its HOTELS rate, single and double) and revises as often as
    `revisions` says, a little cheaper each time. Returns the invitations, in `hotels` order."""
    from django.utils import timezone

    from quotations.factories import bid_lines_full
    from quotations.services import bid_revise, bid_submit, quotation_invite_hotels

    invitations = quotation_invite_hotels(
        quotation=quotation,
        hotels=hotels,
        by=by,
        bid_deadline=timezone.now() + datetime.timedelta(days=deadline_days),
    )
    first_rate = {name: rate for name, _city, _stars, rate in HOTELS}
    for invitation, hotel in zip(invitations, hotels, strict=True):
        for revision in range(revisions.get(hotel.pk, 0) + 1):
            single = Decimal(first_rate[hotel.name]) - Decimal("1.50") * revision
            rates = {"single": single, "double": single + 16, "twin": single + 14, "triple": single + 38}
            (bid_revise if revision else bid_submit)(
                invitation=invitation,
                lines=bid_lines_full(quotation=quotation, hotel=hotel, rates={k: str(v) for k, v in rates.items()}),
                currency=hotel.currency,
                valid_until=timezone.localdate() + datetime.timedelta(days=30),
                conditions=f"Tarifa de grupo de {hotel.name}, revisión {revision + 1}. Desayuno incluido.",
                notes="Aparcamiento para el autocar a 200 m." if revision else "",
                by=members[hotel.pk],
            )
    return invitations


def _sent(*, quotation, by):
    from django.utils import timezone

    from quotations.services import quotation_close_bidding, quotation_price, quotation_send

    quotation_close_bidding(quotation=quotation, by=by)
    quotation_price(quotation=quotation, by=by)
    return quotation_send(quotation=quotation, valid_until=timezone.localdate() + datetime.timedelta(days=14), by=by)


def _manifest(*, booking, contact, staff) -> dict:
    """20 travellers in their rooms, the rooming list sent, the deposit paid, a share announced, a guide."""
    from django.utils import timezone

    from bookings.models import Guide
    from bookings.services import TravellerInput, guide_assign, rooming_assign, rooming_send, traveller_add
    from payments.services import payment_announce, payment_record_transfer
    from quotations.rooms import ROOM_OCCUPANCY

    rooms: dict[str, list[tuple[int, int]]] = collections.defaultdict(list)  # type -> [(room id, beds)]
    for room in booking.rooms.order_by("number"):
        rooms[room.room_type].append((room.pk, ROOM_OCCUPANCY[room.room_type]))
    travellers, assignments, n = [], {}, 0
    for room_type, of_type in rooms.items():
        for room_id, beds in of_type:
            for _bed in range(beds):
                name = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[n % len(LAST_NAMES)]}"
                traveller = traveller_add(
                    booking=booking,
                    data=TravellerInput(
                        full_name=name,
                        room_type=room_type,
                        email=f"viajero{n}@viajeros.example",
                        nationality="ES",
                        date_of_birth=datetime.date(1950 + n, 1 + n % 12, 1 + n % 28),
                        document_number=f"{12345678 + n}Z",
                        dietary_needs="Sin gluten" if n % 7 == 3 else "",
                    ),
                    by=contact,
                )
                travellers.append(traveller)
                assignments[traveller.pk] = room_id
                n += 1
    rooming_assign(booking=booking, assignments=assignments, by=contact)
    rooming_send(booking=booking, by=staff)
    deposit = booking.installments.get(position=1)
    payment = payment_record_transfer(
        booking=booking,
        installment=deposit,
        amount=deposit.amount,
        received_on=timezone.localdate(),
        reference="TRF BENCH 0001",
        by=staff,
    )
    balance = booking.installments.order_by("position").last()
    payment_announce(booking=booking, installment=balance, traveller=travellers[1], by=None)
    guide = Guide.objects.create(full_name="Javier Ortega", email="javier@guias.example", languages="es, en")
    guide_assign(booking=booking, guide=guide, by=staff)
    return {"traveller": travellers[0], "payment": payment, "guide": guide}


def build_world(args) -> dict:
    """The data of every measured page; returns the ids, tokens and logins they need."""
    from django.conf import settings
    from django.utils import timezone

    # Only for the users the factories make here: the default hasher spends a third of a second
    # per user. Logins below check these MD5 hashes in this process; the servers check none.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from accounts.factories import ClientContactFactory, HotelUserFactory, StaffFactory
    from bookings.guides import guide_link_token
    from bookings.models import Booking
    from payments.travellers import payment_return_token, traveller_link_token
    from quotations.factories import ClientFactory, HotelFactory, quotation_make
    from quotations.models import HotelInvitation
    from quotations.services import (
        RoomMix,
        message_post,
        quotation_approve,
        quotation_extra_add,
    )

    started = time.monotonic()
    today = timezone.localdate()
    staff = StaffFactory(email="lucia@spirittours.example", full_name="Lucía Comercial", staff_level=8)
    owners = [staff, *(StaffFactory(staff_level=level) for level in (3, 5, 9))]
    contact = ClientContactFactory(email="ignacio@cofradia.example", full_name="Padre Ignacio Zeta")
    client = ClientFactory(name="Cofradía Zeta", email="zeta@cofradia.example", contacts=[contact])
    hotels, members = [], {}
    for name, city, stars, _rate in HOTELS:
        member = HotelUserFactory(full_name=f"Reservas {name}")
        hotel = HotelFactory(name=name, city=city, stars=stars, members=[member])
        hotels.append(hotel)
        members[hotel.pk] = member
    aurora = hotels[0]
    both_cities = (("Sevilla", 3), ("Granada", 2))
    mix = RoomMix(singles=2, doubles=9)

    # The quotation of the measured pages: five bids, seven revisions, messages; sent.
    main = quotation_make(
        client=client, owner=staff, group_name="Semana Santa en Andalucía", nights=both_cities, pax=20, rooms=mix
    )
    for kind, description, amount in (("guide", "Guía acompañante", "12.50"), ("entrance", "Alhambra", "8.00")):
        quotation_extra_add(
            quotation=main, kind=kind, description=description, amount_per_person=Decimal(amount), by=staff
        )
    revisions = {hotel.pk: n for hotel, n in zip(hotels, MAIN_REVISIONS, strict=True)}
    invitations = _bid_round(quotation=main, hotels=hotels, members=members, by=staff, revisions=revisions)
    message_post(quotation=main, author=staff, body="El grupo llega en autocar: ¿hay aparcamiento?", audience="hotels")
    message_post(quotation=main, author=members[aurora.pk], body="Sí, a 200 m, con reserva.", audience="staff")
    message_post(quotation=main, author=staff, body="¿Mantienen la tarifa?", audience="hotel", hotel=hotels[1])
    main = _sent(quotation=main, by=staff)
    message_post(quotation=main, author=contact, body="¿Podemos añadir una misa el segundo día?", audience="staff")

    # The booking of the measured pages: approved by the client, Aurora and Delta chosen.
    booked = quotation_make(
        client=client,
        owner=staff,
        group_name="Peregrinación a Sevilla y Granada",
        arrival=today + datetime.timedelta(days=150),
        nights=both_cities,
        pax=20,
        rooms=mix,
    )
    _bid_round(
        quotation=booked,
        hotels=[hotels[0], hotels[1], hotels[3]],
        members=members,
        by=staff,
        revisions={aurora.pk: 1},
    )
    quotation_approve(quotation=_sent(quotation=booked, by=staff), by=contact)
    booking = Booking.objects.get(quotation=booked)
    stay = booking.hotels.filter(hotel=aurora).first()
    if stay is None:
        raise SystemExit(f"the booking's pricing did not choose {aurora.name}: its portal pages would be empty")
    manifest = _manifest(booking=booking, contact=contact, staff=staff)

    # The rest of the lists: drafts, open rounds, quotes sent, bookings; every third the same client's.
    bidding = None
    for index in range(args.quotations - 2):
        owner = owners[index % len(owners)]
        if index % 3 == 0:
            their_client, their_contact = client, contact
        else:
            their_contact = ClientContactFactory()
            their_client = ClientFactory(contacts=[their_contact])
        nights = (both_cities, (("Sevilla", 2),), (("Granada", 2),))[index % 3]
        cities = {city for city, _ in nights}
        quotation = quotation_make(
            client=their_client,
            owner=owner,
            group_name=f"Grupo {index + 1:02d}: {' y '.join(sorted(cities))}",
            arrival=today + datetime.timedelta(days=70 + 4 * index),
            nights=nights,
            pax=20,
            rooms=mix,
        )
        stage = index % 5
        if stage == 0:
            continue  # a draft
        invited = [hotel for city in sorted(cities) for hotel in [h for h in hotels if h.city == city][:2]]
        _bid_round(
            quotation=quotation,
            hotels=invited,
            members=members,
            by=owner,
            revisions={aurora.pk: index % 2},
            deadline_days=2 + index % 5,
        )
        if stage == 1:
            if bidding is None and aurora in invited:
                bidding = (quotation, HotelInvitation.objects.get(quotation=quotation, hotel=aurora))
            continue  # bidding still open
        quotation = _sent(quotation=quotation, by=owner)
        if stage == 4:
            quotation_approve(quotation=quotation, by=their_contact)
    if bidding is None:
        raise SystemExit("no open bidding round invites Aurora: raise --quotations")
    print(f"{args.quotations} quotations built in {time.monotonic() - started:.0f} s", flush=True)
    return {
        "logins": {"staff": staff.email, "client": contact.email, "hotel": members[aurora.pk].email},
        "quotation": main.pk,
        "invitation_token": invitations[0].token,
        "bidding_quotation": bidding[0].pk,
        "bidding_token": bidding[1].token,
        "bidding_invitation": bidding[1].pk,
        "traveller": manifest["traveller"].pk,
        "booking": booking.pk,
        "stay": stay.pk,
        "payment": manifest["payment"].pk,
        "traveller_token": traveller_link_token(traveller=manifest["traveller"]),
        "guide_token": guide_link_token(booking=booking, guide=manifest["guide"]),
        "return_token": payment_return_token(payment=manifest["payment"]),
        "bids_on_main": {hotel.name: n + 1 for hotel, n in zip(hotels, MAIN_REVISIONS, strict=True)},
        "bookings": Booking.objects.count(),
    }


def pages_of(world: dict) -> list[Page]:
    from django.contrib.staticfiles.storage import staticfiles_storage

    q, b, stay = world["quotation"], world["booking"], world["stay"]
    return [
        Page("floor", "", FLOOR_PATH, django=False),
        Page("bare", "", BARE_PATH),
        Page("login", "", "/accounts/login/"),
        Page("static_css", "", staticfiles_storage.url("css/site.css")),
        Page("staff_home", "staff", "/staff/"),
        Page("staff_quotation", "staff", f"/staff/quotations/{q}/"),
        Page("staff_bookings", "staff", "/staff/bookings/"),
        Page("staff_booking", "staff", f"/staff/bookings/{b}/"),
        Page("client_home", "client", "/client/"),
        Page("client_quotation", "client", f"/client/quotations/{q}/"),
        Page("client_bookings", "client", "/client/bookings/"),
        Page("client_booking", "client", f"/client/bookings/{b}/"),
        Page("portal_home", "hotel", "/portal/"),
        Page("portal_invitation", "hotel", f"/portal/i/{world['invitation_token']}/"),
        Page("portal_bookings", "hotel", "/portal/bookings/"),
        Page("portal_booking", "hotel", f"/portal/bookings/{stay}/"),
        Page("traveller_pay", "", f"/pay/{world['traveller_token']}/"),
        Page("guide_trip", "", f"/guide/{world['guide_token']}/"),
        Page("password_reset", "", "/accounts/password-reset/", default=False),
        Page("account_profile", "staff", "/accounts/profile/", default=False),
        Page("staff_quotation_new", "staff", "/staff/quotations/new/", default=False),
        Page("staff_client_preview", "staff", f"/staff/quotations/{q}/preview/", default=False),
        Page("staff_quotation_bidding", "staff", f"/staff/quotations/{world['bidding_quotation']}/", default=False),
        Page("portal_invitation_open", "hotel", f"/portal/i/{world['bidding_token']}/", default=False),
        Page("staff_close_bidding", "staff", f"/staff/quotations/{world['bidding_quotation']}/close/", default=False),
        Page(
            "staff_enter_bid",
            "staff",
            f"/staff/quotations/{world['bidding_quotation']}/invitations/{world['bidding_invitation']}/bid/",
            default=False,
        ),
        Page("portal_decline", "hotel", f"/portal/i/{world['bidding_token']}/decline/", default=False),
        Page("account_password", "client", "/accounts/password/", default=False),
        Page("client_booking_cancel", "client", f"/client/bookings/{b}/cancel/", default=False),
        Page(
            "client_traveller_cancel",
            "client",
            f"/client/bookings/{b}/travellers/{world['traveller']}/cancel/",
            default=False,
        ),
        Page("client_quote_pdf", "client", f"/client/quotations/{q}/quote.pdf", default=False),
        Page(
            "staff_receipt_pdf",
            "staff",
            f"/staff/payments/bookings/{b}/receipts/{world['payment']}.pdf",
            default=False,
        ),
        Page("staff_rooming_xlsx", "staff", f"/staff/bookings/{b}/rooming/{stay}.xlsx", default=False),
        Page("portal_rooming_csv", "hotel", f"/portal/bookings/{stay}/rooming.csv", default=False),
        Page("pay_return", "", f"/pay/return/{world['return_token']}/", default=False),
    ]


def pages_chosen(args, every: list[Page]) -> list[Page]:
    if not args.pages:
        return [page for page in every if page.default]
    if args.pages == "all":
        return every
    names = [name for name in args.pages.split(",") if name]
    known = {page.name: page for page in every}
    if unknown := [name for name in names if name not in known]:
        raise SystemExit(f"unknown pages {unknown}; known: {', '.join(known)}")
    if "bare" not in names:
        names.insert(0, "bare")  # the baseline of every verdict
    return [known[name] for name in names]


# --- Logins and the in-process check: each page answers 200; its queries counted ---------------


def logins(world: dict) -> dict:
    """One test client per role, logged in through the login form: the cookies a browser would hold."""
    from django.test import Client

    clients = {}
    for role, email in {"": None, **world["logins"]}.items():
        client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
        client.get("/accounts/login/")  # the visitor's CSRF cookie, as a browser keeps it
        if email:
            response = client.post("/accounts/login/", {"username": email, "password": PASSWORD})
            if response.status_code != 302 or "sessionid" not in client.cookies:
                raise SystemExit(f"the {role} login answered {response.status_code}: {response.content[:500]!r}")
        clients[role] = client
    return clients


def cookie_header(client) -> str:
    return "; ".join(f"{morsel.key}={morsel.value}" for morsel in client.cookies.values() if morsel.value)


def count_queries(pages: list[Page], clients: dict) -> dict[str, dict]:
    """Open each page twice as its role here: the first must answer 200, the second's queries are counted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counted = {}
    for page in pages:
        if not page.django:
            counted[page.name] = {"queries": None, "bytes": None}
            continue
        client = clients[page.role]
        try:
            first = client.get(page.path)
        except Exception as error:
            traceback.print_exc()
            raise SystemExit(
                f"{page.name} ({page.path}) raised in this process, as {page.role or 'a visitor'}"
            ) from error
        body = b"".join(first.streaming_content) if first.streaming else first.content
        if first.status_code != 200:
            location = f" → {first['Location']}" if first.has_header("Location") else ""
            raise SystemExit(
                f"{page.name} ({page.path}) answered {first.status_code}{location} in this process, "
                f"as {page.role or 'a visitor'}:\n{body[:800].decode(errors='replace')}"
            )
        with CaptureQueriesContext(connection) as captured:
            _open(client, page.path)
        queries = len(captured)  # now: the next request empties the connection's log
        # The page's own work: this process keeps its database connection, no server around it.
        spent = []
        for _ in range(IN_PROCESS_TIMINGS):
            began = time.perf_counter()
            _open(client, page.path)
            spent.append(time.perf_counter() - began)
        here = round(statistics.median(spent) * 1000, 1)
        counted[page.name] = {"queries": queries, "bytes": len(body), "in_process_ms": here}
        print(
            f"  {page.name:<24} {queries:>3} queries {len(body) / 1024:>7.1f} kB {ms(here):>6} ms  {page.path}",
            flush=True,
        )
    return counted


def _open(client, path: str) -> None:
    response = client.get(path)
    if response.streaming:
        b"".join(response.streaming_content)  # the test client closes it (request_finished) when read


# --- The servers: the product's ASGI app plus two bench-only routes -----------------------------


def __getattr__(name: str):
    """The servers serve `bench.http_latency:application`; Django reads this module as its URLconf."""
    if name == "application":
        return _application()
    if name == "urlpatterns":
        return _urlpatterns()
    if name.startswith("handler"):
        import spirittours.urls

        if hasattr(spirittours.urls, name):
            return getattr(spirittours.urls, name)
    raise AttributeError(name)


@cache
def _application():
    """The product's ASGI app, its HTTP handler the one BENCH_ASGI_HANDLER names, plus the floor and info routes."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirittours.settings")
    import django

    django.setup()
    from django.conf import settings

    # The product's URLs plus the bare view (see _urlpatterns); every other setting is the product's.
    settings.ROOT_URLCONF = MODULE
    from spirittours.asgi import application as product

    handler = os.environ.get(HANDLER_VARIABLE, "product")
    if handler == "stock":
        from channels.routing import ProtocolTypeRouter
        from django.core.asgi import get_asgi_application

        # What spirittours.asgi built before this work: the same router, Django's own handler for HTTP.
        product = ProtocolTypeRouter({**product.application_mapping, "http": get_asgi_application()})
    elif handler != "product":
        raise ValueError(f"{HANDLER_VARIABLE}={handler!r}: choose among {', '.join(HANDLERS)}")
    http = product.application_mapping["http"]
    described = _describe(http, handler)
    print(APP_MARKER + json.dumps(described), file=sys.stderr, flush=True)  # into the variant's log

    async def application(scope, receive, send):
        if scope["type"] == "http" and scope["path"] == FLOOR_PATH:
            await _floor(receive, send)
        elif scope["type"] == "http" and scope["path"] == INFO_PATH:
            await _info(receive, send, described)
        else:
            await product(scope, receive, send)

    return application


def _describe(http, handler: str) -> dict:
    """What serves HTTP in this process: the handler's class and the database settings it runs with."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    return {
        "pid": os.getpid(),
        HANDLER_VARIABLE: handler,
        "handler": f"{type(http).__module__}.{type(http).__qualname__}",
        "DATABASE_POOL_SIZE": os.environ.get("DATABASE_POOL_SIZE"),
        "database_pool": database.get("OPTIONS", {}).get("pool"),
        "conn_max_age": database.get("CONN_MAX_AGE"),
    }


async def _info(receive, send, described: dict) -> None:
    """This process's handler and pool settings, and the live pool's figures (psycopg_pool's stats)."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    pools = {alias: pool.get_stats() for alias, pool in DatabaseWrapper._connection_pools.items()}  # no new pool
    await _answer(receive, send, json.dumps({**described, "live_pools": pools}).encode(), b"application/json")


FLOOR_BODY = b"<!doctype html><html lang=es><title>floor</title><p>floor</p></html>"


async def _floor(receive, send) -> None:
    """The server alone: the request read, a small HTML answer, no Django at all."""
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(FLOOR_BODY)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": FLOOR_BODY})


async def _answer(receive, send, body: bytes, content_type: bytes) -> None:
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@cache
def _urlpatterns() -> list:
    from django.http import HttpResponse
    from django.urls import path
    from django.views.decorators.http import require_GET

    import spirittours.urls

    @require_GET
    def bare(request):
        """A page's view without its work: sync like them, no database, no template, a small HTML answer."""
        return HttpResponse(b"<!doctype html><html lang=es><title>bare</title><p>bare</p></html>")

    return [path(BARE_PATH.strip("/") + "/", bare), *spirittours.urls.urlpatterns]


def procfile_web() -> str:
    """The Procfile's web command, as production runs it."""
    for line in PROCFILE.read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == "web":
            return command.strip()
    raise SystemExit(f"no web process in {PROCFILE}")


def procfile_pool_size() -> int:
    """The pool size the Procfile's web line gives when DATABASE_POOL_SIZE is unset."""
    match = re.search(r"DATABASE_POOL_SIZE=\$\{DATABASE_POOL_SIZE:-(\d+)\}", procfile_web())
    if match is None:
        raise SystemExit("the Procfile's web line sets no DATABASE_POOL_SIZE=${DATABASE_POOL_SIZE:-N}: update VARIANTS")
    return int(match[1])


def expected_pool_size(variant: Variant) -> int:
    """The pool size the variant's server must run with (0: none): what the checks compare to."""
    value = dict(variant.environment).get("DATABASE_POOL_SIZE")
    if value == "procfile" or (value is None and variant.web == "procfile"):
        return procfile_pool_size()
    return int(value or 0)


def variant_launch(args, variant: Variant, port: int) -> tuple[list[str], dict[str, str]] | None:
    """The variant's command and environment, or None (with a message) when it cannot run here."""
    bin_dir = Path(sys.executable).parent
    env = bench_env(args, port)
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",  # the Procfile's `uvicorn`: this venv's
        WEB_HOST="127.0.0.1",
        WEB_PORT=str(port),
        **{HANDLER_VARIABLE: variant.handler},
    )
    for key, value in variant.environment:
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(procfile_pool_size()) if value == "procfile" else value
    app = f"{MODULE}:application"
    if variant.web in ("before", "procfile"):
        line = BEFORE_WEB if variant.web == "before" else procfile_web()
        if line.count(PRODUCT_APP) != 1:
            raise SystemExit(f"the web line no longer serves {PRODUCT_APP} once: {line}")
        line = line.replace(PRODUCT_APP, app)
        program = next(word for word in shlex.split(line) if word != "env" and "=" not in word)
        if not (bin_dir / program).exists():
            print(f"{variant.name}: {program} is not installed in {bin_dir}; skipped", flush=True)
            return None
        # As the tests run the Procfile (quotations/tests/browser.py): the shell expands its ${...}.
        return ["/bin/sh", "-c", f"exec {line}"], env
    binary = bin_dir / "gunicorn"
    worker = gunicorn_worker_class()
    if not binary.exists() or worker is None:
        print(f"{variant.name}: gunicorn or uvicorn's gunicorn worker is not installed; skipped", flush=True)
        return None
    command = [str(binary), app, "-k", worker, "-w", str(variant.workers), "-b", f"127.0.0.1:{port}"]
    from gunicorn.config import KNOWN_SETTINGS

    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        # gunicorn 25+ opens a control socket at one path per user (~/.gunicorn/gunicorn.ctl):
        # another gunicorn on this machine would take it over. It serves no request.
        command.append("--no-control-socket")
    return command, env


def gunicorn_worker_class() -> str | None:
    """uvicorn's worker for gunicorn: `uvicorn_worker` (the package it moved to) or, deprecated, `uvicorn.workers`."""
    import importlib.util

    for module in ("uvicorn_worker", "uvicorn.workers"):
        try:
            if importlib.util.find_spec(module) is not None:
                return f"{module}.UvicornWorker"
        except ModuleNotFoundError:
            continue
    return None


def request_bytes(page: Page, port: int, cookies: dict[str, str]) -> bytes:
    lines = [
        f"GET {page.path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "X-Forwarded-Proto: https",
        "User-Agent: spirittours-bench/http_latency",
        "Accept: text/html,application/xhtml+xml,*/*;q=0.8",
        "Accept-Language: es",
    ]
    if cookies.get(page.role):
        lines.append(f"Cookie: {cookies[page.role]}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def start_server(args, variant: Variant, port: int, log: Path) -> subprocess.Popen | None:
    launch = variant_launch(args, variant, port)
    if launch is None:
        return None
    command, env = launch
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,  # daphne's access log (its default, as the Procfile ran it)
        stderr=log.open("w"),
        start_new_session=True,  # its own process group: the workers stop with it
    )
    ready = Page("bare", "", BARE_PATH)
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{variant.name} exited with {process.returncode} before answering:\n{log_tail(log)}")
        try:
            status, _headers, _body = asyncio.run(fetch(port, request_bytes(ready, port, {}), timeout=5))
            if status == 200:
                print(f"{variant.name} ready on port {port} in {time.monotonic() - started:.1f} s", flush=True)
                return process
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            pass
        time.sleep(0.2)
    stop(process)
    raise SystemExit(f"{variant.name} did not answer {BARE_PATH} within {READY_SECONDS} s:\n{log_tail(log)}")


def process_command(pid: int) -> str:
    """The command line the server really runs (the shell exec'd it): the program's name, its arguments."""
    argv = [part.decode(errors="replace") for part in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]]
    if len(argv) > 1 and Path(argv[0]).name.startswith("python"):
        argv = argv[1:]  # the interpreter of a console script
    return shlex.join([Path(argv[0]).name, *argv[1:]])


def process_environment(pid: int) -> dict[str, str]:
    """The tuning variables of the server's own environment, as the `env` of its command left them."""
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    found = dict(entry.decode(errors="replace").partition("=")[::2] for entry in entries if b"=" in entry)
    return {key: found[key] for key in TUNING_VARIABLES if key in found}


def server_info(port: int) -> dict:
    """/bench/info/ of the process that answers: its handler, its pool settings and the live pool's figures."""
    status, _headers, body = asyncio.run(fetch(port, request_bytes(Page("info", "", INFO_PATH), port, {}), timeout=10))
    if status != 200:
        raise SystemExit(f"{INFO_PATH} answered {status}: {body[:500]!r}")
    return json.loads(body)


def app_processes(log: Path) -> list[dict]:
    """The BENCH_APP line of each server process that built the application (one per worker)."""
    return [
        json.loads(line.partition(APP_MARKER)[2])
        for line in log.read_text(errors="replace").splitlines()
        if APP_MARKER in line
    ]


def check_variant(variant: Variant, info: dict) -> dict:
    """Whether the server runs the variant's handler and pool; stops the run when it does not."""
    pool = info.get("database_pool") or {}
    expected = {
        HANDLER_VARIABLE: variant.handler,
        "handler": "django.core.handlers.asgi.ASGIHandler" if variant.handler == "stock" else None,
        "pool_max_size": expected_pool_size(variant) or None,
    }
    found = {
        HANDLER_VARIABLE: info.get(HANDLER_VARIABLE),
        "handler": info.get("handler"),
        "pool_max_size": pool.get("max_size"),
    }
    if variant.handler == "product":
        expected["handler"] = "spirittours.asgi.SyncChainASGIHandler"
    if found != expected:
        raise SystemExit(f"{variant.name} does not run as its variant says: expected {expected}, found {found}")
    return found


def stop(process: subprocess.Popen | None) -> None:
    """Terminate; kill the process group after STOP_SECONDS; then any of the group still alive."""
    if process is None:
        return
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # a worker its master left behind


def log_tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def server_pids(pid: int) -> list[int]:
    """The server's process and its descendants (gunicorn's workers)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                queue.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:
                continue
    return found


def verify_server(server: str, port: int, pages: list[Page], cookies: dict[str, str], log: Path) -> None:
    for page in pages:
        status, headers, body = asyncio.run(fetch(port, request_bytes(page, port, cookies), timeout=60))
        if status != 200:
            location = f" → {headers['location']}" if "location" in headers else ""
            raise SystemExit(
                f"{server}: {page.name} ({page.path}) answered {status}{location} as {page.role or 'a visitor'}:\n"
                f"{body[:800].decode(errors='replace')}\n--- {log.name}:\n{log_tail(log)}"
            )


# --- The load: raw HTTP/1.1 over keep-alive sockets, in a process of its own --------------------


async def read_response(reader: asyncio.StreamReader, *, keep_body: bool = False) -> tuple[int, dict, bytes, bool]:
    """(status, headers, body if asked, connection still usable) of one HTTP/1.1 response."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(None, 2)[1])
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in head[1:])}
    body = b""
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            chunks.append((await reader.readexactly(size + 2))[:-2])
        while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
            pass
        body = b"".join(chunks)
    elif status not in (204, 304) and not 100 <= status < 200:
        return status, headers, await reader.read(), False  # delimited by the close
    return status, headers, body if keep_body else b"", headers.get("connection", "").lower() != "close"


async def fetch(port: int, raw: bytes, *, timeout: float) -> tuple[int, dict, bytes]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        writer.write(raw)
        status, headers, body, _alive = await asyncio.wait_for(read_response(reader, keep_body=True), timeout)
        return status, headers, body
    finally:
        writer.close()


def _cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


async def hammer(spec: dict) -> dict:
    """`concurrency` connections, each sending the request as soon as the previous answer is read.

    The warm-up lasts `warmup` seconds, and longer if need be, until every connection has had
    its first answer: with a slow page and many connections, the first round queues far
    beyond the warm-up, and a window measured from then would see only that queue. Requests
    sent during the warm-up are not counted; those sent during the `duration` that follows
    are, with the answers that arrive after it.
    """
    port, raw, timeout, concurrency = spec["port"], spec["request"], spec["timeout"], spec["concurrency"]
    started = time.perf_counter()
    window: dict = {"from": math.inf, "to": math.inf}
    first_answers = asyncio.Semaphore(0)  # released once by each connection, at its first outcome
    latencies: list[float] = []
    statuses: collections.Counter = collections.Counter()
    lost = {"connection_errors": 0, "timeouts": 0}
    last_answer = 0.0

    async def connection() -> None:
        nonlocal last_answer
        reader = writer = None
        first = True
        while (sent := time.perf_counter()) < window["to"]:
            counted = sent >= window["from"]
            status = None
            alive = False
            try:
                if writer is None:
                    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
                    sent = time.perf_counter()
                writer.write(raw)
                status, _headers, _body, alive = await asyncio.wait_for(read_response(reader), timeout)
            except TimeoutError:
                lost["timeouts"] += counted
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                lost["connection_errors"] += counted
                await asyncio.sleep(0.05)  # a refused or reset connection: do not spin
            done = time.perf_counter()
            if status is not None and counted:
                latencies.append(done - sent)
                statuses[status] += 1
                last_answer = max(last_answer, done)
            if not alive and writer is not None:
                writer.close()
                reader = writer = None
            if first:
                first = False
                first_answers.release()
        if writer is not None:
            writer.close()

    async def measure() -> None:
        await asyncio.sleep(spec["warmup"])
        for _ in range(concurrency):
            await first_answers.acquire()
        window["server_cpu"] = _cpu_seconds(spec["pids"])
        window["client_cpu"] = time.process_time()
        window["profiler"] = profile_start(spec["py_spy"], spec["pids"][0], spec["profile_out"])
        window["from"] = time.perf_counter()
        window["to"] = window["from"] + spec["duration"]

    await asyncio.gather(measure(), *(connection() for _ in range(concurrency)))
    seconds = max(last_answer - window["from"], spec["duration"] if not latencies else 1e-9)
    server_cpu = _cpu_seconds(spec["pids"]) - window["server_cpu"]
    client_cpu = time.process_time() - window["client_cpu"]
    result = {
        "warmup_seconds": round(window["from"] - started, 2),
        "requests": len(latencies),
        "seconds": round(seconds, 2),
        "per_second": round(len(latencies) / seconds, 1),
        "latency_ms": percentiles(latencies),
        "not_200": {str(status): n for status, n in sorted(statuses.items()) if status != 200},
        **lost,
        "server_cpu_percent": round(100 * server_cpu / seconds, 1),
        "client_cpu_percent": round(100 * client_cpu / seconds, 1),
    }
    if window["profiler"] is not None:
        result["profile"] = profile_stop(window["profiler"], Path(spec["profile_out"]))
    return result


def load_run(spec: dict) -> dict:
    """The load process's entry point: one page at one concurrency level, on uvloop when installed."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(hammer(spec))
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(hammer(spec))


def percentiles(seconds: list[float]) -> dict:
    values = sorted(seconds)

    def at(q: float) -> float | None:
        return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 2) if values else None

    return {
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": round(values[-1] * 1000, 2) if values else None,
        "mean": round(sum(values) / len(values) * 1000, 2) if values else None,
    }


def profile_start(py_spy: str, pid: int, output: str) -> subprocess.Popen | None:
    if not py_spy or not output:
        return None
    command = [py_spy, "record", "--pid", str(pid), "--rate", "200", "--function", "--format", "raw"]
    return subprocess.Popen(
        [*command, "--subprocesses", "--nonblocking", "--output", output],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def profile_stop(profiler: subprocess.Popen, path: Path) -> dict[str, list[tuple[str, float]]]:
    """Shares of the busy samples, from py-spy's stacks: the functions that hold them (inclusive),
    the project's own functions among them, and where the time is spent itself (the innermost frame)."""
    profiler.send_signal(signal.SIGINT)
    try:
        profiler.wait(60)
    except subprocess.TimeoutExpired:
        profiler.kill()
        profiler.wait()
    if not path.exists():
        return {}
    inclusive: collections.Counter = collections.Counter()
    innermost: collections.Counter = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [frame.strip() for frame in stack.split(";") if " (" in frame]  # not the thread or process
        total += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
        if frames:
            innermost[frames[-1]] += int(count)
    if not total:
        return {}

    def shares(counter: collections.Counter, n: int, keep=lambda frame: True) -> list[tuple[str, float]]:
        return [(frame, round(k / total, 3)) for frame, k in counter.most_common() if keep(frame)][:n]

    return {
        "inclusive": shares(inclusive, 25),
        "project": shares(inclusive, 25, lambda frame: frame.rpartition("(")[2].startswith(PROJECT_PACKAGES)),
        "self": shares(innermost, 25),
    }


# --- Verdicts and report --------------------------------------------------------------------------


def errors_of(run: dict | None) -> int | None:
    if run is None:
        return None
    return sum(run["not_200"].values()) + run["connection_errors"] + run["timeouts"]


def verdict(runs: dict[int, dict], bare: dict[int, dict], low: int, high: int) -> dict:
    p95 = runs.get(low, {}).get("latency_ms", {}).get("p95")
    bare_p95 = bare.get(low, {}).get("latency_ms", {}).get("p95")
    ratio = round(p95 / bare_p95, 2) if p95 is not None and bare_p95 else None
    errors = errors_of(runs.get(high)) if runs.get(high, {}).get("requests") else None  # no answer: no pass
    checks = {
        f"p95_under_{TARGET_P95_MS}_ms_at_{low}": p95 is not None and p95 < TARGET_P95_MS,
        f"p95_within_{TARGET_BARE_RATIO}x_bare_at_{low}": ratio is not None and ratio <= TARGET_BARE_RATIO,
        f"no_errors_at_{high}": errors == 0,
    }
    return {"times_bare_p95": ratio, **checks, "met": all(checks.values())}


def ms(value) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def print_server_table(name: str, result: dict, queries: dict, low: int, high: int) -> None:
    print(f"\n{name} ({result['command']})")
    print(
        f"{'page':<24}{'queries':>8}{f'req/s@{low}':>10}{f'p50@{low}':>9}{f'p95@{low}':>9}{f'p99@{low}':>9}"
        f"{f'req/s@{high}':>10}{f'p95@{high}':>9}{f'err@{high}':>8}{f'×bare@{low}':>9}  verdict"
    )
    for page, row in result["pages"].items():
        runs = {int(level): run for level, run in row["runs"].items()}
        at_low, at_high = runs.get(low, {}), runs.get(high, {})
        lat_low, lat_high = at_low.get("latency_ms", {}), at_high.get("latency_ms", {})
        check = row["verdict"]
        failed = [
            short
            for short, key in (
                ("p95", "p95_under"),
                (f"{TARGET_BARE_RATIO}×bare", "p95_within"),
                ("errors", "no_errors"),
            )
            if not next(value for name_, value in check.items() if name_.startswith(key))
        ]
        q = queries[page]["queries"]
        ratio = check["times_bare_p95"]
        print(
            f"{page:<24}{'—' if q is None else q:>8}{at_low.get('per_second', 0):>10.1f}{ms(lat_low.get('p50')):>9}"
            f"{ms(lat_low.get('p95')):>9}{ms(lat_low.get('p99')):>9}{at_high.get('per_second', 0):>10.1f}"
            f"{ms(lat_high.get('p95')):>9}{errors_of(at_high) if at_high else '—'!s:>8}"
            f"{'—' if ratio is None else f'{ratio:.1f}':>9}  {'ok' if not failed else 'MISSED ' + ', '.join(failed)}"
        )


def summarize(results: dict, low: int, high: int) -> dict:
    """Per variant: how many product pages meet every target, how fast it is overall, and that
    speed's ratio to `before` (the geometric mean of the pages' req/s): a lever's effect."""
    summary = {}
    for name, result in results["servers"].items():
        if "pages" not in result:
            continue
        product = {page: row for page, row in result["pages"].items() if page not in ("floor", "bare")}

        def at(row: dict, level: int, key: str):
            return row["runs"].get(str(level), {}).get(key)

        rates = [at(row, low, "per_second") for row in product.values() if at(row, low, "per_second")]
        p95s = [at(row, low, "latency_ms")["p95"] for row in product.values() if at(row, low, "latency_ms")]
        summary[name] = {
            "pages_meeting_every_target": sum(row["verdict"]["met"] for row in product.values()),
            "pages": len(product),
            "missed": sorted(page for page, row in product.items() if not row["verdict"]["met"]),
            f"floor_per_second_at_{low}": at(result["pages"].get("floor", {"runs": {}}), low, "per_second"),
            f"bare_per_second_at_{low}": at(result["pages"].get("bare", {"runs": {}}), low, "per_second"),
            f"bare_p95_ms_at_{low}": (at(result["pages"].get("bare", {"runs": {}}), low, "latency_ms") or {}).get(
                "p95"
            ),
            f"pages_geomean_per_second_at_{low}": round(math.exp(statistics.fmean(map(math.log, rates))), 1)
            if rates
            else None,
            f"pages_median_p95_ms_at_{low}": round(statistics.median(p95s), 1) if p95s else None,
            f"errors_at_{high}": sum(errors_of(row["runs"].get(str(high))) or 0 for row in result["pages"].values()),
        }
    key = f"pages_geomean_per_second_at_{low}"
    base = summary.get(BASELINE, {}).get(key)
    for row in summary.values():
        row[f"pages_geomean_ratio_to_{BASELINE}"] = round(row[key] / base, 2) if base and row[key] else None
    return summary


def print_summary(results: dict, low: int, high: int) -> None:
    servers = [name for name, result in results["servers"].items() if "pages" in result]
    if not servers:
        return
    pages = list(results["servers"][servers[0]]["pages"])
    print(f"\nSummary: p95 at {low} clients (ms) and the verdict, per server")
    print(f"{'page':<24}{'queries':>8}" + "".join(f"{name:>16}" for name in servers))
    for page in pages:
        cells = []
        for name in servers:
            row = results["servers"][name]["pages"].get(page)
            if row is None:
                cells.append(f"{'—':>16}")
                continue
            p95 = row["runs"].get(str(low), {}).get("latency_ms", {}).get("p95")
            cells.append(f"{ms(p95) + (' ok' if row['verdict']['met'] else ' MISSED'):>16}")
        q = results["queries"][page]["queries"]
        print(f"{page:<24}{'—' if q is None else q:>8}" + "".join(cells))
    for name, row in results["summary"].items():
        print(
            f"{name}: {row['pages_meeting_every_target']}/{row['pages']} pages meet every target; "
            f"floor {ms(row[f'floor_per_second_at_{low}'])} req/s, bare {ms(row[f'bare_per_second_at_{low}'])} req/s"
            f" (p95 {ms(row[f'bare_p95_ms_at_{low}'])} ms); pages: geometric mean "
            f"{ms(row[f'pages_geomean_per_second_at_{low}'])} req/s, median p95 "
            f"{ms(row[f'pages_median_p95_ms_at_{low}'])} ms at {low}; {row[f'errors_at_{high}']} errors at {high}"
        )
    ranked = [name for name in servers if results["summary"].get(name, {}).get(f"pages_geomean_per_second_at_{low}")]
    if ranked:
        fastest = max(ranked, key=lambda name: results["summary"][name][f"pages_geomean_per_second_at_{low}"])
        print(f"fastest on the pages (geometric mean of req/s at {low}): {fastest}")
    print_levers(results, servers, low)


def print_levers(results: dict, servers: list[str], low: int) -> None:
    """One line per variant: the product pages' geometric-mean req/s and its ratio to `before`."""
    print(f"\nLevers: the product pages' geometric mean of req/s at {low} clients, and its ratio to {BASELINE}")
    print(
        f"{'variant':<16}{'handler':>9}{'pool':>6}{'workers':>9}{f'pages req/s@{low}':>18}{f'×{BASELINE}':>9}"
        f"{f'bare req/s@{low}':>17}{f'median p95@{low}':>17}{'pages ok':>10}"
    )
    for name in servers:
        row, result = results["summary"][name], results["servers"][name]
        ratio = row[f"pages_geomean_ratio_to_{BASELINE}"]
        met = f"{row['pages_meeting_every_target']}/{row['pages']}"
        print(
            f"{name:<16}{result['variant']['handler']:>9}{result['variant']['pool_size'] or '—'!s:>6}"
            f"{result['variant']['workers']:>9}{ms(row[f'pages_geomean_per_second_at_{low}']):>18}"
            f"{'—' if ratio is None else f'{ratio:.2f}':>9}{ms(row[f'bare_per_second_at_{low}']):>17}"
            f"{ms(row[f'pages_median_p95_ms_at_{low}']):>17}{met:>10}"
        )
    if BASELINE not in servers:
        print(f"({BASELINE} was not measured: no ratio)")


def write(results: dict, out: Path) -> Path:
    path = out / "http_latency.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return path


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ("django", "daphne", "uvicorn", "gunicorn", "uvloop", "httptools", "whitenoise", "psycopg"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def run_server(args, server: str, pages: list[Page], cookies: dict, pool, out: Path) -> dict:
    variant = VARIANTS[server]
    port = free_port()
    log = out / f"http_latency-{server}.log"
    process = start_server(args, variant, port, log)
    if process is None:
        return {"skipped": "not installed"}
    result: dict = {
        "variant": {
            "about": variant.about,
            "handler": variant.handler,
            "workers": variant.workers,
            "pool_size": expected_pool_size(variant),
        },
        "command": process_command(process.pid),
        "shell": process.args[2] if process.args[0] == "/bin/sh" else None,  # the web line given to the shell
        "environment": process_environment(process.pid),  # the server's own, from /proc
    }
    try:
        verify_server(server, port, pages, cookies, log)
        result["app"] = server_info(port)  # after the pages: the pool, if any, is open
        result["checked"] = check_variant(variant, result["app"])
        print(
            f"{server}: {result['command']}\n  environment {result['environment']}\n"
            f"  handler {result['app']['handler']}, pool {result['app']['database_pool']}",
            flush=True,
        )
        result.update(processes=len(server_pids(process.pid)), loadavg_start=os.getloadavg(), pages={})
        runs: dict[str, dict[int, dict]] = {page.name: {} for page in pages}
        for level in args.concurrency:
            for page in pages:
                if process.poll() is not None:
                    raise SystemExit(f"{server} exited with {process.returncode}:\n{log_tail(log)}")
                profile = ""
                if args.py_spy and level == verdict_levels(args)[0]:
                    profile = str(out / f"http_latency-{server}-{page.name}.folded")
                spec = {
                    "port": port,
                    "request": request_bytes(page, port, cookies),
                    "concurrency": level,
                    "warmup": args.warmup,
                    "duration": args.duration,
                    "timeout": args.timeout,
                    "pids": server_pids(process.pid),  # gunicorn's workers, as they are now
                    "py_spy": args.py_spy,
                    "profile_out": profile,
                }
                run = pool.submit(load_run, spec).result()
                runs[page.name][level] = run
                lat = run["latency_ms"]
                print(
                    f"  {server} {page.name:<24} {level:>3} clients: {run['requests']:>6} in {run['seconds']:>5} s"
                    f" {run['per_second']:>7.1f}/s p50 {ms(lat['p50']):>6} p95 {ms(lat['p95']):>6}"
                    f" p99 {ms(lat['p99']):>6} errors {errors_of(run)}"
                    f" (server CPU {run['server_cpu_percent']} %, client {run['client_cpu_percent']} %)",
                    flush=True,
                )
        result["loadavg_end"] = os.getloadavg()
        result["app_after_load"] = server_info(port)  # the live pool's figures after the load
    finally:
        stop(process)
    result["app_processes"] = app_processes(log)  # one per worker, each with its handler and pool
    if len(result["app_processes"]) != variant.workers:
        print(f"WARNING {server}: {len(result['app_processes'])} processes built the app, not {variant.workers}")
    if "checked" in result:
        seen = {(app["handler"], (app["database_pool"] or {}).get("max_size")) for app in result["app_processes"]}
        if seen != {(result["checked"]["handler"], result["checked"]["pool_max_size"])}:
            print(f"WARNING {server}: its processes do not all run the variant's handler and pool: {seen}")
    low, high = verdict_levels(args)
    for page in pages:
        result["pages"][page.name] = {
            "role": page.role,
            "path": page.path,
            "runs": {str(level): run for level, run in runs[page.name].items()},
            "verdict": verdict(runs[page.name], runs["bare"], low, high),
        }
    return result


def verdict_levels(args) -> tuple[int, int]:
    """The levels of the targets (10 and 50 clients), or the nearest measured."""
    levels = args.concurrency
    low = TARGET_LOW if TARGET_LOW in levels else min(levels)
    high = TARGET_HIGH if TARGET_HIGH in levels else max(levels)
    return low, high


def main() -> None:
    args = parse_args()
    if overridden := sorted(key for key in VARIANT_VARIABLES if key in ENVIRON):
        print(f"ignored here: {', '.join(overridden)} (each variant sets its own)", flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    low, high = verdict_levels(args)
    setup_django(args)
    world = build_world(args)
    pages = pages_chosen(args, pages_of(world))
    clients = logins(world)
    cookies = {role: cookie_header(client) for role, client in clients.items()}
    print("pages, opened here as their role (queries of the second opening, median time of the next ones):")
    queries = count_queries(pages, clients)
    from django.db import connections

    connections.close_all()  # this process holds no connection while the servers run
    results: dict = {
        "config": {
            "servers": args.servers,
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "timeout_s": args.timeout,
            "quotations": args.quotations,
            "bookings": world["bookings"],
            "bids_on_the_quotation": world["bids_on_main"],
            "variants": {
                name: {**asdict(VARIANTS[name]), "environment": dict(VARIANTS[name].environment)}
                for name in args.servers
            },
            "procfile_web": procfile_web(),
            "before_web": BEFORE_WEB,
            "handlers": HANDLERS,
            "gunicorn_worker_class": gunicorn_worker_class(),
            "targets": {
                "p95_ms_under": TARGET_P95_MS,
                "at_clients": low,
                "times_bare_p95_at_most": TARGET_BARE_RATIO,
                "no_errors_at_clients": high,
            },
            "settings": "DEBUG off, PostgreSQL (CONN_MAX_AGE 0), Redis cache and channel layer, WhiteNoise, "
            "X-Forwarded-Proto: https",
            # What this environment adds to the production settings (persistent connections...); the
            # variants' own are recorded per variant, from each server's /proc/<pid>/environ.
            "environment": {key: ENVIRON[key] for key in sorted(ENVIRON) if key in TUNING_VARIABLES},
            "cpus": os.cpu_count(),
            "loadavg_start": os.getloadavg(),
            "versions": versions(),
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        },
        "pages": {page.name: asdict(page) for page in pages},
        "queries": queries,
        "servers": {},
    }
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        for server in args.servers:
            started = time.monotonic()
            results["servers"][server] = run_server(args, server, pages, cookies, pool, out)
            results["servers"][server]["seconds"] = round(time.monotonic() - started, 1)
            results["summary"] = summarize(results, low, high)
            write(results, out)  # a later server's failure keeps this one's figures
    results["config"]["loadavg_end"] = os.getloadavg()
    results["summary"] = summarize(results, low, high)
    for name, result in results["servers"].items():
        if "pages" in result:
            print_server_table(name, result, queries, low, high)
    print_summary(results, low, high)
    print(f"written {write(results, out)}")
    if not args.keep:
        import psycopg
        import redis

        base, _, name = args.database_url.rpartition("/")
        with psycopg.connect(base + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        redis.Redis.from_url(args.redis_url).flushdb()
        shutil.rmtree(args.static_root, ignore_errors=True)


if __name__ == "__main__":
    main()
