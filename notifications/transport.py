"""The connection the outbox sends through: one per worker process (per thread with a
threaded pool), opened on first use and kept for the emails that follow.

Django's `EmailMessage.send()` opens and closes the backend's connection for every
email: for SMTP a TCP connect, the greeting, EHLO (STARTTLS and AUTH in production)
and QUIT around each message. Here the backend from `get_connection()` is opened once
and every email is handed to it (`EmailMessage(connection=...)`). The same holds for
django-anymail's HTTP backends (one requests session) and for locmem in tests.

Any error while sending closes the connection and forgets it: the next email opens a
new one, so a connection in an unknown state is never reused. The one exception is an
SMTP server refusing the email (a 4xx or 5xx reply to MAIL FROM, RCPT TO or DATA, other
than 421): smtplib has then reset the session with RSET, and the connection is exactly
as it was before the email, so the next email goes over it. It is also closed when
it has been idle longer than IDLE_SECONDS (checked on the next use), when the email
settings change (tests) and when the worker process shuts down
(`transport_close`, connected to Celery's shutdown signals in notifications.tasks).

A server may drop a connection we kept (idle timeout, restart). On a reused SMTP
connection that shows as a disconnection, or a 421 reply, at MAIL FROM, the first
command of the next email. Such a failure is retried once on a new connection within
the same attempt. Only then: MAIL FROM is the point before which the server cannot
have the email. After it answered 250 the connection was alive, and a failure belongs
to this email; one during DATA may even come after the server took it, and sending
again there would send it twice. Those are reported to the caller, which counts the
attempt.
"""

import logging
import os
import smtplib
import threading
import time
from dataclasses import dataclass, field

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.signals import setting_changed
from django.dispatch import receiver

logger = logging.getLogger(__name__)

# A connection unused for longer than this is closed and a new one opened: servers
# drop idle clients (Postfix after 300 s), and a half-dead socket would cost a
# round trip to find out.
IDLE_SECONDS = 30.0


@dataclass(eq=False)
class _Connection:
    backend: BaseEmailBackend
    generation: int
    pid: int
    last_used: float = field(default_factory=time.monotonic)
    closed: bool = False
    smtp_watched: bool = False
    # Whether the server answered 250 to this email's MAIL FROM (SMTP only): before
    # that it cannot have the email.
    mail_from_accepted: bool = False


_local = threading.local()
_lock = threading.Lock()
_open: set[_Connection] = set()  # every connection of this process, for shutdown
_generation = [0]  # bumped when an email setting changes: connections made before are stale


@receiver(setting_changed, dispatch_uid="notifications.transport.settings")
def _email_settings_changed(*, setting: str, **kwargs) -> None:
    if setting.startswith("EMAIL_") or setting in {"ANYMAIL", "DEFAULT_FROM_EMAIL"}:
        _generation[0] += 1


def transport_send(*, mail: EmailMessage) -> None:
    """Send one email over this thread's connection; raises what the backend raised.

    An exception means the email may or may not have reached the provider (as with
    `mail.send()`); the connection is closed either way.
    """
    connection, reused = _connection_for_use()
    try:
        _send_on(connection, mail)
    except Exception as error:
        if _session_reset(connection, error):
            connection.last_used = time.monotonic()
            raise
        _discard(connection)
        if not (reused and _failed_before_handoff(connection, error)):
            raise
        logger.info("email connection dropped by the server (%s); sending on a new one", error)
        connection = _connect()
        try:
            _send_on(connection, mail)
        except BaseException:
            _discard(connection)
            raise
    except BaseException:
        _discard(connection)
        raise
    connection.last_used = time.monotonic()


def transport_close() -> None:
    """Close every connection this process opened (worker shutdown)."""
    with _lock:
        connections = list(_open)
    for connection in connections:
        _discard(connection)


def _connection_for_use() -> tuple[_Connection, bool]:
    connection: _Connection | None = getattr(_local, "connection", None)
    if connection is not None and (
        connection.closed
        or connection.pid != os.getpid()
        or connection.generation != _generation[0]
        or time.monotonic() - connection.last_used > IDLE_SECONDS
    ):
        _discard(connection)
        connection = None
    if connection is None:
        return _connect(), False
    return connection, True


def _connect() -> _Connection:
    backend = get_connection(fail_silently=False)
    try:
        backend.open()  # opened here, the backend keeps it open after each send_messages()
    except BaseException:
        try:
            backend.close()  # a connection half made (greeting read, login refused)
        except Exception:
            logger.debug("closing a half-open email connection failed", exc_info=True)
        raise
    connection = _Connection(backend=backend, generation=_generation[0], pid=os.getpid())
    _watch_mail_from(connection)
    _local.connection = connection
    with _lock:
        _open.add(connection)
    return connection


def _watch_mail_from(connection: _Connection) -> None:
    """Record whether the server accepted MAIL FROM, on a backend speaking smtplib.

    Django's SMTP backend runs the whole dialogue inside `smtplib.SMTP.sendmail()`,
    whose exceptions do not say which command failed; wrapping this connection
    object's `mail()` tells a failure before the handoff from one after it.
    """
    smtp = getattr(connection.backend, "connection", None)
    if not isinstance(smtp, smtplib.SMTP):
        return
    mail_from = smtp.mail

    def watched(*args, **kwargs):
        reply = mail_from(*args, **kwargs)
        connection.mail_from_accepted = reply[0] == 250
        return reply

    smtp.mail = watched
    connection.smtp_watched = True


def _send_on(connection: _Connection, mail: EmailMessage) -> None:
    connection.mail_from_accepted = False
    mail.connection = connection.backend
    mail.send(fail_silently=False)


def _failed_before_handoff(connection: _Connection, error: Exception) -> bool:
    """True when the server dropped the connection at MAIL FROM or before (see the module)."""
    if not connection.smtp_watched or connection.mail_from_accepted:
        return False
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True
    # 421: the server is closing the channel, as one does to a client it timed out.
    return isinstance(error, smtplib.SMTPSenderRefused) and error.smtp_code == 421


def _session_reset(connection: _Connection, error: Exception) -> bool:
    """True when the server refused the email and smtplib reset the session (RSET) after it."""
    smtp = getattr(connection.backend, "connection", None)
    if not connection.smtp_watched or not isinstance(smtp, smtplib.SMTP) or smtp.sock is None:
        return False  # not SMTP, or smtplib closed it (a 421, or the server hung up during RSET)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code != 421 for code, _message in error.recipients.values())
    return isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError) and error.smtp_code != 421


def _discard(connection: _Connection) -> None:
    """Close and forget a connection; errors while closing are only logged."""
    connection.closed = True
    if getattr(_local, "connection", None) is connection:
        _local.connection = None
    with _lock:
        _open.discard(connection)
    smtp = getattr(connection.backend, "connection", None)
    try:
        if connection.pid == os.getpid():
            connection.backend.close()  # QUIT for SMTP
    except Exception:
        logger.debug("closing an email connection failed", exc_info=True)
    finally:
        # A socket inherited through fork is the parent's too: close our copy only, without QUIT.
        if isinstance(smtp, smtplib.SMTP):
            smtp.close()
