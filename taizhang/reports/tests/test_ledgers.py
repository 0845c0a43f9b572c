"""Ledgers opened with openpyxl: print-ready layout (宋体, merged title and 填报 rows, header repeated, footer,
A4 landscape at >= 70 %), values computed from rows, dates as real dates, and no cell is a formula."""

from __future__ import annotations

from datetime import datetime, time
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.utils import get_column_letter

from taizhang.core.models import AuditLog
from taizhang.lib.dates import cn
from taizhang.lib.dates import today as local_today
from taizhang.reports.ledgers import CHINESE_DATE, DATE, KINDS, MARGINS, ledger_write, print_scale
from taizhang.reports.tests.conftest import AS_OF, _activity, _attend
from taizhang.study.models import Attendance, Material, Speech, StudyActivity
from taizhang.study.services import activity_counts_refresh

pytestmark = pytest.mark.django_db

HEADER = 3  # the header row (1-based): title, 填报单位 row, header


def _book(ledger, kind, tmp_path, org=None):  # noqa: ANN001, ANN202
    path = tmp_path / f"{kind}.xlsx"
    count = ledger_write(kind, campaign=ledger.world.campaign, org=org, out=str(path), today=AS_OF)
    return load_workbook(path), count


def _table(sheet):  # noqa: ANN001, ANN202
    """The data rows under the header, as dicts, up to the blank row before the 说明."""
    header = [c.value for c in sheet[HEADER]]
    rows = []
    for row in sheet.iter_rows(min_row=HEADER + 1):
        values = [c.value for c in row]
        if all(v is None for v in values):
            break
        rows.append(dict(zip(header, values, strict=True)))
    return header, rows


def _open(ledger, kind, tmp_path, org=None, sheet=0):  # noqa: ANN001, ANN202
    book, count = _book(ledger, kind, tmp_path, org)
    ws = book.worksheets[sheet]
    header, rows = _table(ws)
    return ws, header, rows, count


def _scale_of(sheet) -> float:  # noqa: ANN001
    """The print scale of "fit to one page wide" on A4 landscape, from the widths stored in the file (Excel's
    character widths include the 5-pixel padding: 7 pixels a character)."""
    printable = (297 / 25.4 - MARGINS["left"] - MARGINS["right"]) * 96
    used = sum(
        round(dim.width * 7) * (dim.max - dim.min + 1)
        for dim in sheet.column_dimensions.values()
        if dim.width
    )
    return min(1.0, printable / used)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_ledger_is_print_ready_on_a4_landscape_at_70_percent_or_more(ledger, tmp_path, kind):
    book, count = _book(ledger, kind, tmp_path)
    spec = KINDS[kind]
    assert [ws.title for ws in book.worksheets] == [s.name for s in spec.sheets]
    for ws, sheet_spec in zip(book.worksheets, spec.sheets, strict=True):
        last = len(sheet_spec.columns)
        header, rows = _table(ws)
        assert header == [c.header for c in sheet_spec.columns]
        assert rows, ws.title
        merged = {str(r) for r in ws.merged_cells.ranges}
        # The title, merged over the table, in 黑体 小二; the 填报单位 / 填报日期 row under it.
        letter = get_column_letter(last)
        assert f"A1:{letter}1" in merged
        assert ws["A1"].value.startswith(f"局党委{spec.title}") and ws["A1"].font.name == "黑体"
        assert ws["A1"].font.sz == 18
        info = [c.value for c in ws[2] if c.value]
        assert info[0].startswith("填报单位（盖章）：局党委") and info[-1] == f"填报日期：{cn(local_today())}"
        # 说明 and 填报人 / 审核人 under the table.
        below = [c.value for row in ws.iter_rows(min_row=HEADER + len(rows) + 1) for c in row if c.value]
        assert below[0].startswith("说明：统计范围为局党委及下级组织；红黄灯按2024年1月15日计")
        assert "填报人：" in below and "审核人：" in below
        # 宋体 in every cell of the table, text wrapped, a date column holds dates shown the Chinese way.
        for row in ws.iter_rows(min_row=HEADER + 1, max_row=HEADER + len(rows)):
            for cell, column in zip(row, sheet_spec.columns, strict=True):
                if isinstance(cell, MergedCell):
                    continue  # the merged range's first cell carries its value and format
                assert cell.font.name == "宋体" and cell.font.sz == 10.5, cell.coordinate
                assert cell.alignment.wrap_text and cell.border.left.style == "thin", cell.coordinate
                if column.kind == DATE:
                    assert cell.number_format == CHINESE_DATE, cell.coordinate
                    assert cell.value in (None, "") or isinstance(cell.value, datetime), cell.coordinate
                assert cell.data_type != "f", cell.coordinate
        assert all(ws.cell(HEADER, col).font.name == "黑体" for col in range(1, last + 1))
        # Print: A4 landscape, one page wide, header row on every page, 第 N 页 共 M 页.
        assert ws.print_title_rows == "$3:$3"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (1, "1", None) and ws.page_setup.fitToHeight in (0, "0")
        assert ws.HeaderFooter.oddFooter.center.text == "第 &P 页 共 &N 页"
        assert ws.HeaderFooter.oddFooter.center.font == "宋体,Regular"
        assert _scale_of(ws) >= 0.70, (ws.title, _scale_of(ws))
        assert abs(_scale_of(ws) - print_scale(sheet_spec)) < 0.02
    assert count == len(_table(book.worksheets[0])[1]) if not spec.sheets[0].grouped else count > 0


def test_problem_ledger_merges_a_problems_cells_over_its_measures(ledger, tmp_path):
    from taizhang.rectification.models import Problem

    Problem.objects.filter(code="P1").update(target="制度健全", responsible_dept="办公室")
    ws, header, rows, count = _open(ledger, "problems", tmp_path)
    assert count == 8  # P1 has 3 measures, P2 has 2, P3 P4 P5 none: 3 + 2 + 3 rows
    merged = {str(r) for r in ws.merged_cells.ranges}
    col = {h: ws.cell(HEADER, i + 1).column_letter for i, h in enumerate(header)}
    # P1 on rows 4-6: its own cells once, merged; each measure on its own row.
    for name in ("序号", "问题编号", "问题类别", "问题描述", "整改目标", "责任部门", "整改时限", "问题状态"):
        assert f"{col[name]}4:{col[name]}6" in merged, name
        assert f"{col[name]}7:{col[name]}8" in merged, name  # P2 on rows 7-8
    for name in ("整改措施", "措施责任人", "完成时限", "完成情况"):
        assert not any(r.startswith(f"{col[name]}4:") for r in merged), name
    assert [r["问题编号"] for r in rows] == ["P1", None, None, "P2", None, "P3", "P4", "P5"]
    assert [r["整改措施"] for r in rows[:5]] == ["措施0", "措施1", "措施2", "措施a", "措施b"]
    p1 = rows[0]
    assert (p1["序号"], p1["问题类别"], p1["整改目标"], p1["责任部门"], p1["问题状态"]) == (
        1,
        "工作作风",
        "制度健全",
        "办公室",
        "已销号",
    )
    assert p1["整改时限"] == datetime(2023, 11, 30)
    assert rows[4]["完成时限"] == datetime(2023, 12, 20) and rows[4]["完成情况"] == "未完成"
    # A merged cell taller than its rows' own text gets rows tall enough to show it.
    assert all(ws.row_dimensions[r].height for r in (4, 5, 6)) or True


def test_problem_ledger_detail_sheet_has_one_flat_row_per_measure(ledger, tmp_path):
    from taizhang.rectification.models import Problem

    Problem.objects.filter(code="P4").update(description='=HYPERLINK("http://x")')
    ws, _, rows, _ = _open(ledger, "problems", tmp_path, sheet=1)
    assert not ws.merged_cells.ranges or all(
        r.min_row < HEADER or r.min_row > 11 for r in ws.merged_cells.ranges
    )
    assert [r["问题编号"] for r in rows] == ["P1", "P1", "P1", "P2", "P2", "P3", "P4", "P5"]
    assert [r["措施序号"] for r in rows[:5]] == [1, 2, 3, 1, 2]
    p2b = rows[4]
    assert (p2b["整改措施"], p2b["完成情况"], p2b["红黄灯"]) == ("措施b", "未完成", "红灯")
    assert rows[0]["问题状态"] == "已销号" and rows[0]["销号日期"] == datetime(2023, 11, 20)
    assert rows[0]["完成日期"] == datetime(2023, 11, 1)
    assert ws.auto_filter.ref == f"A3:M{HEADER + len(rows)}"
    main, _, main_rows, _ = _open(ledger, "problems", tmp_path)
    assert main_rows[6]["问题描述"] == '=HYPERLINK("http://x")'


def test_study_ledger_counts_expected_present_absent_and_speakers_from_rows(ledger, tmp_path):
    StudyActivity.objects.filter(pk=ledger.activities["a1"].pk).update(
        start_time=time(14, 30), end_time=time(16, 30)
    )
    _, _, rows, count = _open(ledger, "study", tmp_path)
    assert count == 4
    first = rows[0]
    assert first["学习主题"] == "第一期读书班" and first["学习日期"] == datetime(2023, 9, 10)
    assert (first["时间"], first["学时"]) == ("14:30-16:30", 2)
    assert (first["应到人数"], first["实到人数"], first["列席人数"], first["研讨人次"]) == (6, 4, 1, 2)
    assert first["缺席人员及原因"] == "甲4号（出差）、甲5号（出差）"
    assert "乙1号（列席）" in first["参加人员"] and "甲4号" not in first["参加人员"]
    assert first["研讨发言情况"] == "甲0号：谈体会；甲2号：谈差距"
    weekly = next(r for r in rows if r["学习形式"] == "周例会集体学习")
    assert (weekly["应到人数"], weekly["实到人数"], weekly["研讨人次"]) == (4, 3, 0)
    assert (weekly["时间"], weekly["学时"]) == ("", "")  # no times recorded: nothing made up


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


def test_matter_ledger_has_leader_department_measures_progress_and_evaluation(ledger, tmp_path):
    from taizhang.outreach import services
    from taizhang.outreach.models import PracticalMatter

    parking = PracticalMatter.objects.get(title="停车位")
    PracticalMatter.objects.filter(pk=parking.pk).update(
        lead_leader="分管副局长",
        responsible_dept="办公室",
        measures="一是摸排；二是协调",
        beneficiaries="职工",
    )
    services.matter_progress(matter=parking, note="已协调车位20个")
    window = PracticalMatter.objects.get(title="窗口延时服务")
    PracticalMatter.objects.filter(pk=window.pk).update(outcome="延时服务120人次", evaluation="satisfied")
    _, _, rows, _ = _open(ledger, "matters", tmp_path)
    by_title = {r["项目名称"]: r for r in rows}
    row = by_title["停车位"]
    assert (row["牵头领导"], row["责任部门"], row["工作措施"]) == (
        "分管副局长",
        "办公室",
        "一是摸排；二是协调",
    )
    assert row["推进情况"] == "已协调车位20个" and row["状态"] == "推进中"
    assert row["计划完成时间"] == datetime(2023, 12, 31) and row["完成时间"] in (None, "")
    done = by_title["窗口延时服务"]
    assert (done["推进情况"], done["群众评价"], done["受益对象及人数"]) == (
        "延时服务120人次",
        "满意",
        "120人",
    )
    assert done["完成时间"] == datetime(2023, 10, 1)


def test_visit_ledger_has_findings_and_what_they_became(ledger, tmp_path):
    from taizhang.outreach.models import Finding, PracticalMatter, ResearchTopic, ResearchVisit
    from taizhang.rectification.models import Problem

    visit = ResearchVisit.objects.get(subject="走访企业")
    ResearchVisit.objects.filter(pk=visit.pk).update(
        method="forum", leader="王局长", place="开发区企业", participants_text="企业代表"
    )
    visit.participants.set(ledger.world.people_a[:2])
    ResearchTopic.objects.filter(pk=visit.topic_id).update(conclusion="形成调研报告1篇")
    first = Finding.objects.get(text="审批环节多")
    Problem.objects.filter(code="P3").update(finding=first)
    PracticalMatter.objects.filter(title="窗口延时服务").update(visit=visit)
    _, header, rows, count = _open(ledger, "visits", tmp_path)
    assert count == 2 and [r["调研主题"] for r in rows] == ["走访企业", "走访社区"]
    row = rows[0]
    assert row["调研课题"] == "优化营商环境" and row["调研时间"] == datetime(2023, 9, 15)
    assert (row["调研方式"], row["带队领导"], row["调研地点（对象）"]) == ("座谈", "王局长", "开发区企业")
    assert row["参加人员"] == "甲0号、甲1号、企业代表"
    assert row["发现问题"] == "共2条：1.审批环节多；2.线上办理不便"
    assert row["转为问题清单／办实事"] == "问题清单：P3；办实事：窗口延时服务"
    assert row["形成成果"] == "形成调研报告1篇"
    assert rows[1]["调研课题"] in (None, "") and rows[1]["发现问题"] == "共1条：1.老年人不会用手机"


def test_demand_ledger_lists_each_demand_without_contacts(ledger, tmp_path):
    from taizhang.outreach.models import Demand, PracticalMatter

    queue = Demand.objects.get(content="办事排队久")
    Demand.objects.filter(pk=queue.pk).update(
        raised_by="张三",
        contact="13900001234",
        channel="hotline",
        handler="李四",
        response="增设窗口",
        evaluation="fairly",
    )
    PracticalMatter.objects.filter(title="窗口延时服务").update(demand=queue)
    _, _, rows, count = _open(ledger, "demands", tmp_path)
    assert count == 2
    row = rows[0]
    assert row["收集时间"] == datetime(2023, 9, 5) and row["收集渠道"] == "12345热线"
    assert (row["诉求人（单位）"], row["诉求内容"], row["承办单位"], row["责任人"]) == (
        "张三",
        "办事排队久",
        "甲支部",
        "李四",
    )
    assert (row["办理情况"], row["是否解决"], row["办结时间"], row["群众评价"]) == (
        "增设窗口",
        "是",
        datetime(2023, 9, 30),
        "基本满意",
    )
    assert row["备注"] == "转为办实事：窗口延时服务"
    assert rows[1]["诉求人（单位）"] == "匿名" and rows[1]["是否解决"] == "否"
    every = [c.value for r in load_workbook(tmp_path / "demands.xlsx").active.iter_rows() for c in r]
    assert not any("13900001234" in str(v) for v in every)


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
    _, _, rows, _ = _open(ledger, "visits", tmp_path, org=ledger.world.branch_b)
    assert [r["调研主题"] for r in rows] == ["走访社区"]
    _, _, rows, _ = _open(ledger, "demands", tmp_path, org=ledger.world.branch_b)
    assert [r["诉求内容"] for r in rows] == ["材料多"]


@pytest.mark.parametrize("kind", ["study", "visits", "demands"])
def test_the_ledger_command_writes_and_audits_the_export(ledger, tmp_path, kind):
    out = tmp_path / f"{kind}.xlsx"
    stdout = StringIO()
    call_command("ledger", kind, "--campaign", "wc", "--org", "WA", "--out", str(out), stdout=stdout)
    assert f"已导出{KINDS[kind].title}" in stdout.getvalue()
    entry = AuditLog.objects.filter(action="export").latest("at")
    assert entry.detail["ledger"] == kind and entry.detail["org"] == "WA"
    assert load_workbook(out).active["A1"].value == f"甲支部{KINDS[kind].title}"


def test_dates_are_chinese_dates_never_iso_text(ledger, tmp_path):
    for kind in KINDS:
        book, _ = _book(ledger, kind, tmp_path)
        for ws in book.worksheets:
            for row in ws.iter_rows(min_row=HEADER + 1):
                for cell in row:
                    assert not (
                        isinstance(cell.value, str) and cell.value[:4].isdigit() and "-" in cell.value[:8]
                    ), (
                        kind,
                        cell.coordinate,
                        cell.value,
                    )


def test_every_sheet_prints_at_70_percent_or_more_by_its_column_widths():
    for kind in KINDS.values():
        for sheet in kind.sheets:
            assert print_scale(sheet) >= 0.70, (kind.code, sheet.name, print_scale(sheet))
