#!/usr/bin/env python
"""The email outbox under load: queue N messages, deliver them through real Celery
workers to a local SMTP sink that refuses a share of attempts with a temporary 451,
beside a bare loop sending the same messages with no database and no Celery.

    flock /tmp/bench.lock .venv/bin/python bench/email_pipeline.py --messages 5000 --fail-rate 0.2

Each path runs on the same run, one after the other, each with fresh rows, fresh
workers and a fresh sink (same refusal sequence); each adds one lever to the one
before it:

    before    one `email_send.delay` per row, one task per email, one SMTP
              connection per email, the claim in four queries (the old path)
    reuse     + one SMTP connection per worker process, kept across emails
    claim     + the claim in one UPDATE from the row read first (three queries an email)
    producer  + the per-email tasks published over one producer (tried, not adopted)
    dbreuse   + the workers keep their database connection across tasks (CELERY_DB_REUSE_MAX;
              Celery's Django fixup otherwise closes it around every task): a setting,
              measured to show what one task per email costs, not adopted here
    batch     + `email_enqueue_many`: tasks of 50 ids, read in one query, sent one after
              the other over the kept connection (the new path)
    bare      the same messages sent by a plain loop over one SMTP connection, no
              database, no Celery, a 451 tried again at once: the baseline

Workers are `celery -A spirittours worker -Q spirittours.default,spirittours.email
--concurrency 2` (the Procfile's), --workers of them, started and answering a ping
before the clock starts. The clock runs from the first enqueue until no row is
`queued` or `sending` (settled: sent, or failed after three attempts). A 451 is
retried after the outbox's backoff (up to 2 s, then up to 4 s, with jitter), so the
last retries bound the settle time whatever the speed: the first pass (every row has
had its first attempt) is reported beside it.

Needs PostgreSQL (--database-url, default the local `spirittours_bench_email`, created
if missing) and Redis as the broker (--broker-url). Prints the figures and writes them
to bench/results/email_pipeline.json: throughput, sent, failed after three attempts,
duplicates (the sink saw a message twice), lost (neither sent nor failed), SMTP
connections and attempts.
"""

import argparse
import collections
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PATHS = ("before", "reuse", "claim", "producer", "dbreuse", "batch", "bare")
# What each pipeline path runs with: (patches put into the worker, how it enqueues).
PIPELINES = {
    "before": ({"connection", "claim"}, "delay"),
    "reuse": ({"claim"}, "delay"),
    "claim": (set(), "delay"),
    "producer": (set(), "producer"),
    "dbreuse": ({"dbreuse"}, "producer"),
    "batch": (set(), "batch"),
}
QUEUES = "spirittours.default,spirittours.email"
MAX_ATTEMPTS = 3


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--fail-rate", type=float, default=0.2)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=2, help="pool size per worker (the Procfile's)")
    parser.add_argument("--pool", default="prefork", choices=["prefork", "threads", "solo"])
    parser.add_argument("--paths", default=",".join(PATHS), help=f"comma-separated, of {', '.join(PATHS)}")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/spirittours_bench_email")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--rounds", type=int, default=1, help="run the paths this many times, in turn")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per path")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    args.paths = [path for path in args.paths.split(",") if path]
    unknown = set(args.paths) - set(PATHS)
    if unknown:
        parser.error(f"unknown paths: {', '.join(sorted(unknown))}")
    return args


def environment(args) -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "spirittours.settings",
        "DATABASE_URL": args.database_url,
        "CELERY_BROKER_URL": args.broker_url,
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "LOG_LEVEL": "WARNING",
    }


def setup(args) -> None:
    os.environ.update(environment(args))
    import psycopg
    import redis

    base, _, name = args.database_url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(args.broker_url).flushdb()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)


# --- Inside a worker process ---------------------------------------------------------------


def worker_main(patches: set[str], argv: list[str]) -> None:
    """`celery worker` with the named patches: "connection" and "claim" put the old
    behaviour back, "dbreuse" keeps the database connection across tasks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirittours.settings")
    import django

    django.setup()
    from notifications import services

    if "connection" in patches:
        # Django's own `send()`: the backend opens a connection for the email and closes it.
        services.transport_send = lambda *, mail: mail.send(fail_silently=False)
    if "claim" in patches:
        # No row read first: the claim looks the row up, checks suppression, claims and reads it again.
        services._queued_row = lambda *, message_id: None
    from spirittours.celery import app

    if "dbreuse" in patches:
        # Not a lever of ours (a setting): Celery's Django fixup closes the database
        # connection before and after every task unless told to keep it for this many.
        app.conf.CELERY_DB_REUSE_MAX = 1_000_000

    app.worker_main(argv)


# --- The bare loop, in a process of its own --------------------------------------------------


def bare_main(port: int, messages: int) -> None:
    """The same messages over one SMTP connection, each tried up to three times at once."""
    import smtplib

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirittours.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives, get_connection

    from notifications.models import message_id_new

    connection = get_connection("django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=port)
    connection.open()
    sent = failed = attempts = 0
    started = time.monotonic()
    for n, fields in enumerate(bench_messages(messages), start=1):
        mail = EmailMultiAlternatives(
            subject=fields["subject"],
            body=fields["body_text"],
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[fields["to_email"]],
            headers={"Message-ID": message_id_new(), "X-Spirittours-Email": str(n)},
            connection=connection,
        )
        mail.attach_alternative(fields["body_html"], "text/html")
        for _attempt in range(MAX_ATTEMPTS):
            attempts += 1
            try:
                mail.send(fail_silently=False)
            except smtplib.SMTPRecipientsRefused:
                continue
            sent += 1
            break
        else:
            failed += 1
    elapsed = time.monotonic() - started
    connection.close()
    print(json.dumps({"seconds": elapsed, "sent": sent, "failed": failed, "attempts": attempts}))


def bench_messages(count: int):
    for n in range(count):
        yield {
            "to_email": f"cliente{n}@bench.example",
            "subject": f"Recordatorio de pago {n}",
            "body_text": f"Mensaje {n}",
            "body_html": f"<p>Mensaje {n}</p>",
        }


# --- The driver ----------------------------------------------------------------------------


def rows_create(count: int, path: str) -> list[int]:
    from django.db import connection

    from notifications.models import EmailMessage

    with connection.cursor() as cursor:  # the same empty table for every path
        cursor.execute("TRUNCATE notifications_emailmessage CASCADE")
    EmailMessage.objects.bulk_create(
        EmailMessage(template="payment_reminder", language="es", dedupe_key=f"bench:{path}:{n}", **fields)
        for n, fields in enumerate(bench_messages(count))
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE notifications_emailmessage")
    return list(EmailMessage.objects.order_by("pk").values_list("pk", flat=True))


def workers_start(args, path: str, patches: set[str], port: int) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "CONN_MAX_AGE": "60",
    }
    command = [sys.executable, str(Path(__file__).resolve()), "--as-worker", ",".join(sorted(patches)), "--"]
    return [
        subprocess.Popen(
            [
                *command,
                "worker",
                "-Q",
                QUEUES,
                "--pool",
                args.pool,
                "--concurrency",
                str(args.concurrency),
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "ERROR",
                "-n",
                f"bench-{path}-{i}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(args.workers)
    ]


def workers_ready(args, path: str, workers: list[subprocess.Popen]) -> None:
    from spirittours.celery import app

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(worker.poll() is not None for worker in workers):
            raise RuntimeError("a worker exited while starting")
        answered = {name for reply in app.control.ping(timeout=1.0) for name in reply}
        if len({name for name in answered if name.startswith(f"bench-{path}-")}) == args.workers:
            return
    raise RuntimeError("the workers did not answer a ping within 120 s")


def workers_stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


def cpu_now(workers: list[subprocess.Popen], database: str) -> dict[str, float]:
    """CPU seconds used so far by this process (the sink, the driver), the workers with
    their pool processes, PostgreSQL (the backends serving the bench's database, and
    every backend that ended), Redis, and everything else on the machine (others'
    work: a noisy neighbour shows here)."""
    ticks = os.sysconf("SC_CLK_TCK")
    worker_pids = {worker.pid for worker in workers}
    used = {"workers": 0.0, "postgres": 0.0, "redis": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # state ppid ... utime (12th) stime (13th)
        seconds = (int(fields[11]) + int(fields[12])) / ticks
        if int(entry.name) in worker_pids or int(fields[1]) in worker_pids:
            used["workers"] += seconds
        elif command.startswith("postgres:") and f" {database} " in command:
            used["postgres"] += seconds
        elif "postgres" in command.split(" ", 1)[0] and int(fields[1]) == 1:
            # the postmaster: backends that ended (a connection per task) are counted in its
            # children's time, whichever database they served
            used["postgres"] += (int(fields[13]) + int(fields[14])) / ticks
        elif command.startswith("redis-server"):
            used["redis"] += seconds
    own = resource.getrusage(resource.RUSAGE_SELF)
    used["bench_and_sink"] = own.ru_utime + own.ru_stime
    busy = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user nice system idle iowait irq softirq steal: everything but idle and iowait
    machine = (sum(busy[:8]) - busy[3] - busy[4]) / ticks
    return {**used, "machine": machine}


def cpu_since(before: dict[str, float], workers: list[subprocess.Popen], database: str) -> dict[str, float]:
    now = cpu_now(workers, database)
    spent = {key: now[key] - before[key] for key in now}
    spent["others"] = spent.pop("machine") - sum(spent.values())
    return {key: round(value, 1) for key, value in spent.items()}


def enqueue(how: str, ids: list[int]) -> None:
    from notifications.enqueue import email_enqueue_many
    from notifications.tasks import email_send

    if how == "delay":  # one publish per row, each taking a producer from the pool
        for pk in ids:
            email_send.delay(message_id=pk)
    elif how == "producer":
        with email_send.app.producer_or_acquire() as producer:
            for pk in ids:
                email_send.apply_async(kwargs={"message_id": pk}, producer=producer)
    else:
        email_enqueue_many(message_ids=ids)


def pipeline_run(args, path: str) -> dict:
    from django.db.models import Q

    from notifications.models import EmailMessage, EmailStatus
    from notifications.tests.smtp_sink import SinkHandler, sink_start

    patches, how = PIPELINES[path]
    load_before = os.getloadavg()[0]  # what else the machine was doing
    ids = rows_create(args.messages, path)
    handler = SinkHandler(fail_rate=args.fail_rate)
    sink = sink_start(handler)
    workers = workers_start(args, path, patches, sink.port)
    open_rows = EmailMessage.objects.filter(status__in=(EmailStatus.QUEUED, EmailStatus.SENDING))
    # A row whose first attempt has not ended: never tried, or in it now.
    first_pending = EmailMessage.objects.filter(Q(attempts=0) | Q(status=EmailStatus.SENDING, attempts=1))
    first_pass = None
    try:
        workers_ready(args, path, workers)
        connections_before = handler.connections
        database = args.database_url.rpartition("/")[2]
        cpu_before = cpu_now(workers, database)
        started = time.monotonic()
        enqueue(how, ids)
        enqueue_seconds = time.monotonic() - started
        deadline = started + args.timeout
        while time.monotonic() < deadline:
            if first_pass is None and not first_pending.exists():
                first_pass = time.monotonic() - started
            if not open_rows.exists():
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        cpu = cpu_since(cpu_before, workers, database)  # from the first enqueue until every row settled
        time.sleep(3)  # a late duplicate would show up here
    finally:
        workers_stop(workers)
        sink.stop()
    connections = handler.connections - connections_before
    figures = results_of(args, handler, elapsed, first_pass or elapsed, enqueue_seconds, connections)
    figures["cpu_seconds"] = cpu
    figures["load_average_before"] = load_before
    return figures


def results_of(args, handler, elapsed: float, first_pass: float, enqueue_seconds: float, connections: int) -> dict:
    from notifications.models import EmailMessage, EmailStatus

    rows = collections.Counter(EmailMessage.objects.values_list("status", flat=True))
    attempts = collections.Counter(EmailMessage.objects.values_list("attempts", flat=True))
    seen = collections.Counter(handler.accepted)
    sent = rows.get(EmailStatus.SENT, 0)
    return {
        "seconds": round(elapsed, 2),
        "messages_per_second": round(args.messages / elapsed, 1),
        "first_pass_seconds": round(first_pass, 2),
        "first_attempt_messages_per_second": round(args.messages / first_pass, 1),
        "enqueue_seconds": round(enqueue_seconds, 2),
        "sent": sent,
        "failed_after_three_attempts": rows.get(EmailStatus.FAILED, 0),
        "failed_without_error_kept": EmailMessage.objects.filter(status=EmailStatus.FAILED, last_error="").count(),
        "lost": rows.get(EmailStatus.QUEUED, 0) + rows.get(EmailStatus.SENDING, 0),
        "delivered_by_sink": len(seen),
        "duplicates": sum(count - 1 for count in seen.values() if count > 1),
        "sent_but_not_received": sent - len(seen),
        "smtp_connections": connections,
        "smtp_attempts": handler.attempts,
        "attempts_histogram": dict(sorted(attempts.items())),
    }


def bare_run(args) -> dict:
    from notifications.tests.smtp_sink import SinkHandler, sink_start

    handler = SinkHandler(fail_rate=args.fail_rate)
    sink = sink_start(handler)
    database = args.database_url.rpartition("/")[2]
    cpu_before = cpu_now([], database)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--as-bare-loop", str(sink.port), str(args.messages)],
            cwd=ROOT,
            env=os.environ,
            capture_output=True,
            text=True,
            timeout=args.timeout,
            check=True,
        )
        cpu = cpu_since(cpu_before, [], database)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        bare_cpu = children.ru_utime + children.ru_stime - children_before.ru_utime - children_before.ru_stime
        cpu.pop("workers")
        cpu["bare_loop"] = round(bare_cpu, 1)
        cpu["others"] = round(cpu["others"] - bare_cpu, 1)  # the loop ran in a child process of ours
    finally:
        sink.stop()
    loop = json.loads(done.stdout.strip().splitlines()[-1])
    seen = collections.Counter(handler.accepted)
    return {
        "seconds": round(loop["seconds"], 2),
        "messages_per_second": round(args.messages / loop["seconds"], 1),
        "sent": loop["sent"],
        "failed_after_three_attempts": loop["failed"],
        "delivered_by_sink": len(seen),
        "duplicates": sum(count - 1 for count in seen.values() if count > 1),
        "smtp_connections": handler.connections,
        "smtp_attempts": handler.attempts,
        "cpu_seconds": cpu,  # the loop's run, with its process start
    }


def table(results: dict) -> str:
    columns = [
        ("msg/s", "messages_per_second", "{:.1f}"),
        ("settle s", "seconds", "{:.2f}"),
        ("1st-pass msg/s", "first_attempt_messages_per_second", "{:.1f}"),
        ("1st pass s", "first_pass_seconds", "{:.2f}"),
        ("enqueue s", "enqueue_seconds", "{:.2f}"),
        ("sent", "sent", "{}"),
        ("failed", "failed_after_three_attempts", "{}"),
        ("lost", "lost", "{}"),
        ("dupes", "duplicates", "{}"),
        ("conns", "smtp_connections", "{}"),
        ("SMTP tries", "smtp_attempts", "{}"),
        ("others' CPU s", "others", "{}"),
    ]
    lines = [" | ".join(["path", *(name for name, _key, _form in columns)])]
    for path, figures in results.items():
        flat = {**figures, "others": figures["cpu_seconds"]["others"]}
        cells = [form.format(flat[key]) if key in flat else "-" for _name, key, form in columns]
        lines.append(" | ".join([path, *cells]))
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--as-worker":
        worker_main({patch for patch in sys.argv[2].split(",") if patch}, sys.argv[4:])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--as-bare-loop":
        bare_main(int(sys.argv[2]), int(sys.argv[3]))
        return
    args = parse_args()
    setup(args)
    results, rounds = {}, []
    for round_ in range(1, args.rounds + 1):
        names = {}
        for path in args.paths:
            name = path if args.rounds == 1 else f"{path} #{round_}"
            results[name] = bare_run(args) if path == "bare" else pipeline_run(args, path)
            names[path] = name
            print(f"{name}: {json.dumps(results[name])}", flush=True)
        rounds.append(names)
    summary = {
        "config": {
            "messages": args.messages,
            "fail_rate": args.fail_rate,
            "workers": args.workers,
            "concurrency": args.concurrency,
            "pool": args.pool,
            "rounds": args.rounds,
            "broker": "redis",
            "cpus": os.cpu_count(),
        },
        "paths": results,
    }
    if "bare" in args.paths:  # each path against the bare loop of its own round
        summary["ratio_to_bare"] = {
            names[path]: {
                "settled": round(results[names[path]]["messages_per_second"] / bare, 3),
                "first_pass": round(results[names[path]]["first_attempt_messages_per_second"] / bare, 3),
            }
            for names in rounds
            for bare in [results[names["bare"]]["messages_per_second"]]
            for path in args.paths
            if path != "bare"
        }
    print()
    print(table(results))
    for name, ratio in summary.get("ratio_to_bare", {}).items():
        print(f"{name} / bare: {ratio['settled']:.3f} settled, {ratio['first_pass']:.3f} first pass")
    print(json.dumps(summary, indent=2))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "email_pipeline.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
