"""Writing many rows of one model in one statement: PostgreSQL's COPY there, `bulk_create` on any other database.

The caller names the fields it gives (by attname: `quotation_id`) and passes one
tuple per row in that order; every other field gets its default, the same for
every row of the call (`created_at`/`updated_at`: the moment given), so a field
that must differ between rows (a unique token) must be given. The result is
the new rows' ids, in the order of the rows.

Why COPY: profiling the import of 100,000 quotations (docs/PERFORMANCE.md,
"Legacy import") showed `bulk_create` spending most of its time in Python,
building model instances, preparing each value and quoting parameters, for
three million rows. COPY takes the same values as one stream; the ids are
drawn from the table's own sequence first (`nextval`), as an INSERT would
draw them, so they are known before the rows are sent. Constraints, foreign
keys (checked at commit, as for any insert) and indexes apply as usual; no
model `save()` or signal runs on either path.
"""

import datetime
import itertools
import json
import threading
from collections.abc import Iterator, Sequence
from functools import cache, partial

from django.db import connection, models
from psycopg.types.json import Jsonb

# False writes through bulk_create on PostgreSQL too: the tests (both paths must agree) and the bench (--bulk-create).
COPY_ON_POSTGRESQL = True


@cache
def _defaults(model: type[models.Model], given: tuple[str, ...]) -> tuple[list[models.Field], list[models.Field]]:
    """(the fields given, in order; the other non-key fields, whose default every row takes)."""
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    unknown = [name for name in given if name not in by_attname]
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {unknown}")
    rest = [field for field in model._meta.concrete_fields if not field.primary_key and field.attname not in given]
    for field in rest:
        if field.unique and not field.null:
            raise ValueError(f"{model.__name__}.{field.attname} is unique: give it for each row")
    return [by_attname[name] for name in given], rest


def _tail(fields: list[models.Field], now: datetime.datetime) -> tuple:
    values = []
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values.append(now)
        else:
            values.append(field.get_default())
    return tuple(values)


@cache
def _sequence(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        return cursor.fetchone()[0]


def _type_name(field: models.Field) -> str:
    """The column's PostgreSQL type without its modifiers (varchar(200) → varchar), as psycopg looks it up."""
    return field.db_type(connection).split("(")[0]


def _json_encoded(row: tuple, encoders: list[tuple[int, type[json.JSONEncoder]]]) -> tuple:
    """A JSON field with its own encoder is dumped with it, as Django would; psycopg dumps the others."""
    values = list(row)
    for index, encoder in encoders:
        values[index] = Jsonb(values[index], dumps=partial(json.dumps, cls=encoder))
    return tuple(values)


class IdReservation:
    """Ids drawn from the tables' sequences ahead, for a whole import: one query per table, not one per batch.

    `nextval` hands out each value once, whatever the transaction, so the ids are the
    import's alone (a batch that fails leaves a gap, as a failed INSERT does). Threads
    take from it under a lock. Only on PostgreSQL; elsewhere every `take` is None and
    rows_insert lets the database number the rows.
    """

    def __init__(self, counts: dict[type[models.Model], int]):
        self._ids: dict[type[models.Model], Iterator[int]] = {}
        self._lock = threading.Lock()
        if connection.vendor != "postgresql" or not COPY_ON_POSTGRESQL:
            return
        with connection.cursor() as cursor:
            for model, count in counts.items():
                if count:
                    cursor.execute(
                        "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                        [_sequence(model._meta.db_table), count],
                    )
                    self._ids[model] = iter([row[0] for row in cursor.fetchall()])

    def take(self, model: type[models.Model], count: int) -> list[int] | None:
        if model not in self._ids:
            return None
        with self._lock:
            taken = list(itertools.islice(self._ids[model], count))
        return taken if len(taken) == count else None


def _copy(
    model, fields, rest, rows: Sequence[tuple], *, now: datetime.datetime, ids: bool, reserved: list[int] | None
) -> list[int]:
    """COPY in PostgreSQL's binary format: half the time of the text format on both sides, measured."""
    quote = connection.ops.quote_name
    table = model._meta.db_table
    tail = _tail(rest, now)
    columns = [*fields, *rest]
    encoders = [(i, f.encoder) for i, f in enumerate(fields) if isinstance(f, models.JSONField) and f.encoder]
    new_ids: list[int] = []
    with connection.cursor() as cursor:
        if ids:
            new_ids = reserved
            if new_ids is None:
                cursor.execute(
                    "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [_sequence(table), len(rows)]
                )
                new_ids = [row[0] for row in cursor.fetchall()]
            columns.insert(0, model._meta.pk)
        names = ", ".join(quote(field.column) for field in columns)
        with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([_type_name(field) for field in columns])
            write = copy.write_row
            if encoders:
                rows = [_json_encoded(row, encoders) for row in rows]
            if ids:
                for pk, row in zip(new_ids, rows, strict=True):
                    write((pk, *row, *tail))
            elif tail:
                for row in rows:
                    write(row + tail)
            else:
                for row in rows:
                    write(row)
    return new_ids


def rows_insert(
    model: type[models.Model],
    fields: tuple[str, ...],
    rows: Sequence[tuple],
    *,
    now: datetime.datetime,
    ids: bool = True,
    reservation: IdReservation | None = None,
) -> list[int]:
    """Insert `rows` (tuples of the values of `fields`, attnames) into `model`'s table; returns their new ids.

    With `ids=False` the ids are not asked for (an empty list comes back): for rows nothing points at.
    `reservation`: where the ids come from when it holds enough of them. Runs in the caller's transaction.
    """
    if not rows:
        return []
    given, rest = _defaults(model, tuple(fields))
    if connection.vendor == "postgresql" and COPY_ON_POSTGRESQL:
        reserved = reservation.take(model, len(rows)) if reservation is not None and ids else None
        return _copy(model, given, rest, rows, now=now, ids=ids, reserved=reserved)
    objects = [model(**dict(zip(fields, row, strict=True))) for row in rows]
    model.objects.bulk_create(objects)  # sets created_at and updated_at itself
    return [instance.pk for instance in objects]
