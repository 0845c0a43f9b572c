"""The workbook's shape (DESIGN.md "Import"): sheets in the order they are applied, their columns, and
the vocabularies of the choice columns.

One source for everything that reads or writes the workbook: the reader (headers), the sheet
handlers (values), the template (headers, drop-downs, 填表说明), the failed-rows workbook and the
exporter. Vocabularies come from the models' choices, so a label changed there changes here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from taizhang.imports.cells import normalise_label
from taizhang.org.models import Member, Organization
from taizhang.outreach.models import PracticalMatter
from taizhang.plans.models import PlanTask
from taizhang.rectification.models import Institution, Measure, Problem
from taizhang.study.models import Attendance, SelfStudy

CAMPAIGN_COLUMN = "学习教育编码"


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False
    choices: tuple[str, ...] = ()  # labels offered in the drop-down and listed in 填表说明
    width: int = 14
    date: bool = False
    hint: str = ""


@dataclass(frozen=True)
class SheetSpec:
    key: str
    name: str
    columns: tuple[Column, ...]
    natural_key: str  # how a row finds the record it updates (填表说明, README)
    campaign_column: bool = True
    extra_columns: tuple[Column, ...] = field(default=())

    @property
    def all_columns(self) -> tuple[Column, ...]:
        cols = self.columns
        if self.campaign_column:
            cols = (*cols, Column(CAMPAIGN_COLUMN, "campaign", width=14, hint="可不填，见“归属学习教育”"))
        return cols

    def column(self, key: str) -> Column:
        return next(c for c in self.all_columns if c.key == key)


def _labels(choices: type[models.TextChoices]) -> dict[str, str]:
    return {normalise_label(label): value for value, label in choices.choices}


def vocabulary(choices: type[models.TextChoices], **synonyms: str) -> dict[str, str]:
    """Label → stored value, primary labels first (shown to users), then synonyms (accepted)."""
    mapping = _labels(choices)
    for value, words in synonyms.items():
        for word in words.split():
            mapping.setdefault(normalise_label(word), value)
    return mapping


ORG_KINDS = vocabulary(Organization.Kind, committee="机关党委 党工委", general_branch="总支", branch="支部")
GENDERS = vocabulary(Member.Gender, male="男性", female="女性")
CATEGORIES = vocabulary(Member.Category, full="正式", probationary="预备")
CHANNELS = vocabulary(SelfStudy.Channel, xuexi="学习强国APP 强国", online="网络 网上", original="原文 书籍")
MATTER_STATUSES = vocabulary(PracticalMatter.Status, done="已完成 办结 完成", in_progress="进行中")
PROBLEM_CATEGORIES = vocabulary(Problem.Category)
PROBLEM_SOURCES = vocabulary(Problem.Source, inspection="巡视 巡察", opinions="征求意见建议")
PROBLEM_TYPES = vocabulary(Problem.Type)
PROBLEM_STATUSES = vocabulary(Problem.Status, closed="销号 已整改", in_progress="正在整改", open="未整改")
MEASURE_STATUSES = vocabulary(Measure.Status, done="完成", pending="进行中 整改中")
INSTITUTION_KINDS = vocabulary(Institution.Kind, new="新制定 制定", improved="修订 修改完善")
TASK_KINDS = vocabulary(PlanTask.Kind)
TASK_STATUSES = vocabulary(PlanTask.Status, in_progress="推进中", done="已办结")

# Words in brackets after an absent name → Attendance.Reason. Anything else is 其他 with the words kept.
ABSENCE_REASONS = {
    **{normalise_label(label): value for value, label in Attendance.Reason.choices},
    "因公出差": "trip",
    "外出": "trip",
    "病": "sick",
    "生病": "sick",
    "住院": "sick",
    "请假": "personal",
    "有事": "personal",
    "因事": "personal",
    "公差": "official",
    "开会": "official",
    "参加会议": "official",
    "学习培训": "training",
    "外出培训": "training",
    "学习": "training",
}
INVITED_WORDS = frozenset({"列席", "特邀", "指导", "上级指导", "参会指导"})


def primary_labels(mapping: dict[str, str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for label, value in mapping.items():
        seen.setdefault(value, label)
    return tuple(seen.values())


DATE_HINT = "如 2023-09-05、2023/9/5、2023.9.5 或 2023年9月5日"
NAMES_HINT = "姓名之间用顿号、逗号、分号或空格分隔"

SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(
        "org",
        "组织",
        (
            Column("组织编码", "code", True, hint="唯一，如 JDW01"),
            Column("组织名称", "name", True, width=24),
            Column("上级组织编码", "parent", hint="党委可不填"),
            Column("组织类型", "kind", True, primary_labels(ORG_KINDS)),
        ),
        natural_key="组织编码：已有的组织按编码更新名称和类型",
        campaign_column=False,
    ),
    SheetSpec(
        "member",
        "党员",
        (
            Column("姓名", "name", True),
            Column("所在组织编码", "org", True),
            Column("性别", "gender", choices=primary_labels(GENDERS)),
            Column("身份证号", "id_number", width=22, hint="填写后按身份证号识别同一人"),
            Column("手机号", "phone"),
            Column("党员类别", "category", choices=primary_labels(CATEGORIES), hint="不填为正式党员"),
            Column("入党日期", "joined_on", date=True),
            Column("职务", "post", width=20),
            Column("所在处室", "department"),
            Column(
                "是否在册",
                "active",
                choices=("是", "否"),
                hint="不填为是；已转出的党员填否（其历史记录照常导入）",
            ),
        ),
        natural_key="有身份证号时按身份证号识别同一人，否则按“姓名 + 所在组织”识别；已有的党员更新所填的项目",
        campaign_column=False,
    ),
    SheetSpec(
        "campaign",
        "学习教育",
        (
            Column("编码", "code", True, hint="如 zt2023b2"),
            Column("名称", "name", True, width=24),
            Column("开始日期", "start_date", True, date=True),
            Column("结束日期", "end_date", True, date=True),
            Column("组织编码", "org", True, hint="组织开展的单位，其下级组织都参加"),
        ),
        natural_key="编码",
        campaign_column=False,
    ),
    SheetSpec(
        "activity",
        "学习活动",
        (
            Column("日期", "date", True, date=True),
            Column("组织编码", "org", True),
            Column("活动类型", "type", True, width=18),
            Column("主题", "topic", True, width=30),
            Column("地点", "place"),
            Column("主持人", "host"),
            Column(
                "参加人员",
                "present",
                True,
                width=40,
                hint="“全体”表示本组织及下级组织全体在册党员（缺席的除外）",
            ),
            Column("缺席人员", "absent", width=24, hint="原因写在括号里，如 张三（出差）"),
            Column("发言人员", "speakers", width=24, hint="须是参加人员；括号里可写发言要点"),
            Column("学习内容", "materials", width=30),
            Column("备注", "note", width=20),
        ),
        natural_key="组织 + 日期 + 活动类型 + 主题：同一活动再次导入时补充考勤和发言，不会重复",
    ),
    SheetSpec(
        "selfstudy",
        "个人自学",
        (
            Column("日期", "date", True, date=True),
            Column("姓名", "name", True),
            Column("组织编码", "org", True),
            Column("学习内容", "material", True, width=30),
            Column("时长（分钟）", "minutes", True),
            Column("学习方式", "channel", choices=primary_labels(CHANNELS), hint="不填为原著"),
            Column("心得体会", "notes", width=30),
        ),
        natural_key="党员 + 日期 + 学习内容",
    ),
    SheetSpec(
        "visit",
        "调研",
        (
            Column("日期", "date", True, date=True),
            Column("组织编码", "org", True),
            Column("调研课题", "subject", True, width=30),
            Column("地点", "place"),
            Column("带队领导", "leader"),
            Column("参加人员", "participants", width=30, hint="本组织党员之外的人员记入“其他参加人员”"),
            Column("发现问题", "findings", width=30, hint="多条问题分行填写"),
        ),
        natural_key="组织 + 日期 + 调研课题",
    ),
    SheetSpec(
        "demand",
        "群众诉求",
        (
            Column("日期", "date", True, date=True),
            Column("组织编码", "org", True),
            Column("诉求人", "raised_by", hint="可不填（匿名）"),
            Column("诉求内容", "content", True, width=30),
            Column("办理情况", "response", width=30),
            Column("是否解决", "resolved", choices=("是", "否"), hint="不填为否"),
        ),
        natural_key="组织 + 日期 + 诉求内容",
    ),
    SheetSpec(
        "matter",
        "办实事",
        (
            Column("项目名称", "title", True, width=30),
            Column("组织编码", "org", True),
            Column("服务对象", "beneficiaries"),
            Column("责任人", "owner"),
            Column("计划完成日期", "due_date", date=True),
            Column("状态", "status", True, primary_labels(MATTER_STATUSES)),
            Column("完成日期", "done_on", date=True),
            Column("成效", "outcome", width=30),
        ),
        natural_key="学习教育 + 组织 + 项目名称",
    ),
    SheetSpec(
        "problem",
        "问题清单",
        (
            Column("问题编号", "code", True, hint="同一学习教育内唯一，如 WT-001"),
            Column("组织编码", "org", True),
            Column("问题类别", "category", True, primary_labels(PROBLEM_CATEGORIES)),
            Column("问题来源", "source", True, primary_labels(PROBLEM_SOURCES)),
            Column("问题描述", "description", True, width=40),
            Column(
                "整改类型", "rectification_type", choices=primary_labels(PROBLEM_TYPES), hint="不填为限期整改"
            ),
            Column("责任领导", "leader"),
            Column("责任部门", "dept"),
            Column("责任人", "person"),
            Column("整改时限", "deadline", date=True),
            Column(
                "状态",
                "status",
                True,
                primary_labels(PROBLEM_STATUSES),
                hint="导入为已销号即为销号，导入人须是该组织的审核领导（服务器命令行导入除外）",
            ),
            Column("销号日期", "closed_on", date=True, hint="状态为已销号时必填"),
        ),
        natural_key="学习教育 + 问题编号",
    ),
    SheetSpec(
        "measure",
        "整改措施",
        (
            Column("问题编号", "problem", True, hint="须是问题清单或系统中已有的问题"),
            Column("措施内容", "content", True, width=40),
            Column("责任人", "owner"),
            Column("完成时限", "deadline", date=True),
            Column("状态", "status", True, primary_labels(MEASURE_STATUSES)),
            Column("完成日期", "done_on", date=True, hint="状态为已完成时必填"),
        ),
        natural_key="问题 + 措施内容",
    ),
    SheetSpec(
        "institution",
        "制度",
        (
            Column("制度名称", "name", True, width=30),
            Column("类型", "kind", True, primary_labels(INSTITUTION_KINDS)),
            Column("组织编码", "org", True),
            Column("印发日期", "issued_on", date=True),
            Column("关联问题编号", "problems", width=20, hint="多个编号用顿号分隔"),
        ),
        natural_key="学习教育 + 组织 + 制度名称",
    ),
    SheetSpec(
        "task",
        "工作任务",
        (
            Column("任务名称", "title", True, width=30),
            Column("组织编码", "org", True),
            Column("计划日期", "planned", True, date=True),
            Column("任务类型", "kind", choices=primary_labels(TASK_KINDS), hint="不填为规定动作"),
            Column("牵头领导", "leader"),
            Column("责任部门", "dept"),
            Column("状态", "status", True, primary_labels(TASK_STATUSES)),
            Column("完成日期", "done_on", date=True, hint="状态为已完成时必填"),
        ),
        natural_key="学习教育 + 组织 + 任务名称",
    ),
)

SHEETS_BY_KEY = {s.key: s for s in SHEETS}
SHEETS_BY_NAME = {s.name: s for s in SHEETS}
SHEET_NAMES = tuple(s.name for s in SHEETS)
GUIDE_SHEET = "填表说明"
OPTIONS_SHEET = "选项"  # hidden sheet holding the drop-down lists of the template
FAILED_COLUMN = "失败原因"


def sheet_for(name_or_key: str) -> SheetSpec | None:
    """A sheet by its Chinese name or English key (used by the export URL's ?sheet=)."""
    cleaned = normalise_label(name_or_key)
    return SHEETS_BY_KEY.get(name_or_key) or SHEETS_BY_NAME.get(cleaned)
