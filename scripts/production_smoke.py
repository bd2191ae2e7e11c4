"""Production smoke test: the Procfile's processes with production settings, one quotation from
request to payment through the pages, and the emails and live rooms that go with it.

    .venv/bin/python scripts/production_smoke.py [--fresh-schema]

It starts, against the machine's PostgreSQL (127.0.0.1:5432), Redis (127.0.0.1:6379) and
RabbitMQ (127.0.0.1:5672), each under names of this run only: two web processes sharing the
Redis channel layer, one Celery worker and Celery beat, all with DEBUG off, behind a
simulated TLS proxy (every request carries the headers nginx adds), and email over SMTP to a
local sink. Then staff create a quotation and invite two hotels; the hotels follow the links
in their invitation emails and bid; staff close the bidding, price and send the quote; the
client approves it; staff record the deposit's bank transfer and the booking is confirmed.
A room event caused through one web process must reach a socket held on the other, every
email must leave through the worker, and beat's jobs must reach the worker.

The database is a copy of a template migrated once per set of migrations
(`spirittours_smoke_template_<fingerprint>`, see `migrations_fingerprint`), on which `migrate`
then runs as on any deployment: dj-stripe's migrations alone take one to two minutes here.
`--fresh-schema` migrates an empty database instead (and keeps it as the template, if there
is none yet). Everything it started is stopped and everything it created removed at the end,
also on failure and on Ctrl-C; on failure the processes' logs stay in the folder it names.

Exit code 0 when every check passed, 1 when one failed (the message says which), 130 when
interrupted.
"""

import argparse
import re
import signal
import sys
import traceback
from collections import Counter
from email.utils import parseaddr
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project's modules (smoke reuses some)

from smoke.flow import EXPECTED_EMAILS, Flow, flow_run, flow_setup, mail_pdfs
from smoke.progress import NotYet, Progress, SmokeFailure, wait_for
from smoke.services import manage_json
from smoke.stack import Stack, processes_check, stack_prepare, stack_start, stack_stop

# The outbox as the checks read it (manage.py shell).
REPORT = """
import json
from notifications.models import EmailMessage
rows = EmailMessage.objects.order_by("pk").values("id", "template", "to_email", "status")
print("SMOKE_JSON " + json.dumps({"emails": list(rows)}))
"""


# --- After the flow: email and beat --------------------------------------------------------------


def emails_check(stack: Stack, progress: Progress) -> None:
    def received():
        got = Counter(parseaddr(str(message["To"]))[1] for message in stack.sink.all())
        wanted = Counter(to for _template, to in EXPECTED_EMAILS.elements())
        missing = wanted - got
        if missing:
            raise NotYet(f"still to come: {dict(missing)}")
        return got

    wait_for("every email of the flow at the SMTP sink", received)

    def all_sent():
        report = manage_json(stack.env, REPORT)
        pending = [row for row in report["emails"] if row["status"] != "sent"]
        if pending:
            raise NotYet(f"outbox rows not sent: {pending}")
        return report

    report = wait_for("every outbox row sent", all_sent)
    rows = report["emails"]
    missing = EXPECTED_EMAILS - Counter((row["template"], row["to_email"]) for row in rows)
    if missing:
        raise SmokeFailure(f"the outbox lacks {dict(missing)}; it holds {rows}")
    if sorted(stack.sink.outbox_ids()) != [row["id"] for row in rows]:
        raise SmokeFailure(f"the sink got outbox rows {sorted(stack.sink.outbox_ids())}, the outbox has {rows}")
    template_of = {row["id"]: row["template"] for row in rows}
    with_pdf = {template_of[int(m["X-Spirittours-Email"])] for m in stack.sink.all() if mail_pdfs(m)}
    if not {"quotation_sent", "payment_received"} <= with_pdf:
        raise SmokeFailure(f"the quote and the receipt go as PDFs; only these emails carry one: {with_pdf}")
    worker_log = stack.log("worker")
    sends = re.findall(r"Task notifications\.tasks\.email_send\w*\[[^\]]+\] succeeded", worker_log)
    if not sends:
        raise SmokeFailure("the worker's log shows no email task that succeeded")
    extra = Counter((row["template"], row["to_email"]) for row in rows) - EXPECTED_EMAILS
    progress.note(f"{len(rows)} emails sent by the worker ({len(sends)} send tasks), each received once")
    if extra:
        progress.note(f"besides the flow's: {dict(extra)}")


def beat_check(stack: Stack, progress: Progress, jobs: list[str]) -> None:
    """Every periodic job was sent by beat (its log) and run by the worker (its log)."""

    def ran():
        sent, run = stack.log("beat"), stack.log("worker")
        unsent = [task for task in jobs if f"({task})" not in sent]
        unrun = [task for task in jobs if not re.search(rf"Task {re.escape(task)}\[[^\]]+\] succeeded", run)]
        if unsent or unrun:
            raise NotYet(f"not sent by beat: {unsent}; not run by the worker: {unrun}")

    wait_for("beat's periodic jobs run by the worker", ran)
    progress.note(f"{len(jobs)} periodic jobs sent by beat and run by the worker")


# --- Main ----------------------------------------------------------------------------------------


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--fresh-schema", action="store_true", help="migrate an empty database instead of copying the template"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)
    progress = Progress()
    stack = Stack()
    print(f"Production smoke test {stack.run.id}", flush=True)
    code, problems = 0, []
    try:
        stack_prepare(stack, progress, fresh=args.fresh_schema)
        flow = Flow(stack=stack, progress=progress)
        with progress.step("Periodic jobs and the people of the flow"):
            flow_setup(flow)
        stack_start(stack, progress)
        flow_run(flow)
        with progress.step("Every email sent by the worker, received once, its outbox row sent"):
            emails_check(stack, progress)
        with progress.step("Beat's jobs reach the worker"):
            beat_check(stack, progress, flow.jobs)
        processes_check(stack)
    except Exception as failure:  # a failed check, or something nobody expected (its traceback then)
        stack.failed, code = True, 1
        if not isinstance(failure, SmokeFailure):
            traceback.print_exc()
        print(f"\nFAILED: {failure}\n", flush=True)
        for name, process in stack.processes.items():
            print(f"--- {name} (last lines of {process.log}) ---\n{process.log_tail()}\n", flush=True)
    except KeyboardInterrupt:
        stack.failed, code = True, 130
        print("\nInterrupted: stopping everything.", flush=True)
    finally:
        problems = stack_stop(stack, progress)
    for problem in problems:
        print(f"WARNING {problem}", flush=True)
    verdict = {0: "PASSED", 1: "FAILED", 130: "INTERRUPTED"}[code]
    print(f"\nProduction smoke test {verdict}\n{progress.summary()}", flush=True)
    return code or (1 if problems else 0)


if __name__ == "__main__":
    sys.exit(main())
