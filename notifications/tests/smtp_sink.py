"""A local SMTP server for tests and the email benchmark (aiosmtpd).

It records every message it accepts, can fail a share of deliveries with a
temporary 451, and can hold the first delivery at RCPT (before accepting
anything) until released, so a test can kill the sender mid-send.
"""

import random
import threading

from aiosmtpd.controller import Controller

from spirittours.testing import free_port


class SinkHandler:
    def __init__(self, *, fail_rate: float = 0.0, hold_first: bool = False, seed: int = 7):
        self.accepted: list[str] = []  # the X-Spirittours-Email header of each accepted message
        self.attempts = 0
        self.fail_rate = fail_rate
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.hold_first = hold_first
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        import asyncio

        with self.lock:
            self.attempts += 1
            first = self.attempts == 1
            fail = self.random.random() < self.fail_rate
        if first and self.hold_first:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 released without delivery"
        if fail:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.content.decode("utf8", errors="replace")
        marker = next(
            (
                line.split(":", 1)[1].strip()
                for line in content.splitlines()
                if line.lower().startswith("x-spirittours-email:")
            ),
            "",
        )
        with self.lock:
            self.accepted.append(marker)
        return "250 Message accepted"


def sink_start(handler: SinkHandler) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller
