"""A local SMTP server for tests and the email benchmark (aiosmtpd).

It records every message it accepts, can fail a share of deliveries with a
temporary 451, and can hold one email at the end of DATA: the sink already
has the message (it counts as received) but the sender has not heard back,
so a test can kill the sender in the one window where the handoff has
happened and the outbox cannot know it.

It also counts the SMTP sessions clients opened (one EHLO each), and can act as a
server that drops clients: close every open connection at once (as an idle
timeout does), answer a MAIL FROM with 421 (closing the channel), or take an
email at DATA and hang up before answering.
"""

import asyncio
import random
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes

from aiosmtpd.controller import Controller

from spirittours.testing import free_port


@dataclass(frozen=True)
class Received:
    email: str  # the X-Spirittours-Email header: the outbox row's id
    message_id: str


class SinkHandler:
    def __init__(self, *, fail_rate: float = 0.0, hold: str | None = None, seed: int = 7):
        self.accepted: list[str] = []  # the X-Spirittours-Email header of each accepted message
        self.received: list[Received] = []
        self.attempts = 0
        self.fail_rate = fail_rate
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.hold = hold  # the outbox row id whose first copy is held at DATA
        self.holding = threading.Event()
        self.release = threading.Event()
        self.connections = 0  # SMTP sessions opened by clients (EHLO)
        self.quits = 0  # sessions the client ended with QUIT
        self.servers: list = []  # their server side, to drop them
        self.refuse_mail = 0  # the next this many MAIL FROM get 421 (the server closes the channel)
        self.hang_up_after_data: set[str] = set()  # row ids taken at DATA, then the connection is dropped

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self.lock:
            self.connections += 1
            self.servers.append(server)
        return responses

    async def handle_QUIT(self, server, session, envelope):
        with self.lock:
            self.quits += 1
        return "221 Bye"

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self.lock:
            refuse = self.refuse_mail > 0
            self.refuse_mail -= int(refuse)
        if refuse:
            return "421 4.4.2 closing connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.attempts += 1
            fail = self.random.random() < self.fail_rate
        if fail:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        headers = message_from_bytes(envelope.content)
        received = Received(email=headers.get("X-Spirittours-Email", ""), message_id=headers.get("Message-ID", ""))
        with self.lock:
            held = self.hold is not None and received.email == self.hold and not self.holding.is_set()
            hang_up = received.email in self.hang_up_after_data
            self.hang_up_after_data.discard(received.email)
            self.accepted.append(received.email)
            self.received.append(received)
            if held:
                self.holding.set()
        while held and not self.release.is_set():
            await asyncio.sleep(0.05)
        if hang_up:  # the email is ours; the sender never hears so
            server.transport.close()
        return "250 Message accepted"

    def copies(self, email: str) -> list[Received]:
        with self.lock:
            return [received for received in self.received if received.email == email]


def sink_start(handler: SinkHandler) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


def sink_drop_connections(controller: Controller, handler: SinkHandler, *, timeout: float = 30) -> int:
    """Close every client connection from the server's side, as an idle timeout does;
    returns how many were open, once all are closed."""
    with handler.lock:
        servers = [server for server in handler.servers if server.transport is not None]

    def close(server) -> None:  # in the sink's loop, where the transport lives
        if server.transport is not None:
            server.transport.close()

    for server in servers:
        controller.loop.call_soon_threadsafe(close, server)
    deadline = time.monotonic() + timeout
    while any(server.transport is not None for server in servers):
        if time.monotonic() > deadline:
            raise TimeoutError("the sink did not close its connections")
        time.sleep(0.01)
    return len(servers)
