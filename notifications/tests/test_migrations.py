"""Emails already in the outbox when the Message-ID column arrives each get their own."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("notifications", "0001_initial")]
AFTER = [("notifications", "0004_emailmessage_message_id_header_unique")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_rows_get_distinct_message_ids():
    # given: two emails queued before the column existed
    old = _migrate(BEFORE).get_model("notifications", "EmailMessage")
    for n in range(2):
        old.objects.create(
            template="payment_reminder",
            language="es",
            to_email=f"cliente{n}@agencia.example",
            subject="Recordatorio",
            body_text="Hola",
            body_html="<p>Hola</p>",
            dedupe_key=f"before-migration:{n}",
        )
    try:
        # when
        new = _migrate(AFTER).get_model("notifications", "EmailMessage")
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    # then
    ids = list(new.objects.order_by("pk").values_list("message_id_header", flat=True))
    assert len(ids) == len(set(ids)) == 2
    assert all(value.startswith("<") and value.endswith("@spirittours.example>") for value in ids)
