#!/usr/bin/env python
"""Fan-out of live quotation rooms: sockets, throughput, latency, privacy.

Builds rooms (quotations) with members (1 staff, 1 client contact, the rest
users of invited hotels) in a benchmark database, starts one web process,
connects every member with the `websockets` client, publishes room messages of
mixed audiences (every hotel / one hotel privately / the client) from several
publisher processes, and checks every frame each socket receives against what
that viewer may see.

Servers (`--servers`), each serving bench/echo_asgi.py in one process in turn:
`daphne`; `uvicorn` (its `websockets` implementation, httptools, uvloop);
`uvicorn-sansio` (its `websockets-sansio` implementation). uvicorn runs without
per-message deflate, which daphne does not offer either.

Phases on each server, on the same run (`--phases`), each a route of bench/echo_asgi.py:
  filtered                    the product's room consumer: each event's frame built and
                              encoded once per audience in the process, and a heartbeat
                              that leaves events in flight alone;
  filtered:per-socket-frames  the same with a frame built and encoded per socket;
  filtered:eager-heartbeat    the same with a heartbeat that catches up from the database
                              whenever the room is ahead of the socket;
  filtered:before             both: the consumer as it was;
  echo                        the baseline: events forwarded unfiltered.

    .venv/bin/python bench/ws_fanout.py --rooms 10 --members 100 --rate 40 --duration 20 --layer redis
    .venv/bin/python bench/ws_fanout.py --rooms 200 --members 10 --rate 400 --publishers 4 --publisher layer

Publishers (`--publishers` processes, each with its share of the rooms and the rate):
`service` posts through `message_post` (row, then Redis after commit); `layer`
publishes the same message straight to the channel layer with no database row,
for runs where the server, not the database writes, must be the bottleneck;
`http` has staff post the message form to the server (any layer).

Needs PostgreSQL (--database-url, default the local `spirittours_bench`,
created if missing) and, for --layer redis, Redis (--redis-url). Prints a table
per server and phase beside that server's echo baseline, and writes everything
as JSON to --out.
"""

import abc
import argparse
import asyncio
import gc
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
ROUTES = {
    "filtered": "ws/quotations",
    "filtered:per-socket-frames": "ws/per-socket-frames/quotations",
    "filtered:eager-heartbeat": "ws/eager-heartbeat/quotations",
    "filtered:before": "ws/before/quotations",
    "echo": "ws/echo/quotations",
}
# uvicorn without per-message deflate (daphne offers none) and daphne's 1 MiB message limit.
UVICORN = (
    "--no-access-log --lifespan off --http httptools --loop uvloop --ws-per-message-deflate false --ws-max-size 1048576"
)
SERVERS = {
    "daphne": "daphne -b 127.0.0.1 -p {port} bench.echo_asgi:application",
    "uvicorn": f"uvicorn bench.echo_asgi:application --host 127.0.0.1 --port {{port}} --ws websockets {UVICORN}",
    "uvicorn-sansio": (
        f"uvicorn bench.echo_asgi:application --host 127.0.0.1 --port {{port}} --ws websockets-sansio {UVICORN}"
    ),
    # uvicorn's defaults: compresses every frame for a client that offers deflate, as browsers do.
    "uvicorn-deflate": (
        "uvicorn bench.echo_asgi:application --host 127.0.0.1 --port {port} --ws websockets "
        "--no-access-log --lifespan off --http httptools --loop uvloop"
    ),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--members", type=int, default=10, help="sockets per room (>= 3)")
    parser.add_argument("--rate", type=float, default=250.0, help="events published per second, all rooms")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of publishing per phase")
    parser.add_argument("--layer", choices=["memory", "redis"], default="redis")
    parser.add_argument("--servers", default="daphne", help=f"comma-separated, of {', '.join(SERVERS)}")
    parser.add_argument(
        "--phases", default="filtered:before,filtered,echo", help=f"comma-separated, of {', '.join(ROUTES)}"
    )
    parser.add_argument("--publishers", type=int, default=4, help="publisher processes")
    parser.add_argument("--clients", type=int, default=2, help="client processes holding the sockets")
    parser.add_argument("--drain", type=float, default=3.0, help="seconds to wait for late frames after publishing")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/spirittours_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument(
        "--pool-size",
        type=int,
        default=10,
        help="the server's DATABASE_POOL_SIZE, as the Procfile sets it (0: a connection per request)",
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument(
        "--publisher",
        choices=["service", "layer", "http"],
        help="service: message_post, a row then Redis (needs --layer redis); layer: straight to Redis, no row "
        "(needs --layer redis); http: staff POST the message form to the server (any layer). "
        "Default: service on redis, http on memory.",
    )
    args = parser.parse_args()
    if args.members < 3:
        parser.error("--members must be at least 3 (staff, client, a hotel)")
    args.publisher = args.publisher or ("service" if args.layer == "redis" else "http")
    if args.publisher != "http" and args.layer == "memory":
        parser.error("with the in-memory layer only the server process can publish: use --publisher http")
    args.servers = args.servers.split(",")
    if unknown := set(args.servers) - set(SERVERS):
        parser.error(f"unknown servers: {', '.join(sorted(unknown))}")
    args.phase_list = args.phases.split(",")
    if unknown := set(args.phase_list) - set(ROUTES):
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    return args


# --- Data: built straight into the benchmark database ------------------------------------


def django_env(args) -> None:
    """Django set up against the benchmark database, in this process (main or publisher)."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="spirittours.settings",
        DATABASE_URL=args.database_url,
        SECRET_KEY=SECRET_KEY,
        DEBUG="True",
        REDIS_URL=args.redis_url if args.layer == "redis" else "",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()


def setup_database(args) -> None:
    import psycopg

    base, _, name = args.database_url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    django_env(args)
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


def start_server(args, name: str) -> subprocess.Popen:
    # CONN_MAX_AGE stays 0 under ASGI; the pool, when sized, is what the Procfile's web process runs.
    env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1,localhost", "DATABASE_POOL_SIZE": str(args.pool_size)}
    program, *rest = SERVERS[name].format(port=args.port).split()
    command = [str(Path(sys.executable).parent / program), *rest]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(Path(args.out) / f"{name}.log").open("w"),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{args.port}/accounts/login/", timeout=1)
            return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{name} did not start: see {Path(args.out) / f'{name}.log'}")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU time of the whole machine so far, in clock ticks."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def settle(pid: int, *, ceiling: float = 90.0) -> float:
    """Wait until the server is idle (under 10 % of a core for a second): a phase that
    left a backlog must not eat into the next one. The seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < ceiling:
        before = cpu_seconds(pid)
        time.sleep(1.0)
        if cpu_seconds(pid) - before < 0.1:
            break
    return round(time.monotonic() - started, 1)


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


# --- The sockets --------------------------------------------------------------------------


def _reader_process(port: int, route: str, phase: str, sockets: list, ready, stop, results) -> None:
    """One client process: hold its share of the sockets, read every frame, report at the end.

    Without the garbage collector: its full passes over the frames kept for the report paused
    the reading for a noticeable part of a second, a latency of the load generator, not the server.
    """
    gc.disable()
    asyncio.run(_read_sockets(port, route, phase, sockets, ready, stop, results))


async def _read_sockets(port, route, phase, sockets, ready, stop, results) -> None:
    from websockets.asyncio.client import connect

    received: dict[tuple[int, int], list[tuple[str, float]]] = defaultdict(list)
    leaks, errors, opened, gaps = [], [], [], []
    filtered = phase.startswith("filtered")
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
                opened.append((room_index, position, kind, ws, first["seq"]))
            except Exception as error:
                errors.append(f"connect: {error!r}")

    async def reader(room_index, position, kind, ws, seq):
        # `position` as the browser keeps it (static/js/quotation_room.js): a frame whose
        # `after` is not where this socket stands is a gap the browser would resume from.
        try:
            async for raw in ws:
                now = time.time()
                frame = json.loads(raw)
                if filtered and frame.get("type") in ("event", "heartbeat"):
                    if frame["after"] != seq:
                        gaps.append(f"room {room_index} member {position}: after {frame['after']}, had {seq}")
                    seq = frame["seq"]
                if frame.get("type") != "event" or frame.get("kind") != "message.posted":
                    continue
                data = frame["data"]
                tag, _, sent = data["body"].rpartition("|")
                received[(room_index, position)].append((tag, now - float(sent)))
                if filtered and kind != "staff" and "hotel_name" in data:
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
    await asyncio.gather(*(entry[3].close() for entry in opened), return_exceptions=True)
    results.put({"received": dict(received), "leaks": leaks, "errors": errors, "gaps": gaps})


# --- The publishers -----------------------------------------------------------------------


def _publisher_process(args, rooms, phase, worker, ready, go, start_at, results) -> None:
    """One publisher process: Django on the benchmark database, then its share of the events."""
    django_env(args)
    publisher = {"service": ServicePublisher, "layer": LayerPublisher, "http": HttpPublisher}[args.publisher]
    instance = publisher(args, rooms, phase, worker)
    ready.put(worker)
    go.wait()
    cpu_before = time.process_time()
    sent = instance.run(start_at.value)
    results.put({"worker": worker, "sent": sent, "cpu_seconds": time.process_time() - cpu_before})


class Publisher(abc.ABC):
    """Posts staff messages of mixed audiences on a shared schedule; this process's share is
    the rooms with index ≡ worker (mod publishers), so each room's events come in order."""

    def __init__(self, args, rooms, phase, worker):
        self.args, self.rooms, self.phase, self.worker = args, rooms, phase, worker

    @abc.abstractmethod
    def post(self, room: dict, audience: str, hotel: int | None, body: str) -> None:
        """Publish one message."""

    def schedule(self):
        """(when, event number, room index) of this worker's events, `when` from the start."""
        workers, total = self.args.publishers, int(self.args.rate * self.args.duration)
        for n in range(total):
            room_index = n % len(self.rooms)
            if room_index % workers == self.worker:
                yield n / self.args.rate, n, room_index

    def run(self, start: float) -> list[tuple[str, int, set[int]]]:
        rng = random.Random(42 + self.worker)
        sent = []
        for when, n, room_index in self.schedule():
            pause = start + when - time.time()
            if pause > 0:
                time.sleep(pause)
            room = self.rooms[room_index]
            audience = rng.choices([a for a, _ in MIX], weights=[w for _, w in MIX])[0]
            hotel = rng.choice(room["hotels"]) if audience == "hotel" else None
            tag = f"{self.phase}-{n}"
            self.post(room, audience, hotel, f"{tag}|{time.time()}")
            sent.append((tag, room_index, expected_receivers(room, audience, hotel)))
        self.close()
        return sent

    def close(self) -> None:  # noqa: B027 (most publishers hold nothing)
        """Release what the publisher held."""


class ServicePublisher(Publisher):
    """message_post in this process, as a worker or another web process would: row, then Redis."""

    def __init__(self, *args):
        super().__init__(*args)
        from accounts.models import User
        from quotations.models import Hotel, Quotation

        self.staff = User.objects.get(email="bench-staff@spirittours.example")
        self.quotations = {q.pk: q for q in Quotation.objects.filter(pk__in=[r["quotation"] for r in self.rooms])}
        self.hotels = {h.pk: h for h in Hotel.objects.filter(pk__in=[h for r in self.rooms for h in r["hotels"]])}

    def post(self, room, audience, hotel, body):
        from quotations.services import message_post

        message_post(
            quotation=self.quotations[room["quotation"]],
            author=self.staff,
            audience=audience,
            hotel=self.hotels.get(hotel),
            body=body,
        )

    def close(self):
        from django.db import connections

        connections.close_all()


class LayerPublisher(Publisher):
    """The message message_post would publish, straight to the channel layer from one event
    loop, with no database row: the web process's work alone. Each room's numbers continue
    from its latest recorded event, so its sockets take them as in order."""

    def __init__(self, *args):
        super().__init__(*args)
        from django.db import connections
        from django.utils import timezone

        from accounts.models import User
        from quotations.models import Hotel
        from quotations.selectors import room_latest_seq

        self.now = timezone.now
        self.staff_name = User.objects.get(email="bench-staff@spirittours.example").full_name
        self.hotel_names = dict(Hotel.objects.values_list("pk", "name"))
        mine = {index for _, _, index in self.schedule()}
        self.seq = {self.rooms[i]["quotation"]: room_latest_seq(quotation_id=self.rooms[i]["quotation"]) for i in mine}
        connections.close_all()
        self.loop = asyncio.new_event_loop()

    def post(self, room, audience, hotel, body):
        from channels.layers import get_channel_layer

        from quotations.events import MessagePosted
        from quotations.services import room_group

        quotation = room["quotation"]
        self.seq[quotation] += 1
        now = self.now().isoformat()
        payload = MessagePosted(
            message=0,
            author_kind="staff",
            author_name=self.staff_name,
            audience=audience,
            hotel=hotel,
            hotel_name=self.hotel_names.get(hotel),
            body=body,
            sent_at=now,
        )
        message = {
            "type": "room.event",
            "quotation": quotation,
            "seq": self.seq[quotation],
            "kind": payload.kind,
            "data": payload.data(),
            "at": now,
        }
        self.loop.run_until_complete(get_channel_layer().group_send(room_group(quotation), message))

    def close(self):
        from channels.layers import get_channel_layer

        self.loop.run_until_complete(get_channel_layer().flush())
        self.loop.close()


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


def publish(args, rooms, phase, context) -> tuple[list, float, list[int], float]:
    """Every publisher process's events: (sent, seconds publishing, pids, their CPU seconds)."""
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    start_at = context.Value("d", 0.0)
    processes = [
        context.Process(
            target=_publisher_process, args=(args, rooms, phase, worker, ready, go, start_at, results), daemon=True
        )
        for worker in range(args.publishers)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get(timeout=300)
    start_at.value = time.time() + 0.5
    go.set()
    reports = [results.get(timeout=args.duration * 20 + 300) for _ in processes]
    seconds = time.time() - start_at.value
    for process in processes:
        process.join(timeout=30)
    sent = [event for report in sorted(reports, key=lambda r: r["worker"]) for event in report["sent"]]
    return sent, seconds, [p.pid for p in processes], sum(r["cpu_seconds"] for r in reports)


# --- One phase ----------------------------------------------------------------------------


def run_phase(args, rooms: list[dict], phase: str, server_pid: int) -> dict:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    specs = [
        (r, p, m["kind"], room["quotation"], m["session"])
        for r, room in enumerate(rooms)
        for p, m in enumerate(room["members"])
    ]
    ready, results, stop = context.Queue(), context.Queue(), context.Event()
    rss_before = rss_kib(server_pid)
    started = time.monotonic()
    readers = [
        context.Process(
            target=_reader_process,
            args=(args.port, ROUTES[phase], phase, specs[i :: args.clients], ready, stop, results),
        )
        for i in range(args.clients)
    ]
    for process in readers:
        process.start()
    held = sum(ready.get(timeout=900) for _ in readers)
    connect_seconds = time.monotonic() - started
    rss_after = rss_kib(server_pid)
    print(f"  {phase}: {held} sockets in {connect_seconds:.1f} s; publishing", file=sys.stderr, flush=True)

    server_cpu, reader_cpu = cpu_seconds(server_pid), sum(cpu_seconds(p.pid) for p in readers)
    busy, total = machine_busy()
    window = time.monotonic()
    sent_events, publish_seconds, _pids, publisher_cpu = publish(args, rooms, phase, context)
    time.sleep(args.drain)  # let the last frames arrive
    window = time.monotonic() - window
    server_cpu = cpu_seconds(server_pid) - server_cpu
    reader_cpu = sum(cpu_seconds(p.pid) for p in readers) - reader_cpu
    busy_after, total_after = machine_busy()
    stop.set()
    reports = [results.get(timeout=300) for _ in readers]
    for process in readers:
        process.join(timeout=30)

    received: dict[tuple[int, int], list[tuple[str, float]]] = {}
    leaks, errors, gap_examples = [], [], []
    for report in reports:
        received.update(report["received"])
        leaks += report["leaks"]
        errors += report["errors"]
        gap_examples += report["gaps"]

    filtered = phase.startswith("filtered")
    expected = undelivered = duplicates = 0
    latencies = []
    for tag, room_index, receivers in sent_events:
        for position in receivers if filtered else range(len(rooms[room_index]["members"])):
            expected += 1
            got = [lat for t, lat in received.get((room_index, position), []) if t == tag]
            if not got:
                undelivered += 1
            duplicates += max(0, len(got) - 1)
            latencies.extend(got[:1])
    delivered = sum(len(v) for v in received.values())
    if filtered:
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
        "undelivered": undelivered,
        "gaps": len(gap_examples) if filtered else None,
        "gap_examples": gap_examples[:3],
        "duplicates": duplicates,
        "privacy_leaks": len(leaks),
        "leak_examples": leaks[:5],
        "socket_errors": len(errors),
        "socket_error_examples": errors[:3],
        "server_rss_kib_per_socket": round((rss_after - rss_before) / max(1, held), 1),
        # CPU over publishing plus the drain, in cores (1.0 = one core all the time).
        "cpu_cores": {
            "server": round(server_cpu / window, 2),
            "clients": round(reader_cpu / window, 2),
            "publishers": round(publisher_cpu / window, 2),
            "machine": round((busy_after - busy) / max(1, total_after - total) * (os.cpu_count() or 1), 2),
        },
    }


# --- Report -------------------------------------------------------------------------------


def ratios(phases: dict) -> dict:
    """Each filtered phase against the echo baseline of the same server and run."""
    echo = phases.get("echo")
    if not echo or not echo["deliveries_per_second"]:
        return {}
    out = {}
    for name, result in phases.items():
        if name == "echo":
            continue
        entry = {"deliveries_per_second": round(result["deliveries_per_second"] / echo["deliveries_per_second"], 2)}
        for q in ("p50", "p99"):
            if result["latency_ms"][q] and echo["latency_ms"][q]:
                entry[f"{q}_latency"] = round(result["latency_ms"][q] / echo["latency_ms"][q], 2)
        out[name] = entry
    return out


def table(results: dict) -> str:
    def ms(value):
        if value is None:
            return "—"
        return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"

    head = (
        "| server | phase | sockets | events/s | deliveries/s | × echo | p50 | p95 | p99 | max "
        "| undelivered | gaps | dup. | leaks | errors | server CPU | machine CPU |"
    )
    lines = [head, "| " + " | ".join(["---"] * 2 + ["---:"] * 15) + " |"]
    for server, run in results["servers"].items():
        ratio = run.get("filtered_over_echo", {})
        for name, r in run["phases"].items():
            lat = r["latency_ms"]
            times = ratio.get(name, {}).get("deliveries_per_second")
            cells = [
                server,
                name,
                f"{r['sockets']:,}",
                f"{r['events_per_second']:g}",
                f"{r['deliveries_per_second']:,.0f}",
                f"{times:.2f}" if times is not None else "1",
                ms(lat["p50"]),
                ms(lat["p95"]),
                ms(lat["p99"]),
                ms(lat["max"]),
                f"{r['undelivered']:,}",
                "—" if r["gaps"] is None else f"{r['gaps']:,}",
                f"{r['duplicates']:,}",
                "—" if name == "echo" else f"{r['privacy_leaks']:,}",
                f"{r['socket_errors']:,}",
                f"{r['cpu_cores']['server']:.2f}",
                f"{r['cpu_cores']['machine']:.2f}",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    setup_database(args)
    from django.conf import settings

    rooms = build_rooms(args)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the server inherits it
    results = {
        "config": {
            "command": " ".join(sys.argv),
            "rooms": args.rooms,
            "members": args.members,
            "rate": args.rate,
            "duration": args.duration,
            "drain": args.drain,
            "layer": args.layer,
            "channel_layer_backend": settings.CHANNEL_LAYERS["default"]["BACKEND"],
            "publisher": args.publisher,
            "publisher_processes": args.publishers,
            "client_processes": args.clients,
            "server_database_pool_size": args.pool_size,
            "cpus": os.cpu_count(),
            "servers": {name: SERVERS[name].format(port=args.port) for name in args.servers},
            "phases": args.phase_list,
        },
        "servers": {},
    }
    for name in args.servers:
        print(f"{name}:", file=sys.stderr, flush=True)
        server = start_server(args, name)
        run = results["servers"][name] = {"phases": {}}
        try:
            for phase in args.phase_list:
                waited = settle(server.pid)
                run["phases"][phase] = result = run_phase(args, rooms, phase, server.pid)
                result["settled_seconds_before"] = waited
                print(json.dumps(result, indent=2))
        finally:
            stop_server(server)
        run["filtered_over_echo"] = ratios(run["phases"])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"ws_fanout-{args.rooms}x{args.members}-{args.layer}.json"
    path.write_text(json.dumps(results, indent=2))
    print()
    print(" ".join(sys.argv))
    print(table(results))
    print(f"written {path}")


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
