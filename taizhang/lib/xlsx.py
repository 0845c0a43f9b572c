"""Writing spreadsheet cells as data, never as formulas (CSV/Excel injection, ASVS-1.2.10).

Every export (ledgers, list exports, failed-row workbooks) writes through these helpers: a user's text that
starts with "=" (or "+", "-", "@") stays the text the user typed; numbers and dates keep their types.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from math import isfinite
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

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


# Text that xlsxwriter rewrites on its way into the sheet (control characters and "_xHHHH_" escaped, "&<>" as
# entities, "<r>…</r>" as rich text, leading/trailing whitespace kept with xml:space): a row holding such text
# is written by xlsxwriter itself, so that every row comes out exactly as xlsxwriter_write_row writes it.
_REWRITTEN = re.compile(r"[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_TEXT_MAX = 32767 // 2  # longer text may be over Excel's limit and truncated by xlsxwriter: left to it too
_BUFFER_ROWS = 1000


def xlsxwriter_write_rows(
    worksheet: Any,
    first_row: int,
    rows: Iterable[list[Any]],
    cell_format: Any = None,
    date_format: Any = None,
) -> int:
    """Write rows from first_row on, cell for cell as xlsxwriter_write_row writes them (the same sheet XML,
    byte for byte), and return how many. In a constant_memory worksheet a row of plain text and numbers
    goes out as one string made from a template of its cell types, instead of xlsxwriter's objects and
    calls per cell (its cost, about 4 µs a cell, is most of a 100,000-row ledger's time). Any other row (a
    date, None, a boolean, text xlsxwriter rewrites, a row with set_row() options) and any other worksheet
    go through xlsxwriter_write_row.

    This writes into xlsxwriter's row-data file and keeps its constant_memory bookkeeping (previous_row,
    the dimensions): xlsxwriter internals, pinned in requirements/constraints.txt and checked against
    xlsxwriter's own output by taizhang/lib/tests/test_xlsx.py."""
    if not _fast_path_fits(worksheet, first_row):
        count = 0
        for count, values in enumerate(rows, start=1):
            xlsxwriter_write_row(worksheet, first_row + count - 1, values, cell_format, date_format)
        return count
    plain_kinds: dict[tuple[type, ...], bool] = {}
    templates: dict[tuple[type, ...], str] = {}
    row_info, comments, last_row = worksheet.row_info, worksheet.comments, worksheet.xls_rowmax - 1
    buffer: list[str] = []
    row = first_row - 1
    first_fast = last_fast = -1  # the rows written here (for the sheet's dimensions)
    widest = 0
    for values in rows:
        row += 1
        kinds = tuple(map(type, values))
        fits = plain_kinds.get(kinds)
        if fits is None:
            fits = plain_kinds[kinds] = 0 < len(kinds) <= worksheet.xls_colmax and all(
                kind in (str, int, float) for kind in kinds
            )
        if not fits or row in row_info or row in comments or row > last_row or not _plain(values, kinds):
            # xlsxwriter's own way, after the rows before it: the row stays pending in its table, as ever.
            if buffer:
                worksheet.fh.write("".join(buffer))
                buffer.clear()
            xlsxwriter_write_row(worksheet, row, values, cell_format, date_format)
            continue
        if last_fast == row - 1 >= 0:
            worksheet.previous_row = row  # the row before was written here: nothing of it is pending
        else:
            # What xlsxwriter does at a row's first cell: out with the row before, if any is pending.
            worksheet._write_single_row(row)
        # Only now (after the row before is out) the template, which numbers the cell format the first time:
        # formats are numbered in the order xlsxwriter first writes them.
        template = templates.get(kinds)
        if template is None:
            template = templates[kinds] = _row_template(worksheet, kinds, cell_format)
        buffer.append(template.format(row + 1, *values))
        if first_fast < 0:
            first_fast = row
        last_fast = row
        if len(values) > widest:
            widest = len(values)
        if len(buffer) >= _BUFFER_ROWS:
            worksheet.fh.write("".join(buffer))
            buffer.clear()
    if buffer:
        worksheet.fh.write("".join(buffer))
    if first_fast >= 0:
        _extend_dimensions(worksheet, first_fast, last_fast, widest - 1)
    if last_fast == row >= first_row:
        # The last row is written already (not pending as xlsxwriter keeps it): refuse later cells in it,
        # as xlsxwriter refuses them in every row before its current one (a second <row> would break the file).
        worksheet.previous_row = row + 1
    return row - first_row + 1


def _extend_dimensions(worksheet: Any, first_row: int, last_row: int, last_col: int) -> None:
    """The sheet's used range (its <dimension>) as xlsxwriter's _check_dimensions() keeps it per cell."""
    for name, value, pick in (
        ("dim_rowmin", first_row, min),
        ("dim_rowmax", last_row, max),
        ("dim_colmin", 0, min),
        ("dim_colmax", last_col, max),
    ):
        current = getattr(worksheet, name)
        setattr(worksheet, name, value if current is None else pick(current, value))


# The xlsxwriter releases whose internals the fast path was checked against (taizhang/lib/tests/test_xlsx.py
# compares its output with xlsxwriter's, byte for byte). Under any other release every row goes through
# xlsxwriter itself: slower, never wrong, until the tests pass there and the release is added here.
CHECKED_XLSXWRITER = ("3.2.", "3.3.")


def _fast_path_fits(worksheet: Any, first_row: int) -> bool:
    """A constant_memory worksheet in xlsxwriter's plain state (no default row height or Excel 2010
    attributes on <row>), and first_row not before xlsxwriter's current row, nor that row with cells."""
    return (
        xlsxwriter.__version__.startswith(CHECKED_XLSXWRITER)
        and getattr(worksheet, "constant_memory", False)
        and getattr(worksheet, "excel_version", None) == 2007
        and worksheet.default_row_height == worksheet.original_row_height
        and (
            worksheet.previous_row < first_row
            or (worksheet.previous_row == first_row and not worksheet.table)
        )
        and 0 <= first_row < worksheet.xls_rowmax
    )


def _row_template(worksheet: Any, kinds: tuple[type, ...], cell_format: Any) -> str:
    """The XML of a row of text and numbers (exactly str, int, float: a bool is written as 是/否) as xlsxwriter
    writes it (<row> without spans or height; numbers as %.16G; text inline), with {0} for the row number
    and {1}… for the values."""
    cells = ['<row r="{0}">']
    for col, kind in enumerate(kinds):
        style = _style_attribute(worksheet, col, cell_format)
        ref = f"{xl_col_to_name(col)}{{0}}"
        if kind is str:
            cells.append(f'<c r="{ref}"{style} t="inlineStr"><is><t>{{{col + 1}}}</t></is></c>')
        else:
            cells.append(f'<c r="{ref}"{style}><v>{{{col + 1}:.16G}}</v></c>')
    cells.append("</row>")
    return "".join(cells)


def _style_attribute(worksheet: Any, col: int, cell_format: Any) -> str:
    if cell_format is not None:
        return f' s="{cell_format._get_xf_index()}"'
    info = worksheet.col_info.get(col)
    if info is not None and info.column_format is not None:
        return f' s="{info.column_format._get_xf_index()}"'
    return ""


def _plain(values: list[Any], kinds: tuple[type, ...]) -> bool:
    """Text that xlsxwriter stores unchanged, and finite numbers."""
    texts = [v for v, kind in zip(values, kinds, strict=True) if kind is str]
    joined = "\x7f".join(texts)  # not a character _REWRITTEN looks for, nor part of one of its sequences
    if _REWRITTEN.search(joined) or [t.strip() for t in texts] != texts:
        return False
    if len(joined) > _TEXT_MAX and any(len(t) > _TEXT_MAX for t in texts):
        return False
    return float not in kinds or all(isfinite(v) for v in values if v.__class__ is float)


def openpyxl_set(cell: Any, raw: Any) -> None:
    """Set an openpyxl cell so text is stored as text (openpyxl turns "=..." strings into formulas otherwise)."""
    value = cell_value(raw)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
