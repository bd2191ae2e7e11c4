"""Demo data, declared by each app in its `seeds.py` as `SEED_STEPS`.

`manage.py seed_demo` runs every step, lowest `order` first, in one
transaction: a failed step leaves nothing behind. Each step is idempotent
(finds what an earlier run made by natural key), so running the command
again changes nothing. A step returns a `SeedResult`: a headline, the demo
logins it made, and lines describing what is now in the database; the
command prints them together.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.module_loading import import_string

from spirittours.discovery import app_declarations


@dataclass(frozen=True)
class SeedStep:
    """`run` is the dotted path of a callable taking no arguments and returning a SeedResult."""

    name: str
    order: int
    run: str


@dataclass(frozen=True)
class SeedLogin:
    role: str
    email: str
    password: str


@dataclass(frozen=True)
class SeedResult:
    headline: str
    logins: list[SeedLogin] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)


def seed_steps_discover() -> list[SeedStep]:
    """Every app's SEED_STEPS, by order; ties keep INSTALLED_APPS order."""
    found: list[SeedStep] = app_declarations(module="seeds", name="SEED_STEPS")
    names = [step.name for step in found]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ImproperlyConfigured(f"Seed step names used twice: {', '.join(duplicates)}.")
    return sorted(found, key=lambda step: step.order)


def seed_run() -> list[SeedResult]:
    """Run every discovered step in order, all in one transaction."""
    steps = seed_steps_discover()
    with transaction.atomic():
        return [import_string(step.run)() for step in steps]
