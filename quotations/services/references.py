from django.db import IntegrityError, transaction

from quotations.models import ReferenceCounter


def reference_next(*, prefix: str, year: int) -> str:
    """Return the next reference such as ``Q-2026-00042``.

    The counter row is locked for the rest of the caller's transaction, so
    concurrent creations get consecutive, distinct numbers on PostgreSQL.
    """
    with transaction.atomic():
        counter = ReferenceCounter.objects.select_for_update().filter(prefix=prefix, year=year).first()
        if counter is None:
            try:
                with transaction.atomic():
                    ReferenceCounter.objects.create(prefix=prefix, year=year)
            except IntegrityError:
                pass  # another transaction created it first; lock theirs below
            counter = ReferenceCounter.objects.select_for_update().get(prefix=prefix, year=year)
        counter.last_value += 1
        counter.save(update_fields=["last_value"])
    return f"{prefix}-{year}-{counter.last_value:05d}"
