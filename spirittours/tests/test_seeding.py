"""Seed steps: discovered from each app's seeds.py, run by order in one transaction."""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured

from spirittours import discovery
from spirittours.seeding import SeedResult, SeedStep, seed_run, seed_steps_discover

ran: list[str] = []


def step_first() -> SeedResult:
    ran.append("first")
    get_user_model().objects.create_user(email="first@seeding.example", password="x", role="staff")
    return SeedResult(headline="first done")


def step_second() -> SeedResult:
    ran.append("second")
    return SeedResult(headline="second done", facts=["Things: 2"])


def step_broken() -> SeedResult:
    ran.append("broken")
    raise RuntimeError("gateway down")


@pytest.fixture
def app_seeds(monkeypatch):
    """Give the first installed apps a seeds.py with the given SEED_STEPS."""
    ran.clear()

    def install(*per_app: list[SeedStep]) -> None:
        configs = [SimpleNamespace(name=f"app{index}") for index in range(len(per_app))]
        modules = {f"app{index}.seeds": SimpleNamespace(SEED_STEPS=steps) for index, steps in enumerate(per_app)}
        monkeypatch.setattr(discovery.apps, "get_app_configs", lambda: configs)
        monkeypatch.setattr(discovery, "import_module", modules.__getitem__)

    return install


def _step(name: str, order: int) -> SeedStep:
    return SeedStep(name=name, order=order, run=f"spirittours.tests.test_seeding.step_{name}")


def test_the_site_seeds_the_quotations_demo_then_the_payments():
    assert seed_steps_discover() == [
        SeedStep(name="quotations", order=30, run="quotations.seeds.quotations_seed"),
        SeedStep(name="payments", order=40, run="payments.seeds.payments_seed"),
    ]


def test_steps_sort_by_order_whichever_app_declares_them(app_seeds):
    app_seeds([_step("second", 20)], [_step("first", 10)])

    assert [step.name for step in seed_steps_discover()] == ["first", "second"]


def test_a_step_name_used_twice_is_refused(app_seeds):
    app_seeds([_step("first", 10)], [_step("first", 20)])

    with pytest.raises(ImproperlyConfigured, match="Seed step names used twice: first"):
        seed_steps_discover()


@pytest.mark.django_db
def test_seed_run_runs_every_step_in_order_and_returns_their_results(app_seeds):
    app_seeds([_step("second", 20), _step("first", 10)])

    results = seed_run()

    assert ran == ["first", "second"]
    assert results == [SeedResult(headline="first done"), SeedResult(headline="second done", facts=["Things: 2"])]


@pytest.mark.django_db
def test_a_failing_step_undoes_the_steps_before_it(app_seeds):
    app_seeds([_step("first", 10), _step("broken", 20), _step("second", 30)])

    with pytest.raises(RuntimeError, match="gateway down"):
        seed_run()

    assert ran == ["first", "broken"]
    assert not get_user_model().objects.exists()
