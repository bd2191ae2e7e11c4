#!/usr/bin/env python
"""Fan-out of live quotation rooms: sockets, throughput, latency, privacy.

Builds rooms (quotations) with members (1 staff, 1 client contact, the rest
users of invited hotels) in a benchmark database, starts one daphne process,
connects every member with the `websockets` client, publishes room messages of
mixed audiences (every hotel / one hotel privately / the client) and checks
every frame each socket receives against what that viewer may see.

Two phases on the same server: `filtered` (the product's consumer, a frame per
viewer through the privacy module) and `echo` (a benchmark-only consumer that
forwards events unfiltered), so the cost of filtering shows as a ratio.

    .venv/bin/python bench/ws_fanout.py --rooms 200 --members 10 --layer redis
    .venv/bin/python bench/ws_fanout.py --rooms 10 --members 100 --layer redis

Needs PostgreSQL (--database-url, default the local `spirittours_bench`,
created if missing) and, for --layer redis, Redis (--redis-url). Prints the
figures and writes them as JSON to bench/results/.
"""

import abc
import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SECRET_KEY = "bench-only-secret-key-" + "x" * 40
MIX = (("hotels", 0.6), ("hotel", 0.3), ("client", 0.1))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--members", type=int, default=10, help="sockets per room (>= 3)")
    parser.add_argument("--rate", type=float, default=250.0, help="events published per second, all rooms")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of publishing per phase")
    parser.add_argument("--layer", choices=["memory", "redis"], default="redis")
    parser.add_argument("--publishers", type=int, default=4, help="publishing threads")
    parser.add_argument("--clients", type=int, default=2, help="client processes holding the sockets")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/spirittours_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--phases", default="filtered,echo")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_known_args()[0]
    if args.members < 3:
        parser.error("--members must be at least 3 (staff, client, a hotel)")
    parser.add_argument(
        "--publisher",
        choices=["service", "http"],
        help="service: message_post in this process (needs --layer redis); "
        "http: staff POST the message form to the server (any layer). Default: service on redis, http on memory.",
    )
    args = parser.parse_args()
    args.publisher = args.publisher or ("service" if args.layer == "redis" else "http")
    if args.publisher == "service" and args.layer == "memory":
        parser.error("with the in-memory layer only the server process can publish: use --publisher http")
    return args


# --- Data: built straight into the benchmark database ------------------------------------


def setup_django(args) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="spirittours.settings",
        DATABASE_URL=args.database_url,
        SECRET_KEY=SECRET_KEY,
        DEBUG="True",
        REDIS_URL=args.redis_url if args.layer == "redis" else "",
        LOG_LEVEL="WARNING",
    )
    import psycopg

    base, _, name = args.database_url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)


def build_rooms(args) -> list[dict]:
    """Rooms with their members; each member gets a session cookie."""
    import datetime

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts.models import Role, User
    from quotations.models import Client, Hotel, HotelInvitation, Quotation, QuotationStatus, QuotationStay

    password = "!"  # unusable: members only ever authenticate by session
    today = timezone.localdate()
    staff = User.objects.create(
        email="bench-staff@spirittours.example",
        full_name="Bench Staff",
        role=Role.STAFF,
        staff_level=8,
        is_staff=True,
        password=password,
    )

    def session_for(user) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    staff_session = session_for(staff)
    rooms = []
    hotels_per_room = args.members - 2
    for index in range(args.rooms):
        contact = User.objects.create(
            email=f"client{index}@bench.example", full_name=f"Client {index}", role=Role.CLIENT, password=password
        )
        client = Client.objects.create(name=f"Bench client {index}", country="ES", email=f"c{index}@bench.example")
        client.contacts.add(contact)
        quotation = Quotation.objects.create(
            reference=f"Q-BENCH-{index:05d}",
            client=client,
            owner=staff,
            group_name=f"Bench group {index}",
            arrival=today + datetime.timedelta(days=60),
            departure=today + datetime.timedelta(days=62),
            pax=20,
            doubles=10,
            status=QuotationStatus.SENT,
            valid_until=today + datetime.timedelta(days=30),
        )
        QuotationStay.objects.create(quotation=quotation, position=1, city="Sevilla", nights=2)
        hotel_users = User.objects.bulk_create(
            User(
                email=f"h{index}-{n}@bench.example",
                full_name=f"Hotel user {index}-{n}",
                role=Role.HOTEL,
                password=password,
            )
            for n in range(hotels_per_room)
        )
        hotels = Hotel.objects.bulk_create(
            Hotel(
                name=f"Bench hotel {index}-{n}", city="Sevilla", country="ES", stars=4, email=f"h{index}-{n}@b.example"
            )
            for n in range(hotels_per_room)
        )
        Hotel.members.through.objects.bulk_create(
            Hotel.members.through(hotel_id=hotel.pk, user_id=user.pk)
            for hotel, user in zip(hotels, hotel_users, strict=True)
        )
        HotelInvitation.objects.bulk_create(
            HotelInvitation(quotation=quotation, hotel=hotel, invited_by=staff) for hotel in hotels
        )
        members = [
            {"kind": "staff", "id": staff.pk, "session": staff_session},
            {"kind": "client", "id": contact.pk, "session": session_for(contact)},
        ]
        members += [
            {"kind": "hotel", "id": user.pk, "hotel": hotel.pk, "session": session_for(user)}
            for user, hotel in zip(hotel_users, hotels, strict=True)
        ]
        rooms.append({"quotation": quotation.pk, "members": members, "hotels": [h.pk for h in hotels]})
    return rooms


# --- The server ---------------------------------------------------------------------------


def start_server(args) -> subprocess.Popen:
    env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1,localhost"}  # CONN_MAX_AGE stays 0 under ASGI
    daphne = str(Path(sys.executable).parent / "daphne")
    process = subprocess.Popen(
        [daphne, "-b", "127.0.0.1", "-p", str(args.port), "bench.echo_asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(Path(args.out) / "daphne.log").open("w"),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{args.port}/accounts/login/", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("daphne did not start")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# --- Expected audience and leak rules, mirrored from the privacy rules ---------------------


def expected_receivers(room: dict, audience: str, hotel: int | None) -> set[int]:
    receivers = set()
    for position, member in enumerate(room["members"]):
        if (
            member["kind"] == "staff"
            or (
                member["kind"] == "hotel"
                and (audience == "hotels" or (audience == "hotel" and member["hotel"] == hotel))
            )
            or (member["kind"] == "client" and audience == "client")
        ):
            receivers.add(position)
    return receivers


# --- One phase ----------------------------------------------------------------------------


def _reader_process(port: int, route: str, phase: str, sockets: list, ready, stop, results) -> None:
    """One client process: hold its share of the sockets, read every frame, report at the end."""
    asyncio.run(_read_sockets(port, route, phase, sockets, ready, stop, results))


async def _read_sockets(port, route, phase, sockets, ready, stop, results) -> None:
    from websockets.asyncio.client import connect

    received: dict[tuple[int, int], list[tuple[str, float]]] = defaultdict(list)
    leaks, errors, opened = [], [], []
    semaphore = asyncio.Semaphore(25)

    async def open_socket(room_index, position, kind, quotation, session):
        async with semaphore:
            try:
                ws = await connect(
                    f"ws://127.0.0.1:{port}/{route}/{quotation}/",
                    origin=f"http://127.0.0.1:{port}",
                    additional_headers={"Cookie": f"sessionid={session}"},
                    max_queue=None,
                    open_timeout=120,
                    ping_interval=None,
                )
                first = json.loads(await ws.recv())
                assert first["type"] == "snapshot", first
                opened.append((room_index, position, kind, ws))
            except Exception as error:
                errors.append(f"connect: {error!r}")

    async def reader(room_index, position, kind, ws):
        try:
            async for raw in ws:
                now = time.time()
                frame = json.loads(raw)
                if frame.get("type") != "event" or frame.get("kind") != "message.posted":
                    continue
                data = frame["data"]
                tag, _, sent = data["body"].rpartition("|")
                received[(room_index, position)].append((tag, now - float(sent)))
                if phase == "filtered" and kind != "staff" and "hotel_name" in data:
                    leaks.append(f"{kind} got hotel_name")
        except asyncio.CancelledError:
            raise
        except Exception as error:
            errors.append(repr(error))

    await asyncio.gather(*(open_socket(*spec) for spec in sockets))
    readers = [asyncio.create_task(reader(*entry)) for entry in opened]
    ready.put(len(opened))
    await asyncio.to_thread(stop.wait)
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    await asyncio.gather(*(ws.close() for *_, ws in opened), return_exceptions=True)
    results.put({"received": dict(received), "leaks": leaks, "errors": errors})


def run_phase(args, rooms: list[dict], phase: str, server_pid: int) -> dict:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    route = "ws/quotations" if phase == "filtered" else "ws/echo/quotations"
    specs = [
        (r, p, m["kind"], room["quotation"], m["session"])
        for r, room in enumerate(rooms)
        for p, m in enumerate(room["members"])
    ]
    ready, results, stop = context.Queue(), context.Queue(), context.Event()
    rss_before = rss_kib(server_pid)
    started = time.monotonic()
    processes = [
        context.Process(
            target=_reader_process, args=(args.port, route, phase, specs[i :: args.clients], ready, stop, results)
        )
        for i in range(args.clients)
    ]
    for process in processes:
        process.start()
    held = sum(ready.get(timeout=600) for _ in processes)
    connect_seconds = time.monotonic() - started
    rss_after = rss_kib(server_pid)

    publisher = (HttpPublisher if args.publisher == "http" else ServicePublisher)(args, rooms, phase)
    publish_started = time.monotonic()
    sent_events = publisher.run_parallel()
    publish_seconds = time.monotonic() - publish_started
    time.sleep(3)  # let the last frames arrive
    stop.set()
    reports = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)

    received: dict[tuple[int, int], list[tuple[str, float]]] = {}
    leaks, errors = [], []
    for report in reports:
        received.update(report["received"])
        leaks += report["leaks"]
        errors += report["errors"]

    expected = gaps = duplicates = 0
    latencies = []
    for tag, room_index, receivers in sent_events:
        for position in receivers if phase == "filtered" else range(len(rooms[room_index]["members"])):
            expected += 1
            got = [lat for t, lat in received.get((room_index, position), []) if t == tag]
            if not got:
                gaps += 1
            duplicates += max(0, len(got) - 1)
            latencies.extend(got[:1])
    delivered = sum(len(v) for v in received.values())
    if phase == "filtered":
        allowed = {(r, p, tag) for tag, r, receivers in sent_events for p in receivers}
        leaks += [
            f"room {r} member {p} got {t}"
            for (r, p), got in received.items()
            for t, _ in got
            if (r, p, t) not in allowed
        ]
    latencies.sort()

    def pct(q):
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 2) if latencies else None

    return {
        "phase": phase,
        "sockets": held,
        "connect_seconds": round(connect_seconds, 2),
        "events": len(sent_events),
        "events_per_second": round(len(sent_events) / publish_seconds, 1),
        "expected_deliveries": expected,
        "deliveries": delivered,
        "deliveries_per_second": round(delivered / publish_seconds, 1),
        "latency_ms": {
            "p50": pct(0.50),
            "p95": pct(0.95),
            "p99": pct(0.99),
            "max": round(latencies[-1] * 1000, 2) if latencies else None,
            "mean": round(statistics.fmean(latencies) * 1000, 2) if latencies else None,
        },
        "gaps": gaps,
        "duplicates": duplicates,
        "privacy_leaks": len(leaks),
        "leak_examples": leaks[:5],
        "socket_errors": len(errors),
        "socket_error_examples": errors[:3],
        "server_rss_kib_per_socket": round((rss_after - rss_before) / max(1, held), 1),
    }


class Publisher(abc.ABC):
    """Posts staff messages of mixed audiences at a steady rate, from a thread."""

    def __init__(self, args, rooms, phase):
        self.args, self.rooms, self.phase = args, rooms, phase

    @abc.abstractmethod
    def post(self, room: dict, audience: str, hotel: int | None, body: str) -> None:
        """Publish one message: through the service here, or through the server."""

    def run_parallel(self) -> list[tuple[str, int, set[int]]]:
        """`--publishers` threads, each publishing its share of the rate to its own rooms."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(self.args.publishers) as pool:
            parts = list(pool.map(self.run, range(self.args.publishers)))
        return [event for part in parts for event in part]

    def run(self, worker: int = 0) -> list[tuple[str, int, set[int]]]:
        rng = random.Random(42 + worker)
        workers = self.args.publishers
        interval = workers / self.args.rate
        sent = []
        start = time.monotonic()
        for n in range(worker, int(self.args.rate * self.args.duration), workers):
            pause = start + (n // workers) * interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            room_index = n % len(self.rooms)
            room = self.rooms[room_index]
            audience = rng.choices([a for a, _ in MIX], weights=[w for _, w in MIX])[0]
            hotel = rng.choice(room["hotels"]) if audience == "hotel" else None
            tag = f"{self.phase}-{n}"
            self.post(room, audience, hotel, f"{tag}|{time.time()}")
            sent.append((tag, room_index, expected_receivers(room, audience, hotel)))
        return sent


class ServicePublisher(Publisher):
    """message_post in this process, as a worker or another web process would: row, then Redis."""

    def run(self, worker: int = 0):
        from django.db import close_old_connections

        from accounts.models import User
        from quotations.models import Hotel, Quotation

        self.staff = User.objects.get(email="bench-staff@spirittours.example")
        self.quotations = {q.pk: q for q in Quotation.objects.filter(pk__in=[r["quotation"] for r in self.rooms])}
        self.hotels = {h.pk: h for h in Hotel.objects.filter(pk__in=[h for r in self.rooms for h in r["hotels"]])}
        try:
            return super().run(worker)
        finally:
            close_old_connections()

    def post(self, room, audience, hotel, body):
        from quotations.services import message_post

        message_post(
            quotation=self.quotations[room["quotation"]],
            author=self.staff,
            audience=audience,
            hotel=self.hotels.get(hotel),
            body=body,
        )


class HttpPublisher(Publisher):
    """Staff post the message form to the server, so the server itself publishes (any layer)."""

    CSRF = "b" * 32

    def post(self, room, audience, hotel, body):
        from urllib.parse import urlencode

        base = f"http://127.0.0.1:{self.args.port}"
        data = {"audience": audience, "body": body, "hotel": hotel or "", "csrfmiddlewaretoken": self.CSRF}
        request = urllib.request.Request(
            f"{base}/staff/quotations/{room['quotation']}/messages/",
            data=urlencode(data).encode(),
            headers={
                "Cookie": f"sessionid={room['members'][0]['session']}; csrftoken={self.CSRF}",
                "Origin": base,
                "Referer": base + "/",
            },
        )
        opener = urllib.request.build_opener(NoRedirect)
        try:
            opener.open(request, timeout=10)
        except urllib.error.HTTPError as answer:
            if answer.code != 302:
                raise


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main() -> None:
    args = parse_args()
    setup_django(args)
    from django.conf import settings

    rooms = build_rooms(args)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the server inherits it
    server = start_server(args)
    results = {
        "config": {
            "rooms": args.rooms,
            "members": args.members,
            "rate": args.rate,
            "duration": args.duration,
            "layer": args.layer,
            "channel_layer_backend": settings.CHANNEL_LAYERS["default"]["BACKEND"],
            "publisher": args.publisher,
            "publisher_threads": args.publishers,
            "client_processes": args.clients,
            "cpus": os.cpu_count(),
            "server": "one daphne process",
        },
        "phases": {},
    }
    try:
        for phase in args.phases.split(","):
            results["phases"][phase] = run_phase(args, rooms, phase, server.pid)
            print(json.dumps(results["phases"][phase], indent=2))
    finally:
        server.terminate()
        server.wait(timeout=10)
    phases = results["phases"]
    if "filtered" in phases and "echo" in phases and phases["echo"]["latency_ms"]["p99"]:
        results["filtered_over_echo"] = {
            "p50_latency": round(phases["filtered"]["latency_ms"]["p50"] / phases["echo"]["latency_ms"]["p50"], 2),
            "p99_latency": round(phases["filtered"]["latency_ms"]["p99"] / phases["echo"]["latency_ms"]["p99"], 2),
            "rss_per_socket": round(
                phases["filtered"]["server_rss_kib_per_socket"] / max(0.1, phases["echo"]["server_rss_kib_per_socket"]),
                2,
            ),
        }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"ws_fanout-{args.rooms}x{args.members}-{args.layer}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"written {path}")


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
