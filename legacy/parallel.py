"""Running independent batches on several database connections at once.

Writing the quotations is bound by PostgreSQL (indexes, and the foreign keys
checked at each commit), which works on one core per connection: two
connections keep two cores busy. The verification's reads, one per table,
run the same way. Each worker is a thread with its own
connection (Django's connections are per thread), closed when it ends; a
batch is still one transaction, written by one worker. The quotations are
independent of each other, so the order the batches commit in does not
matter.

Only outside a transaction: the workers' connections cannot see rows the
caller's transaction has not committed (a test's, or a caller's atomic
block), so there the batches run one after the other on the caller's
connection.
"""

import queue
import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.db import connection, connections

Batch = TypeVar("Batch")


def workers_usable(requested: int | None) -> int:
    """How many workers to run: `requested`, or 2 by default, on PostgreSQL outside a transaction; 1 otherwise."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, requested if requested is not None else 2)


def batches_run(batches: Iterable[Batch], *, run: Callable[[Batch], None], workers: int) -> None:
    """Call `run(batch)` for every batch, on `workers` threads; the first unexpected error stops them and is raised."""
    if workers <= 1:
        for batch in batches:
            run(batch)
        return
    pending: queue.SimpleQueue = queue.SimpleQueue()
    for batch in batches:
        pending.put(batch)
    failures: list[BaseException] = []
    stop = threading.Event()

    def work() -> None:
        try:
            while not stop.is_set():
                try:
                    batch = pending.get_nowait()
                except queue.Empty:
                    return
                run(batch)
        except BaseException as error:  # re-raised by the caller's thread below
            failures.append(error)
            stop.set()
        finally:
            connections.close_all()  # this thread's connections only

    threads = [threading.Thread(target=work, name=f"legacy-import-{index}") for index in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
