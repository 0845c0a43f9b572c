"""Writing spreadsheet cells as data, never as formulas (CSV/Excel injection, ASVS-1.2.10).

Every export (ledgers, list exports, failed-row workbooks) writes through these helpers: a user's text that
starts with "=" (or "+", "-", "@") stays the text the user typed; numbers and dates keep their types.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def cell_value(value: Any) -> Any:
    """The value as it should be stored: None → "", bools → 是/否, everything non-numeric → str."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal | date | datetime):
        return value
    return str(value)


def xlsxwriter_write_text(worksheet: Any, row: int, col: int, text: str, cell_format: Any = None) -> None:
    """Write text as text. xlsxwriter writes text shaped "<r>…</r>" into the sheet XML unescaped, as a
    rich string: typed text would vanish, or inject cells and formulas. Such text goes in as plain runs,
    which are escaped and read back as exactly that text."""
    if text.startswith("<r>") and text.endswith("</r>"):
        runs = (text[:1], text[1:2], text[2:])  # xlsxwriter takes three parts or more as rich text
        worksheet.write_rich_string(row, col, *runs, *([cell_format] if cell_format else []))
    else:
        worksheet.write_string(row, col, text, cell_format)


def xlsxwriter_write_row(
    worksheet: Any, row: int, values: list[Any], cell_format: Any = None, date_format: Any = None
) -> None:
    """Write one row with xlsxwriter: strings always through write_string (never parsed as formulas)."""
    for col, raw in enumerate(values):
        xlsxwriter_write_cell(worksheet, row, col, raw, cell_format, date_format)


_EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system (its 1900-02-29 bug makes it the 30th)


def excel_date(value: date) -> int:
    """A date as Excel stores it: the serial day number, shown as a date by the cell's number format."""
    return (value - _EXCEL_EPOCH).days


def xlsxwriter_write_rows(
    worksheet: Any,
    first_row: int,
    rows: Iterable[list[Any]],
    cell_format: Any = None,
    date_format: Any = None,
    column_formats: Sequence[Any] | None = None,
) -> int:
    """Write rows from first_row on, cell for cell as xlsxwriter_write_row writes them, and return how many.

    Only xlsxwriter's public API (write_string / write_number / write_blank): in constant_memory mode each
    row goes out when the next one starts, so a 100,000-row ledger never sits in memory. The common cells
    (text, int, float, date) are dispatched here without xlsxwriter's generic write(); a date is written as
    its serial number under date_format, which is what write_datetime stores for a date.

    column_formats, when given, is the format of each column (cell_format for the columns it does not
    reach); date_format still applies to dates."""
    write_string, write_number = worksheet.write_string, worksheet.write_number
    formats = list(column_formats or ())
    row = first_row - 1
    for row, values in enumerate(rows, start=first_row):  # noqa: B007 - the last row is counted below
        for col, value in enumerate(values):
            fmt = formats[col] if col < len(formats) else cell_format
            kind = value.__class__
            if kind is str:
                if value.startswith("<r>") and value.endswith("</r>"):
                    xlsxwriter_write_text(worksheet, row, col, value, fmt)
                else:
                    write_string(row, col, value, fmt)
            elif kind is int or kind is float:
                write_number(row, col, value, fmt)
            elif kind is date:
                write_number(row, col, (value - _EXCEL_EPOCH).days, date_format or fmt)
            else:
                xlsxwriter_write_cell(worksheet, row, col, value, fmt, date_format)
    return row - first_row + 1


def xlsxwriter_write_cell(
    worksheet: Any, row: int, col: int, raw: Any, cell_format: Any = None, date_format: Any = None
) -> None:
    """Write one value with xlsxwriter: text always as text (never parsed as a formula), numbers as numbers,
    dates as dates, None as an empty (formatted) cell."""
    value = cell_value(raw)
    if isinstance(value, str):
        xlsxwriter_write_text(worksheet, row, col, value, cell_format)
    elif isinstance(value, datetime | date):
        worksheet.write_datetime(
            row,
            col,
            value if isinstance(value, datetime) else datetime(value.year, value.month, value.day),
            date_format or cell_format,
        )
    else:
        worksheet.write_number(row, col, value, cell_format)


def openpyxl_set(cell: Any, raw: Any) -> None:
    """Set an openpyxl cell so text is stored as text (openpyxl turns "=..." strings into formulas otherwise)."""
    value = cell_value(raw)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
