"""Ledgers opened with openpyxl: headers, values computed from rows, print set-up, and no cell is a formula."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from taizhang.core.models import AuditLog
from taizhang.reports.ledgers import KINDS, ledger_write
from taizhang.reports.tests.conftest import AS_OF, _activity, _attend
from taizhang.study.models import Attendance, Material, Speech, StudyActivity
from taizhang.study.services import activity_counts_refresh

pytestmark = pytest.mark.django_db


def _open(ledger, kind, tmp_path, org=None):  # noqa: ANN001
    path = tmp_path / f"{kind}.xlsx"
    count = ledger_write(kind, campaign=ledger.world.campaign, org=org, out=str(path), today=AS_OF)
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[3]]
    rows = [dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(min_row=4)]
    return sheet, header, rows, count


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_ledger_prints_landscape_a4_with_its_header_on_each_page_and_no_formula(ledger, tmp_path, kind):
    sheet, header, rows, count = _open(ledger, kind, tmp_path)
    assert header == [h for h, _ in KINDS[kind].columns]
    assert len(rows) == count > 0
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize in (9, "9")
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth in (1, "1", None)
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    assert [r["序号"] for r in rows] == sorted(r["序号"] for r in rows)


def test_problem_ledger_has_one_row_per_measure_and_keeps_formula_like_text(ledger, tmp_path):
    from taizhang.rectification.models import Problem

    Problem.objects.filter(code="P4").update(description='=HYPERLINK("http://x")')
    _, _, rows, count = _open(ledger, "problems", tmp_path)
    # P1 has 3 measures, P2 has 2, P3 P4 P5 none: 3 + 2 + 3 rows.
    assert count == 8
    assert [r["问题编号"] for r in rows] == ["P1", "P1", "P1", "P2", "P2", "P3", "P4", "P5"]
    assert [r["措施序号"] for r in rows[:5]] == [1, 2, 3, 1, 2]
    assert rows[6]["问题描述"] == '=HYPERLINK("http://x")'
    p2b = rows[4]
    assert (p2b["整改措施"], p2b["完成情况"], p2b["红黄灯"]) == ("措施b", "未完成", "红灯")
    assert rows[0]["问题状态"] == "已销号" and rows[0]["问题类别"] == "工作作风"


def test_study_ledger_counts_expected_present_absent_and_speakers_from_rows(ledger, tmp_path):
    _, _, rows, count = _open(ledger, "study", tmp_path)
    assert count == 4
    first = rows[0]
    assert first["学习主题"] == "第一期读书班"
    assert (first["应到人数"], first["实到人数"], first["列席人数"], first["研讨人次"]) == (6, 4, 1, 2)
    assert first["缺席人员及原因"] == "甲4号（出差）、甲5号（出差）"
    assert "乙1号（列席）" in first["参加人员"] and "甲4号" not in first["参加人员"]
    assert first["研讨发言情况"] == "甲0号：谈体会；甲2号：谈差距"
    weekly = next(r for r in rows if r["学习形式"] == "周例会集体学习")
    assert (weekly["应到人数"], weekly["实到人数"], weekly["研讨人次"]) == (4, 3, 0)


def test_study_ledger_counts_agree_with_its_rows_and_its_name_lists(ledger, tmp_path):
    # The counts come from the numbers stored on each activity; the names from the rows: both must tell
    # the same story, activity by activity.
    _, _, rows, _ = _open(ledger, "study", tmp_path)
    by_topic = {a.topic: a for a in StudyActivity.objects.filter(campaign=ledger.world.campaign)}
    assert sorted(r["学习主题"] for r in rows) == sorted(by_topic)
    for row in rows:
        activity = by_topic[row["学习主题"]]
        people = Attendance.objects.filter(activity=activity)
        assert row["应到人数"] == people.filter(invited=False).count()
        assert row["实到人数"] == people.filter(invited=False, status="present").count()
        assert row["列席人数"] == people.filter(invited=True).count()
        assert row["研讨人次"] == Speech.objects.filter(activity=activity).count()
        named = [n for n in (row["参加人员"] or "").split("、") if n]
        away = [n for n in (row["缺席人员及原因"] or "").split("、") if n]
        assert len(named) == row["实到人数"] + row["列席人数"]
        assert len(away) == row["应到人数"] - row["实到人数"]


def test_study_ledger_lists_people_in_member_list_order_with_reasons(ledger, tmp_path):
    a, b = ledger.world.people_a, ledger.world.people_b
    # The member list's order (sort_order, then id), not the order of ids or of the rows.
    for member, order in ((a[3], 0), (a[0], 5), (a[1], 5), (b[2], 1)):
        member.sort_order = order
        member.save()
    day = _activity(ledger.world, ledger.world.branch_a, "first_topic", AS_OF, topic="排序")
    _attend(day, [a[0], a[3], a[1], a[2]], absent=(a[2],), invited=(b[2],))
    Attendance.objects.create(activity=day, member=a[4], status="absent", reason_note="外出调研")
    Attendance.objects.create(activity=day, member=a[5], status="absent")
    Speech.objects.create(activity=day, member=a[1], gist="", order=1)
    Speech.objects.create(activity=day, member=a[3], gist="谈收获", order=2)
    day.materials.add(Material.objects.create(title="党章", sort_order=1))
    day.materials.add(Material.objects.create(title="《论党的自我革命》", sort_order=2))  # entered in 书名号
    day.other_materials = "文件"
    day.save()
    activity_counts_refresh(activity_ids=[day.pk])
    _, _, rows, _ = _open(ledger, "study", tmp_path)
    row = next(r for r in rows if r["学习主题"] == "排序")
    assert row["参加人员"] == "甲3号、乙2号（列席）、甲0号、甲1号"
    assert row["缺席人员及原因"] == "甲2号（出差）、甲4号（外出调研）、甲5号（未说明）"
    assert row["研讨发言情况"] == "甲1号；甲3号：谈收获"
    assert row["学习内容"] == "《党章》《论党的自我革命》；文件"  # 书名号 once, whichever way entered
    assert (row["应到人数"], row["实到人数"], row["列席人数"], row["研讨人次"]) == (6, 3, 1, 2)


def test_study_ledger_queries_do_not_grow_with_its_rows(ledger, tmp_path):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            ledger_write("study", campaign=ledger.world.campaign, out=str(tmp_path / "q.xlsx"), today=AS_OF)
        return len(ctx.captured_queries)

    before = queries()
    a, b = ledger.world.people_a, ledger.world.people_b
    book = Material.objects.create(title="选读")
    for i in range(6):
        more = _activity(ledger.world, ledger.world.branch_b, "weekly_meeting", AS_OF, topic=f"加{i}")
        _attend(more, b, absent=(b[i % 4],), invited=(a[i],))
        Speech.objects.create(activity=more, member=b[0], gist="发言")
        more.materials.add(book)
    activity_counts_refresh()
    assert queries() == before


def test_a_branch_ledger_holds_only_its_subtree(ledger, tmp_path):
    _, _, rows, _ = _open(ledger, "matters", tmp_path, org=ledger.world.branch_a)
    assert {r["项目名称"] for r in rows} == {"窗口延时服务", "停车位"}
    _, _, rows, _ = _open(ledger, "institutions", tmp_path, org=ledger.world.branch_b)
    assert rows == [
        {
            "序号": 1,
            "制度名称": "会议制度",
            "类型": "完善",
            "制定单位": "乙支部",
            "文号": "",
            "印发日期": "",
            "主要内容": "",
            "关联问题编号": "P5",
        }
    ]


def test_the_ledger_command_writes_and_audits_the_export(ledger, tmp_path):
    out = tmp_path / "s.xlsx"
    stdout = StringIO()
    call_command("ledger", "study", "--campaign", "wc", "--org", "WA", "--out", str(out), stdout=stdout)
    assert "3 行" in stdout.getvalue()
    entry = AuditLog.objects.filter(action="export").latest("at")
    assert entry.detail["ledger"] == "study" and entry.detail["org"] == "WA"
