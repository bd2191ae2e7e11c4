"""A hotel's rooming list, as the CSV and XLSX files sent to the hotel.

Plain data in, bytes out: the caller builds a `RoomingList` (labels already in
the hotel's language) and this module only lays it out, so it touches no model
and no database.

    rooming_csv        UTF-8 with a BOM (Excel otherwise misreads accents), a
                       header row, then one row per guest; dates ISO
    rooming_xlsx       one sheet named after the hotel: a title block (hotel,
                       booking and group, stay, meal plan), then the table with
                       a bold, frozen header; dates of birth are date cells
    rooming_filename   rooming-<reference>-<hotel slug>.<extension>, ASCII

A room nobody has been assigned to yet still gets one row, with the guest
columns empty, so the hotel sees every room it holds.

Guest data is typed by clients and travellers, so every text cell is defused
against formula injection: a value starting with =, +, -, @, a tab or a
carriage return gets a leading apostrophe, which spreadsheets show as text
instead of evaluating.
"""

import csv
import datetime
import io
import re
import unicodedata
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from spirittours.templatetags.figures import day_format

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
DATE_NUMBER_FORMAT = "yyyy-mm-dd"
SHEET_TITLE_MAX = 31
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_FALLBACK = "Rooming"
TITLE_ROWS = 4  # hotel; booking and group; stay; meal plan
HEADER_ROW = TITLE_ROWS + 2  # one blank row between the title block and the table
COLUMN_WIDTH_MIN = 8
COLUMN_WIDTH_MAX = 60
FILENAME_HOTEL_MAX = 50


@dataclass(frozen=True)
class RoomingGuest:
    full_name: str
    nationality: str = ""  # ISO code
    date_of_birth: datetime.date | None = None
    document_number: str = ""
    dietary_needs: str = ""
    accessibility_needs: str = ""


@dataclass(frozen=True)
class RoomingRoom:
    number: int  # 1.. within the list
    room_type: str  # "single" | "double" | "twin" | "triple"
    room_type_label: str  # already translated by the caller
    guests: tuple[RoomingGuest, ...]


@dataclass(frozen=True)
class RoomingList:
    hotel_name: str
    booking_reference: str
    group_name: str
    check_in: datetime.date
    check_out: datetime.date
    meal_plan_label: str
    rooms: tuple[RoomingRoom, ...]
    language: str  # "es" | "en": the column headings' language


Cell = str | int | datetime.date | None


def rooming_headings() -> list[str]:
    """The column headings in the active language.

    The context keeps "Room" apart from the catalogue's other "Room" (a chat room).
    """
    return [
        pgettext("rooming list column", "Room"),
        pgettext("rooming list column", "Room type"),
        pgettext("rooming list column", "Guest"),
        pgettext("rooming list column", "Nationality"),
        pgettext("rooming list column", "Date of birth"),
        pgettext("rooming list column", "Document"),
        pgettext("rooming list column", "Dietary needs"),
        pgettext("rooming list column", "Accessibility needs"),
    ]


def rooming_rows(rooming: RoomingList) -> list[list[Cell]]:
    """One row per guest, in room order; a room without guests is one row with the guest columns empty."""
    rows: list[list[Cell]] = []
    for room in rooming.rooms:
        for guest in room.guests or (None,):
            rows.append(
                [
                    room.number,
                    room.room_type_label,
                    guest.full_name if guest else "",
                    guest.nationality if guest else "",
                    guest.date_of_birth if guest else None,
                    guest.document_number if guest else "",
                    guest.dietary_needs if guest else "",
                    guest.accessibility_needs if guest else "",
                ]
            )
    return rows


def formula_defused(value: str) -> str:
    """The text, with a leading apostrophe when a spreadsheet would otherwise read it as a formula."""
    return f"'{value}" if value.startswith(FORMULA_TRIGGERS) else value


def rooming_csv(rooming: RoomingList) -> bytes:
    with translation.override(rooming.language):
        headings = rooming_headings()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([formula_defused(heading) for heading in headings])
    for row in rooming_rows(rooming):
        writer.writerow([_csv_text(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return formula_defused(value)


def rooming_xlsx(rooming: RoomingList) -> bytes:
    with translation.override(rooming.language):
        headings = rooming_headings()
        stay = f"{day_format(rooming.check_in)} – {day_format(rooming.check_out)}"
    booking = " · ".join(part for part in (rooming.booking_reference, rooming.group_name) if part)
    rows = rooming_rows(rooming)

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = rooming_sheet_title(rooming.hotel_name)

    for row_number, text in enumerate((rooming.hotel_name, booking, stay, rooming.meal_plan_label), start=1):
        sheet.cell(row=row_number, column=1, value=_xlsx_text(text))
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)

    bold = Font(bold=True)
    for column, heading in enumerate(headings, start=1):
        sheet.cell(row=HEADER_ROW, column=column, value=_xlsx_text(heading)).font = bold
    for row_number, row in enumerate(rows, start=HEADER_ROW + 1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column, value=_xlsx_value(value))
            if isinstance(value, datetime.date):
                cell.number_format = DATE_NUMBER_FORMAT

    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    last_column = get_column_letter(len(headings))
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last_column}{HEADER_ROW + len(rows)}"
    for column, heading in enumerate(headings, start=1):
        texts = [_csv_text(row[column - 1]) for row in rows]
        width = max(len(text) for text in [heading, *texts]) + 2
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width, COLUMN_WIDTH_MIN), COLUMN_WIDTH_MAX)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_text(value: str) -> str:
    # Control characters other than tab and newlines are not allowed in the XML of a sheet.
    return formula_defused(ILLEGAL_CHARACTERS_RE.sub("", value))


def _xlsx_value(value: Cell) -> Cell:
    return _xlsx_text(value) if isinstance(value, str) else value


def rooming_sheet_title(hotel_name: str) -> str:
    """The hotel's name as a sheet name: at most 31 characters, none of []:*?/\\, not starting or ending with '."""
    title = SHEET_TITLE_FORBIDDEN.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", hotel_name))
    title = " ".join(title.split())[:SHEET_TITLE_MAX].strip().strip("'").strip()
    # Excel reserves "History" for its own sheet.
    if not title or title.casefold() == "history":
        return SHEET_TITLE_FALLBACK
    return title


def rooming_filename(rooming: RoomingList, extension: str) -> str:
    """`rooming-<reference>-<hotel>.<extension>` in ASCII letters, digits and dashes, e.g.
    `rooming-B-2026-00001-hotel-aurora-triana.csv`."""
    reference = _ascii_slug(rooming.booking_reference)
    hotel = _ascii_slug(rooming.hotel_name).lower()[:FILENAME_HOTEL_MAX].strip("-")
    suffix = re.sub(r"[^a-z0-9]", "", extension.lower())
    stem = "-".join(part for part in ("rooming", reference, hotel) if part)
    return f"{stem}.{suffix}" if suffix else stem


def _ascii_slug(value: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")
