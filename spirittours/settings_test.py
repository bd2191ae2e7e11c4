"""Settings for the test suite (pytest's DJANGO_SETTINGS_MODULE): the real settings, with
DEBUG on unless the environment says otherwise, as `make run` has it.

DEBUG defaults to False so that a deployment forgetting it is safe; the tests need the
development defaults (no SECRET_KEY, local ALLOWED_HOSTS, no HTTPS redirect). The
variable is set in the environment, so processes the tests start (daphne, Celery
workers) inherit it. pytest-django loads settings before any conftest.py, hence a module.
"""

import os

os.environ.setdefault("DEBUG", "true")

from spirittours.settings import *  # noqa: F403

# dj-stripe's three migrations (600 operations: most of a minute) end in the tables its models
# describe; the test database is made with one migration generated from those models instead
# (spirittours/test_migrations/djstripe; spirittours/tests/test_djstripe_schema.py keeps the two in
# step). Deployments and `make run` run dj-stripe's own.
MIGRATION_MODULES = {"djstripe": "spirittours.test_migrations.djstripe"}
