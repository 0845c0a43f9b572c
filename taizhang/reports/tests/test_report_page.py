"""GB/T 9704 on the page (issue 20, point 2): what an office sends upstairs without retouching it.

The 成文日期 chosen at generation, the appendix only on request and without code keys, 附件说明 only when
something is attached, quotes nested properly, no internal remarks, examples spread over units."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO, StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from docx import Document

from taizhang.outreach.models import PracticalMatter
from taizhang.plans.models import PlanTask
from taizhang.reports import metrics
from taizhang.reports.models import Report
from taizhang.reports.summary import report_build
from taizhang.reports.tests.conftest import AS_OF

pytestmark = pytest.mark.django_db

KEY = re.compile(r"\b[a-z_]+(?:\.[a-z_]+)+\b")  # study.first_topic, problems.category.theory …


def _paragraphs(docx: bytes) -> list[str]:
    return [p.text for p in Document(BytesIO(docx)).paragraphs]


def _all_text(docx: bytes) -> str:
    document = Document(BytesIO(docx))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _build(ledger, **kwargs):  # noqa: ANN001, ANN202
    kwargs.setdefault("with_charts", False)
    return report_build(campaign=ledger.world.campaign, as_of=AS_OF, **kwargs)


def _nested_same_kind(text: str) -> list[str]:
    """Places where a “ opens inside a “ (or ‘ inside ‘): what GB/T-minded editors correct by hand."""
    found, stack = [], []
    for i, ch in enumerate(text):
        if ch in "“‘":
            if stack and stack[-1] == ch:
                found.append(text[max(0, i - 10) : i + 10])
            stack.append(ch)
        elif ch in "”’" and stack:
            stack.pop()
    return found


# --- 成文日期 ------------------------------------------------------------------------------------------


def _date_line(docx: bytes) -> str:
    texts = _paragraphs(docx)
    return texts[texts.index("局党委") + 1]


def test_the_date_is_the_one_chosen_at_generation_in_the_standard_form(ledger):
    built = _build(ledger, issued_on=date(2024, 2, 5))
    assert _date_line(built.docx) == "2024年2月5日"


def test_the_date_defaults_to_the_campaign_end_once_it_is_over(ledger):
    # The campaign ended on 2024-01-31: a report generated today is dated that day, not the day it was typed.
    built = report_build(campaign=ledger.world.campaign, with_charts=False)
    assert _date_line(built.docx) == "2024年1月31日"


def test_the_report_command_takes_the_date(ledger, tmp_path):
    out = tmp_path / "r.docx"
    args = ["report", "--campaign", "wc", "--out", str(out), "--as-of", "2024-01-15", "--no-charts"]
    call_command(*args, "--date", "2024-01-20", stdout=StringIO())
    assert _date_line(out.read_bytes()) == "2024年1月20日"
    with pytest.raises(CommandError, match="--date"):
        call_command(*args, "--date", "2024-13-01", stdout=StringIO())
    with pytest.raises(CommandError, match="成文日期不能早于统计日期"):
        call_command(*args, "--date", "2024-01-10", stdout=StringIO())


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_the_report_page_asks_for_the_date_and_the_appendix(ledger):
    world = ledger.world
    client = _client(world.admin)
    page = client.get(f"{reverse('reports:report_list')}?campaign={world.campaign.pk}").content.decode()
    assert 'name="issued_on"' in page and 'name="appendix"' in page
    assert "成文日期" in page and "指标与记录对照表" in page
    data = {"campaign": world.campaign.pk, "org": world.committee.pk, "as_of": "2024-01-15"}
    client.post(reverse("reports:report_generate"), {**data, "issued_on": "2024-01-18"})
    report = Report.objects.get()
    docx = report.file.read()
    assert _date_line(docx) == "2024年1月18日"
    assert not Document(BytesIO(docx)).tables  # 上报 by default: no appendix
    client.post(reverse("reports:report_generate"), {**data, "issued_on": "2024-01-18", "appendix": "on"})
    latest = Report.objects.order_by("-pk").first()
    assert len(Document(BytesIO(latest.file.read())).tables) == 1
    response = client.post(reverse("reports:report_generate"), {**data, "issued_on": "2024-01-02"})
    assert Report.objects.count() == 2  # refused
    messages = [m.message for m in response.wsgi_request._messages]
    assert any("成文日期不能早于统计日期" in m for m in messages)


# --- The appendix and 附件说明 ------------------------------------------------------------------------


def test_without_the_appendix_there_is_no_attachment_note_and_no_table(ledger):
    built = _build(ledger)
    texts = _paragraphs(built.docx)
    assert not [t for t in texts if t.startswith("附件")]
    assert not Document(BytesIO(built.docx)).tables
    assert texts[-1] == "2024年1月31日"  # the document ends with the date


def test_the_appendix_on_request_speaks_in_labels_and_rules_never_code_keys(ledger):
    built = _build(ledger, with_appendix=True)
    texts = _paragraphs(built.docx)
    assert "附件：指标与记录对照表" in texts
    assert not KEY.search(_all_text(built.docx)), KEY.search(_all_text(built.docx))
    table = Document(BytesIO(built.docx)).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "指标", "数值", "计数规则", "记录数"]
    rows = {row.cells[1].text: row for row in table.rows[1:]}
    assert set(rows) == {m.label for m in metrics.CATALOG.values()}
    attendance = rows[metrics.get("study.attendance").label]
    assert attendance.cells[2].text == "11人次" and attendance.cells[4].text == "11"
    assert rows["整改率（%）"].cells[2].text == "40.0%"


# --- Wording that goes upstairs ------------------------------------------------------------------------


def test_quotes_inside_quotes_become_single_quotes_everywhere_in_the_report(ledger):
    world = ledger.world
    PlanTask.objects.create(
        campaign=world.campaign,
        org=world.committee,
        title="政务服务“走流程”体验",
        kind="featured",
        planned_start=date(2023, 9, 10),
        planned_end=date(2023, 9, 20),
    )
    PracticalMatter.objects.filter(title="窗口延时服务").update(
        title='推行"午间不打烊"服务', outcome="实现“午间“不打烊””"
    )
    built = _build(ledger, with_appendix=True)
    text = _all_text(built.docx)
    assert "“政务服务‘走流程’体验”" in text
    assert "“推行‘午间不打烊’服务”" in text
    assert not _nested_same_kind(text), _nested_same_kind(text)
    assert not _nested_same_kind(built.text)


def test_no_internal_remarks_in_a_report_to_the_higher_level(ledger):
    built = _build(ledger)
    for remark in ("取自工作台账", "下文所列数据", "均有记录、有台账", "数据看板", "系统"):
        assert remark not in built.text
        assert remark not in _all_text(built.docx)
    assert "截至2024年1月15日" in built.text  # the day of the figures still said once, in plain words


def test_matter_examples_are_spread_over_units(ledger):
    world = ledger.world
    for i in range(3):
        PracticalMatter.objects.create(
            campaign=world.campaign,
            org=world.branch_a,
            title=f"甲支部实事{i}",
            status="done",
            done_on=date(2023, 12, 1 + i),
            beneficiary_count=1000 + i,
        )
    built = _build(ledger)
    named = re.findall(r"(甲支部|乙支部)推进“", built.text)
    assert named[:2] in (["甲支部", "乙支部"], ["乙支部", "甲支部"]), named
    assert "老旧小区帮办" in built.text  # the small unit's matter is not crowded out by the big one's


def test_quoted_items_in_a_row_take_no_enumeration_comma():
    from taizhang.reports.report_text import cn_list

    assert cn_list([{"name": "动员部署"}, {"name": "检视整改"}], "name") == "“动员部署”“检视整改”"


# --- The title ------------------------------------------------------------------------------------------


def _title_lines(docx: bytes) -> list[str]:
    """The title paragraph's lines as written: text runs split at w:br."""
    from lxml import etree

    body = Document(BytesIO(docx)).element.body
    title = body.find(".//{*}p")
    lines, current = [], ""
    for node in title.iter("{*}t", "{*}br"):
        if etree.QName(node).localname == "br":
            lines.append(current)
            current = ""
        else:
            current += node.text or ""
    return [*lines, current]


def test_a_long_title_is_broken_between_words_into_balanced_lines(ledger):
    world = ledger.world
    world.committee.name = "市行政审批服务局党委"
    world.committee.save()
    world.campaign.name = "2023年第二批主题教育"
    world.campaign.save()
    built = _build(ledger)
    assert built.title == "市行政审批服务局党委关于2023年第二批主题教育开展情况的报告"
    assert _title_lines(built.docx) == ["市行政审批服务局党委关于", "2023年第二批主题教育开展情况的报告"]


def test_a_short_title_is_one_line(ledger):
    assert _title_lines(_build(ledger).docx) == ["局党委关于测试主题教育开展情况的报告"]


# --- The signature never alone on its page (rendered by LibreOffice, read back by pdftotext) -------------

needs_renderer = pytest.mark.skipif(
    __import__("shutil").which("soffice") is None or __import__("shutil").which("pdftotext") is None,
    reason="LibreOffice (soffice) and pdftotext are needed to lay the report out",
)


def _one_line_paragraphs(n: int) -> str:
    # A title (two grid lines in LibreOffice, and the blank below it) and n paragraphs of one line each.
    # At 22 lines a page, n = 17 leaves the blank line and the signature at the foot of page 1 and pushes
    # the date, and with it the signature it is kept with, onto page 2 (23 lines a page take them all);
    # n = 19 fills page 1 exactly, so the signature block starts page 2, at 23 and 24 lines a page too
    # (21 lines a page push paragraph 19 down to it).
    return "# 测试报告\n" + "\n".join(f"第{i}项工作已完成。" for i in range(1, n + 1))


def _last_page(docx: bytes) -> str:
    from taizhang.reports.fit import pdf_pages
    from taizhang.reports.render import docx_to_pdf

    pages = pdf_pages(docx_to_pdf(docx))
    return re.sub(r"\s+", "", pages[-1])


@pytest.mark.slow
@needs_renderer
@pytest.mark.parametrize(("paragraphs", "pitch"), [(17, 554), (19, 600)])
def test_the_signature_shares_its_page_with_body_text(ledger, settings, paragraphs, pitch):
    text = _one_line_paragraphs(paragraphs)
    settings.TAIZHANG_REPORT_FIT_SIGNATURE = False
    plain = _build(ledger, text=text)
    alone = _last_page(plain.docx)
    assert "局党委" in alone and "2024年1月31日" in alone and "工作已完成" not in alone  # the defect
    settings.TAIZHANG_REPORT_FIT_SIGNATURE = True
    built = _build(ledger, text=text)
    assert built.fit.checked and built.fit.fits and built.fit.line_pitch == pitch
    last = _last_page(built.docx)
    assert "局党委" in last and "2024年1月31日" in last
    assert re.search(r"第\d+项工作已完成", last), last  # body text on the signature's page
    assert "行距调整" in built.fit.note


@pytest.mark.slow
@needs_renderer
def test_a_report_that_fits_keeps_the_standard_22_lines(ledger, settings):
    settings.TAIZHANG_REPORT_FIT_SIGNATURE = True
    built = _build(ledger, text=_one_line_paragraphs(10))
    assert built.fit.line_pitch == 579 and built.fit.fits
    assert (
        'w:linePitch="579"'
        in __import__("zipfile").ZipFile(BytesIO(built.docx)).read("word/document.xml").decode()
    )


def test_without_the_renderer_the_report_is_written_unchecked(ledger, settings, monkeypatch):
    from taizhang.reports import fit

    settings.TAIZHANG_REPORT_FIT_SIGNATURE = True
    monkeypatch.setattr(fit, "soffice_path", lambda: None)
    built = _build(ledger)
    assert not built.fit.checked and built.fit.line_pitch == 579
    assert "未核对" in built.fit.note
