"""The email outbox: queue (record first), deliver (at least once, never lost), track.

`email_queue` renders the email and writes its row inside the caller's
transaction; the Celery task is scheduled after commit. `email_deliver` claims
the row (queued → sending, one more attempt) and commits that before handing
the email to the provider, then records the outcome. No two workers send one
row at the same time; a worker that dies between the handoff and the outcome
leaves the row `sending`, and the sweeper sends it again later with the same
Message-ID. docs/EMAIL.md states the guarantee.

Emails travel in batches: the ids queued in one transaction are published after
commit as tasks of up to BATCH_SIZE ids (notifications.enqueue), and a worker
sends a batch one email after the other over its kept connection
(`email_deliver_batch`, notifications.transport), each email claimed and recorded
on its own exactly as `email_deliver` does for one.
"""

import collections
import datetime
import json
import logging
import smtplib
import socket
import time
from dataclasses import dataclass

from anymail.exceptions import AnymailAPIError, AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications.attachments import attachments_build
from notifications.enqueue import email_enqueue_after_commit, email_enqueue_many, retry_countdown
from notifications.errors import PermanentSendError, TransientSendError
from notifications.models import EmailMessage, EmailStatus, EmailSuppression, EmailTemplate, EmailTrackingEvent
from notifications.transport import transport_send

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
# A batch stops taking new emails after this long and hands the rest on as a new
# task, so a task under way never outlives the broker's visibility timeout (120 s)
# and is never handed to a second worker while it runs.
BATCH_SECONDS = 30.0
# A batch reads which of its addresses are suppressed, and reads it again when that is
# older than this: an address suppressed meanwhile (a bounce) gets no email after that.
SUPPRESSIONS_FRESH_SECONDS = 1.0
INTERRUPTED = "Interrupted: no outcome was recorded; the provider may have received the email"
LANGUAGES = {"es", "en"}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def email_render(*, template: str, language: str, context: dict) -> Rendered:
    with translation.override(language):
        subject = render_to_string(f"emails/{template}/subject.txt", context)
        text = render_to_string(f"emails/{template}/body.txt", context)
        html = render_to_string(f"emails/{template}/body.html", context)
    return Rendered(subject=" ".join(subject.split()), text=text.strip() + "\n", html=html)


def email_queue(
    *,
    template: str,
    to_email: str,
    language: str,
    context: dict,
    dedupe_key: str,
    to_name: str = "",
    attachments: list[dict] | None = None,
) -> EmailMessage:
    """Record an email to send; the same dedupe key is never queued twice.

    Call it in the transaction of the business change: the row commits with
    it and the send is scheduled after commit. Returns the existing row when
    the key was already used. A suppressed address gets a `suppressed` row.
    """
    if template not in EmailTemplate.values:
        raise ValueError(f"unknown email template {template!r}")
    existing = EmailMessage.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    language = language if language in LANGUAGES else settings.LANGUAGE_CODE
    rendered = email_render(template=template, language=language, context={**context, "recipient_name": to_name})
    suppressed = EmailSuppression.objects.filter(email__iexact=to_email).exists()
    try:
        with transaction.atomic():
            message = EmailMessage.objects.create(
                template=template,
                language=language,
                to_email=to_email,
                to_name=to_name,
                context=json.loads(json.dumps(context, cls=DjangoJSONEncoder)),
                subject=rendered.subject[:255],
                body_text=rendered.text,
                body_html=rendered.html,
                dedupe_key=dedupe_key,
                attachments=attachments or [],
                status=EmailStatus.SUPPRESSED if suppressed else EmailStatus.QUEUED,
            )
    except IntegrityError:  # queued concurrently under the same key
        return EmailMessage.objects.get(dedupe_key=dedupe_key)
    if not suppressed:
        email_enqueue_after_commit(message_id=message.pk)
    return message


def _is_transient(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # "451 try again later" refuses a recipient too: temporary only if every code is 4xx.
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, AnymailRecipientsRefused | AnymailInvalidAddress):
        return False
    if isinstance(error, AnymailAPIError):
        status = getattr(error, "status_code", None)
        return status is None or status >= 500 or status == 429
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | socket.timeout | OSError)


def _send(message: EmailMessage) -> str:
    mail = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[f"{message.to_name} <{message.to_email}>" if message.to_name else message.to_email],
        headers={"Message-ID": message.message_id_header, "X-Spirittours-Email": str(message.pk)},
    )
    mail.attach_alternative(message.body_html, "text/html")
    for filename, content, mimetype in attachments_build(specs=message.attachments, language=message.language):
        mail.attach(filename, content, mimetype)
    transport_send(mail=mail)
    status = getattr(mail, "anymail_status", None)
    return (status.message_id if status is not None and status.message_id else None) or message.message_id_header


def email_deliver(*, message_id: int) -> str:
    """Send one queued email. Returns the outcome; raises TransientSendError to be retried.

    Call it outside a transaction (as the task does): the attempt is recorded
    first, status `sending` with attempts + 1 and last_attempt_at, committed
    before the provider call, so after a crash the row says a handoff may have
    happened. That conditional UPDATE is the lock: of two tasks for one row,
    exactly one moves it from queued to sending, on every database; a row that
    is not `queued` is left alone, so a task that runs twice sends once.
    After MAX_ATTEMPTS transient failures, or on the first permanent one, the
    row ends `failed` with the error kept. The outcome is written only while
    the row still carries this attempt: if the sweeper handed it to another
    attempt meanwhile, that attempt records the result.
    """
    claimed = _claim(message_id=message_id, row=_queued_row(message_id=message_id))
    if isinstance(claimed, str):
        return claimed
    outcome, error_text = _attempt(claimed)
    if outcome == "retry":
        raise TransientSendError(error_text)
    return outcome


def email_deliver_batch(*, message_ids: list[int]) -> dict[str, int]:
    """Send queued emails one after the other, each as `email_deliver` sends one.

    Returns how many ended how. Each email is claimed (committed) just before its
    handoff, so a worker dying mid-batch leaves at most the email in flight
    `sending`; the ones after it are still `queued` for the batch's redelivery. The
    outcome of one email and the claim of the next are one transaction (one commit an
    email): a crash after it leaves only the claimed one in flight, as before. An
    email failing temporarily goes back to `queued` and into a new task, after its
    backoff (counted from the failure), with the others of the batch that failed at the
    same attempt; the emails sent are not retried. After BATCH_SECONDS the remaining ids
    go on as a new task.
    """
    started = time.monotonic()
    ids = list(dict.fromkeys(message_ids))
    rows = {row.pk: row for row in EmailMessage.objects.filter(pk__in=ids, status=EmailStatus.QUEUED)}
    suppressed = _Suppressed(addresses={row.to_email for row in rows.values()})
    outcomes: collections.Counter = collections.Counter()
    retry: dict[int, list[int]] = collections.defaultdict(list)  # attempts made -> ids
    failed_at: dict[int, float] = {}  # attempts made -> when the first of those ids failed
    handed: _Handed | None = None  # the email handed to the provider, its outcome not yet written

    def settle() -> None:
        nonlocal handed
        if handed is None:
            return
        outcome = _record(handed)
        outcomes[outcome] += 1
        if outcome == "retry":
            retry[handed.message.attempts].append(handed.message.pk)
            failed_at.setdefault(handed.message.attempts, handed.at)
        handed = None

    try:
        for position, pk in enumerate(ids):
            if position and time.monotonic() - started > BATCH_SECONDS:  # one email at least: progress
                settle()
                email_enqueue_many(message_ids=ids[position:])
                outcomes["handed_on"] += len(ids) - position
                break
            if pk not in rows:  # not queued when the batch started: another task has it
                outcomes["skipped"] += 1
                continue
            row = rows[pk]
            with transaction.atomic():
                settle()
                if suppressed.includes(row.to_email):
                    claimed = _claim(message_id=pk, row=None)  # marks it suppressed, if still queued
                else:
                    claimed = _claim(message_id=pk, row=row, suppression_checked=True)
            if isinstance(claimed, str):
                outcomes[claimed] += 1
                continue
            handed = _hand_over(claimed)
        settle()
    finally:
        if handed is not None:  # an error after the handoff: write what the provider said
            settle()
        for attempts, again in retry.items():
            # The backoff counts from the failure, not from the end of the batch.
            waited = time.monotonic() - failed_at[attempts]
            email_enqueue_many(message_ids=again, countdown=max(0.0, retry_countdown(attempts=attempts) - waited))
    return dict(outcomes)


class _Suppressed:
    """Which of a batch's addresses are suppressed, read at most SUPPRESSIONS_FRESH_SECONDS ago."""

    def __init__(self, *, addresses: set[str]) -> None:
        self.addresses = {address.lower() for address in addresses}
        self._read()

    def _read(self) -> None:
        suppressions = EmailSuppression.objects.annotate(address=Lower("email"))
        self.suppressed = set(suppressions.filter(address__in=self.addresses).values_list("address", flat=True))
        self.read_at = time.monotonic()

    def includes(self, address: str) -> bool:
        if time.monotonic() - self.read_at > SUPPRESSIONS_FRESH_SECONDS:
            self._read()
        return address.lower() in self.suppressed


def _queued_row(*, message_id: int) -> EmailMessage | None:
    return EmailMessage.objects.filter(pk=message_id, status=EmailStatus.QUEUED).first()


def _claim(*, message_id: int, row: EmailMessage | None, suppression_checked: bool = False) -> EmailMessage | str:
    """Move the row from queued to sending with one more attempt, committed; or say why not.

    `row` is the row as read while queued: one UPDATE claims it if it is still
    queued with that attempt count and its address is not suppressed (checked in the
    same UPDATE, unless `suppression_checked`: the caller found it unsuppressed at
    most SUPPRESSIONS_FRESH_SECONDS ago). Otherwise (or without `row`) the row is
    looked at again: it is marked `suppressed`, or claimed, or left to whoever has
    it ("skipped").
    """
    now = timezone.now()
    claim = {"status": EmailStatus.SENDING, "last_attempt_at": now, "updated_at": now}
    if row is not None:
        unchanged = EmailMessage.objects.filter(pk=row.pk, status=EmailStatus.QUEUED, attempts=row.attempts)
        if not suppression_checked:
            unchanged = unchanged.filter(~Exists(EmailSuppression.objects.filter(email__iexact=OuterRef("to_email"))))
        if unchanged.update(**claim, attempts=row.attempts + 1):
            row.status, row.attempts, row.last_attempt_at, row.updated_at = (
                EmailStatus.SENDING,
                row.attempts + 1,
                now,
                now,
            )
            return row
    queued = EmailMessage.objects.filter(pk=message_id, status=EmailStatus.QUEUED)
    to_email = queued.values_list("to_email", flat=True).first()
    if to_email is None:
        return "skipped"
    if EmailSuppression.objects.filter(email__iexact=to_email).exists():
        return "suppressed" if queued.update(status=EmailStatus.SUPPRESSED, updated_at=now) else "skipped"
    if not queued.update(**claim, attempts=F("attempts") + 1):
        return "skipped"
    return EmailMessage.objects.get(pk=message_id)


@dataclass
class _Handed:
    """An email handed to the provider and what came of it, to be written."""

    message: EmailMessage
    outcome: str  # "sent", "retry" or "failed"
    error_text: str
    fields: dict
    at: float  # time.monotonic() of the outcome


def _hand_over(message: EmailMessage) -> _Handed:
    """Hand a claimed row to the provider; nothing is written yet (see `_record`)."""
    try:
        provider_id = _send(message)
    except Exception as error:
        error_text = f"{type(error).__name__}: {error}"[:2000]
        if _is_transient(error) and message.attempts < MAX_ATTEMPTS:
            outcome, fields = "retry", {"status": EmailStatus.QUEUED}
        else:
            outcome, fields = "failed", {"status": EmailStatus.FAILED, "failed_at": timezone.now()}
        fields["last_error"] = error_text
    else:
        outcome, error_text = "sent", ""
        fields = {
            "status": EmailStatus.SENT,
            "sent_at": timezone.now(),
            "provider_message_id": provider_id[:255],
            "last_error": "",
        }
    return _Handed(message=message, outcome=outcome, error_text=error_text, fields=fields, at=time.monotonic())


def _record(handed: _Handed) -> str:
    """Write the outcome while the row still carries this attempt; "superseded" if it moved on."""
    message = handed.message
    this_attempt = EmailMessage.objects.filter(pk=message.pk, status=EmailStatus.SENDING, attempts=message.attempts)
    if not this_attempt.update(**handed.fields, updated_at=timezone.now()):
        logger.warning(
            "email %s: attempt %s ended %s after the row was handed on", message.pk, message.attempts, handed.outcome
        )
        return "superseded"
    return handed.outcome


def _attempt(message: EmailMessage) -> tuple[str, str]:
    """Hand a claimed row to the provider and record the outcome: (outcome, error text).

    The outcome is "sent", "retry" (back to `queued`, attempts left), "failed" or
    "superseded" (the row moved on to another attempt meanwhile; nothing written).
    """
    handed = _hand_over(message)
    return _record(handed), handed.error_text


def email_stuck_recover(*, stuck_after: datetime.timedelta) -> list[int]:
    """Find rows left behind for longer than `stuck_after`; returns the ids to enqueue again.

    A row still `sending` that long belongs to an attempt that never reported:
    its worker died between the claim and the outcome, perhaps after the
    provider took the email. It goes back to `queued` (to `failed` once
    MAX_ATTEMPTS attempts have been made), so at most that one email is sent
    again, with its Message-ID. A row still `queued` that long lost its task
    (broker down, message dropped). Two sweeps at once are harmless: the claim
    in `email_deliver` lets one task through per row.
    """
    now = timezone.now()
    cutoff = now - stuck_after
    sending = EmailMessage.objects.filter(status=EmailStatus.SENDING, updated_at__lt=cutoff)
    sending.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=EmailStatus.FAILED, failed_at=now, last_error=INTERRUPTED, updated_at=now
    )
    requeued = list(sending.values_list("pk", flat=True)[:1000])
    sending.filter(pk__in=requeued).update(status=EmailStatus.QUEUED, last_error=INTERRUPTED, updated_at=now)
    queued = EmailMessage.objects.filter(status=EmailStatus.QUEUED, updated_at__lt=cutoff)
    return requeued + list(queued.values_list("pk", flat=True)[:1000])


def email_retry(*, message: EmailMessage) -> None:
    """Staff send a failed email again: three fresh attempts."""
    if message.status != EmailStatus.FAILED:
        raise PermanentSendError("only failed emails can be retried")
    with transaction.atomic():
        EmailMessage.objects.filter(pk=message.pk, status=EmailStatus.FAILED).update(
            status=EmailStatus.QUEUED, attempts=0, failed_at=None, updated_at=timezone.now()
        )
        email_enqueue_after_commit(message_id=message.pk)


# --- Tracking -------------------------------------------------------------------------

# Later stages win; an event for an earlier stage never moves a message back.
STAGE = {
    EmailStatus.SENT: 1,
    EmailStatus.DELIVERED: 2,
    EmailStatus.OPENED: 3,
    EmailStatus.CLICKED: 4,
    EmailStatus.BOUNCED: 5,
    EmailStatus.COMPLAINED: 6,
}
TRACKED = {
    "delivered": EmailStatus.DELIVERED,
    "opened": EmailStatus.OPENED,
    "clicked": EmailStatus.CLICKED,
    "bounced": EmailStatus.BOUNCED,
    "complained": EmailStatus.COMPLAINED,
}
TIMESTAMP_FIELD = {
    EmailStatus.DELIVERED: "delivered_at",
    EmailStatus.OPENED: "opened_at",
    EmailStatus.CLICKED: "clicked_at",
}


def email_tracking_record(
    *, event_id: str, event_type: str, provider_message_id: str, recipient: str, occurred_at
) -> bool:
    """Apply one tracking event; False when it was seen before (providers resend)."""
    with transaction.atomic():
        message = (
            EmailMessage.objects.select_for_update().filter(provider_message_id=provider_message_id).first()
            if provider_message_id
            else None
        )
        try:
            with transaction.atomic():
                EmailTrackingEvent.objects.create(
                    event_id=event_id,
                    message=message,
                    event_type=event_type,
                    recipient=recipient or "",
                    occurred_at=occurred_at,
                )
        except IntegrityError:
            return False
        status = TRACKED.get(event_type)
        if status in {EmailStatus.BOUNCED, EmailStatus.COMPLAINED} and recipient:
            EmailSuppression.objects.get_or_create(email=recipient.lower(), defaults={"reason": event_type})
        if message is None or status is None:
            return True
        fields = ["updated_at"]
        if status in TIMESTAMP_FIELD and getattr(message, TIMESTAMP_FIELD[status]) is None:
            setattr(message, TIMESTAMP_FIELD[status], occurred_at or timezone.now())
            fields.append(TIMESTAMP_FIELD[status])
        if STAGE.get(status, 0) > STAGE.get(message.status, 0):
            message.status = status
            fields.append("status")
        message.save(update_fields=fields)
    return True
