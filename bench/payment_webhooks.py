#!/usr/bin/env python
"""Gateway notifications under load: signed Stripe, MercadoPago and PayU posts to one daphne process.

Builds a fresh PostgreSQL database (dropped and created each run) with bookings whose
installments have an open gateway payment each: Spanish clients pay in EUR through Stripe,
Argentine ones in ARS through MercadoPago, Colombian ones in COP through PayU (the
country routing table says so). Then starts one daphne process and one Celery worker,
both with production settings (DEBUG off, PostgreSQL, Redis as cache, channel layer and
broker, every gateway's keys), and posts over K keep-alive connections:

1. `floor`: the same requests to a bare ASGI callable in this module (daphne alone);
2. `bare`: the same requests to a bare Django view through the product's middleware,
   which touches no database;
3. `webhooks`: each notification to its gateway's real endpoint (Stripe's through
   dj-stripe, `/stripe/webhook/<uuid>/`), signed as the gateway signs it, each naming a
   distinct payment, plus a share of duplicates (the same notification delivered again,
   signed anew as gateways do on a retry).

By default each connection posts as soon as its previous post is answered (a closed
loop: the figures are at saturation); --rate N paces all of them to N posts per second,
latency counted from each post's due time.

After the load it waits until the worker has processed every recorded event (or nothing
has moved for 30 s), stops the server and the worker, then checks the database: one
event row per distinct notification, every payment confirmed exactly once (one
`payment.confirmed` log entry, one receipt number, one receipt email), and the time
from an event's recording to its processing.

MercadoPago's notification carries only the payment's id, so processing it asks
MercadoPago's API. The worker runs with the SDK's base URL (a class constant, no setting)
pointed at a fake API served by this script, and sends its emails (the receipts) by SMTP
to a local sink; nothing else in the product is changed. With --py-spy, daphne is profiled
during each phase and the worker during the webhooks phase and the drain.

    .venv/bin/python bench/payment_webhooks.py --events 3000 --concurrency 10 --duplicates 0.2
    .venv/bin/python bench/payment_webhooks.py --events 600 --rate 5 --out bench/results/paced

Needs PostgreSQL at --database-url (its database is dropped and created; dropped again at
the end unless --keep) and Redis (--redis-url for cache and channel layer, --broker-url
for Celery; both databases are flushed). Prints the figures and writes them as JSON to
bench/results/payment_webhooks.json.
"""

import argparse
import asyncio
import collections
import copy
import datetime
import io
import json
import math
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ENVIRON = dict(os.environ)  # before this process sets its own settings

SECRET_KEY = "bench-only-secret-key-" + "x" * 40
STRIPE_SECRET_KEY = "sk_test_" + "b" * 40
STRIPE_WEBHOOK_SECRET = "whsec_bench_0123456789abcdefghijklmnopqrstu"
STRIPE_WEBHOOK_UUID = "0b9e7a52-3c1d-4f6e-8a2b-5d4c3b2a1f00"
STRIPE_ACCOUNT = "acct_bench"
MERCADOPAGO_WEBHOOK_SECRET = "bench-mercadopago-webhook-secret"
PAYU_API_KEY = "4Vj8eK4rloUd272L48hsrarnUA"
PAYU_MERCHANT_ID = "508029"
# provider -> (client country, booking currency); the routing table sends the country there.
MARKETS = {"stripe": ("ES", "EUR"), "mercadopago": ("AR", "ARS"), "payu": ("CO", "COP")}
EXCHANGE_RATES = {"ARS": "1000", "COP": "4500"}  # 1 EUR in each: hotels bid in EUR
FIXTURES = ROOT / "payments" / "tests" / "fixtures"
FLOOR_PATH = "/bench/floor/"
BARE_PATH = "/bench/bare/"
WORKER_COMMAND = "_worker"  # `payment_webhooks.py _worker <celery args>`: see worker_main
TARGET_P95_MS = 50
TARGET_PROCESSING_S = 3
STALL_SECONDS = 30


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=3000, help="notifications posted, duplicates included")
    parser.add_argument("--duplicates", type=float, default=0.2, help="share of the posts that repeat one sent before")
    parser.add_argument("--concurrency", type=int, default=10, help="keep-alive client connections")
    parser.add_argument("--rate", type=float, default=0, help="posts per second in all (0: as fast as answered)")
    parser.add_argument("--mix", default="stripe=1,mercadopago=1,payu=1", help="weights of the providers")
    parser.add_argument("--phases", default="floor,bare,webhooks")
    parser.add_argument("--worker-concurrency", type=int, default=2, help="the worker's pool, as in the Procfile")
    parser.add_argument("--mercadopago-latency-ms", type=float, default=0, help="the fake API's delay per answer")
    parser.add_argument("--drain-timeout", type=float, default=600, help="seconds to wait for processing at most")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/spirittours_bench_webhooks")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--port", type=int, default=0, help="daphne's port (0: a free one)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--py-spy", default="", help="path of py-spy: profile daphne during each phase")
    parser.add_argument("--keep", action="store_true", help="keep the database and Redis contents at the end")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    args.mix = {name: float(weight) for name, _, weight in (part.partition("=") for part in args.mix.split(","))}
    if set(args.mix) - set(MARKETS) or not any(args.mix.values()):
        parser.error(f"--mix takes weights of {', '.join(MARKETS)}")
    if not 0 <= args.duplicates < 1:
        parser.error("--duplicates is a share: 0 <= d < 1")
    args.phases = [phase for phase in args.phases.split(",") if phase]
    return args


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_env(args) -> dict[str, str]:
    """Production settings for daphne and the worker: what a deployment sets, nothing more."""
    return {
        **ENVIRON,
        "DJANGO_SETTINGS_MODULE": "spirittours.settings",
        "DEBUG": "false",
        "LOG_LEVEL": "INFO",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        # Deployed behind a TLS-terminating proxy: every request below says it came over HTTPS.
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "SITE_URL": f"https://127.0.0.1:{args.port}",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CHANNEL_LAYER_PREFIX": "bench-webhooks",  # pub/sub ignores the database number
        "CELERY_BROKER_URL": args.broker_url,
        "STRIPE_SECRET_KEY": STRIPE_SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET,
        "STRIPE_WEBHOOK_UUID": STRIPE_WEBHOOK_UUID,
        "MERCADOPAGO_ACCESS_TOKEN": "TEST-bench",
        "MERCADOPAGO_WEBHOOK_SECRET": MERCADOPAGO_WEBHOOK_SECRET,
        "PAYU_API_KEY": PAYU_API_KEY,
        "PAYU_API_LOGIN": "pRRXKOl8ikMmt9u",
        "PAYU_MERCHANT_ID": PAYU_MERCHANT_ID,
        "PAYU_ACCOUNT_ID": "512321",
        "NO_PROXY": "127.0.0.1,localhost",
    }


# --- Data: a fresh database, bookings with open gateway payments -------------------------------


def setup_django(args) -> None:
    import psycopg

    base, _, name = args.database_url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    import redis

    for url in (args.redis_url, args.broker_url):
        redis.Redis.from_url(url).flushdb()
    # This process only builds data and reads results: no Redis, and the emails the
    # setup queues go to an in-process broker nobody consumes.
    os.environ.update(bench_env(args), REDIS_URL="", CELERY_BROKER_URL="memory://localhost/", LOG_LEVEL="ERROR")
    import django

    django.setup()
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("stripe_webhook_endpoint", "--account", STRIPE_ACCOUNT, verbosity=0, stdout=io.StringIO())
    print(f"database {name} migrated in {time.monotonic() - started:.0f} s", flush=True)


@dataclass(frozen=True)
class Notice:
    """One notification of one payment: its body is fixed, its signature is made when it is sent."""

    provider: str
    payment_id: int
    external_id: str  # the ProviderEvent's id at the provider
    path: str
    content_type: str
    body: bytes
    mercadopago_id: str = ""

    def request(self, *, port: int, path: str | None = None) -> bytes:
        headers = {
            "Host": f"127.0.0.1:{port}",
            "X-Forwarded-Proto": "https",
            "Content-Type": self.content_type,
            "Content-Length": str(len(self.body)),
        }
        headers.update(self._signature())
        head = f"POST {path or self.path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        return head.encode() + b"\r\n" + self.body

    def _signature(self) -> dict[str, str]:
        if self.provider == "stripe":
            import stripe

            return {
                "Stripe-Signature": stripe.WebhookSignature.generate_signature_header(
                    self.body.decode(), STRIPE_WEBHOOK_SECRET
                )
            }
        if self.provider == "mercadopago":
            from payments.providers.mercadopago import notification_signature

            request_id, ts = str(uuid.uuid4()), str(int(time.time()))
            v1 = notification_signature(
                secret=MERCADOPAGO_WEBHOOK_SECRET, data_id=self.mercadopago_id, request_id=request_id, ts=ts
            )
            return {"x-signature": f"ts={ts},v1={v1}", "x-request-id": request_id}
        return {}  # PayU signs the form's fields with our API key: in the body


def build_payments(args, per_provider: dict[str, int]) -> list[dict]:
    """Bookings made by the client's approval (the project's factories), each of whose
    installments gets an open payment at its gateway, as `payment_checkout_start` leaves it."""
    from django.conf import settings
    from django.utils import timezone

    # Only for the users the factories make here: they never log in, and the default hasher
    # spends a third of a second per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from accounts.factories import ClientContactFactory, StaffFactory
    from bookings.factories import booking_approved
    from bookings.models import BookingLog
    from payments.models import Payment, PaymentRoute, PaymentStatus
    from payments.services.gateways import gateway_for_booking
    from quotations.factories import ClientFactory
    from quotations.models import ExchangeRate

    today = timezone.localdate()
    for currency, rate in EXCHANGE_RATES.items():
        ExchangeRate.objects.update_or_create(
            base="EUR", quote=currency, valid_from=today - datetime.timedelta(30), defaults={"rate": rate}
        )
    for provider, (country, _currency) in MARKETS.items():
        if provider != "stripe":  # Stripe is the fallback of every country not listed
            PaymentRoute.objects.update_or_create(country=country, defaults={"provider": provider})
    owner = StaffFactory()
    started = time.monotonic()
    total = sum(math.ceil(n / 2) for n in per_provider.values())
    made = 0
    rows: list[Payment] = []
    now = timezone.now()
    for provider, wanted in per_provider.items():
        country, currency = MARKETS[provider]
        for index in range(math.ceil(wanted / 2)):
            contact = ClientContactFactory()
            client = ClientFactory(country=country, contacts=[contact])
            booking = booking_approved(contact=contact, owner=owner, client=client, currency=currency)
            if index == 0 and gateway_for_booking(booking=booking).identifier != provider:
                raise SystemExit(f"routing does not send a client in {country} paying {currency} to {provider}")
            for installment in booking.installments.order_by("position")[: wanted - 2 * index]:
                key = f"{provider}-{installment.pk}-0-0"
                rows.append(
                    Payment(
                        booking=booking,
                        installment=installment,
                        amount=installment.amount,
                        currency=booking.currency,
                        provider=provider,
                        status=PaymentStatus.CREATED,
                        provider_reference=f"cs_bench_{installment.pk}" if provider == "stripe" else key,
                        idempotency_key=key,
                        checkout_expires_at=now + datetime.timedelta(hours=6),
                    )
                )
            made += 1
            if made % 100 == 0:
                print(f"  {made}/{total} bookings, {time.monotonic() - started:.0f} s", flush=True)
    Payment.objects.bulk_create(rows)
    BookingLog.objects.bulk_create(
        BookingLog(
            booking_id=p.booking_id,
            action="payment.checkout_started",
            data={"payment": p.pk, "amount": str(p.amount), "provider": p.provider, "traveller": None},
        )
        for p in rows
    )
    print(f"{made} bookings, {len(rows)} open payments in {time.monotonic() - started:.0f} s", flush=True)
    return [
        {"id": p.pk, "provider": p.provider, "key": p.idempotency_key, "amount": str(p.amount), "currency": p.currency}
        for p in rows
    ]


# --- Notifications as each gateway sends them ---------------------------------------------------


def notice_for(payment: dict) -> Notice:
    from payments.providers.payu import confirmation_signature
    from payments.providers.stripe import to_minor

    pid, key, amount, currency = payment["id"], payment["key"], Decimal(payment["amount"]), payment["currency"]
    now = int(time.time())
    if payment["provider"] == "stripe":
        event = copy.deepcopy(_stripe_template())
        session = event["data"]["object"]
        minor = to_minor(amount, currency)
        event.update(id=f"evt_bench_{pid}", created=now, request={"id": f"req_bench_{pid}", "idempotency_key": key})
        session.update(
            id=f"cs_bench_{pid}",
            client_reference_id=key,
            metadata={"our_reference": key, "payment": str(pid)},
            payment_intent=f"pi_bench_{pid}",
            amount_total=minor,
            amount_subtotal=minor,
            currency=currency.lower(),
            created=now,
        )
        return Notice(
            provider="stripe",
            payment_id=pid,
            external_id=event["id"],
            path=f"/stripe/webhook/{STRIPE_WEBHOOK_UUID}/",
            content_type="application/json",
            body=json.dumps(event).encode(),
        )
    if payment["provider"] == "mercadopago":
        mercadopago_id, event_id = str(1_300_000_000 + pid), 2_000_000_000 + pid
        body = {
            "id": event_id,
            "live_mode": False,
            "type": "payment",
            "date_created": datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds"),
            "user_id": 44444,
            "api_version": "v1",
            "action": "payment.created",
            "data": {"id": mercadopago_id},
        }
        return Notice(
            provider="mercadopago",
            payment_id=pid,
            external_id=str(event_id),
            path=f"/payments/webhooks/mercadopago/?data.id={mercadopago_id}&type=payment",
            content_type="application/json",
            body=json.dumps(body).encode(),
            mercadopago_id=mercadopago_id,
        )
    from urllib.parse import urlencode

    transaction_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"payu-bench-{pid}"))
    fields = {
        "merchant_id": PAYU_MERCHANT_ID,
        "state_pol": "4",
        "response_code_pol": "1",
        "value": f"{amount:.2f}",
        "currency": currency,
        "reference_sale": key,
        "reference_pol": str(800_000_000 + pid),
        "transaction_id": transaction_id,
        "transaction_date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "description": f"Bench payment {pid}",
        "payment_method_type": "2",
    }
    fields["sign"] = confirmation_signature(
        api_key=PAYU_API_KEY,
        merchant_id=PAYU_MERCHANT_ID,
        reference=key,
        value=fields["value"],
        currency=currency,
        state="4",
    )
    return Notice(
        provider="payu",
        payment_id=pid,
        external_id=f"{transaction_id}:4",
        path="/payments/webhooks/payu/",
        content_type="application/x-www-form-urlencoded",
        body=urlencode(fields).encode(),
    )


@cache
def _stripe_template() -> dict:
    return json.loads((FIXTURES / "stripe_checkout_session_completed.json").read_text())


@dataclass(frozen=True)
class Job:
    notice: Notice
    duplicate: bool


def per_provider_counts(args, distinct: int) -> dict[str, int]:
    weights = {name: weight for name, weight in args.mix.items() if weight > 0}
    total = sum(weights.values())
    counts = {name: int(distinct * weight / total) for name, weight in weights.items()}
    for name in list(weights)[: distinct - sum(counts.values())]:
        counts[name] += 1
    return counts


def plan_jobs(args, notices: list[Notice]) -> list[Job]:
    """Originals in random order; each duplicate repeats an original and comes well after it
    (2 × concurrency posts or more), as a gateway's retry does."""
    rng = random.Random(args.seed)
    originals = notices[:]
    rng.shuffle(originals)
    placed = [(float(i), Job(notice, False)) for i, notice in enumerate(originals)]
    spread = max(1.0, len(originals) * 0.1)
    for _ in range(args.events - len(originals)):
        index = rng.randrange(len(originals))
        placed.append((index + 2 * args.concurrency + rng.uniform(0, spread), Job(originals[index], True)))
    placed.sort(key=lambda item: item[0])
    return [job for _, job in placed]


# --- The world outside: MercadoPago's API and an SMTP server, in a process of their own ---------


def outside_serve(payments: dict[str, dict], latency_ms: float, ports) -> None:
    """GET /v1/payments/<id> answers the approved payment as MercadoPago does; the SMTP sink takes
    the receipts the worker sends. `ports` gets (API port, SMTP port) once both listen."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from notifications.tests.smtp_sink import SinkHandler, sink_start

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if latency_ms:
                time.sleep(latency_ms / 1000)
            payment = payments.get(self.path.split("?")[0].rstrip("/").rpartition("/")[2])
            body = json.dumps(payment or {"message": "Payment not found", "status": 404}).encode()
            self.send_response(200 if payment else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    sink = sink_start(SinkHandler())
    api = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    ports.put((api.server_address[1], sink.port))
    threading.Event().wait()


def mercadopago_payments(payments: list[dict]) -> dict[str, dict]:
    approved = datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")
    return {
        str(1_300_000_000 + p["id"]): {
            "id": 1_300_000_000 + p["id"],
            "status": "approved",
            "status_detail": "accredited",
            "currency_id": p["currency"],
            "transaction_amount": float(p["amount"]),
            "external_reference": p["key"],
            "date_approved": approved,
            "live_mode": False,
        }
        for p in payments
        if p["provider"] == "mercadopago"
    }


def worker_main(celery_args: list[str]) -> None:
    """The Celery worker of this bench: the product's, with MercadoPago's SDK aimed at the fake API.

    The SDK reads its base URL from a private class constant (mercadopago/config/config.py),
    which no setting or environment variable changes; it is replaced here, in this process only.
    """
    api = os.environ.get("BENCH_MERCADOPAGO_API_URL")
    if api:
        from mercadopago.config.config import Config

        Config._Config__api_base_url = api
    from celery.__main__ import main

    sys.argv = ["celery", *celery_args]
    main()


# --- The server: the product's ASGI app plus two bench-only routes -------------------------------


def __getattr__(name: str):
    """daphne serves `bench.payment_webhooks:application`; Django reads this module as its URLconf."""
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
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirittours.settings")
    import django

    django.setup()
    from django.conf import settings

    # The product's URLs plus the bare view (see _urlpatterns); every other setting is the product's.
    settings.ROOT_URLCONF = __name__
    from spirittours.asgi import application as product

    async def application(scope, receive, send):
        if scope["type"] == "http" and scope["path"] == FLOOR_PATH:
            await _floor(receive, send)
        else:
            await product(scope, receive, send)

    return application


async def _floor(receive, send) -> None:
    """daphne alone: read the body, answer what the webhook views answer, no Django at all."""
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    body = b'{"received": true}'
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@cache
def _urlpatterns() -> list:
    from django.http import JsonResponse
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt
    from django.views.decorators.http import require_POST

    import spirittours.urls

    @csrf_exempt
    @require_POST
    def bare(request):
        """What a webhook view does without its work: a sync view, the body read, the same answer."""
        request.body  # noqa: B018
        return JsonResponse({"received": True})

    return [path(BARE_PATH.strip("/") + "/", bare), *spirittours.urls.urlpatterns]


# --- Processes -------------------------------------------------------------------------------


def wait_for(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not start in {timeout:.0f} s")


def start_outside(args, payments: list[dict]):
    context = multiprocessing.get_context("spawn")
    ports = context.Queue()
    process = context.Process(
        target=outside_serve, args=(mercadopago_payments(payments), args.mercadopago_latency_ms, ports), daemon=True
    )
    process.start()
    api_port, smtp_port = ports.get(timeout=60)
    return process, api_port, smtp_port


def start_worker(args, api_port: int, smtp_port: int) -> subprocess.Popen:
    log = Path(args.out) / "payment_webhooks-worker.log"
    process = subprocess.Popen(
        [
            sys.executable,
            __file__,
            WORKER_COMMAND,
            "-A",
            "spirittours",
            "worker",
            "-Q",
            "spirittours.default,spirittours.email",
            "--concurrency",
            str(args.worker_concurrency),
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",  # as the Procfile runs it
            "-n",
            "bench-webhooks@%h",
        ],
        cwd=ROOT,
        env={
            **bench_env(args),
            "BENCH_MERCADOPAGO_API_URL": f"http://127.0.0.1:{api_port}",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
        },
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    wait_for(lambda: " ready." in log.read_text(), "the Celery worker")
    return process


def start_server(args) -> subprocess.Popen:
    daphne = str(Path(sys.executable).parent / "daphne")
    process = subprocess.Popen(
        [daphne, "-b", "127.0.0.1", "-p", str(args.port), "bench.payment_webhooks:application"],
        cwd=ROOT,
        env=bench_env(args),
        stdout=subprocess.DEVNULL,
        stderr=(Path(args.out) / "payment_webhooks-daphne.log").open("w"),
    )

    def answering() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", args.port), timeout=2) as conn:
                conn.sendall(
                    f"POST {BARE_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
                    "Content-Length: 0\r\nConnection: close\r\n\r\n".encode()
                )
                return conn.recv(64).startswith(b"HTTP/1.1 200")
        except OSError:
            return False

    wait_for(answering, "daphne")
    return process


def stop(process) -> None:
    if process is None:
        return
    process.terminate()
    try:
        process.join(10) if isinstance(process, multiprocessing.process.BaseProcess) else process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if isinstance(process, multiprocessing.process.BaseProcess) and process.is_alive():
        process.kill()


def profile_start(args, pid: int, name: str) -> subprocess.Popen | None:
    if not args.py_spy:
        return None
    output = Path(args.out) / f"payment_webhooks-{name}.folded"
    command = [args.py_spy, "record", "--pid", str(pid), "--rate", "200", "--function", "--format", "raw"]
    if name == "worker":
        command.append("--subprocesses")  # the prefork pool's children do the work
    profiler = subprocess.Popen(
        [*command, "--nonblocking", "--output", str(output)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)  # attached
    return profiler


def profile_stop(profiler: subprocess.Popen | None, path: Path) -> list[tuple[str, float]]:
    """The functions with the largest share of the busy samples (inclusive), from py-spy's stacks."""
    if profiler is None:
        return []
    profiler.send_signal(signal.SIGINT)
    profiler.wait(60)
    inclusive: collections.Counter = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        for frame in {frame.strip() for frame in stack.split(";") if " (" in frame}:  # not the thread or process
            inclusive[frame] += int(count)
    return [(frame, round(n / total, 3)) for frame, n in inclusive.most_common(40)] if total else []


# --- The load ---------------------------------------------------------------------------------


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, connection still usable) of one HTTP/1.1 response."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in head[1:])}
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    else:
        await reader.read()
        return status, False
    return status, headers.get("connection", "").lower() != "close"


async def post_all(args, jobs: list[Job], path: str | None) -> tuple[list[tuple], float]:
    """Post every job over `--concurrency` connections, each waiting for its answer before the next.

    With --rate, job i is due at i / rate seconds and its latency counts from then (a late
    send is the server's delay too). Returns (provider, duplicate, status, seconds, sent at, event id) per job.
    """
    results: list[tuple] = []
    next_job = 0
    started = time.perf_counter()

    async def connection() -> None:
        nonlocal next_job
        reader = writer = None
        while next_job < len(jobs):
            index, next_job = next_job, next_job + 1
            job = jobs[index]
            due = None
            if args.rate:
                due = started + index / args.rate
                if (pause := due - time.perf_counter()) > 0:
                    await asyncio.sleep(pause)
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
            raw = job.notice.request(port=args.port, path=path)
            sent = time.perf_counter()
            sent_at = time.time()
            writer.write(raw)
            try:
                status, alive = await read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                status, alive = 0, False
            waited = time.perf_counter() - min(sent, due or sent)
            results.append((job.notice.provider, job.duplicate, status, waited, sent_at, job.notice.external_id))
            if not alive:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(args.concurrency)))
    return results, time.perf_counter() - started


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


def summarize(results: list[tuple], elapsed: float) -> dict:
    groups: dict[str, list[tuple]] = collections.defaultdict(list)
    for row in results:
        groups["all"].append(row)
        groups[row[0]].append(row)
        groups["duplicates" if row[1] else "originals"].append(row)
    return {
        "seconds": round(elapsed, 2),
        **{
            name: {
                "requests": len(rows),
                "per_second": round(len(rows) / elapsed, 1),
                "latency_ms": percentiles([row[3] for row in rows]),
                "not_200": dict(collections.Counter(row[2] for row in rows if row[2] != 200)),
            }
            for name, rows in groups.items()
        },
    }


# --- After the load: everything processed, nothing twice ---------------------------------------


def drain(args, expected: int) -> dict:
    """Wait until every valid event is recorded and processed; give up at the timeout, or once
    nothing has been processed for STALL_SECONDS (an event whose task was never queued waits
    for the retry job, which this bench does not run)."""
    from payments.models import ProviderEvent

    valid = ProviderEvent.objects.filter(signature_valid=True)
    started = last_progress = time.monotonic()
    at_start = done = valid.filter(processed_at__isnull=False).count()
    while time.monotonic() - started < args.drain_timeout and time.monotonic() - last_progress < STALL_SECONDS:
        now_done = valid.filter(processed_at__isnull=False).count()
        if now_done != done:
            done, last_progress = now_done, time.monotonic()
        if done >= expected and valid.count() >= expected:
            break
        time.sleep(0.25)
    seconds = last_progress - started
    return {
        "seconds": round(seconds, 2),
        "processed_at_last_answer": at_start,
        "processed_per_second": round((done - at_start) / seconds, 1) if seconds > 0 else None,
    }


def verify(payments: list[dict], notices: list[Notice], sent_at: dict[str, float]) -> dict:
    from djstripe.models import Event, WebhookEventTrigger

    from bookings.models import BookingLog
    from notifications.models import EmailMessage
    from payments.models import Payment, PaymentStatus, ProviderEvent

    ids = [p["id"] for p in payments]
    events = list(
        ProviderEvent.objects.filter(signature_valid=True).values_list(
            "provider", "external_id", "outcome", "received_at", "processed_at", "payment_id"
        )
    )
    confirmed = Payment.objects.filter(pk__in=ids, status=PaymentStatus.CONFIRMED)
    confirm_logs = collections.Counter(
        data["payment"] for data in BookingLog.objects.filter(action="payment.confirmed").values_list("data", flat=True)
    )
    receipts = list(confirmed.values_list("receipt_number", flat=True))
    receipt_emails = collections.Counter(
        key.split(":")[2]
        for key in EmailMessage.objects.filter(dedupe_key__startswith="payment_received:payment:").values_list(
            "dedupe_key", flat=True
        )
    )
    applied_per_payment = collections.Counter(pid for *_, outcome, _r, _p, pid in events if outcome == "applied")
    expected_ids = {n.external_id for n in notices}
    processing = collections.defaultdict(list)
    post_to_processed = collections.defaultdict(list)
    for provider, external_id, _outcome, received_at, processed_at, _pid in events:
        if processed_at is None:
            continue
        processing[provider].append((processed_at - received_at).total_seconds())
        processing["all"].append((processed_at - received_at).total_seconds())
        if external_id in sent_at:
            post_to_processed["all"].append(processed_at.timestamp() - sent_at[external_id])
    checks = {
        "provider_events": len(events),
        "provider_events_expected": len(expected_ids),
        "provider_events_per_provider": dict(collections.Counter(e[0] for e in events)),
        "events_not_sent_by_bench": len({e[1] for e in events} - expected_ids),
        "invalid_events": ProviderEvent.objects.filter(signature_valid=False).count(),
        "unprocessed_events": sum(1 for e in events if e[4] is None),
        "outcomes": dict(collections.Counter(e[2] for e in events)),
        "payments_confirmed": confirmed.count(),
        "payments_confirmed_expected": len(ids),
        "payments_applied_twice": sum(1 for n in applied_per_payment.values() if n > 1),
        "payments_logged_confirmed_twice": sum(1 for n in confirm_logs.values() if n > 1),
        "confirmed_without_one_log_entry": sum(
            1 for pk in confirmed.values_list("pk", flat=True) if confirm_logs.get(pk) != 1
        ),
        "receipts_missing": sum(1 for number in receipts if not number),
        "receipt_numbers_distinct": len(set(receipts)),
        "payments_with_two_receipt_emails": sum(1 for n in receipt_emails.values() if n > 1),
        "receipt_emails": sum(receipt_emails.values()),
        "stripe_deliveries_stored_by_djstripe": WebhookEventTrigger.objects.count(),
        "stripe_events_stored_by_djstripe": Event.objects.count(),
    }
    checks["nothing_twice"] = (
        checks["provider_events"] <= checks["provider_events_expected"]
        and checks["events_not_sent_by_bench"] == 0
        and checks["payments_applied_twice"] == 0
        and checks["payments_logged_confirmed_twice"] == 0
        and checks["confirmed_without_one_log_entry"] == 0
        and checks["receipt_numbers_distinct"] == checks["payments_confirmed"]
        and checks["payments_with_two_receipt_emails"] == 0
    )
    checks["all_processed"] = (
        checks["provider_events"] == checks["provider_events_expected"]
        and checks["invalid_events"] == 0
        and checks["unprocessed_events"] == 0
        and checks["outcomes"] == {"applied": len(expected_ids)}
        and checks["payments_confirmed"] == len(ids)
        and checks["payments_logged_confirmed_twice"] == 0
        and checks["confirmed_without_one_log_entry"] == 0
        and checks["receipts_missing"] == 0
        and checks["receipt_numbers_distinct"] == len(ids)
        and checks["payments_with_two_receipt_emails"] == 0
        and checks["receipt_emails"] == len(ids)
    )
    return {
        "checks": checks,
        "processing_ms": {name: percentiles(values) for name, values in processing.items()},
        "post_to_processed_ms": {name: percentiles(values) for name, values in post_to_processed.items()},
    }


# --- Report ------------------------------------------------------------------------------------


def print_table(results: dict) -> None:
    def ms(value) -> str:
        return "—" if value is None else f"{value:.1f}"

    def cells(lat: dict) -> str:
        return "".join(f"{ms(lat[q]):>10}" for q in ("p50", "p95", "p99", "max"))

    print(f"\n{'route':<26}{'requests':>9}{'req/s':>8}{'p50':>10}{'p95':>10}{'p99':>10}{'max':>10}  not 200")
    for phase, summary in results["phases"].items():
        for name in ["all", *MARKETS, "originals", "duplicates"] if phase == "webhooks" else ["all"]:
            if name in summary:
                row = summary[name]
                label = phase if name == "all" else f"  {name}"
                print(
                    f"{label:<26}{row['requests']:>9}{row['per_second']:>8.1f}{cells(row['latency_ms'])}"
                    f"  {row['not_200'] or ''}"
                )
    if "processing_ms" in results:
        print(f"\n{'recorded → processed, ms':<26}{'events':>9}{'':>8}{'p50':>10}{'p95':>10}{'p99':>10}{'max':>10}")
        per_provider = results["checks"]["provider_events_per_provider"]
        for name, lat in sorted(results["processing_ms"].items()):
            print(f"{name:<26}{per_provider.get(name, results['checks']['provider_events']):>9}{'':>8}{cells(lat)}")
        drained = results["drain"]
        print(
            f"processed {drained['processed_at_last_answer']} by the last answer, the rest in {drained['seconds']} s "
            f"({drained['processed_per_second']}/s)"
        )
        print(json.dumps(results["checks"], indent=2))
    print(json.dumps(results["targets"], indent=2))


def main() -> None:
    args = parse_args()
    args.port = args.port or free_port()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    distinct = round(args.events * (1 - args.duplicates))
    per_provider = per_provider_counts(args, distinct)
    setup_django(args)
    payments = build_payments(args, per_provider)
    notices = [notice_for(payment) for payment in payments]
    jobs = plan_jobs(args, notices)
    results: dict = {
        "config": {
            "events": len(jobs),
            "distinct": distinct,
            "duplicates": len(jobs) - distinct,
            "per_provider": per_provider,
            "concurrency": args.concurrency,
            "rate": args.rate or "closed loop",
            "worker_concurrency": args.worker_concurrency,
            "mercadopago_api_latency_ms": args.mercadopago_latency_ms,
            "cpus": os.cpu_count(),
            "server": "one daphne process, DEBUG off, PostgreSQL, Redis; one Celery worker (prefork)",
            "date": datetime.date.today().isoformat(),
        },
        "phases": {},
    }
    api = worker = server = worker_profiler = None
    try:
        api, api_port, smtp_port = start_outside(args, payments)
        worker = start_worker(args, api_port, smtp_port)
        server = start_server(args)
        warmup = [Job(notice, False) for notice in notices[:50]]
        for path in (FLOOR_PATH, BARE_PATH):
            asyncio.run(post_all(args, warmup, path))
        sent_at: dict[str, float] = {}
        for phase in args.phases:
            path = {"floor": FLOOR_PATH, "bare": BARE_PATH}.get(phase)
            profiler = profile_start(args, server.pid, phase)
            if phase == "webhooks":
                worker_profiler = profile_start(args, worker.pid, "worker")
            rows, elapsed = asyncio.run(post_all(args, jobs, path))
            results["phases"][phase] = summarize(rows, elapsed)
            if profiler is not None:
                top = profile_stop(profiler, out / f"payment_webhooks-{phase}.folded")
                results["phases"][phase]["profile_top"] = top
            print(f"{phase}: {len(rows)} posts in {elapsed:.1f} s", flush=True)
            if phase == "webhooks":
                sent_at = {external_id: at for _p, duplicate, _s, _t, at, external_id in rows if not duplicate}
        if "webhooks" in args.phases:
            results["drain"] = drain(args, distinct)
            if worker_profiler is not None:
                results["worker_profile_top"] = profile_stop(worker_profiler, out / "payment_webhooks-worker.folded")
    finally:
        for process in (server, worker, api):
            stop(process)  # the worker finishes the tasks it holds: the database is still from here on
    if "webhooks" in results["phases"]:
        results.update(verify(payments, notices, sent_at))
        # task_enqueue logs each task it could not queue (the retry job takes the event up later)
        log = (out / "payment_webhooks-daphne.log").read_text()
        results["checks"]["tasks_not_enqueued_by_daphne"] = log.count(" not enqueued; ")
    targets = {}
    if "webhooks" in results["phases"]:
        p95 = results["phases"]["webhooks"]["all"]["latency_ms"]["p95"]
        targets["p95_under_50_ms"] = p95 is not None and p95 < TARGET_P95_MS
        processing_p95 = results.get("processing_ms", {}).get("all", {}).get("p95")
        targets["processing_p95_under_3_s"] = processing_p95 is not None and processing_p95 < TARGET_PROCESSING_S * 1000
        targets["nothing_processed_twice"] = bool(results.get("checks", {}).get("nothing_twice"))
        targets["every_notification_processed"] = bool(results.get("checks", {}).get("all_processed"))
    results["targets"] = targets
    print_table(results)
    path = out / "payment_webhooks.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"written {path}")
    if not args.keep:
        from django.db import connections

        connections.close_all()
        import psycopg
        import redis

        base, _, name = args.database_url.rpartition("/")
        with psycopg.connect(base + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for url in (args.redis_url, args.broker_url):
            redis.Redis.from_url(url).flushdb()


if __name__ == "__main__":
    if sys.argv[1:2] == [WORKER_COMMAND]:
        worker_main(sys.argv[2:])
    else:
        main()
