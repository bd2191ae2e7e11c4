"""Steps with their durations, waits on conditions, and the one error a failed check raises."""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

# Every wait polls its condition up to this many seconds: CI shares two cores with PostgreSQL,
# Redis, RabbitMQ and every process started here, and a 30 s wait has failed under load.
CEILING = 120.0
POLL = 0.25


class SmokeFailure(Exception):
    """A check failed; the message says what was expected and what was seen."""


class NotYet(Exception):
    """Raised by a probe whose condition does not hold yet; its message is what it saw."""


@dataclass
class Progress:
    """Prints each step as it starts and ends, and keeps the durations for the summary."""

    started: float = field(default_factory=time.monotonic)
    steps: list[tuple[str, float]] = field(default_factory=list)

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        print(f"-> {title}", flush=True)
        start = time.monotonic()
        try:
            yield
        except BaseException as stopped:
            ended = "INTERRUPTED" if isinstance(stopped, KeyboardInterrupt) else "FAILED"
            print(f"   {ended} after {time.monotonic() - start:.1f} s", flush=True)
            raise
        elapsed = time.monotonic() - start
        self.steps.append((title, elapsed))
        print(f"   ok ({elapsed:.1f} s)", flush=True)

    def note(self, text: str) -> None:
        print(f"   {text}", flush=True)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def summary(self) -> str:
        width = max((len(title) for title, _ in self.steps), default=0)
        lines = [f"  {title.ljust(width)}  {seconds:6.1f} s" for title, seconds in self.steps]
        lines.append(f"  {'total'.ljust(width)}  {self.elapsed():6.1f} s")
        return "\n".join(lines)


def wait_for(what: str, probe: Callable[[], T], *, ceiling: float = CEILING) -> T:
    """Call `probe` until it returns instead of raising NotYet; fail after `ceiling` seconds
    with what the probe saw last. Any other exception from the probe fails at once."""
    deadline = time.monotonic() + ceiling
    while True:
        try:
            return probe()
        except NotYet as waiting:
            if time.monotonic() > deadline:
                raise SmokeFailure(f"{what}: not within {ceiling:.0f} s (last seen: {waiting})") from None
        time.sleep(POLL)
