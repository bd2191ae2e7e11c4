"""A local SMTP server for tests and the email benchmark (aiosmtpd).

It records every message it accepts, can fail a share of deliveries with a
temporary 451, and can hold one email at the end of DATA: the sink already
has the message (it counts as received) but the sender has not heard back,
so a test can kill the sender in the one window where the handoff has
happened and the outbox cannot know it.
"""

import asyncio
import random
import threading
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
            self.accepted.append(received.email)
            self.received.append(received)
            if held:
                self.holding.set()
        while held and not self.release.is_set():
            await asyncio.sleep(0.05)
        return "250 Message accepted"

    def copies(self, email: str) -> list[Received]:
        with self.lock:
            return [received for received in self.received if received.email == email]


def sink_start(handler: SinkHandler) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller
