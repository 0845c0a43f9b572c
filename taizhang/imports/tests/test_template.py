"""The template: every sheet with its headers, the 填表说明 sheet, drop-downs, examples that are never imported."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from taizhang.imports.schema import SHEETS
from taizhang.imports.template import HEADER_ROW, template_workbook

TYPES = ["第一议题", "支部集中学习", "主题党日", "专项研讨（本次新增）"]


def _book() -> tuple[bytes, openpyxl.Workbook]:
    data = template_workbook(activity_types=TYPES)
    return data, openpyxl.load_workbook(io.BytesIO(data))


def test_every_sheet_is_there_with_its_headers_in_order():
    _, book = _book()
    assert book.sheetnames == ["填表说明", *[s.name for s in SHEETS], "选项"]
    assert book["选项"].sheet_state == "hidden"
    for spec in SHEETS:
        header = [c.value for c in book[spec.name][HEADER_ROW + 1] if c.value]
        assert header == [f"{c.header}*" if c.required else c.header for c in spec.all_columns], spec.name


def test_the_guide_lists_the_rules_and_allowed_values():
    _, book = _book()
    text = "\n".join(str(c.value) for row in book["填表说明"].iter_rows() for c in row if c.value)
    for expected in (
        "一次导入",
        "全体",
        "张三（出差）",
        "学习教育编码",
        "待整改、整改中、待审核、已销号",
        "未开始、推进中、已办结",
        "专项研讨（本次新增）",
        "问题编号",
        "2023年9月5日",
        "识别方式",
    ):
        assert expected in text, expected


def test_choice_columns_carry_drop_down_lists():
    data, _ = _book()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = {s.name: i for i, s in enumerate(SHEETS, start=2)}
        activity = package.read(f"xl/worksheets/sheet{names['学习活动']}.xml").decode()
        problems = package.read(f"xl/worksheets/sheet{names['问题清单']}.xml").decode()
    assert activity.count('type="list"') == 1 and "选项" in activity
    assert problems.count('type="list"') == 4  # 问题类别, 问题来源, 整改类型, 状态


def test_the_examples_above_the_header_are_never_imported(db, run_import):
    data, _ = _book()
    run = run_import(data, dry_run=True)
    assert run.status == "preview", run.errors
    assert all(
        figures == {"created": 0, "updated": 0, "unchanged": 0} or figures.get("created") == 0
        for key, figures in run.counts.items()
        if not key.startswith("_")
    )
