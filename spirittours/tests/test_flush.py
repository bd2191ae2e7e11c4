"""The test runner's flush on PostgreSQL (spirittours/management/commands/flush.py): every table
ends empty, as with Django's own, however the rows were linked, and post_migrate runs again."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection


def _rows() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.django_table_names(only_existing=True, include_views=False):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_runner_flush_empties_every_table_whatever_links_the_rows():
    # given: rows linked by foreign keys across tables: a user in a group holding permissions
    group = Group.objects.create(name="Reservas")
    group.permissions.set(Permission.objects.filter(codename__startswith="view_")[:3])
    user = get_user_model().objects.create_user(email="flush@spirittours.example", password="x" * 12)
    user.groups.add(group)
    user.user_permissions.add(Permission.objects.first())

    # when: the test runner flushes, as after each transactional test
    call_command("flush", interactive=False, verbosity=0, reset_sequences=False)

    # then: nothing is left but what post_migrate puts back (content types and permissions)
    refilled = {"django_content_type", "auth_permission"}
    assert {table: count for table, count in _rows().items() if count and table not in refilled} == {}
    assert ContentType.objects.filter(app_label="bookings", model="booking").exists()
    assert Permission.objects.filter(codename="view_booking").exists()
