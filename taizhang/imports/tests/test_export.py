"""Export to the import workbook's format: scoped, audited, values only, personal data masked; and the
round trip — export, import into an empty database — gives the same figures."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from taizhang.campaigns.models import Campaign
from taizhang.core.models import AuditLog
from taizhang.imports.exporters import export_workbook
from taizhang.imports.tests.conftest import full_sheets, snapshot, workbook
from taizhang.lib import idcard
from taizhang.org.models import Member

ID = idcard.make("110105", date(1985, 3, 4), 123)


@pytest.fixture
def populated(world, run_import):
    world.people_a[0].id_number = ID
    world.people_a[0].phone = "13912345678"
    world.people_a[0].save()
    run = run_import(workbook(full_sheets()), user=world.admin)
    assert run.status == "done", run.errors
    # Moved out after the activities: their attendance stays, and must survive the round trip.
    Member.objects.filter(pk=world.people_a[5].pk).update(is_active=False)
    return world


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _rows(book: openpyxl.Workbook, sheet: str) -> list[dict]:
    ws = book[sheet]
    header = [str(c.value).rstrip("*") for c in ws[1]]
    return [dict(zip(header, (c.value for c in row), strict=False)) for row in ws.iter_rows(min_row=2)]


def _figures() -> dict:
    """The DESIGN.md catalog for every campaign (reports.metrics), plus raw counts outside campaigns."""
    from taizhang.reports import metrics

    as_of = date(2024, 2, 15)
    figures = {c.code: metrics.compute(c, as_of=as_of) for c in Campaign.objects.order_by("code")}
    figures["_rows"] = {k: v for k, v in snapshot().items() if k not in ("Event",)}
    return figures


def _wipe() -> None:
    """Everything the workbook holds, deleted child first (an empty database for the same types)."""
    from taizhang.core.models import Event
    from taizhang.org.models import Organization
    from taizhang.outreach.models import Demand, PracticalMatter, ResearchVisit
    from taizhang.plans.models import PlanTask
    from taizhang.rectification.models import Institution, Measure, Problem
    from taizhang.study.models import Attendance, SelfStudy, Speech, StudyActivity

    for model in (
        Event,
        Attendance,
        Speech,
        Institution,
        Measure,
        Problem,
        PracticalMatter,
        Demand,
        ResearchVisit,
        SelfStudy,
        StudyActivity,
        PlanTask,
        Campaign,
        Member,
    ):
        model.objects.all().delete()
    for org in Organization.objects.order_by("-depth"):
        org.delete()


def test_a_round_trip_through_an_empty_database_keeps_every_figure(populated, run_import):
    before = _figures()
    assert before["wc"]["study.attendance"] > 0 and before["wc"]["problems.total"] == 2
    data = export_workbook(user=populated.admin, personal=True)
    _wipe()
    assert snapshot()["StudyActivity"] == 0 and snapshot()["Organization"] == 0
    run = run_import(data, file_name="导出.xlsx")  # the command line's full scope: the tree is empty
    assert run.status == "done", run.errors[:5]
    assert _figures() == before
    moved = Member.objects.get(name="甲5号")
    assert not moved.is_active and moved.attendances.count() == 1
    assert Member.objects.get(name="甲0号").id_number == ID  # personal=True: the full number came back


def test_the_export_writes_values_never_formulas(populated, run_import):
    Member.objects.filter(pk=populated.people_a[1].pk).update(post='=HYPERLINK("http://x","点我")')
    data = export_workbook(user=populated.admin, sheets=["党员"])
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert all(
            b"<f>" not in package.read(n) for n in package.namelist() if n.startswith("xl/worksheets/")
        )
    posts = [r["职务"] for r in _rows(_book(data), "党员")]
    assert '=HYPERLINK("http://x","点我")' in posts


def test_personal_data_is_masked_unless_an_administrator_asks(populated):
    for user, personal, shown in (
        (populated.admin, True, ID),
        (populated.admin, False, idcard.mask(ID)),
        (populated.leader, True, idcard.mask(ID)),  # not an administrator: asking is not enough
        (populated.secretary_a, False, idcard.mask(ID)),
    ):
        data = export_workbook(user=user, sheets=["党员"], personal=personal)
        row = next(r for r in _rows(_book(data), "党员") if r["姓名"] == "甲0号")
        assert row["身份证号"] == shown, user
        assert row["手机号"] == ("13912345678" if shown == ID else "139****5678")
    log = AuditLog.objects.filter(action="export").order_by("id").first()
    assert log.user == populated.admin and log.detail["personal"] is True


def test_the_export_stays_within_the_users_units(populated):
    data = export_workbook(user=populated.secretary_a)
    book = _book(data)
    assert {r["组织编码"] for r in _rows(book, "学习活动")} == {"WA"}
    assert {r["所在组织编码"] for r in _rows(book, "党员")} <= {"WA", "WA-1", "WA-2"}
    assert {r["问题编号"] for r in _rows(book, "问题清单")} == {"WT-001", "WT-002"}


def test_the_export_view_takes_the_sheet_and_filters_from_the_query(populated):
    client = Client()
    client.force_login(populated.admin)
    url = reverse("imports:export")
    response = client.get(url, {"sheet": "问题清单", "campaign": "wc", "status": "closed"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = _book(response.content)
    assert book.sheetnames == ["问题清单"]
    assert [r["问题编号"] for r in _rows(book, "问题清单")] == ["WT-001"]
    response = client.get(url, {"sheet": "activity,selfstudy", "campaign": "all", "date_from": "2024-01-01"})
    book = _book(response.content)
    assert book.sheetnames == ["学习活动", "个人自学"]
    assert [r["主题"] for r in _rows(book, "学习活动")] == ["纪律党课"]
    assert client.get(url, {"sheet": "不存在"}).status_code == 400
    bad_date = client.get(url, {"sheet": "学习活动", "date_from": "2023-13-45"})
    assert bad_date.status_code == 400 and "开始日期" in bad_date.content.decode()  # the field, in Chinese
    assert "date_from" not in bad_date.content.decode()
    assert client.get(url, {"campaign": "nope"}).status_code == 404


def test_the_export_view_ladder(populated):
    url = reverse("imports:export") + "?sheet=学习活动"
    assert Client().get(url).status_code == 302
    for user, status in (
        (populated.nobody, 403),
        (populated.member_a, 403),
        (populated.secretary_a, 200),
        (populated.leader, 200),
    ):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == status, user
    client = Client()
    client.force_login(populated.secretary_b)
    assert client.get(url + f"&org={populated.branch_a.pk}").status_code == 404
