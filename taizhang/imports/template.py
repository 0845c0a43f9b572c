"""The import template (.xlsx): a 填表说明 sheet with the rules and allowed values, then every sheet of
DESIGN.md with its headers (required ones marked *), drop-down lists on the choice columns and two
example rows.

The examples sit ABOVE the header row, under a title row: the reader looks for the header among the
first rows and starts reading below it, so examples left in place are never imported.
"""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from taizhang.imports.schema import (
    CAMPAIGN_COLUMN,
    DATE_HINT,
    GUIDE_SHEET,
    NAMES_HINT,
    OPTIONS_SHEET,
    SHEETS,
    SheetSpec,
)
from taizhang.lib.xlsx import xlsxwriter_write_row, xlsxwriter_write_text

HEADER_ROW = 3  # 0-based: title, two examples, header
DATA_ROWS = 10000  # rows carrying the drop-down lists

EXAMPLES: dict[str, list[list[Any]]] = {
    "组织": [["JDW", "××局党委", "", "党委"], ["JDW01", "机关第一党支部", "JDW", "党支部"]],
    "党员": [
        ["张伟", "JDW01", "男", "", "13800000000", "正式党员", "2005-07-01", "支部书记", "人事处"],
        ["刘芳", "JDW01", "女", "", "", "预备党员", "2023年6月30日", "一级科员", "人事处"],
    ],
    "学习教育": [["zt2023b2", "2023年第二批主题教育", "2023-09-01", "2024-01-31", "JDW"]],
    "学习活动": [
        [
            "2023-09-05",
            "JDW01",
            "支部集中学习",
            "学习党的二十大精神",
            "三楼会议室",
            "张伟",
            "全体",
            "王强（出差）",
            "张伟、刘芳（结合岗位谈体会）",
            "《习近平著作选读》第一卷",
            "",
        ],
        [
            "2023/9/20",
            "JDW01",
            "主题党日",
            "重温入党誓词",
            "党员活动室",
            "张伟",
            "张伟、刘芳、王建国（列席）",
            "",
            "",
            "",
            "",
        ],
    ],
    "个人自学": [["2023-09-06", "刘芳", "JDW01", "《习近平著作选读》第二卷", 60, "原著", "学习体会……"]],
    "调研": [
        [
            "2023-10-12",
            "JDW01",
            "优化营商环境",
            "政务服务大厅",
            "王建国",
            "张伟、刘芳",
            "窗口排队时间长\n材料要求不一致",
        ]
    ],
    "群众诉求": [["2023-10-12", "JDW01", "某企业", "希望简化开办手续", "已推行一窗受理", "是"]],
    "办实事": [["企业开办一日办结", "JDW01", "新开办企业", "张伟", "2023-12-31", "推进中", "", ""]],
    "问题清单": [
        [
            "WT-001",
            "JDW01",
            "工作作风",
            "征求意见",
            "服务群众主动性不强",
            "限期整改",
            "王建国",
            "办公室",
            "张伟",
            "2023-12-31",
            "整改中",
            "",
        ],
    ],
    "整改措施": [["WT-001", "建立首问负责制", "张伟", "2023-11-30", "已完成", "2023-11-20"]],
    "制度": [["首问负责制实施办法", "新建", "JDW01", "2023-11-20", "WT-001"]],
    "工作任务": [
        ["召开动员部署会", "JDW", "2023-09-05", "规定动作", "王建国", "办公室", "已完成", "2023-09-05"]
    ],
}

RULES = [
    "本工作簿的每个工作表对应一类台账，按“组织 → 党员 → 学习教育 → 学习活动 …… → 工作任务”的顺序导入；不需要的工作表可以删除，工作表的先后顺序不限。",
    "每个工作表的表头行必须保留（可在表头上方加标题行）；带 * 的列必填。每个工作表第 2、3 行的灰色示例位于表头之上，不会被导入。",
    "整个工作簿一次导入：只要有一处错误，就什么也不写入，并一次列出全部错误（工作表、行号、列、内容和原因），还可以下载带“失败原因”列的失败行工作簿。",
    "可以先“预览”：只校验，显示每个工作表将新增、更新多少条记录，确认后再导入。",
    "同一工作簿重复导入不会产生重复记录：各表按下面的“识别方式”找到已有记录并更新；单元格留空的项目保持系统中原有的值。",
    f"日期可以是 Excel 日期，也可以写作 {DATE_HINT[2:]}。数字可以是全角数字，单元格中多余的空格会被忽略。",
    f"参加人员、缺席人员、发言人员填写姓名，{NAMES_HINT}；在活动所属组织及其下级组织的党员中查找，查不到或有重名时报错并指出是哪一个姓名。",
    "参加人员写“全体”表示该组织及其下级组织的全体在册党员（缺席人员除外）；姓名后加“（列席）”表示列席人员，可以是上级组织的党员。",
    "缺席人员可在姓名后的括号中写原因，如“张三（出差）”；出差、病假、事假、公务、培训会记为对应原因，其他内容记为“其他”并保留原文。",
    f"归属学习教育：可在“{CAMPAIGN_COLUMN}”列填写编码；不填时，有日期的记录（学习活动、个人自学、调研、群众诉求、工作任务）归入所属组织参加的、日期在其期间内的学习教育，没有日期的记录（办实事、问题清单、制度）归入所属组织最近的学习教育，整改措施跟随其问题；都不符合的照样导入，但不计入任何学习教育的统计。",
    "公式单元格按 Excel 保存时的计算结果读取，不会执行公式；没有计算结果的公式会报错。",
]


def template_workbook(*, activity_types: list[str]) -> bytes:
    """The template as bytes. `activity_types`: names offered in the 活动类型 drop-down."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    fmt = _formats(book)
    guide = book.add_worksheet(GUIDE_SHEET)
    sheets = {spec.name: book.add_worksheet(spec.name) for spec in SHEETS}
    options = book.add_worksheet(OPTIONS_SHEET)
    lists = _write_options(options, activity_types, fmt)
    options.hide()
    _write_guide(guide, activity_types, fmt)
    for spec in SHEETS:
        _write_sheet(book, sheets[spec.name], spec, lists, fmt)
    guide.activate()
    book.close()
    return out.getvalue()


def _formats(book: Any) -> dict[str, Any]:
    return {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "note": book.add_format({"font_color": "#595959", "italic": True}),
        "head": book.add_format(
            {"bold": True, "bg_color": "#F2F2F2", "border": 1, "align": "center", "valign": "vcenter"}
        ),
        "required": book.add_format(
            {
                "bold": True,
                "bg_color": "#FCE4D6",
                "font_color": "#B5121B",
                "border": 1,
                "align": "center",
                "valign": "vcenter",
            }
        ),
        "example": book.add_format({"font_color": "#808080", "italic": True, "text_wrap": True}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "bold": book.add_format({"bold": True}),
        "text": book.add_format({"num_format": "@"}),
    }


def _write_options(ws: Any, activity_types: list[str], fmt: dict[str, Any]) -> dict[str, str]:
    """Each choice list in its own column of the hidden 选项 sheet; returns header → range formula."""
    lists: dict[str, list[str]] = {"活动类型": activity_types}
    for spec in SHEETS:
        for column in spec.all_columns:
            if column.choices:
                lists[f"{spec.name}.{column.header}"] = list(column.choices)
    ranges = {}
    for col, (name, values) in enumerate(lists.items()):
        xlsxwriter_write_row(ws, 0, [name], fmt["bold"])
        for row, value in enumerate(values, start=1):
            xlsxwriter_write_text(ws, row, col, value)
        letter = xl_col_to_name(col)
        ranges[name] = f"='{OPTIONS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _write_sheet(book: Any, ws: Any, spec: SheetSpec, lists: dict[str, str], fmt: dict[str, Any]) -> None:
    columns = spec.all_columns
    ws.write_string(
        0,
        0,
        f"{spec.name}（带 * 的列必填；第 2、3 行为示例，位于表头之上，不会被导入；请从表头下一行起填写）",
        fmt["note"],
    )
    for offset, example in enumerate(EXAMPLES.get(spec.name, [])[:2], start=1):
        xlsxwriter_write_row(ws, offset, example, fmt["example"], fmt["example"])
    for col, column in enumerate(columns):
        header = f"{column.header}*" if column.required else column.header
        ws.write_string(HEADER_ROW, col, header, fmt["required"] if column.required else fmt["head"])
        ws.set_column(col, col, column.width, fmt["text"] if column.key in _TEXT_KEYS else None)
        if column.hint:
            ws.write_comment(HEADER_ROW, col, column.hint, {"x_scale": 1.6})
        source = (
            lists.get("活动类型")
            if column.key == "type" and spec.key == "activity"
            else lists.get(f"{spec.name}.{column.header}")
        )
        if source:
            ws.data_validation(
                HEADER_ROW + 1,
                col,
                HEADER_ROW + DATA_ROWS,
                col,
                {
                    "validate": "list",
                    "source": source,
                    # Campaign-specific activity types may be typed in; the other lists are closed.
                    "error_type": "warning" if column.key == "type" else "stop",
                    "error_title": "不在可选范围内",
                    "error_message": "请从下拉列表中选择（可选值见“填表说明”）",
                },
            )
        elif column.date:
            ws.data_validation(
                HEADER_ROW + 1,
                col,
                HEADER_ROW + DATA_ROWS,
                col,
                {"validate": "any", "input_title": "日期", "input_message": DATE_HINT},
            )
    ws.set_row(HEADER_ROW, 22)
    ws.freeze_panes(HEADER_ROW + 1, 0)


# Codes and ID / phone numbers stay text: Excel would turn 110105… into 1.10105E+17.
_TEXT_KEYS = {"code", "parent", "org", "id_number", "phone", "problem", "campaign"}


def _write_guide(ws: Any, activity_types: list[str], fmt: dict[str, Any]) -> None:
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 18)
    ws.set_column(2, 2, 8)
    ws.set_column(3, 3, 90)
    ws.write_string(0, 0, "台账导入模板 · 填表说明", fmt["title"])
    row = 2
    ws.write_string(row, 0, "一、规则", fmt["bold"])
    row += 1
    for number, rule in enumerate(RULES, start=1):
        ws.merge_range(row, 0, row, 3, f"{number}. {rule}", fmt["wrap"])
        ws.set_row(row, 32 if len(rule) > 70 else 18)
        row += 1
    row += 1
    ws.write_string(row, 0, "二、各工作表的列", fmt["bold"])
    row += 1
    xlsxwriter_write_row(ws, row, ["工作表", "列", "必填", "说明和可选值"], fmt["head"])
    row += 1
    for spec in SHEETS:
        first = True
        for column in spec.all_columns:
            notes = []
            if column.hint:
                notes.append(column.hint)
            if column.choices:
                notes.append("可选：" + "、".join(column.choices))
            if column.key == "type" and spec.key == "activity":
                notes.append("可选：" + "、".join(activity_types))
            if column.date:
                notes.append(DATE_HINT)
            xlsxwriter_write_row(
                ws,
                row,
                [
                    spec.name if first else "",
                    column.header,
                    "是" if column.required else "",
                    "；".join(notes),
                ],
                fmt["wrap"],
            )
            first = False
            row += 1
        xlsxwriter_write_row(ws, row, ["", "识别方式", "", spec.natural_key], fmt["note"])
        row += 1
    ws.activate()
