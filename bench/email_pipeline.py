#!/usr/bin/env python
"""The email outbox under load: queue N messages, deliver them through real Celery
workers to a local SMTP sink that refuses a share of attempts with a temporary 451.

    .venv/bin/python bench/email_pipeline.py --messages 10000 --fail-rate 0.2

Needs PostgreSQL (--database-url, default the local `spirittours_bench`, created if
missing) and Redis as the broker (--broker-url). Prints the figures and writes them
to bench/results/email_pipeline.json: throughput, sent, failed after three
attempts, duplicates (the sink saw a message twice), lost (neither sent nor failed).
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--fail-rate", type=float, default=0.2)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=4, help="pool size per worker")
    parser.add_argument("--pool", default="prefork", choices=["prefork", "threads", "solo"])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/spirittours_bench")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    return parser.parse_args()


def setup(args) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="spirittours.settings",
        DATABASE_URL=args.database_url,
        CELERY_BROKER_URL=args.broker_url,
        SECRET_KEY="bench-only-secret-key-" + "x" * 40,
        LOG_LEVEL="WARNING",
    )
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


def main() -> None:
    args = parse_args()
    setup(args)
    from notifications.models import EmailMessage, EmailStatus
    from notifications.tasks import email_send

    OPEN = (EmailStatus.QUEUED, EmailStatus.SENDING)  # neither sent nor failed yet
    from notifications.tests.smtp_sink import SinkHandler, sink_start

    handler = SinkHandler(fail_rate=args.fail_rate)
    sink = sink_start(handler)
    EmailMessage.objects.bulk_create(
        EmailMessage(
            template="payment_reminder",
            language="es",
            to_email=f"cliente{n}@bench.example",
            subject=f"Recordatorio de pago {n}",
            body_text=f"Mensaje {n}",
            body_html=f"<p>Mensaje {n}</p>",
            dedupe_key=f"bench:{n}",
        )
        for n in range(args.messages)
    )
    ids = list(EmailMessage.objects.order_by("pk").values_list("pk", flat=True))
    env = {
        **os.environ,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "CONN_MAX_AGE": "60",
    }
    celery = str(Path(sys.executable).parent / "celery")
    workers = [
        subprocess.Popen(
            [
                celery,
                "-A",
                "spirittours",
                "worker",
                "-Q",
                "spirittours.default,spirittours.email",
                "--concurrency",
                str(args.concurrency),
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "ERROR",
                "-n",
                f"bench{i}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(args.workers)
    ]
    started = time.monotonic()
    try:
        for pk in ids:
            email_send.delay(message_id=pk)
        queued_seconds = time.monotonic() - started
        deadline = started + args.timeout
        while time.monotonic() < deadline:
            open_rows = EmailMessage.objects.filter(status__in=OPEN).count()
            if open_rows == 0:
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        time.sleep(3)  # a late duplicate would show up here
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        sink.stop()

    rows = collections.Counter(EmailMessage.objects.values_list("status", flat=True))
    attempts = collections.Counter(EmailMessage.objects.values_list("attempts", flat=True))
    seen = collections.Counter(handler.accepted)
    failed_without_error = EmailMessage.objects.filter(status=EmailStatus.FAILED, last_error="").count()
    sent = rows.get(EmailStatus.SENT, 0)
    results = {
        "config": {
            "messages": args.messages,
            "fail_rate": args.fail_rate,
            "workers": args.workers,
            "concurrency": args.concurrency,
            "pool": args.pool,
            "broker": "redis",
            "cpus": os.cpu_count(),
        },
        "seconds": round(elapsed, 1),
        "enqueue_seconds": round(queued_seconds, 1),
        "messages_per_second": round(args.messages / elapsed, 1),
        "sent": sent,
        "sent_share": round(sent / args.messages, 4),
        "failed_after_three_attempts": rows.get(EmailStatus.FAILED, 0),
        "failed_without_error_kept": failed_without_error,
        "lost": sum(rows.get(status, 0) for status in OPEN),
        "delivered_by_sink": len(seen),
        "duplicates": sum(count - 1 for count in seen.values() if count > 1),
        "smtp_attempts": handler.attempts,
        "attempts_histogram": dict(sorted(attempts.items())),
    }
    print(json.dumps(results, indent=2))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "email_pipeline.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
