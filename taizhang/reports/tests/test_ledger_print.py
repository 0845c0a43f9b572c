"""Every ledger printed by LibreOffice (headless, the fonts mapped as for the report): A4 landscape pages, the
title, the 填报 rows, a cell value and a Chinese date legible in the text, the footer's page numbers, and the
print scale (measured on the page: the header's 序号 against the same word printed at 100 %) at 70 % or more."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
import xlsxwriter

from taizhang.reports.ledgers import KINDS, _formats, ledger_write, print_scale
from taizhang.reports.render import xlsx_to_pdf
from taizhang.reports.tests.conftest import AS_OF

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("soffice") is None or shutil.which("pdftotext") is None,
        reason="LibreOffice (soffice) and poppler-utils are not installed",
    ),
]

# A row of each ledger (from the conftest's campaign) and a date it shows, as the printed page has them.
EXPECTED = {
    "problems": ("问题P1", "2023年11月30日"),
    "study": ("第一期读书班", "2023年9月10日"),
    "matters": ("窗口延时服务", "2023年10月1日"),
    "institutions": ("会议制度", None),
    "visits": ("走访企业", "2023年9月15日"),
    "demands": ("办事排队久", "2023年9月5日"),
}
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def _run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def _words(pdf: Path, page: int = 1) -> list[tuple[str, float, float]]:
    """(word, width, height) of every word on the page, in points."""
    html = _run("pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-")
    return [(w, float(x2) - float(x1), float(y2) - float(y1)) for x1, y1, x2, y2, w in WORD.findall(html)]


@cache
def _full_size_header_word(tmp: str) -> float:
    """The width of the header's 序号 printed at 100 % (a one-cell sheet in the ledgers' header format)."""
    path = Path(tmp) / "reference.xlsx"
    book = xlsxwriter.Workbook(
        str(path), {"default_format_properties": {"font_name": "宋体", "font_size": 11}}
    )
    sheet = book.add_worksheet()
    sheet.write_string(0, 0, "序号", _formats(book)["header"])
    sheet.set_paper(9)
    sheet.set_landscape()
    book.close()
    pdf = Path(tmp) / "reference.pdf"
    pdf.write_bytes(xlsx_to_pdf(path.read_bytes()))
    return next(width for word, width, _ in _words(pdf) if word == "序号")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_ledger_prints_legibly_on_a4_landscape(ledger, tmp_path_factory, tmp_path, kind):
    spec = KINDS[kind]
    path = tmp_path / f"{kind}.xlsx"
    ledger_write(kind, campaign=ledger.world.campaign, out=str(path), today=AS_OF)
    pdf = tmp_path / f"{kind}.pdf"
    pdf.write_bytes(xlsx_to_pdf(path.read_bytes()))

    info = _run("pdfinfo", str(pdf))
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(width), round(height)) == (842, 595)  # A4, landscape
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert len(spec.sheets) <= pages <= 2 * len(spec.sheets)  # a few rows: a page a sheet, not a spill

    text = _run("pdftotext", "-layout", str(pdf), "-")
    flat = re.sub(r"\s+", "", text)
    assert f"局党委{spec.title}" in flat
    assert "填报单位（盖章）：局党委" in flat and "填报人：" in flat and "审核人：" in flat
    assert f"第1页共{pages}页" in flat
    value, day = EXPECTED[kind]
    assert value in flat
    if day:
        y, m, d = map(int, re.match(r"(\d+)年(\d+)月(\d+)日", day).groups())
        assert day in flat and f"{y}-{m:02d}-{d:02d}" not in text  # a date cell, shown the Chinese way

    # The scale the page was printed at: the header's 序号 against the same word at 100 %.
    full = _full_size_header_word(str(tmp_path_factory.getbasetemp()))
    for page, sheet in enumerate(spec.sheets, start=1):
        printed = next(w for word, w, _ in _words(pdf, page) if word == "序号")
        scale = printed / full
        assert scale >= 0.70, (sheet.name, scale)
        assert abs(scale - print_scale(sheet)) < 0.08, (sheet.name, scale, print_scale(sheet))
