"""The summary report: every figure from the catalog, exactly as `taizhang metrics --json` prints it, and the
GB/T 9704 layout checked in the .docx XML and, where LibreOffice is installed, in the rendered PDF."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from io import BytesIO, StringIO

import pytest
from django.core.management import CommandError, call_command
from docx import Document
from lxml import etree

from taizhang.reports import idsets, metrics
from taizhang.reports.report_text import ReportTextError, default_template_text, render_text
from taizhang.reports.summary import report_build, report_data, typeset
from taizhang.reports.tests.conftest import AS_OF

pytestmark = pytest.mark.django_db

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PLACEHOLDERS = re.compile(r"(?<![A-Za-z])X{1,3}(?![A-Za-z])|×|＿|_{2,}|\{\{|\{%|%\}|\}\}")


@pytest.fixture
def built(ledger):
    return report_build(campaign=ledger.world.campaign, as_of=AS_OF, with_charts=False, with_appendix=True)


def _json_metrics(*extra: str) -> dict:
    out = StringIO()
    call_command("metrics", "--campaign", "wc", "--json", "--as-of", AS_OF.isoformat(), *extra, stdout=out)
    return json.loads(out.getvalue())


def test_every_figure_in_the_text_is_the_catalog_figure_exactly_as_metrics_json_prints_it(ledger, built):
    values = _json_metrics()
    assert built.figures == values
    assert {"study.reading_class", "problems.rate", "study.self_study.hours", "matters.done"} <= built.used
    # Render again with a unique marker for every truthy figure (conditions take the same branches): the
    # real text must be the marked text with each marker replaced by the JSON figure of ITS key.
    markers = {
        key: (9_000_001 + i if value else value) for i, (key, value) in enumerate(sorted(values.items()))
    }
    data = report_data(ledger.world.campaign, None, AS_OF)
    marked, _ = render_text(default_template_text(), data, markers)
    marked = typeset(marked)  # quotes nested as on the page
    for key, marker in markers.items():
        if marker and key in built.used:
            assert str(marker) in marked, key
            marked = marked.replace(str(marker), json.dumps(values[key]))
    assert marked == built.text
    assert "整改率40.0%" in built.text and "累计2.8小时" in built.text and "读书班2期" in built.text


def test_no_placeholder_is_left_and_examples_come_from_the_records(built):
    assert not PLACEHOLDERS.search(built.text), PLACEHOLDERS.search(built.text)
    for name in (
        "第一期读书班",
        "第二期读书班",
        "窗口延时服务",
        "《学习制度》",
        "《会议制度》",
        "优化营商环境",
        "甲0号",
    ):
        assert name in built.text


def test_a_branch_report_counts_only_its_subtree(ledger):
    branch = report_build(
        campaign=ledger.world.campaign, org=ledger.world.branch_a, as_of=AS_OF, with_charts=False
    )
    assert branch.figures == _json_metrics("--org", "WA")
    assert "甲支部关于" in branch.title
    assert "老旧小区帮办" not in branch.text  # branch B's matter


def _xml(docx: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(BytesIO(docx)) as archive:
        return etree.fromstring(archive.read(name))


def test_page_setup_is_a4_with_gbt9704_margins_and_a_line_grid(built):
    section = Document(BytesIO(built.docx)).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    grid = _xml(built.docx, "word/document.xml").find(f".//{W}sectPr/{W}docGrid")
    assert grid.get(f"{W}type") == "lines" and grid.get(f"{W}linePitch") == "579"
    assert grid.get(f"{W}charSpace") is None  # a character grid halves the characters in LibreOffice


def test_every_run_names_its_east_asian_font_and_no_theme_font_is_left(built):
    for part in ("word/document.xml", "word/footer1.xml", "word/footer2.xml"):
        runs = _xml(built.docx, part).iter(f"{W}r")
        for run in runs:
            fonts = run.find(f"{W}rPr/{W}rFonts")
            assert fonts is not None and fonts.get(f"{W}eastAsia"), (part, etree.tostring(run)[:200])
    styles = etree.tostring(_xml(built.docx, "word/styles.xml")).decode()
    assert "Theme=" not in styles and "theme=" not in styles


def test_fonts_sizes_line_pitch_and_character_spacing(built):
    body = _xml(built.docx, "word/document.xml").find(f"{W}body")
    paragraphs = [p for p in body.findall(f"{W}p") if "".join(p.itertext()).strip()]
    title = paragraphs[0]
    run = title.find(f"{W}r/{W}rPr")
    assert run.find(f"{W}rFonts").get(f"{W}eastAsia") == "方正小标宋简体"
    assert run.find(f"{W}sz").get(f"{W}val") == "44"
    fonts_by_start = {}
    for p in paragraphs[1:]:
        spacing = p.find(f"{W}pPr/{W}spacing")
        assert spacing.get(f"{W}line") == "579" and spacing.get(f"{W}lineRule") == "exact"
        text = "".join(p.itertext())
        rpr = p.find(f"{W}r/{W}rPr")
        fonts_by_start[text[:3]] = rpr.find(f"{W}rFonts").get(f"{W}eastAsia")
        if text.startswith("附件"):
            break
        assert rpr.find(f"{W}sz").get(f"{W}val") == "32"
        assert rpr.find(f"{W}spacing").get(f"{W}val") == "-5"
    assert fonts_by_start["一、加"] == "黑体"
    assert fonts_by_start["（一）"] == "楷体_GB2312"
    assert fonts_by_start["202"] == "仿宋_GB2312"
    headings = [t for t in ("".join(p.itertext()) for p in paragraphs) if re.match(r"^[一二三四五]、", t)]
    assert [h[:2] for h in headings] == ["一、", "二、", "三、", "四、"]


def test_signature_and_date_close_the_body(built):
    texts = ["".join(p.itertext()) for p in _xml(built.docx, "word/document.xml").iter(f"{W}p")]
    at = texts.index("局党委")
    assert re.fullmatch(r"\d{4}年[1-9]\d?月[1-9]\d?日", texts[at + 1])  # 成文日期: no leading zeros
    assert any(t.startswith("附件：指标与记录对照表") for t in texts[:at])


def test_page_numbers_odd_right_even_left_with_page_fields(built):
    settings = etree.tostring(_xml(built.docx, "word/settings.xml")).decode()
    assert "evenAndOddHeaders" in settings
    document = Document(BytesIO(built.docx))
    section = document.sections[0]
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        xml = etree.tostring(footer._element).decode()
        assert " PAGE " in xml and 'fldCharType="begin"' in xml
        paragraph = footer.paragraphs[0]
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        assert f'w:jc w:val="{align}"' in xml


def test_the_appendix_lists_every_figure_with_its_rule_and_row_count(built):
    table = Document(BytesIO(built.docx)).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "指标", "数值", "计数规则", "记录数"]
    labels = {metric.label: key for key, metric in metrics.CATALOG.items()}
    assert len(labels) == len(metrics.CATALOG)  # one label per figure: the label names the row
    rows = {labels[row.cells[1].text]: row for row in table.rows[1:]}
    assert set(rows) == set(metrics.CATALOG)
    assert rows["study.attendance"].cells[2].text == "11人次"
    assert rows["study.attendance"].cells[4].text == str(len(built.ids["study.attendance"])) == "11"
    assert rows["problems.rate"].cells[2].text == "40.0%"
    assert rows["study.reading_class"].cells[3].text == metrics.get("study.reading_class").rule


def test_the_report_command_writes_the_docx(ledger, tmp_path):
    out = tmp_path / "r.docx"
    call_command(
        "report",
        "--campaign",
        "wc",
        "--out",
        str(out),
        "--as-of",
        "2024-01-15",
        "--no-charts",
        stdout=StringIO(),
    )
    text = "\n".join(p.text for p in Document(out).paragraphs)
    assert "读书班2期" in text
    with pytest.raises(CommandError, match="没有编码为“XX”的组织"):
        call_command("report", "--campaign", "wc", "--org", "XX", "--out", str(out), stdout=StringIO())


def test_a_bad_template_names_the_line(ledger):
    with pytest.raises(ReportTextError, match="第2行：没有名为“study.nope”的指标"):
        render_text('# 标题\n{% fig "study.nope" %}', {}, {})
    with pytest.raises(ReportTextError):
        render_text('{% include "base.html" %}', {}, {})
    with pytest.raises(ReportTextError):
        render_text("{% load static %}", {}, {})
    with pytest.raises(ReportTextError, match="无法识别的变量"):
        render_text("{{ campain.name }}", {"campaign": {"name": "x"}}, {}, check=True)


def test_record_text_cannot_turn_into_a_heading(ledger):
    from taizhang.outreach.models import PracticalMatter

    PracticalMatter.objects.filter(title="窗口延时服务").update(title="# 伪造标题\n第二行", outcome="好评")
    built = report_build(campaign=ledger.world.campaign, as_of=AS_OF, with_charts=False)
    assert "＃ 伪造标题 第二行" in built.text
    assert [
        b
        for b in __import__("taizhang.reports.report_text", fromlist=["x"]).parse_blocks(built.text)
        if b.kind == "title"
    ][0].text.startswith("局党委")


def test_the_snapshot_freezes_values_and_ids(ledger):
    from taizhang.reports.services import report_generate

    report = report_generate(campaign=ledger.world.campaign, as_of=AS_OF, actor=ledger.world.admin)
    frozen = report.figures["study.reading_class"]
    assert frozen["value"] == 2 and frozen["count"] == 2
    assert idsets.decode(frozen["ids"]) == metrics.ids("study.reading_class", ledger.world.campaign)
    assert report.file.name.endswith(".docx") and report.as_of == AS_OF


# --- Rendered by LibreOffice: pages, fonts, 22 lines a page, 28 characters a line ---------------------


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_renders_22_lines_of_28_characters_in_the_mapped_fonts(built, tmp_path):
    from taizhang.reports.render import docx_to_pdf, font_dir

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(docx_to_pdf(built.docx))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 3 <= pages <= 12
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    if (font_dir() / "FandolFang-Regular.otf").exists():
        assert "FandolFang" in fonts and "FandolHei" in fonts and "FandolKai" in fonts
    assert "Bold" in fonts  # 小标宋 mapped to a heavy face
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "3", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    page_lines = _lines_per_page(html)
    body_pages = [lines for lines in page_lines if lines]
    assert max(len(lines) for lines in body_pages) == 22, [len(lines) for lines in body_pages]
    longest = max(
        len(text)
        for lines in body_pages
        for text in lines.values()
        if re.fullmatch(r"[\u4e00-\u9fff，、。“”；：（）]+", text)
    )
    assert longest == 28


def _lines_per_page(html: str) -> list[dict[float, str]]:
    """Body lines (inside the type area, footer excluded) of each page: {y: text}."""
    pages = []
    top, bottom = 37 / 25.4 * 72 - 4, (297 - 35) / 25.4 * 72 + 2
    for page in re.findall(r"<page .*?</page>", html, flags=re.S):
        lines: dict[float, str] = {}
        for y_min, y_max, word in re.findall(
            r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', page
        ):
            y = round(float(y_max))
            if top <= float(y_min) and float(y_max) <= bottom:
                lines[y] = lines.get(y, "") + word
        pages.append(lines)
    return pages


def test_chart_pages_in_a_cjk_font_or_none_at_all(ledger, monkeypatch):
    from taizhang.reports import charts

    if charts.available():
        built = report_build(campaign=ledger.world.campaign, as_of=AS_OF, with_appendix=True)
        assert built.charts == [
            "图1 集中学习活动次数（按月）",
            "图2 各单位党员出勤率（%）",
            "图3 查摆问题按类别分布（个）",
        ]
        document = Document(BytesIO(built.docx))
        assert len(document.inline_shapes) == 3
        texts = [p.text for p in document.paragraphs]
        assert "附件：1.指标与记录对照表" in texts and "2.主要数据图示" in texts
        upstairs = report_build(campaign=ledger.world.campaign, as_of=AS_OF)  # no appendix: charts only
        assert "附件：主要数据图示" in [p.text for p in Document(BytesIO(upstairs.docx)).paragraphs]
    # Without a CJK font the report has no chart page (never boxes for characters).
    monkeypatch.setattr(charts, "available", lambda: False)
    plain = report_build(campaign=ledger.world.campaign, as_of=AS_OF)
    assert plain.charts == [] and len(Document(BytesIO(plain.docx)).inline_shapes) == 0
    assert not [p.text for p in Document(BytesIO(plain.docx)).paragraphs if p.text.startswith("附件")]
