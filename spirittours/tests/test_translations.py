"""The Spanish catalogue is complete, keeps every placeholder, and its compiled .mo is up to date."""

import ast
import gettext
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.utils import translation

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale" / "es" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$')
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sd]")


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False

    def __str__(self) -> str:
        return f"{self.msgctxt}|{self.msgid}" if self.msgctxt is not None else self.msgid


@cache
def parse_po(path: Path = PO_PATH) -> tuple[Entry, ...]:
    """A small .po reader: comments, flags, msgctxt, plurals and multi-line "..." continuations."""
    entries: list[Entry] = []
    entry, current = Entry(), ("msgid", 0)
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        match = KEYWORD.match(line)
        starts_entry = line.startswith("#") or (match is not None and match[1] in ("msgctxt", "msgid"))
        if starts_entry and entry.msgstr:
            entries.append(entry)
            entry = Entry()
        if line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in {flag.strip() for flag in line[2:].split(",")}:
                entry.fuzzy = True
            continue
        if match is not None:
            current = (match[1], int(match[2] or 0))
            line = match[3]
            if current[0] != "msgstr":
                setattr(entry, current[0], "")
        text = ast.literal_eval(line)
        if current[0] == "msgstr":
            entry.msgstr[current[1]] = entry.msgstr.get(current[1], "") + text
        else:
            setattr(entry, current[0], getattr(entry, current[0]) + text)
    if entry.msgstr:
        entries.append(entry)
    return tuple(entries)


def messages() -> list[Entry]:
    """Every entry but the header."""
    return [entry for entry in parse_po() if entry.msgid or entry.msgctxt is not None]


def test_catalogue_is_parsed():
    assert len(messages()) > 200
    assert any(entry.msgid_plural for entry in messages())


def test_every_entry_is_translated_and_not_fuzzy():
    untranslated = [str(e) for e in messages() if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [str(e) for e in messages() if e.fuzzy]
    assert not untranslated, f"Untranslated msgids: {untranslated}"
    assert not fuzzy, f"Fuzzy msgids: {fuzzy}"
    plural_forms = [str(e) for e in messages() if e.msgid_plural and sorted(e.msgstr) != [0, 1]]
    assert not plural_forms, f"Plural entries without msgstr[0] and msgstr[1]: {plural_forms}"


def test_placeholders_are_kept():
    wrong = []
    for entry in messages():
        for index, msgstr in entry.msgstr.items():
            source = entry.msgid_plural if index and entry.msgid_plural else entry.msgid
            if set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(msgstr)):
                wrong.append(f"{entry} -> {msgstr}")
    assert not wrong, f"Placeholders differ: {wrong}"


def test_mo_file_matches_po_file():
    with MO_PATH.open("rb") as mo_file:
        catalog = gettext.GNUTranslations(mo_file)._catalog
    missing, stale = [], []
    for entry in messages():
        msgid = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt is not None else entry.msgid
        for index, msgstr in entry.msgstr.items():
            key = (msgid, index) if entry.msgid_plural else msgid
            if key not in catalog:
                missing.append(str(entry))
            elif catalog[key] != msgstr:
                stale.append(str(entry))
    hint = "run manage.py compilemessages"
    assert not missing, f"Missing from django.mo ({hint}): {missing}"
    assert not stale, f"Different in django.mo ({hint}): {stale}"


def test_django_serves_the_spanish_catalogue():
    expected = next(e.msgstr[0] for e in messages() if e.msgid == "Quotations" and e.msgctxt is None)
    assert expected != "Quotations"
    with translation.override("es"):
        assert translation.gettext("Quotations") == expected
