"""A rooming list reads back exactly as the hotel will see it, in CSV and XLSX, and never runs a formula."""

import csv
import dataclasses
import datetime
import io

import openpyxl
import pytest

from bookings.rooming_export import (
    RoomingGuest,
    RoomingList,
    RoomingRoom,
    rooming_csv,
    rooming_filename,
    rooming_sheet_title,
    rooming_xlsx,
)

BOM = "\ufeff"
ENGLISH_HEADINGS = [
    "Room",
    "Room type",
    "Guest",
    "Nationality",
    "Date of birth",
    "Document",
    "Dietary needs",
    "Accessibility needs",
]
CSV_ROWS = [
    ["1", "Double", "José Núñez", "ES", "1958-03-04", "12345678Z", "Gluten free", ""],
    ["1", "Double", "María Peña", "ES", "1961-11-20", "87654321X", "", "Wheelchair"],
    ["2", "Single", "", "", "", "", "", ""],
    ["3", "Twin", "Ann O'Neil", "GB", "", "", "", ""],
]


def rooming_list(language: str = "en", **changes) -> RoomingList:
    rooming = RoomingList(
        hotel_name="Hotel Aurora Triana",
        booking_reference="B-2026-00001",
        group_name="Parroquia San Isidro",
        check_in=datetime.date(2026, 6, 12),
        check_out=datetime.date(2026, 6, 15),
        meal_plan_label="Half board",
        rooms=(
            RoomingRoom(
                number=1,
                room_type="double",
                room_type_label="Double",
                guests=(
                    RoomingGuest(
                        full_name="José Núñez",
                        nationality="ES",
                        date_of_birth=datetime.date(1958, 3, 4),
                        document_number="12345678Z",
                        dietary_needs="Gluten free",
                    ),
                    RoomingGuest(
                        full_name="María Peña",
                        nationality="ES",
                        date_of_birth=datetime.date(1961, 11, 20),
                        document_number="87654321X",
                        accessibility_needs="Wheelchair",
                    ),
                ),
            ),
            RoomingRoom(number=2, room_type="single", room_type_label="Single", guests=()),
            RoomingRoom(
                number=3,
                room_type="twin",
                room_type_label="Twin",
                guests=(RoomingGuest(full_name="Ann O'Neil", nationality="GB"),),
            ),
        ),
        language=language,
    )
    return dataclasses.replace(rooming, **changes)


def csv_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))


def xlsx_sheet(data: bytes):
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert len(workbook.worksheets) == 1
    return workbook.worksheets[0]


def sheet_values(sheet, first_row: int) -> list[list]:
    return [list(row) for row in sheet.iter_rows(min_row=first_row, values_only=True)]


def test_rooming_csv_in_english_is_a_header_then_one_row_per_guest_and_per_empty_room():
    # given a list with a room of two guests, an unassigned room and a room of one
    rooming = rooming_list("en")

    # when
    data = rooming_csv(rooming)

    # then it starts with a UTF-8 BOM and reads back exactly, with no title block
    assert data.startswith(b"\xef\xbb\xbf")
    assert csv_rows(data) == [ENGLISH_HEADINGS, *CSV_ROWS]


def test_rooming_csv_in_spanish_keeps_every_value():
    # given
    rooming = rooming_list("es")

    # when
    rows = csv_rows(rooming_csv(rooming))

    # then the data rows are the same as in English, under eight headings
    assert len(rows[0]) == 8
    assert rows[1:] == CSV_ROWS


def test_rooming_xlsx_in_english_has_a_title_block_a_bold_frozen_header_and_the_rows():
    # given
    rooming = rooming_list("en")

    # when
    sheet = xlsx_sheet(rooming_xlsx(rooming))

    # then
    assert sheet.title == "Hotel Aurora Triana"
    assert [sheet.cell(row=row, column=1).value for row in range(1, 6)] == [
        "Hotel Aurora Triana",
        "B-2026-00001 · Parroquia San Isidro",
        "12 Jun 2026 – 15 Jun 2026",
        "Half board",
        None,
    ]
    assert sheet.cell(row=1, column=1).font.bold is True
    assert sheet_values(sheet, first_row=6) == [
        ENGLISH_HEADINGS,
        [1, "Double", "José Núñez", "ES", datetime.datetime(1958, 3, 4), "12345678Z", "Gluten free", None],
        [1, "Double", "María Peña", "ES", datetime.datetime(1961, 11, 20), "87654321X", None, "Wheelchair"],
        [2, "Single", None, None, None, None, None, None],
        [3, "Twin", "Ann O'Neil", "GB", None, None, None, None],
    ]
    assert [sheet.cell(row=6, column=column).font.bold for column in range(1, 9)] == [True] * 8
    assert sheet.freeze_panes == "A7"
    assert sheet.auto_filter.ref == "A6:H10"


def test_rooming_xlsx_date_of_birth_is_a_date_cell_shown_as_iso():
    # given
    rooming = rooming_list("en")

    # when
    sheet = xlsx_sheet(rooming_xlsx(rooming))

    # then
    cell = sheet["E7"]
    assert cell.is_date is True
    assert cell.value == datetime.datetime(1958, 3, 4, 0, 0)
    assert cell.number_format == "yyyy-mm-dd"


def test_rooming_xlsx_columns_are_as_wide_as_their_longest_value():
    # given
    rooming = rooming_list("en")

    # when
    sheet = xlsx_sheet(rooming_xlsx(rooming))

    # then each width is the longest text plus 2, at least 8
    assert {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGH"} == {
        "A": 8,  # "Room" is shorter than the minimum
        "B": 11,  # "Room type"
        "C": 12,  # "José Núñez", "María Peña"
        "D": 13,  # "Nationality"
        "E": 15,  # "Date of birth"
        "F": 11,  # "12345678Z"
        "G": 15,  # "Dietary needs"
        "H": 21,  # "Accessibility needs"
    }


def test_rooming_xlsx_in_spanish_writes_the_stay_in_spanish_and_keeps_every_value():
    # given
    rooming = rooming_list("es")

    # when
    sheet = xlsx_sheet(rooming_xlsx(rooming))

    # then
    assert sheet.title == "Hotel Aurora Triana"
    assert sheet["A2"].value == "B-2026-00001 · Parroquia San Isidro"
    assert sheet["A3"].value == "12 jun 2026 – 15 jun 2026"
    assert sheet["A4"].value == "Half board"
    assert sheet_values(sheet, first_row=7) == [
        [1, "Double", "José Núñez", "ES", datetime.datetime(1958, 3, 4), "12345678Z", "Gluten free", None],
        [1, "Double", "María Peña", "ES", datetime.datetime(1961, 11, 20), "87654321X", None, "Wheelchair"],
        [2, "Single", None, None, None, None, None, None],
        [3, "Twin", "Ann O'Neil", "GB", None, None, None, None],
    ]


INJECTIONS = [
    ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
    ("+34 600 000 000", "'+34 600 000 000"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"),
    ("\rcmd", "'\rcmd"),
]


def injected_list() -> RoomingList:
    guests = tuple(
        RoomingGuest(full_name=value, document_number=value, dietary_needs=value) for value, _defused in INJECTIONS
    )
    room = RoomingRoom(number=1, room_type="triple", room_type_label="=1+1", guests=guests)
    return rooming_list("en", hotel_name="=Hotel", group_name="Group", meal_plan_label="@Board", rooms=(room,))


def test_rooming_csv_defuses_values_a_spreadsheet_would_run_as_formulas():
    # given values starting with =, +, -, @, tab and carriage return
    rooming = injected_list()

    # when
    rows = csv_rows(rooming_csv(rooming))

    # then each gets a leading apostrophe; a plain value is left alone
    assert rows[1:] == [["1", "'=1+1", defused, "", "", defused, defused, ""] for _value, defused in INJECTIONS]


def test_rooming_xlsx_defuses_values_a_spreadsheet_would_run_as_formulas():
    # given
    rooming = injected_list()

    # when
    sheet = xlsx_sheet(rooming_xlsx(rooming))

    # then no cell holds a formula, and each such value reads back with a leading apostrophe
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet["A1"].value == "'=Hotel"
    assert sheet["A2"].value == "B-2026-00001 · Group"
    assert sheet["A4"].value == "'@Board"
    # (an XML parser reads a carriage return back as a line feed: the apostrophe is what counts)
    read_back = [defused.replace("\r", "\n") for _value, defused in INJECTIONS]
    assert read_back[5] == "'\ncmd"
    assert sheet_values(sheet, first_row=7) == [
        [1, "'=1+1", defused, None, None, defused, defused, None] for defused in read_back
    ]


@pytest.mark.parametrize(
    ("hotel_name", "title"),
    [
        ("Hotel Aurora Triana", "Hotel Aurora Triana"),
        ("Hotel [Sevilla]: Sol/Luna*?\\", "Hotel Sevilla Sol Luna"),
        ("Gran Hotel Bahía de Cádiz y Puerto de Santa María", "Gran Hotel Bahía de Cádiz y Pue"),
        ("'Quoted'", "Quoted"),
        ("History", "Rooming"),
        ("[]:*?", "Rooming"),
    ],
)
def test_rooming_sheet_title_is_a_valid_excel_sheet_name(hotel_name, title):
    # given a hotel name, when it names the sheet, then it is valid for Excel
    assert rooming_sheet_title(hotel_name) == title
    assert len(title) <= 31


def test_rooming_xlsx_names_the_sheet_after_a_long_hotel_name_cut_to_31_characters():
    # given
    rooming = rooming_list("en", hotel_name="Gran Hotel Bahía de Cádiz y Puerto de Santa María")

    # when
    sheet = xlsx_sheet(rooming_xlsx(rooming))

    # then the title block keeps the full name
    assert sheet.title == "Gran Hotel Bahía de Cádiz y Pue"
    assert sheet["A1"].value == "Gran Hotel Bahía de Cádiz y Puerto de Santa María"


def test_rooming_filename_is_the_reference_and_the_hotel_in_ascii():
    # given
    rooming = rooming_list("es")
    accented = rooming_list("es", hotel_name="Hôtel Ñandú & Spa — Sevilla")

    # when / then
    assert rooming_filename(rooming, "csv") == "rooming-B-2026-00001-hotel-aurora-triana.csv"
    assert rooming_filename(rooming, ".XLSX") == "rooming-B-2026-00001-hotel-aurora-triana.xlsx"
    assert rooming_filename(accented, "xlsx") == "rooming-B-2026-00001-hotel-nandu-spa-sevilla.xlsx"
