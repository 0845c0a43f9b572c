"""Reading drafts and writing them back filled: encodings kept, .docx formatting kept, blanks split across
runs handled, unmatched blanks marked."""

from __future__ import annotations

import io

import docx
import pytest
from django.core.exceptions import ValidationError
from docx.enum.text import WD_COLOR_INDEX
from docx.shared import Pt, RGBColor

from taizhang.reports.fill.documents import UNMATCHED_MARK, Fill, read_draft
from taizhang.reports.fill.matcher import match_placeholders
from taizhang.reports.fill.tests.conftest import docx_bytes


def _reopen(content: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(content))


# --- .txt / .md ------------------------------------------------------------------------------------


def test_a_gb18030_text_comes_back_in_gb18030_with_its_line_ends():
    data = "一、学习\r\n举办读书班X期，研讨X人次。\r\n".encode("gb18030")
    draft = read_draft(data, name="汇报.txt")
    assert draft.encoding == "gb18030"
    out = draft.render([Fill("3"), Fill(None)])
    assert out.decode("gb18030") == f"一、学习\r\n举办读书班3期，研讨{UNMATCHED_MARK}X人次。\r\n"


def test_a_utf8_bom_is_kept():
    data = "\ufeff查摆问题X个".encode()
    draft = read_draft(data, name="a.txt")
    assert draft.render([Fill("5")]) == "\ufeff查摆问题5个".encode()


def test_markdown_keeps_its_markup_and_bold_underscores():
    data = "# 总结\n\n__重点工作__：查摆问题**X**个，整改率X.X%。\n".encode()
    draft = read_draft(data, name="a.md")
    assert [p.text for p in draft.placeholders] == ["X", "X.X"]
    out = draft.render([Fill("5"), Fill("40.0")]).decode()
    assert out == "# 总结\n\n__重点工作__：查摆问题**5**个，整改率40.0%。\n"


def test_debris_is_gone_from_the_filled_text():
    draft = read_draft("开头##paidbegin##\n查摆问题X个\n##paidend##\n".encode(), name="a.txt")
    assert draft.debris_removed == 2
    assert draft.render([Fill("5")]).decode() == "开头\n查摆问题5个\n"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"\xff\xfe\x00\x00binary\x00", "a.txt", "不是 UTF-8 或 GB18030"),
        (b"abc", "a.pdf", "只能上传"),
        (b"abc", "a.doc", "另存为 .docx"),
        (b"PK\x03\x04broken", "a.docx", "已损坏"),
        (b"   \n", "a.txt", "没有文字"),
    ],
)
def test_what_cannot_be_read_is_refused_with_a_message_naming_the_file(data, name, message):
    with pytest.raises(ValidationError) as exc:
        read_draft(data, name=name)
    assert message in exc.value.messages[0]
    assert name in exc.value.messages[0]


# --- .docx -----------------------------------------------------------------------------------------


def _formatted(document) -> None:  # noqa: ANN001
    document.add_paragraph("学习教育开展情况", style="Title")
    p = document.add_paragraph(style="List Number")
    run = p.add_run("举办专题读书班")
    run.italic = True
    run = p.add_run("X")
    run.bold = True
    run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    run = p.add_run("期，参加学习")
    run.font.size = Pt(16)
    run.font.name = "仿宋_GB2312"
    # "XX" typed in two runs (Word splits runs on every edit): one blank across two runs
    run = p.add_run("X")
    run.underline = True
    p.add_run("X人次，撰写心得X篇。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "查摆问题数"
    table.cell(0, 1).text = "X"
    table.cell(1, 0).text = "整改率"
    table.cell(1, 1).text = "X%"
    document.sections[0].header.paragraphs[0].text = "查摆问题X个##paidbegin##"


def test_a_docx_blank_is_found_in_runs_tables_and_headers():
    draft = read_draft(docx_bytes(_formatted), name="a.docx")
    assert [p.text for p in draft.placeholders] == ["X", "XX", "X", "X", "X", "X"]
    keys = [m.key for m in match_placeholders(draft.text, draft.placeholders)]
    assert keys == [
        "study.reading_class",
        "study.reading_class.attendance",
        None,
        "problems.total",
        "problems.rate",
        "problems.total",
    ]
    assert draft.debris_removed == 1


def test_filling_a_docx_keeps_styles_and_the_formatting_of_each_run():
    draft = read_draft(docx_bytes(_formatted), name="a.docx")
    out = _reopen(draft.render([Fill("2"), Fill("8"), Fill(None), Fill("5"), Fill("40.0"), Fill("5")]))
    title, body = out.paragraphs[0], out.paragraphs[1]
    assert (title.style.name, title.text) == ("Title", "学习教育开展情况")
    assert body.style.name == "List Number"
    assert body.text == "举办专题读书班2期，参加学习8人次，撰写心得X篇。"
    runs = {r.text: r for r in body.runs}
    assert runs["举办专题读书班"].italic is True
    assert runs["2"].bold is True and runs["2"].font.color.rgb == RGBColor(0xC0, 0x00, 0x00)
    assert runs["期，参加学习"].font.size == Pt(16) and runs["期，参加学习"].font.name == "仿宋_GB2312"
    # The split blank takes the first run's formatting; the second run keeps the rest of its text.
    assert runs["8"].underline is True
    assert runs["人次，撰写心得"].underline is None
    assert [c.text for row in out.tables[0].rows for c in row.cells] == ["查摆问题数", "5", "整改率", "40.0%"]
    assert out.sections[0].header.paragraphs[0].text == "查摆问题5个"


def test_an_unmatched_docx_blank_keeps_its_text_and_is_highlighted():
    draft = read_draft(docx_bytes(_formatted), name="a.docx")
    out = _reopen(draft.render([Fill("2"), Fill("8"), Fill(None), Fill("5"), Fill("—", True), Fill("5")]))
    body = out.paragraphs[1]
    highlighted = [r.text for r in body.runs if r.font.highlight_color == WD_COLOR_INDEX.YELLOW]
    assert highlighted == ["X"]
    assert [r.text for r in body.runs if r.font.highlight_color is None and "X" in r.text] == []
    # A figure that could not be computed is filled with "—" and highlighted for a look too.
    cell_runs = out.tables[0].cell(1, 1).paragraphs[0].runs
    assert [(r.text, r.font.highlight_color) for r in cell_runs][0] == ("—", WD_COLOR_INDEX.YELLOW)


def test_a_blank_inside_one_run_splits_it_and_keeps_its_formatting_on_both_sides():
    def build(document):  # noqa: ANN001, ANN202
        run = document.add_paragraph().add_run("开展交流讨论X次，效果良好。")
        run.bold = True
        run.font.size = Pt(14)

    draft = read_draft(docx_bytes(build), name="a.docx")
    out = _reopen(draft.render([Fill("12")]))
    runs = out.paragraphs[0].runs
    assert "".join(r.text for r in runs) == "开展交流讨论12次，效果良好。"
    assert all(r.bold and r.font.size == Pt(14) for r in runs)


def test_debris_paragraphs_are_dropped_from_a_docx():
    def build(document):  # noqa: ANN001, ANN202
        document.add_paragraph("查摆问题X个。")
        document.add_paragraph("##paidend##")
        document.add_paragraph("结尾")

    draft = read_draft(docx_bytes(build), name="a.docx")
    out = _reopen(draft.render([Fill("3")]))
    assert [p.text for p in out.paragraphs] == ["查摆问题3个。", "结尾"]
