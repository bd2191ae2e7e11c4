"""Outbox rows for tests: queued payment reminders to distinct addresses."""

from notifications.models import EmailMessage


def email_rows(count: int, *, key: str, **fields) -> list[EmailMessage]:
    """`count` rows as `email_queue` would leave them (queued unless `fields` say otherwise)."""
    return [
        EmailMessage.objects.create(
            template="payment_reminder",
            language="es",
            to_email=f"cliente{n}@agencia.example",
            subject=f"Recordatorio {n}",
            body_text=f"Hola {n}",
            body_html=f"<p>Hola {n}</p>",
            dedupe_key=f"{key}:{n}",
            **fields,
        )
        for n in range(count)
    ]
