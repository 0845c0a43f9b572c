"""Writing spreadsheet cells as data, never as formulas (CSV/Excel injection, ASVS-1.2.10).

Every export (ledgers, list exports, failed-row workbooks) writes through these helpers: a user's text that
starts with "=" (or "+", "-", "@") stays the text the user typed; numbers and dates keep their types.
"""

from __future__ import annotations

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


def xlsxwriter_write_row(
    worksheet: Any, row: int, values: list[Any], cell_format: Any = None, date_format: Any = None
) -> None:
    """Write one row with xlsxwriter: strings always through write_string (never parsed as formulas)."""
    for col, raw in enumerate(values):
        value = cell_value(raw)
        if isinstance(value, str):
            worksheet.write_string(row, col, value, cell_format)
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
