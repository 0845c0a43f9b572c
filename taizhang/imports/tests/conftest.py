"""Fixtures for the import tests: workbooks built from plain lists, and an import runner."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest

from taizhang.imports.schema import SHEETS_BY_NAME


def workbook(
    sheets: dict[str, list[list[Any]]], *, headers: dict[str, list[str]] | None = None, title_rows: int = 0
) -> bytes:
    """A workbook with one sheet per entry: the sheet's own headers (DESIGN.md order) then the rows.

    `headers` overrides the header row of a sheet; `title_rows` puts that many title rows above it."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for i in range(title_rows):
            ws.append([f"{name}台账（标题行 {i + 1}）"])
        spec = SHEETS_BY_NAME.get(name)
        if headers and name in headers:
            ws.append(headers[name])
        elif spec is not None:
            ws.append([c.header for c in spec.all_columns])
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def make_workbook():
    return workbook


def run(
    data: bytes,
    *,
    user: Any = None,
    dry_run: bool = False,
    file_name: str = "台账.xlsx",
    command_line: bool = True,
):
    """An import as `taizhang import [--user …]` runs it (the web's own rules: test_views, test_closed_problems)."""
    from taizhang.imports.services import import_workbook

    return import_workbook(
        data=data, file_name=file_name, user=user, dry_run=dry_run, command_line=command_line
    )


@pytest.fixture
def run_import():
    return run


D = date
DT = datetime


def full_sheets() -> dict[str, list[list[Any]]]:
    """Every sheet, with rows that fit the `world` fixture's units and people."""
    return {
        "组织": [["WA-2", "甲支部第二小组", "WA", "党小组"], ["WC", "丙支部", "W", "党支部"]],
        "党员": [
            ["丙一", "WC", "男", "", "13800000001", "正式党员", "2001-07-01", "支部书记", "信息中心"],
            ["丙二", "WC", "女", "", "", "预备党员", "2023-06-30", "科员", "信息中心"],
            ["甲新", "WA-2", "男", "", "", "", "", "", ""],
        ],
        "学习教育": [["dj24", "2024年党纪学习教育", "2024-04-01", "2024-07-31", "W"]],
        "学习活动": [
            [
                "2023-09-05",
                "WA",
                "支部集中学习",
                "学习二十大",
                "会议室",
                "甲0号",
                "全体",
                "甲2号（出差）",
                "甲0号、甲1号",
                "选读",
                "",
            ],
            [
                "2023-10-08",
                "WA",
                "读书班",
                "读书班第一期",
                "",
                "",
                "甲0号、甲1号、甲3号、甲新",
                "甲4号（陪护家人）",
                "甲3号（谈体会）",
                "",
                "",
            ],
            ["2023-11-01", "WC", "主题党日", "重温誓词", "", "", "丙一、丙二", "", "丙一", "", ""],
            ["2024-05-10", "WB", "党课", "纪律党课", "", "", "全体", "", "", "", ""],
            ["2022-05-10", "WB", "其他", "期外活动", "", "", "乙0号", "", "", "", ""],
        ],
        "个人自学": [
            ["2023-09-06", "甲1号", "WA", "选读第二卷", 60, "原著", "体会"],
            ["2023-09-07", "丙二", "WC", "学习强国专题", "45", "学习强国", ""],
            ["2024-05-01", "乙1号", "WB", "条例", 30, "线上", ""],
        ],
        "调研": [
            ["2023-10-12", "WA", "营商环境", "大厅", "甲0号", "甲0号、甲1号、街道干部", "排队久\n材料多"]
        ],
        "群众诉求": [
            ["2023-10-12", "WA", "张大爷", "路灯不亮", "已修复", "是"],
            ["2023-10-13", "WB", "", "停车难", "", "否"],
        ],
        "办实事": [
            ["修路灯", "WA", "小区居民", "甲0号", "2023-12-31", "已办结", "2023-11-30", "亮了", "wc"],
            ["建车棚", "WB", "职工", "乙0号", "2024-01-20", "推进中", "", ""],
        ],
        "问题清单": [
            [
                "WT-001",
                "WA",
                "工作作风",
                "征求意见",
                "服务不主动",
                "限期整改",
                "甲0号",
                "办公室",
                "甲1号",
                "2023-12-31",
                "已销号",
                "2023-12-20",
                "wc",
            ],
            [
                "WT-002",
                "WA",
                "理论学习",
                "专题会议",
                "学习不深",
                "长期坚持",
                "",
                "",
                "",
                "2023-10-01",
                "整改中",
                "",
                "wc",
            ],
            ["WT-003", "WB", "廉洁自律", "上级反馈", "制度执行不严", "", "", "", "", "", "待审核", ""],
        ],
        "整改措施": [
            ["WT-001", "首问负责", "甲1号", "2023-11-30", "已完成", "2023-11-20"],
            ["WT-002", "制定学习计划", "", "2023-09-30", "未完成", ""],
        ],
        "制度": [
            ["首问负责制", "新建", "WA", "2023-11-20", "WT-001", "wc"],
            ["学习制度", "完善", "WA", "", "WT-001、WT-002"],
        ],
        "工作任务": [
            ["召开动员会", "W", "2023-09-05", "规定动作", "甲0号", "办公室", "已完成", "2023-09-05"],
            ["开展调研", "WA", "2023-10-31", "特色做法", "", "", "进行中", ""],
            ["总结评估", "W", "2024-01-20", "", "", "", "未开始", ""],
        ],
    }


def snapshot() -> dict[str, int]:
    """Row counts of every table an import writes."""
    from taizhang.campaigns.models import Campaign
    from taizhang.core.models import Event
    from taizhang.org.models import Member, Organization
    from taizhang.outreach.models import Demand, Finding, PracticalMatter, ResearchVisit
    from taizhang.plans.models import PlanTask
    from taizhang.rectification.models import Institution, Measure, Problem
    from taizhang.study.models import Attendance, SelfStudy, Speech, StudyActivity

    models = (
        Organization,
        Member,
        Campaign,
        StudyActivity,
        Attendance,
        Speech,
        SelfStudy,
        ResearchVisit,
        Finding,
        Demand,
        PracticalMatter,
        Problem,
        Measure,
        Institution,
        PlanTask,
        Event,
    )
    counts = {m.__name__: m.objects.count() for m in models}
    counts["visit_participants"] = ResearchVisit.participants.through.objects.count()
    counts["institution_problems"] = Institution.problems.through.objects.count()
    return counts
