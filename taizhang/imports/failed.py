"""The failed-rows workbook: every error in one list, and each failed row back in its own sheet with a
失败原因 column, so the user can see and fix them next to the original values."""

from __future__ import annotations

import io
from datetime import date, datetime

import xlsxwriter

from taizhang.imports.errors import Errors
from taizhang.imports.schema import FAILED_COLUMN, SHEET_NAMES
from taizhang.lib.xlsx import xlsxwriter_write_row

ALL_ERRORS_SHEET = "全部错误"
NOTE = "本次导入没有写入任何数据。请在原文件中改正下列错误后，重新上传整个文件。"


def failed_rows_workbook(errors: Errors) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1, "text_wrap": True})
    reason = book.add_format({"font_color": "#9C0006", "text_wrap": True, "valign": "top"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})

    summary = book.add_worksheet(ALL_ERRORS_SHEET)
    summary.write_string(0, 0, NOTE, book.add_format({"bold": True}))
    xlsxwriter_write_row(summary, 2, ["工作表", "行号", "列", "单元格内容", "问题"], head)
    for index, item in enumerate(errors.sorted(), start=3):
        xlsxwriter_write_row(
            summary, index, [item.sheet, item.row or "", item.column, item.value, item.message]
        )
    summary.set_column(0, 0, 12)
    summary.set_column(1, 1, 6)
    summary.set_column(2, 3, 16)
    summary.set_column(4, 4, 70)
    summary.freeze_panes(3, 0)

    for name in SHEET_NAMES:
        rows = errors.failed_rows.get(name)
        if not rows:
            continue
        ws = book.add_worksheet(name)
        headers = list(errors.headers.get(name, ()))
        width = max([len(headers)] + [len(cells) for cells in rows.values()])
        headers += [""] * (width - len(headers))
        xlsxwriter_write_row(ws, 0, [*headers, FAILED_COLUMN, "原行号"], head)
        for index, (number, cells) in enumerate(sorted(rows.items()), start=1):
            values = [_plain(c) for c in cells] + [None] * (width - len(cells))
            text = "；".join(
                (f"“{e.column}”：{e.message}" if e.column else e.message)
                for e in errors.for_row(name, number)
            )
            xlsxwriter_write_row(ws, index, values, date_format=day)
            ws.write_string(index, width, text, reason)
            ws.write_number(index, width + 1, number)
        ws.set_column(0, width - 1, 14)
        ws.set_column(width, width, 60)
        ws.freeze_panes(1, 0)
    book.close()
    return out.getvalue()


def _plain(value: object) -> object:
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    if isinstance(value, date | datetime | int | float | str | bool) or value is None:
        return value
    return str(value)
