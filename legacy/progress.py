"""A plain-text progress bar for long imports, written to a stream (the command's stderr).

On a terminal the line is redrawn in place, at most ten times a second; in a
log file (not a terminal) a line is written at every tenth of the way, so the
log stays readable.
"""

import time
from typing import TextIO

from django.utils.translation import gettext as _

WIDTH = 30
REDRAW_SECONDS = 0.1


class Progress:
    def __init__(self, *, stream: TextIO | None, label: str, total: int):
        self.stream = stream
        self.label = label
        self.total = total
        self.done = 0
        self.started = time.monotonic()
        self.drawn_at = 0.0
        self.tenths_written = -1
        self.live = bool(stream is not None and getattr(stream, "isatty", lambda: False)())

    def advance(self, count: int) -> None:
        self.done += count
        if self.stream is None:
            return
        now = time.monotonic()
        if self.live and now - self.drawn_at >= REDRAW_SECONDS:
            self.drawn_at = now
            self.stream.write("\r" + self.line())
            self.stream.flush()
        elif not self.live and self.total and self.done * 10 // self.total > self.tenths_written:
            self.tenths_written = self.done * 10 // self.total
            self.stream.write(self.line() + "\n")

    def finish(self) -> None:
        self.total = self.done  # the total may have been an estimate
        if self.stream is None:
            return
        if self.live:
            self.stream.write("\r" + self.line() + "\n")
        elif self.tenths_written < 10:
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def line(self) -> str:
        share = self.done / self.total if self.total else 1.0
        filled = int(share * WIDTH)
        seconds = time.monotonic() - self.started
        rate = self.done / seconds if seconds > 0 else 0.0
        return _("%(label)s [%(bar)s] %(done)s/%(total)s rows %(percent)3d %% %(seconds).1f s %(rate)s rows/s") % {
            "label": self.label.ljust(10),
            "bar": "#" * filled + "-" * (WIDTH - filled),
            "done": f"{self.done:,}",
            "total": f"{self.total:,}",
            "percent": int(share * 100),
            "seconds": seconds,
            "rate": f"{rate:,.0f}",
        }
