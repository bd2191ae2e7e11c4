"""The test database's dj-stripe tables come from one migration generated from dj-stripe's models
(settings_test.MIGRATION_MODULES); deployments run dj-stripe's own migrations. Both must describe
the models exactly, so the tests run against the tables a deployment has."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings


@pytest.mark.django_db
@pytest.mark.parametrize(
    "modules",
    [{"djstripe": "spirittours.test_migrations.djstripe"}, {}],
    ids=["generated-for-tests", "dj-stripe-own"],
)
def test_the_djstripe_migrations_describe_its_models(modules):
    out = StringIO()
    with override_settings(MIGRATION_MODULES=modules):
        call_command("makemigrations", "djstripe", "--check", "--dry-run", stdout=out)  # exits 1 on a difference

    assert "No changes detected" in out.getvalue()
