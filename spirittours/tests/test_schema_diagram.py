"""`manage.py schema_diagram`: docs/SCHEMA.md is the models' diagram, never a stale copy of it."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from spirittours.management.commands.schema_diagram import project_app_configs, schema_markdown, schema_mermaid

COMMITTED = Path(settings.BASE_DIR) / "docs" / "SCHEMA.md"


def _entity(diagram: str, name: str) -> list[str]:
    block = re.search(rf"^    {name} \{{\n(.*?)^    \}}$", diagram, flags=re.MULTILINE | re.DOTALL)
    assert block is not None, f"no entity {name}"
    return [line.strip() for line in block[1].splitlines()]


def test_the_committed_schema_is_the_models_diagram():
    # If this fails after a model change: `python manage.py schema_diagram`, then commit docs/SCHEMA.md.
    assert COMMITTED.read_text(encoding="utf-8") == schema_markdown()

    out = StringIO()
    call_command("schema_diagram", "--check", stdout=out)

    assert out.getvalue() == f"{COMMITTED} is up to date.\n"


def test_check_fails_on_a_stale_file_and_leaves_it_alone(tmp_path):
    stale = tmp_path / "SCHEMA.md"
    stale.write_text("# Database schema\n", encoding="utf-8")

    with pytest.raises(CommandError, match="is out of date"):
        call_command("schema_diagram", "--check", "--output", str(stale), stdout=StringIO())

    assert stale.read_text(encoding="utf-8") == "# Database schema\n"


def test_check_fails_when_the_file_is_missing(tmp_path):
    with pytest.raises(CommandError, match="is out of date"):
        call_command("schema_diagram", "--check", "--output", str(tmp_path / "SCHEMA.md"), stdout=StringIO())

    assert not (tmp_path / "SCHEMA.md").exists()


def test_writing_produces_the_same_text_every_time(tmp_path):
    target = tmp_path / "docs" / "SCHEMA.md"

    call_command("schema_diagram", "--output", str(target), stdout=StringIO())
    first = target.read_text(encoding="utf-8")
    call_command("schema_diagram", "--output", str(target), stdout=StringIO())

    assert target.read_text(encoding="utf-8") == first == schema_markdown()
    assert "```mermaid\nerDiagram\n" in first
    assert "python manage.py schema_diagram --check" in first


def test_a_bid_line_lists_its_exact_columns_and_relations():
    diagram = schema_mermaid()

    assert _entity(diagram, "quotations_HotelBidLine") == [
        "BigAutoField id PK",
        'ForeignKey bid_id FK "quotations.HotelBid, CASCADE"',
        'ForeignKey stay_id FK "quotations.QuotationStay, CASCADE"',
        'CharField room_type "max 10; single | double | twin | triple"',
        'DecimalField nightly_rate "10 digits, 2 decimals"',
        "PositiveIntegerField rooms_available",
    ]
    assert '    quotations_HotelBid ||--o{ quotations_HotelBidLine : "bid"' in diagram.splitlines()
    assert '    quotations_QuotationStay ||--o{ quotations_HotelBidLine : "stay"' in diagram.splitlines()


def test_one_to_one_nullable_and_many_to_many_relations_have_their_cardinality():
    lines = schema_mermaid().splitlines()

    # A booking is made from one quotation, at most once.
    assert '    quotations_Quotation ||--o| bookings_Booking : "quotation"' in lines
    # A booking may have no guide yet.
    assert '    bookings_Guide |o--o{ bookings_Booking : "guide"' in lines
    # A client's contacts are users, through Django's own table.
    assert '    quotations_Client }o--o{ accounts_User : "contacts"' in lines
    assert 'OneToOneField quotation_id FK, UK "quotations.Quotation, PROTECT"' in _entity(
        "\n".join(lines), "bookings_Booking"
    )


def test_the_project_apps_are_the_ones_in_the_project_directory():
    labels = [config.label for config in project_app_configs()]

    assert {"accounts", "notifications", "quotations", "bookings", "payments", "spirittours"} <= set(labels)
    assert labels == sorted(labels)
    assert not {"auth", "admin", "djstripe", "axes", "django_celery_beat"} & set(labels)


def test_every_model_of_the_project_is_an_entity_and_a_library_model_only_as_a_target():
    diagram = schema_mermaid()
    entities = set(re.findall(r"^    (\w+) \{$", diagram, flags=re.MULTILINE))
    ours = {
        f"{model._meta.app_label}_{model.__name__}"
        for model in apps.get_models()
        if model._meta.app_config in project_app_configs()
    }

    assert ours <= entities
    assert {"accounts_User", "quotations_Quotation", "bookings_Booking", "payments_Payment"} <= ours
    # Django's and the libraries' models: only the targets of our relations, with their key alone.
    outside = entities - ours
    assert {"auth_Group", "auth_Permission"} <= outside
    for name in outside:
        assert len(_entity(diagram, name)) == 1
        assert re.search(rf"^    {name} \S+ \w+ : |^    \w+ \S+ {name} : ", diagram, flags=re.MULTILINE)
    assert _entity(diagram, "auth_Group") == ["AutoField id PK"]
    assert "djstripe_" not in diagram
    assert "axes_" not in diagram
    assert "django_celery_beat_" not in diagram
