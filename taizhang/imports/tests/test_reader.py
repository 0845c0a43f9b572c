"""Opening uploaded workbooks: title rows and stray headers are fine; hostile files are refused."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest

from taizhang.imports import messages as msg
from taizhang.imports.errors import Errors
from taizhang.imports.reader import WorkbookRefused, check_package, open_workbook
from taizhang.imports.tests.conftest import workbook
from taizhang.org.models import Organization


def _rewrite(data: bytes, part: str, change) -> bytes:  # noqa: ANN001
    """The same package with one part's XML changed."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == part:
                content = change(content)
            dst.writestr(info.filename, content)
    return out.getvalue()


def test_title_rows_above_the_header_are_skipped_and_row_numbers_stay_excels():
    data = workbook(
        {"组织": [["X1", "一支部", "", "党委"], [], ["X2", "二支部", "X1", "党支部"]]}, title_rows=2
    )
    errors = Errors()
    book = open_workbook(data, name="a.xlsx", errors=errors)
    sheet = book.sheets[0]
    assert sheet.header_row == 3
    assert [(r.number, r.value("code")) for r in sheet.rows()] == [(4, "X1"), (6, "X2")]
    assert not errors


def test_headers_tolerate_stars_spaces_and_bracket_widths():
    headers = {
        "个人自学": [
            "日期*",
            " 姓名 ",
            "组织编码＊",
            "学习内容（必填）",
            "时长(分钟)",
            "学习方式",
            "心得体会",
            "备注栏",
        ]
    }
    errors = Errors()
    book = open_workbook(
        workbook({"个人自学": [["2023-9-5", "甲", "W", "书", 30]]}, headers=headers), name="a", errors=errors
    )
    assert not errors
    assert set(book.sheets[0].columns) == {"date", "name", "org", "material", "minutes", "channel", "notes"}


def test_a_missing_required_column_is_named():
    headers = {"组织": ["组织编码", "组织名称", "上级组织编码"]}
    errors = Errors()
    open_workbook(workbook({"组织": [["X", "Y", ""]]}, headers=headers), name="a", errors=errors)
    assert [(e.sheet, e.row, e.column, e.message) for e in errors.items] == [
        ("组织", 1, "组织类型", msg.MISSING_COLUMN.format(column="组织类型"))
    ]


def test_unknown_sheets_are_ignored_and_reported():
    errors = Errors()
    book = open_workbook(workbook({"组织": [], "Sheet1": [], "填表说明": []}), name="a", errors=errors)
    assert book.ignored == ["Sheet1"]


def test_a_workbook_without_known_sheets_is_refused():
    with pytest.raises(WorkbookRefused, match="没有可导入的工作表"):
        open_workbook(workbook({"Sheet1": [["a"]]}), name="a", errors=Errors())


def test_formula_cells_give_their_cached_value_and_are_never_evaluated():
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "组织"
    ws.append(["组织编码", "组织名称", "上级组织编码", "组织类型"])
    ws.append(["X1", '=CONCATENATE("一","支部")', "", "党委"])
    out = io.BytesIO()
    book.save(out)
    # openpyxl writes no cached value; put one in as Excel would ("缓存值"), and check it is what we read.
    data = _rewrite(
        out.getvalue(),
        "xl/worksheets/sheet1.xml",
        lambda x: x.replace(b"<v></v>", b"<v>\xe7\xbc\x93\xe5\xad\x98\xe5\x80\xbc</v>").replace(
            b'<c r="B2"', b'<c r="B2" t="str"'
        ),
    )
    errors = Errors()
    sheet = open_workbook(data, name="a", errors=errors).sheets[0]
    row = next(sheet.rows())
    assert row.value("name") == "缓存值"
    assert not row.formula_without_value("name")
    # Without a cached value the cell is reported, not read as empty.
    errors = Errors()
    sheet = open_workbook(out.getvalue(), name="a", errors=errors).sheets[0]
    assert next(sheet.rows()).formula_without_value("name")


def test_a_formula_without_a_value_is_an_error_naming_the_cell(db, run_import):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "组织"
    ws.append(["组织编码", "组织名称", "上级组织编码", "组织类型"])
    ws.append(["X1", '=A2&"党委"', "", "党委"])
    out = io.BytesIO()
    book.save(out)
    run = run_import(out.getvalue())
    assert run.status == "failed"
    assert run.errors == [
        {"sheet": "组织", "row": 2, "column": "组织名称", "value": "", "message": msg.FORMULA_NO_VALUE}
    ]
    assert not Organization.objects.exists()


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<a>" + b"0" * (150 * 1024 * 1024) + b"</a>")
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(db, run_import):
    data = _bomb()
    assert len(data) < 1024 * 1024  # 150 MB of XML in a few hundred KB
    with pytest.raises(WorkbookRefused, match="压缩炸弹"):
        check_package(data, name="bomb.xlsx")
    run = run_import(data, file_name="bomb.xlsx")
    assert run.status == "failed" and "压缩炸弹" in run.errors[0]["message"]


XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>"""


@pytest.mark.parametrize(
    "prolog, part",
    [(XXE, "xl/worksheets/sheet1.xml"), (LAUGHS, "xl/sharedStrings.xml"), (XXE, "xl/workbook.xml")],
)
def test_xml_with_entity_declarations_is_refused(db, run_import, prolog, part):
    data = workbook({"组织": [["X1", "一支部", "", "党委"]]})
    if part == "xl/sharedStrings.xml" and part not in zipfile.ZipFile(io.BytesIO(data)).namelist():
        part = "xl/worksheets/sheet1.xml"

    def poison(xml: bytes) -> bytes:
        body = re.sub(rb"^<\?xml[^>]*\?>", b"", xml)
        return prolog + body.replace(b"X1", b"&xxe;" if prolog is XXE else b"&lol3;", 1)

    run = run_import(_rewrite(data, part, poison))
    assert run.status == "failed"
    assert run.errors[0]["message"] == msg.FILE_UNSAFE_XML
    assert not Organization.objects.exists()


def test_old_excel_and_other_files_are_refused_with_a_hint(db, run_import):
    assert (
        run_import(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100).errors[0]["message"]
        == msg.FILE_OLD_EXCEL
    )
    assert run_import(b"%PDF-1.4").errors[0]["message"] == msg.FILE_NOT_XLSX
    assert run_import(b"").errors[0]["message"] == msg.FILE_EMPTY


def test_files_over_the_limit_are_refused(db, run_import, settings):
    settings.TAIZHANG_IMPORT_MAX_BYTES = 1024
    data = workbook({"组织": [["X1", "一支部", "", "党委"]]})
    assert run_import(data).errors[0]["message"] == msg.FILE_TOO_LARGE.format(limit=0)


def test_a_broken_sheet_is_refused_when_it_is_read(db, run_import):
    data = workbook({"组织": [["X1", "一支部", "", "党委"]]})
    broken = _rewrite(data, "xl/worksheets/sheet1.xml", lambda xml: xml[: len(xml) // 2])
    run = run_import(broken)
    assert run.status == "failed" and run.errors[0]["message"] == msg.FILE_NOT_XLSX


# --- F5 (issue 16): the work is bounded by the cells the file really has ---------------------------


def _whole_grid(data: bytes, extra_rows: bytes) -> bytes:
    """The sheet declares every row and column Excel has (A1:XFD1048576) and gets `extra_rows`."""

    def change(xml: bytes) -> bytes:
        xml = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', xml)
        return xml.replace(b"</sheetData>", extra_rows + b"</sheetData>")

    return _rewrite(data, "xl/worksheets/sheet1.xml", change)


def _inline(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def _last_row_org() -> bytes:
    row = b"".join(
        _inline(f"{col}1048576", text)
        for col, text in zip("ABCD", ["X9", "九支部", "X1", "党支部"], strict=True)
    )
    return b'<row r="1048576">' + row + b"</row>"


class _Budget:
    """Counts the cells the reader hands on; fails at once when it hands on more than `limit`."""

    def __init__(self, rows, limit: int) -> None:  # noqa: ANN001
        self.rows, self.limit, self.cells, self.visited = rows, limit, 0, 0

    def __iter__(self):
        for number, cells in self.rows:
            self.visited += 1
            self.cells += len(cells)
            assert self.cells <= self.limit, f"read {self.cells} cells for a sheet of 12"
            yield number, cells


def test_F5_a_sheet_declaring_the_whole_grid_is_read_by_its_real_cells(db, run_import):
    data = _whole_grid(workbook({"组织": [["X1", "一支部", "", "党委"]]}), _last_row_org())
    assert len(data) < 10_000
    errors = Errors()
    sheet = open_workbook(data, name="a.xlsx", errors=errors).sheets[0]
    assert len(sheet.headers) == 4  # not 16,384 columns
    assert sheet.estimated_rows == 2  # not a million: the progress bar moves
    budget = _Budget(sheet._rows, limit=100)
    sheet._rows = iter(budget)
    assert [(r.number, r.value("code")) for r in sheet.rows()] == [(2, "X1"), (1048576, "X9")]
    assert budget.visited == 2
    # The same file imports, row numbers as Excel shows them.
    run = run_import(data)
    assert run.status == "done", run.errors
    assert Organization.objects.get(code="X9").parent.code == "X1"


def test_F5_a_sheet_with_more_rows_than_the_cap_is_refused_naming_the_sheet(db, run_import, settings):
    settings.TAIZHANG_IMPORT_MAX_ROWS = 5
    rows = [[f"X{i}", f"{i}支部", "", "党委"] for i in range(5)]
    run = run_import(workbook({"组织": rows}))  # header + 5 rows: 6 rows
    assert run.status == "failed"
    assert run.errors[0]["message"] == msg.SHEET_TOO_MANY_ROWS.format(sheet="组织", rows=6, limit=5)
    assert not Organization.objects.exists()
    settings.TAIZHANG_IMPORT_MAX_ROWS = 6
    assert run_import(workbook({"组织": rows})).status == "done"


def test_F5_a_value_beyond_the_column_cap_is_refused_and_blank_styled_cells_are_ignored(
    db, run_import, settings
):
    base = workbook({"组织": [["X1", "一支部", "", "党委"]]})
    far = b'<row r="3">' + _inline("A3", "X2") + _inline("XFD3", "多余") + b"</row>"
    run = run_import(_whole_grid(base, far))
    assert run.status == "failed"
    limit = settings.TAIZHANG_IMPORT_MAX_COLUMNS
    assert (run.errors[0]["sheet"], run.errors[0]["row"], run.errors[0]["column"]) == ("组织", 3, "XFD")
    assert run.errors[0]["message"] == msg.SHEET_TOO_MANY_COLUMNS.format(limit=limit)
    assert f"{limit} 列" in run.errors[0]["message"]
    assert not Organization.objects.exists()
    # A styled blank cell far to the right (as some editors write) is no content: the file imports.
    blank = (
        b'<row r="3">'
        + b"".join(_inline(f"{c}3", t) for c, t in zip("ABCD", ["X2", "二支部", "X1", "党支部"], strict=True))
        + b'<c r="XFD3" s="0"/></row>'
    )
    run = run_import(_whole_grid(base, blank))
    assert run.status == "done", run.errors
    assert Organization.objects.count() == 2
