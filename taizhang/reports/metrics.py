"""The metric catalog: every figure the system shows comes from here (DESIGN.md, "Figures").

A metric is declared, not programmed: which rows it counts (model + filter), how (count, distinct count,
sum, ratio of two metrics), for which campaign and organization subtree. From that one declaration the
catalog derives:

    compute(campaign, org)        all values, with ONE aggregate query per model (about a dozen in all)
    rows(key, campaign, org)      the queryset of the rows behind a figure (drill-down, report appendix)
    ids(key, campaign, org)       their primary keys (frozen in report snapshots)
    breakdown(key, campaign, org, by="unit" | "month" | "quarter" | "type")
                                  the same figure grouped, again in one aggregate query

Keys are stable once published: drafts, saved fill templates and report snapshots refer to them.
"""

from __future__ import annotations

import re
from collections import OrderedDict, defaultdict
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.apps import apps
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, StrIndex, Substr, TruncMonth

from taizhang.lib.text import one_decimal


@dataclass(frozen=True)
class Source:
    """Rows of one model counted for a campaign and an organization subtree."""

    model: str  # "app_label.ModelName"
    campaign_field: str | None = "campaign"  # None: not tied to a campaign (members)
    org_field: str = "org"  # path to the Organization the row belongs to
    date_field: str | None = None  # for month / quarter breakdowns
    type_field: str | None = None  # for "type" breakdowns (a field holding a display name)
    status_field: str | None = None  # for "status" breakdowns
    title_field: str = ""  # what a row is called in drill-down lists
    link_field: str = ""  # the related object to link to when the row itself has no page

    @property
    def model_class(self) -> Any:
        return apps.get_model(self.model)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    rule: str
    unit: str
    source: Source | None = None
    filter: Q = field(default_factory=Q)
    # "count" rows, "distinct" values of distinct_field, "sum" of sum_field (scaled by `divide`)
    kind: str = "count"
    distinct_field: str = ""
    sum_field: str = ""
    divide: int = 1
    # ratio metrics: numerator / denominator × 100, one decimal (None when the denominator is 0)
    numerator: str = ""
    denominator: str = ""
    # filters that depend on the day the figures are taken ("overdue" …): a callable(as_of) -> Q
    as_of_filter: Any = None
    group: str = ""
    # Attendance and speech figures: the StudyActivity field that holds this figure per activity
    # (study.counts) and the filter on the activity that selects the same rows. Values and breakdowns
    # add up the activities' counts (100,000 at city scale) instead of counting the rows (2,000,000);
    # rows(), ids() and every drill-down still list the rows themselves.
    counter: str = ""
    counter_filter: Q = field(default_factory=Q)

    @property
    def is_ratio(self) -> bool:
        return bool(self.numerator)


ACTIVITY = Source("study.StudyActivity", date_field="date", type_field="type__name", title_field="topic")
ATTENDANCE = Source(
    "study.Attendance",
    campaign_field="activity__campaign",
    org_field="activity__org",
    date_field="activity__date",
    type_field="activity__type__name",
    status_field="status",
    title_field="member__name",
    link_field="activity",
)
SPEECH = Source(
    "study.Speech",
    campaign_field="activity__campaign",
    org_field="activity__org",
    date_field="activity__date",
    type_field="activity__type__name",
    title_field="member__name",
    link_field="activity",
)
SELF_STUDY = Source(
    "study.SelfStudy", date_field="date", type_field="channel", title_field="material", link_field="member"
)
VISIT = Source("outreach.ResearchVisit", date_field="date", title_field="subject")
TOPIC = Source("outreach.ResearchTopic", title_field="title")
FINDING = Source(
    "outreach.Finding",
    campaign_field="visit__campaign",
    org_field="visit__org",
    date_field="visit__date",
    title_field="text",
    link_field="visit",
)
DEMAND = Source(
    "outreach.Demand",
    date_field="raised_on",
    type_field="channel",
    status_field="resolved",
    title_field="content",
)
MATTER = Source(
    "outreach.PracticalMatter",
    date_field="done_on",
    type_field="status",
    status_field="status",
    title_field="title",
)
PROBLEM = Source(
    "rectification.Problem",
    date_field="closed_on",
    type_field="category",
    status_field="status",
    title_field="description",
)
MEASURE = Source(
    "rectification.Measure",
    campaign_field="problem__campaign",
    org_field="problem__org",
    date_field="done_on",
    status_field="status",
    title_field="content",
    link_field="problem",
)
INSTITUTION = Source(
    "rectification.Institution", date_field="issued_on", type_field="kind", title_field="name"
)
TASK = Source(
    "plans.PlanTask",
    org_field="org",
    date_field="planned_end",
    type_field="kind",
    status_field="status",
    title_field="title",
)
MEMBER = Source("org.Member", campaign_field=None, org_field="org", title_field="name")
SEAT = Source("campaigns.CampaignRole", org_field="member__org", title_field="member__name")
STUDY_PLAN = Source("plans.StudyPlan", type_field="level", title_field="title")
# Units themselves (silent branches): the row is the organization, its own path is the scope.
UNIT = Source("org.Organization", campaign_field=None, org_field="", type_field="kind", title_field="name")


def _type(code: str) -> Q:
    return Q(type__code=code)


def _activity_type(code: str) -> Q:
    return Q(activity__type__code=code)


def _overdue_problem(as_of: date) -> Q:
    return ~Q(status="closed") & Q(deadline__lt=as_of)


def _overdue_measure(as_of: date) -> Q:
    return ~Q(status="done") & Q(deadline__lt=as_of)


def _overdue_task(as_of: date) -> Q:
    return ~Q(status="done") & Q(planned_end__lt=as_of)


def _overdue_matter(as_of: date) -> Q:
    return ~Q(status="done") & Q(due_date__lt=as_of)


def silent_since(as_of: date, days: int | None = None) -> date:
    """The first day of the silent window: a unit is silent when it has no study activity in
    (as_of - days, as_of], i.e. the last `days` (TAIZHANG_SILENT_DAYS) days up to the as-of day."""
    from django.conf import settings

    days = settings.TAIZHANG_SILENT_DAYS if days is None else days
    return as_of - timedelta(days=days - 1)


def _recent_activity(as_of: date, days: int | None = None) -> Any:
    """Units of the outer unit's subtree holding a study activity inside the silent window (for Exists).

    Written unit-first (the subtree's few units by path, then each unit's activities by the (org, date)
    index) rather than activity-first: the database then never walks a month of the whole city's
    activities per branch."""
    from taizhang.org.models import Organization
    from taizhang.study.models import StudyActivity

    held = StudyActivity.objects.filter(
        org=OuterRef("pk"), date__gte=silent_since(as_of, days), date__lte=as_of
    )
    return Organization.objects.filter(_subtree_of_outer()).filter(Exists(held))


def _subtree_of_outer() -> Q:
    """The outer branch and its groups (its whole subtree: Organization.ALLOWED_CHILDREN gives a branch
    groups only, and a group nothing), for correlated subqueries over branches. By id and parent id, not
    by path: a LIKE whose pattern is the outer row's path cannot use the path index on PostgreSQL (nor,
    on SQLite, without a range), so every unit of the city would be tested for each of 500 branches."""
    return Q(pk=OuterRef("pk")) | Q(parent=OuterRef("pk"))


def _latest_activity(as_of: date) -> Subquery:
    """The date of the latest study activity up to `as_of` in the outer unit's subtree (unit-first, as above)."""
    from taizhang.org.models import Organization
    from taizhang.study.models import StudyActivity

    per_unit = (
        StudyActivity.objects.filter(org=OuterRef("pk"), date__lte=as_of).order_by("-date").values("date")[:1]
    )
    return Subquery(
        Organization.objects.filter(_subtree_of_outer())
        .annotate(latest=Subquery(per_unit))
        .exclude(latest=None)
        .order_by("-latest")
        .values("latest")[:1]
    )


def _silent_branch(as_of: date, days: int | None = None) -> Q:
    # THE definition of a silent unit (静默支部): an active branch with no study activity in its subtree
    # in the last TAIZHANG_SILENT_DAYS days up to the as-of day. Activities of any campaign count: a branch
    # holding its 三会一课 outside the campaign is not silent. One correlated EXISTS per branch, one query.
    # study.selectors.silent_units and the dashboard read it through silent_units() below.
    return ~Q(Exists(_recent_activity(as_of, days)))


PRESENT = Q(status="present")
BRANCH = Q(kind="branch", is_active=True)

_METRICS: list[Metric] = [
    # --- 二、理论学习 ----------------------------------------------------------------------------
    Metric(
        "study.first_topic",
        "第一议题学习次数",
        "类型为“第一议题”的学习活动数",
        "次",
        ACTIVITY,
        _type("first_topic"),
        group="study",
    ),
    Metric(
        "study.central_group",
        "理论学习中心组学习次数",
        "类型为“理论学习中心组学习”的学习活动数",
        "次",
        ACTIVITY,
        _type("central_group"),
        group="study",
    ),
    Metric(
        "study.weekly_meeting",
        "周例会集体学习次数",
        "类型为“周例会集体学习”的学习活动数",
        "次",
        ACTIVITY,
        _type("weekly_meeting"),
        group="study",
    ),
    Metric(
        "study.branch_concentrated",
        "支部集中学习次数",
        "类型为“支部集中学习”的学习活动数",
        "次",
        ACTIVITY,
        _type("branch_concentrated"),
        group="study",
    ),
    Metric(
        "study.reading_class",
        "读书班期数",
        "类型为“读书班”的学习活动数（一次活动为一期）",
        "期",
        ACTIVITY,
        _type("reading_class"),
        group="study",
    ),
    Metric(
        "study.reading_class.attendance",
        "读书班参与人次",
        "读书班活动中出席的考勤记录数（含列席）",
        "人次",
        ATTENDANCE,
        _activity_type("reading_class") & PRESENT,
        group="study",
        counter="n_attendance",
        counter_filter=_type("reading_class"),
    ),
    Metric(
        "study.reading_class.speakers",
        "读书班研讨人次",
        "读书班活动中的研讨发言记录数",
        "人次",
        SPEECH,
        _activity_type("reading_class"),
        group="study",
        counter="n_speakers",
        counter_filter=_type("reading_class"),
    ),
    Metric(
        "study.theme_party_day",
        "主题党日次数",
        "类型为“主题党日”的学习活动数",
        "次",
        ACTIVITY,
        _type("theme_party_day"),
        group="study",
    ),
    Metric(
        "study.party_lecture",
        "党课次数",
        "类型为“党课”的学习活动数",
        "次",
        ACTIVITY,
        _type("party_lecture"),
        group="study",
    ),
    Metric(
        "study.seminar",
        "专题研讨次数",
        "类型为“专题研讨”的学习活动数",
        "次",
        ACTIVITY,
        _type("seminar"),
        group="study",
    ),
    Metric(
        "study.rectification_seminar",
        "整改专题研讨次数",
        "类型为“整改专题研讨”的学习活动数",
        "次",
        ACTIVITY,
        _type("rectification_seminar"),
        group="study",
    ),
    Metric(
        "study.exchange_discussion",
        "交流讨论次数",
        "类型为“交流讨论”的学习活动数",
        "次",
        ACTIVITY,
        _type("exchange_discussion"),
        group="study",
    ),
    Metric(
        "study.youth_forum",
        "青年干部座谈会次数",
        "类型为“青年干部座谈会”的学习活动数",
        "次",
        ACTIVITY,
        _type("youth_forum"),
        group="study",
    ),
    Metric(
        "study.clean_class",
        "清风课堂次数",
        "类型为“清风课堂”的学习活动数",
        "次",
        ACTIVITY,
        _type("clean_class"),
        group="study",
    ),
    Metric("study.activities", "集中学习活动总次数", "全部学习活动数", "次", ACTIVITY, group="study"),
    Metric(
        "study.attendance",
        "参与总人次",
        "全部学习活动中出席的考勤记录数（含列席）",
        "人次",
        ATTENDANCE,
        PRESENT,
        group="study",
        counter="n_attendance",
    ),
    Metric(
        "study.expected",
        "应到人次",
        "全部学习活动中本单位党员的考勤记录数（不含列席）",
        "人次",
        ATTENDANCE,
        Q(invited=False),
        group="study",
        counter="n_expected",
    ),
    Metric(
        "study.present",
        "实到人次",
        "全部学习活动中本单位党员出席的考勤记录数（不含列席）",
        "人次",
        ATTENDANCE,
        PRESENT & Q(invited=False),
        group="study",
        counter="n_present",
    ),
    Metric(
        "study.attendance_rate",
        "出勤率（%）",
        "实到人次 ÷ 应到人次 × 100，保留一位小数",
        "%",
        numerator="study.present",
        denominator="study.expected",
        group="study",
    ),
    Metric(
        "study.invitees",
        "列席人次",
        "以列席身份出席的考勤记录数",
        "人次",
        ATTENDANCE,
        Q(invited=True),
        group="study",
        counter="n_invited",
    ),
    Metric(
        "study.speakers",
        "研讨发言总人次",
        "全部学习活动中的研讨发言记录数",
        "人次",
        SPEECH,
        group="study",
        counter="n_speakers",
    ),
    Metric("study.self_study.entries", "个人自学次数", "个人自学记录数", "次", SELF_STUDY, group="study"),
    Metric(
        "study.self_study.hours",
        "个人自学时长（小时）",
        "个人自学记录时长（分钟）之和 ÷ 60，保留一位小数",
        "小时",
        SELF_STUDY,
        kind="sum",
        sum_field="minutes",
        divide=60,
        group="study",
    ),
    Metric(
        "study.self_study.members",
        "参加个人自学人数",
        "有个人自学记录的党员人数（每人计一次）",
        "人",
        SELF_STUDY,
        kind="distinct",
        distinct_field="member",
        group="study",
    ),
    # --- 三、服务群众 ----------------------------------------------------------------------------
    Metric("research.topics", "调研课题数", "调研课题数", "个", TOPIC, group="outreach"),
    Metric("research.visits", "调研次数", "调研（走访）记录数", "次", VISIT, group="outreach"),
    Metric(
        "research.findings", "调研发现问题数", "调研记录中的发现问题条数", "个", FINDING, group="outreach"
    ),
    Metric("demands.total", "群众诉求数", "群众诉求记录数", "件", DEMAND, group="outreach"),
    Metric(
        "demands.resolved",
        "已解决群众诉求数",
        "标记为已解决的群众诉求数",
        "件",
        DEMAND,
        Q(resolved=True),
        group="outreach",
    ),
    Metric("matters.total", "办实事项数", "办实事清单项目数", "项", MATTER, group="outreach"),
    Metric(
        "matters.done",
        "已办结实事数",
        "状态为“已办结”的办实事项目数",
        "项",
        MATTER,
        Q(status="done"),
        group="outreach",
    ),
    # Beneficiaries by measure: a matter's count is in 人, 人次, 户, 家, 件, 条 or 车次 (its beneficiary_unit),
    # and counts in different measures are never added up — one figure per measure.
    *(
        Metric(
            key,
            label,
            f"已办结项目中按“{unit}”计的受益数量之和（按其他单位计的分别统计，不相加）",
            unit,
            MATTER,
            Q(status="done", beneficiary_unit=unit),
            kind="sum",
            sum_field="beneficiary_count",
            group="outreach",
        )
        for key, label, unit in (
            ("matters.beneficiaries", "办实事受益人数", "人"),
            ("matters.beneficiaries.person_times", "办实事服务人次", "人次"),
            ("matters.beneficiaries.households", "办实事受益户数", "户"),
            ("matters.beneficiaries.enterprises", "办实事服务企业数", "家"),
            ("matters.beneficiaries.items", "办实事办理件数", "件"),
            ("matters.beneficiaries.messages", "办实事推送条数", "条"),
            ("matters.beneficiaries.vehicle_times", "办实事服务车次", "车次"),
        )
    ),
    Metric(
        "matters.overdue",
        "超期未办结实事数",
        "未办结且已过计划完成日期的项目数",
        "项",
        MATTER,
        as_of_filter=_overdue_matter,
        group="outreach",
    ),
    # --- 四、检视整改 ----------------------------------------------------------------------------
    Metric("problems.total", "查摆问题数", "问题清单中的问题数", "个", PROBLEM, group="rectification"),
    Metric(
        "problems.closed",
        "已销号问题数",
        "状态为“已销号”的问题数",
        "个",
        PROBLEM,
        Q(status="closed"),
        group="rectification",
    ),
    Metric(
        "problems.rate",
        "整改率（%）",
        "已销号问题数 ÷ 查摆问题数 × 100，保留一位小数",
        "%",
        numerator="problems.closed",
        denominator="problems.total",
        group="rectification",
    ),
    Metric(
        "problems.overdue",
        "超期未整改问题数",
        "未销号且已过整改时限的问题数",
        "个",
        PROBLEM,
        as_of_filter=_overdue_problem,
        group="rectification",
    ),
    Metric(
        "problems.submitted",
        "待审核问题数",
        "状态为“待审核”的问题数",
        "个",
        PROBLEM,
        Q(status="submitted"),
        group="rectification",
    ),
    Metric(
        "problems.immediate",
        "立行立改问题数",
        "整改类型为“立行立改”的问题数",
        "个",
        PROBLEM,
        Q(rectification_type="immediate"),
        group="rectification",
    ),
    Metric(
        "problems.category.theory",
        "理论学习方面问题数",
        "问题类别为“理论学习”的问题数",
        "个",
        PROBLEM,
        Q(category="theory"),
        group="rectification",
    ),
    Metric(
        "problems.category.politics",
        "政治素质方面问题数",
        "问题类别为“政治素质”的问题数",
        "个",
        PROBLEM,
        Q(category="politics"),
        group="rectification",
    ),
    Metric(
        "problems.category.ability",
        "能力本领方面问题数",
        "问题类别为“能力本领”的问题数",
        "个",
        PROBLEM,
        Q(category="ability"),
        group="rectification",
    ),
    Metric(
        "problems.category.responsibility",
        "担当作为方面问题数",
        "问题类别为“担当作为”的问题数",
        "个",
        PROBLEM,
        Q(category="responsibility"),
        group="rectification",
    ),
    Metric(
        "problems.category.style",
        "工作作风方面问题数",
        "问题类别为“工作作风”的问题数",
        "个",
        PROBLEM,
        Q(category="style"),
        group="rectification",
    ),
    Metric(
        "problems.category.integrity",
        "廉洁自律方面问题数",
        "问题类别为“廉洁自律”的问题数",
        "个",
        PROBLEM,
        Q(category="integrity"),
        group="rectification",
    ),
    Metric("measures.total", "整改措施数", "问题清单中的整改措施数", "项", MEASURE, group="rectification"),
    Metric(
        "measures.done",
        "已完成整改措施数",
        "状态为“已完成”的整改措施数",
        "项",
        MEASURE,
        Q(status="done"),
        group="rectification",
    ),
    Metric(
        "measures.overdue",
        "超期未完成措施数",
        "未完成且已过完成时限的整改措施数",
        "项",
        MEASURE,
        as_of_filter=_overdue_measure,
        group="rectification",
    ),
    Metric(
        "institutions.improved",
        "完善制度数",
        "类型为“完善”的制度数",
        "项",
        INSTITUTION,
        Q(kind="improved"),
        group="rectification",
    ),
    Metric(
        "institutions.new",
        "新建制度数",
        "类型为“新建”的制度数",
        "项",
        INSTITUTION,
        Q(kind="new"),
        group="rectification",
    ),
    Metric(
        "institutions.total", "制度建设总数", "新建和完善的制度数", "项", INSTITUTION, group="rectification"
    ),
    # --- 一、组织谋划 ----------------------------------------------------------------------------
    Metric("plan.tasks", "工作任务数", "工作方案中的任务数", "项", TASK, group="plan"),
    Metric(
        "plan.tasks.done",
        "已完成任务数",
        "状态为“已完成”的任务数",
        "项",
        TASK,
        Q(status="done"),
        group="plan",
    ),
    Metric(
        "plan.tasks.overdue",
        "超期任务数",
        "未完成且已过计划完成日期的任务数",
        "项",
        TASK,
        as_of_filter=_overdue_task,
        group="plan",
    ),
    Metric(
        "plan.tasks.prescribed",
        "规定动作任务数",
        "任务类型为“规定动作”的任务数",
        "项",
        TASK,
        Q(kind="prescribed"),
        group="plan",
    ),
    Metric(
        "plan.tasks.featured",
        "特色做法任务数",
        "任务类型为“特色做法”的任务数",
        "项",
        TASK,
        Q(kind="featured"),
        group="plan",
    ),
    Metric(
        "campaign.leading_group",
        "领导小组人数",
        "领导小组组长、副组长和成员人数",
        "人",
        SEAT,
        Q(role__in=("group_leader", "deputy_leader", "group_member")),
        group="plan",
    ),
    Metric(
        "campaign.work_team",
        "办公室及工作专班人数",
        "领导小组办公室主任、成员和工作专班成员人数",
        "人",
        SEAT,
        Q(role__in=("office_director", "office_member", "work_team")),
        group="plan",
    ),
    Metric(
        "plan.study_plans",
        "学习计划数",
        "党委、党支部（党小组）和个人学习计划数",
        "份",
        STUDY_PLAN,
        group="plan",
    ),
    Metric(
        "plan.study_plans.personal",
        "个人学习计划数",
        "层级为“个人学习计划”的学习计划数",
        "份",
        STUDY_PLAN,
        Q(level="personal"),
        group="plan",
    ),
    Metric(
        "units.branches",
        "党支部数",
        "范围内启用的党支部数",
        "个",
        UNIT,
        BRANCH,
        group="plan",
    ),
    Metric(
        "units.silent",
        "静默支部数",
        "截至统计日近30天内，本支部及所属党小组没有任何学习活动的党支部数（天数可配置）",
        "个",
        UNIT,
        BRANCH,
        as_of_filter=_silent_branch,
        group="study",
    ),
    Metric(
        "members.total",
        "在册党员数",
        "范围内在册（未转出）的党员人数",
        "人",
        MEMBER,
        Q(is_active=True),
        group="plan",
    ),
]

CATALOG: OrderedDict[str, Metric] = OrderedDict((m.key, m) for m in _METRICS)

GROUP_LABELS = OrderedDict(
    [("plan", "组织谋划"), ("study", "理论学习"), ("outreach", "服务群众"), ("rectification", "检视整改")]
)


# The glossary: a figure has one name everywhere — pages, reports, ledgers — and it is its label here
# (term() drops the unit in brackets: 出勤率（%） → 出勤率). Words that name the same figures elsewhere in
# practice are listed so that tests keep them out of every page and document (the draft filler still
# recognises them in a user's own draft: reports/fill/synonyms.py).
VARIANT_TERMS: dict[str, str] = {
    "出席率": "study.attendance_rate",
    "参会率": "study.attendance_rate",
    "到会率": "study.attendance_rate",
    "参学率": "study.attendance_rate",
    "销号率": "problems.rate",
    "整改完成率": "problems.rate",
}
_UNIT_SUFFIX = re.compile(r"（[^（）]*）$")


def term(key: str) -> str:
    """The name of a figure in running text and headings: its label without the unit in brackets."""
    return _UNIT_SUFFIX.sub("", get(key).label)


class UnknownMetric(KeyError):
    pass


def get(key: str) -> Metric:
    try:
        return CATALOG[key]
    except KeyError:
        raise UnknownMetric(f"没有名为“{key}”的指标") from None


def _today() -> date:
    from taizhang.lib.dates import today

    return today()


def _base_queryset(source: Source, campaign: Any, org: Any) -> QuerySet:
    """Rows of the source's model in the campaign (if it has one) and the org subtree."""
    qs = source.model_class._default_manager.all()
    if source.campaign_field and campaign is not None:
        qs = qs.filter(**{source.campaign_field: campaign})
    scope_org = org if org is not None else (campaign.org if campaign is not None else None)
    if scope_org is not None and not (source.campaign_field and campaign is not None and org is None):
        # For the campaign's own unit the campaign filter already scopes the rows; only a narrower
        # unit (or a model without campaign) needs the subtree filter.
        qs = qs.filter(_subtree_q(source.org_field, scope_org.path))
    return qs


def _subtree_q(org_field: str, path: str) -> Q:
    """Rows whose unit is in the subtree at `path` (index-friendly on SQLite too: core.access.path_prefix_q)."""
    from taizhang.core.access import path_prefix_q

    return path_prefix_q(_path_field(org_field), path)


def _path_lookup(org_field: str) -> str:
    return f"{org_field}__path__startswith" if org_field else "path__startswith"


def _path_field(org_field: str) -> str:
    return f"{org_field}__path" if org_field else "path"


# Activity types by code, read once per computation: a filter on the type's code becomes one on its ids,
# so the database compares an integer per row instead of joining every activity (or attendance row) to
# its type — three times faster over a city's 100,000 activities, and the covering index suffices.
TYPE_CODE_LOOKUPS = {"type__code": "type_id__in", "activity__type__code": "activity__type_id__in"}
_TYPE_IDS: ContextVar[dict[str, list[int]] | None] = ContextVar("taizhang_type_ids", default=None)


def _fetch_type_ids() -> dict[str, list[int]]:
    from taizhang.study.models import ActivityType

    found: dict[str, list[int]] = defaultdict(list)
    for code, pk in ActivityType.objects.values_list("code", "pk"):
        found[code].append(pk)
    return dict(found)


def _with_type_ids(function: Any) -> Any:
    """Run `function` with the type ids fetched at most once (at first need), shared by nested calls."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _TYPE_IDS.get() is not None:
            return function(*args, **kwargs)
        token = _TYPE_IDS.set({})
        try:
            return function(*args, **kwargs)
        finally:
            _TYPE_IDS.reset(token)

    return wrapper


def _type_ids() -> dict[str, list[int]]:
    holder = _TYPE_IDS.get()
    if holder is None:
        return _fetch_type_ids()
    if not holder:
        holder.update(_fetch_type_ids() or {"": []})
    return holder


def _is_type_lookup(child: Any) -> bool:
    return isinstance(child, tuple) and child[0] in TYPE_CODE_LOOKUPS


def _by_type_ids(q: Q) -> Q:
    if not any(isinstance(child, Q) or _is_type_lookup(child) for child in q.children):
        return q
    resolved = Q()
    resolved.connector, resolved.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            resolved.children.append(_by_type_ids(child))
        elif _is_type_lookup(child):
            resolved.children.append((TYPE_CODE_LOOKUPS[child[0]], _type_ids().get(child[1], [])))
        else:
            resolved.children.append(child)
    return resolved


def _metric_q(metric: Metric, as_of: date) -> Q:
    q = metric.filter
    if metric.as_of_filter is not None:
        q = q & metric.as_of_filter(as_of)
    return _by_type_ids(q)


def _aggregate_expr(metric: Metric, as_of: date) -> Any:
    q = _metric_q(metric, as_of)
    if metric.kind == "sum":
        return Coalesce(Sum(metric.sum_field, filter=q), Value(0))
    if metric.kind == "distinct":
        return Count(metric.distinct_field, filter=q, distinct=True)
    return Count("pk", filter=q)


def _finish(metric: Metric, raw: Any) -> int | float:
    if metric.kind == "sum" and metric.divide != 1:
        return one_decimal((raw or 0) / metric.divide)
    return int(raw or 0)


def _ratio(numerator: float, denominator: float) -> float | None:
    if not denominator:
        return None
    return one_decimal(numerator * 100 / denominator)


def _by_counter(metric: Metric) -> Metric:
    """The same figure as the sum of the activities' stored counts (Metric.counter)."""
    return replace(
        metric,
        source=ACTIVITY,
        filter=metric.counter_filter,
        kind="sum",
        sum_field=metric.counter,
        counter="",
    )


def _effective(metric: Metric, *, from_rows: bool, by: str = "") -> Metric:
    """What to aggregate for the figure: the activities' counts when it has them (and the grouping is one
    an activity has: not an attendance status), else its own rows."""
    if metric.counter and not from_rows and by != "status":
        return _by_counter(metric)
    return metric


# Rows of the counted models in scope, from the activities' counts (for Computed.totals).
COUNTED_TOTALS = {"study.Attendance": ("n_expected", "n_invited"), "study.Speech": ("n_speakers",)}


def compute(
    campaign: Any,
    org: Any = None,
    *,
    keys: list[str] | None = None,
    as_of: date | None = None,
    from_rows: bool = False,
) -> dict:
    """{key: value} for every metric (or `keys`), one aggregate query per model. `from_rows`: count the
    attendance and speech rows themselves, not the activities' stored counts (the consistency check)."""
    return compute_counted(
        campaign, org, keys=keys, as_of=as_of, with_counts=False, from_rows=from_rows
    ).values


@dataclass
class Computed:
    values: dict[str, Any]  # {key: value}, as compute() gives
    counts: dict[str, int]  # {key: rows behind the figure} (a ratio: its numerator's rows)
    totals: dict[str, int]  # {source model: its rows in scope}, what an id fetch of that model would scan


def _row_count_expr(metric: Metric, as_of: date) -> Any:
    q = _metric_q(metric, as_of)
    if metric.kind == "sum":
        q &= Q(**{f"{metric.sum_field}__isnull": False})
    return Count("pk", filter=q) if q else Count("pk")


@_with_type_ids
def compute_counted(
    campaign: Any,
    org: Any = None,
    *,
    keys: list[str] | None = None,
    as_of: date | None = None,
    with_counts: bool = True,
    from_rows: bool = False,
) -> Computed:
    """compute(), plus the number of rows behind each figure and each model's rows in scope, counted in
    the same aggregate queries (one per model): a report learns how big each id set is without fetching it."""
    as_of = as_of or _today()
    wanted = [get(k) for k in keys] if keys else list(CATALOG.values())
    needed: dict[str, Metric] = {}
    for metric in wanted:
        if metric.is_ratio:
            needed[metric.numerator] = get(metric.numerator)
            needed[metric.denominator] = get(metric.denominator)
        else:
            needed[metric.key] = metric
    by_source: dict[Source, list[Metric]] = defaultdict(list)
    via_counter: set[str] = set()
    for metric in needed.values():
        effective = _effective(metric, from_rows=from_rows)
        if effective is not metric:
            via_counter.add(metric.key)
        by_source[effective.source].append(effective)
    values: dict[str, Any] = {}
    counts: dict[str, int] = {}
    totals: dict[str, int] = {}
    for source, metrics in by_source.items():
        aliases = {f"m{i}": m for i, m in enumerate(metrics)}
        aggregates = {alias: _aggregate_expr(m, as_of) for alias, m in aliases.items()}
        if with_counts:
            # A count metric's value is its row count (so is a stored count's); sums and distinct counts
            # need their own.
            aggregates.update(
                {
                    f"n{alias}": _row_count_expr(m, as_of)
                    for alias, m in aliases.items()
                    if m.kind != "count" and m.key not in via_counter
                }
            )
            aggregates["total"] = Count("pk")
            if source == ACTIVITY and via_counter:
                for i, fields in enumerate(COUNTED_TOTALS.values()):
                    aggregates[f"t{i}"] = Coalesce(
                        Sum(sum((F(f) for f in fields[1:]), F(fields[0]))), Value(0)
                    )
        row = _base_queryset(source, campaign, org).aggregate(**aggregates)
        for alias, metric in aliases.items():
            values[metric.key] = _finish(metric, row[alias])
            if with_counts:
                counted = metric.kind == "count" or metric.key in via_counter
                counts[metric.key] = int(row[alias] if counted else row[f"n{alias}"] or 0)
        if with_counts:
            totals[source.model] = int(row["total"] or 0)
            if source == ACTIVITY and via_counter:
                for i, model in enumerate(COUNTED_TOTALS):
                    totals[model] = int(row[f"t{i}"])
    result: dict[str, Any] = {}
    for metric in wanted:
        if metric.is_ratio:
            result[metric.key] = _ratio(values[metric.numerator], values[metric.denominator])
            if with_counts:
                counts[metric.key] = counts[metric.numerator]
        else:
            result[metric.key] = values[metric.key]
    return Computed(
        values=result, counts={m.key: counts[m.key] for m in wanted} if with_counts else {}, totals=totals
    )


@_with_type_ids
def rows(key: str, campaign: Any, org: Any = None, *, as_of: date | None = None) -> QuerySet:
    """The rows behind a figure. For a ratio: the numerator's rows (e.g. the closed problems)."""
    metric = get(key)
    if metric.is_ratio:
        metric = get(metric.numerator)
    qs = _base_queryset(metric.source, campaign, org).filter(_metric_q(metric, as_of or _today()))
    if metric.kind == "sum":
        qs = qs.exclude(**{f"{metric.sum_field}__isnull": True})
    return qs


def ids(key: str, campaign: Any, org: Any = None, *, as_of: date | None = None) -> list[int]:
    return list(rows(key, campaign, org, as_of=as_of).order_by("pk").values_list("pk", flat=True))


def _child_unit_expr(org_field: str, prefix: str) -> Any:
    """SQL for "which child unit of the prefix does this row's unit sit under": the id right after the prefix."""
    rest = Substr(F(_path_field(org_field)), len(prefix) + 1)
    # Rows on the unit itself have nothing after the prefix: length 0 (PostgreSQL refuses a negative one).
    return Substr(rest, 1, Greatest(StrIndex(rest, Value("/")) - 1, Value(0)))


BREAKDOWNS = ("unit", "month", "quarter", "type", "status")


@_with_type_ids
def breakdown(
    key: str,
    campaign: Any,
    org: Any = None,
    *,
    by: str = "unit",
    as_of: date | None = None,
    from_rows: bool = False,
) -> list[tuple[Any, Any]]:
    """The figure grouped in one aggregate query: by the child units of `org` (or the campaign's unit),
    by month, by quarter, by type or by status. Returns [(group, value)], groups sorted; units as
    Organization, months as the first day of the month, types and statuses as stored (codes for choice
    fields: group_label() gives the Chinese label)."""
    metric = get(key)
    as_of = as_of or _today()
    if metric.is_ratio:
        numerator = _effective(get(metric.numerator), from_rows=from_rows, by=by)
        denominator = _effective(get(metric.denominator), from_rows=from_rows, by=by)
        if numerator.source == denominator.source and _foldable(numerator, by) and _foldable(denominator, by):
            # Both sides in one grouped query (one pass over millions of attendance rows, not two).
            scope_org = org or (campaign.org if campaign is not None else None)
            num_pairs, den_pairs = _breakdown_folded(
                [numerator, denominator],
                _base_queryset(numerator.source, campaign, org),
                scope_org,
                by,
                as_of,
            )
            num, den = dict(num_pairs), dict(den_pairs)
        else:
            num = dict(breakdown(metric.numerator, campaign, org, by=by, as_of=as_of, from_rows=from_rows))
            den = dict(breakdown(metric.denominator, campaign, org, by=by, as_of=as_of, from_rows=from_rows))
        return [(group, _ratio(num.get(group, 0), value)) for group, value in den.items()]
    metric = _effective(metric, from_rows=from_rows, by=by)
    source = metric.source
    qs = _base_queryset(source, campaign, org)
    scope_org = org or (campaign.org if campaign is not None else None)
    if _foldable(metric, by):
        return _breakdown_folded([metric], qs, scope_org, by, as_of)[0]
    type_names: dict[Any, Any] | None = None
    if by == "unit":
        group_expr = _child_unit_expr(source.org_field, scope_org.path)
    elif by in {"month", "quarter"}:
        if not source.date_field:
            raise ValueError(f"{key} has no date to group by")
        group_expr = TruncMonth(source.date_field)
    elif by == "type":
        if not source.type_field:
            raise ValueError(f"{key} has no type to group by")
        group_expr = F(source.type_field)
        related, _, name_field = source.type_field.rpartition("__")
        if related and metric.kind != "distinct":
            # Grouped by the type's id and named here: no join of every row to its type (counts and sums
            # add up across types of the same name; distinct counts keep grouping by the name in SQL).
            group_expr = F(related)
            model = source.model_class
            for part in related.split("__"):
                model = model._meta.get_field(part).related_model
            type_names = dict(model._default_manager.values_list("pk", name_field))
    elif by == "status":
        if not source.status_field:
            raise ValueError(f"{key} has no status to group by")
        group_expr = F(source.status_field)
    else:
        raise ValueError(f"unknown breakdown {by!r}")
    grouped = (
        qs.annotate(group=group_expr)
        .values("group")
        .order_by("group")
        .annotate(value=_aggregate_expr(metric, as_of))
    )
    result: dict[Any, Any] = {}
    for item in grouped:
        group = item["group"]
        if type_names is not None:
            group = type_names.get(group)
        if by == "quarter" and group is not None:
            group = f"{group.year}年第{'一二三四'[(group.month - 1) // 3]}季度"
        elif by == "month" and group is not None:
            group = date(group.year, group.month, 1)
        value = _finish(metric, item["value"])
        result[group] = result.get(group, 0) + value
    if by == "unit":
        return _units_in_order(result, scope_org)
    return sorted(result.items(), key=lambda pair: (pair[0] is None, str(pair[0])))


@_with_type_ids
def breakdowns(
    keys: list[str], campaign: Any, org: Any = None, *, by: str = "unit", as_of: date | None = None
) -> dict[str, list[tuple[Any, Any]]]:
    """{key: breakdown(key, …)} for several figures grouped the same way, with ONE grouped query per
    source model for those that fold (counts and sums by unit, month or quarter, ratios from their two
    sides) — a statistics page of seven unit columns reads problems once and measures once."""
    as_of = as_of or _today()
    scope_org = org or (campaign.org if campaign is not None else None)
    wanted = [get(k) for k in keys]
    bases: dict[str, Metric] = {}
    for metric in wanted:
        for base in [get(metric.numerator), get(metric.denominator)] if metric.is_ratio else [metric]:
            bases[base.key] = _effective(base, from_rows=False, by=by)
    by_source: dict[Source, list[Metric]] = defaultdict(list)
    values: dict[str, list[tuple[Any, Any]]] = {}
    for key, base in bases.items():
        if _foldable(base, by):
            by_source[base.source].append(base)
        else:
            values[key] = breakdown(key, campaign, org, by=by, as_of=as_of)
    for source, group in by_source.items():
        folded = _breakdown_folded(group, _base_queryset(source, campaign, org), scope_org, by, as_of)
        values.update({m.key: pairs for m, pairs in zip(group, folded, strict=True)})
    result: dict[str, list[tuple[Any, Any]]] = {}
    for metric in wanted:
        if metric.is_ratio:
            num, den = dict(values[metric.numerator]), values[metric.denominator]
            result[metric.key] = [(group, _ratio(num.get(group, 0), value)) for group, value in den]
        else:
            result[metric.key] = values[metric.key]
    return result


def _month_group(day: Any) -> Any:
    return None if day is None else date(day.year, day.month, 1)


def _quarter_group(day: Any) -> Any:
    return None if day is None else f"{day.year}年第{'一二三四'[(day.month - 1) // 3]}季度"


def _foldable(metric: Metric, by: str) -> bool:
    # Distinct counts do not add up across groups: those keep grouping by the expression in SQL.
    return metric.kind != "distinct" and (
        by == "unit" or (by in {"month", "quarter"} and bool(metric.source.date_field))
    )


def _breakdown_folded(
    metrics_: list[Metric], qs: QuerySet, scope_org: Any, by: str, as_of: date
) -> list[list[tuple[Any, Any]]]:
    """breakdown() by unit, month or quarter for counts and sums of one source: the rows grouped in SQL by a
    plain column (the row's unit id, its day) and the groups folded here. Grouping by an expression of the
    path or by a date function costs a string operation (on SQLite a Python call) per row: seconds over
    millions of rows. One query for all `metrics_` (a ratio's two sides); one result list per metric."""
    from taizhang.org.models import Organization

    source = metrics_[0].source
    if by == "unit":
        column = f"{source.org_field}_id" if source.org_field else "pk"
        start = len(scope_org.path)
        unit_of = {
            pk: path[start:].split("/", 1)[0]
            for pk, path in Organization.objects.filter(path__startswith=scope_org.path).values_list(
                "pk", "path"
            )
        }

        def fold(value: Any) -> Any:
            return unit_of.get(value)  # None: a unit outside the subtree (not shown)

    else:
        column = source.date_field
        fold = _month_group
    aggregates = {f"v{i}": _aggregate_expr(m, as_of) for i, m in enumerate(metrics_)}
    raws: list[dict[Any, Any]] = [{} for _ in metrics_]
    for item in qs.values(column).order_by().annotate(**aggregates):
        group = fold(item[column])
        for i, raw in enumerate(raws):
            raw[group] = raw.get(group, 0) + (item[f"v{i}"] or 0)
    results = []
    children = (
        list(Organization.objects.filter(parent=scope_org).order_by("sort_order", "id"))
        if by == "unit"
        else []
    )
    for metric, raw in zip(metrics_, raws, strict=True):
        if by == "unit":
            raw.pop(None, None)
            finished = {g: _finish(metric, v) for g, v in raw.items()}
            results.append(_units_in_order(finished, scope_org, children))
            continue
        result = {group: _finish(metric, value) for group, value in raw.items()}
        if by == "quarter":  # months finished one by one, then added up (as a month-grouped query gave them)
            months = sorted(result.items(), key=lambda pair: (pair[0] is None, str(pair[0])))
            result = {}
            for month, value in months:
                group = _quarter_group(month)
                result[group] = result.get(group, 0) + value
        results.append(sorted(result.items(), key=lambda pair: (pair[0] is None, str(pair[0]))))
    return results


def _units_in_order(
    result: dict[Any, Any], scope_org: Any, children: list[Any] | None = None
) -> list[tuple[Any, Any]]:
    from taizhang.org.models import Organization

    if children is None:
        children = list(Organization.objects.filter(parent=scope_org).order_by("sort_order", "id"))
    pairs = [(child, result.get(str(child.pk), 0)) for child in children]
    own = result.get("", 0) or result.get(None, 0)
    if own:
        pairs.insert(0, (scope_org, own))
    return pairs


def catalog_rows() -> list[dict]:
    """The catalog as plain data (for the metrics page, the report appendix and the draft filler)."""
    return [
        {"key": m.key, "label": m.label, "rule": m.rule, "unit": m.unit, "group": m.group}
        for m in CATALOG.values()
    ]


# --- Beyond single values: as-of day, silent units, id sets, drill-down ------------------------------


def default_as_of(campaign: Any) -> date:
    """The day figures are taken by default: today, or the campaign's last day once it has ended (a
    finished campaign's overdue and silent figures then stay as they were when it closed)."""
    day = _today()
    if campaign is not None and campaign.end_date and campaign.end_date < day:
        return campaign.end_date
    return day


def silent_units(
    campaign: Any, org: Any = None, *, as_of: date | None = None, days: int | None = None
) -> QuerySet:
    """The silent branches behind `units.silent`, each with `last_activity` (the date of its subtree's latest
    study activity up to the as-of day, or None), longest-silent first. Bounded: one query.
    `days` overrides TAIZHANG_SILENT_DAYS (the study tallies let a secretary try another window)."""

    as_of = as_of or default_as_of(campaign)
    if days is not None:
        scope_org = org if org is not None else campaign.org
        from taizhang.org.models import Organization

        branches = Organization.objects.filter(path__startswith=scope_org.path).filter(BRANCH)
        silent = branches.filter(_silent_branch(as_of, days))
    else:
        silent = rows("units.silent", campaign, org, as_of=as_of)
    return silent.annotate(last_activity=_latest_activity(as_of)).order_by(
        F("last_activity").asc(nulls_first=True), "path"
    )


def group_label(key: str, by: str, group: Any) -> str:
    """How a breakdown group reads in Chinese (choice codes → labels, months → 2023年9月)."""
    if group is None or group == "":
        return "未填写"
    if by == "unit":
        return getattr(group, "display_name", str(group))
    if by == "month" and isinstance(group, date):
        return f"{group.year}年{group.month}月"
    if by in {"type", "status"}:
        source = get(_counted_key(key)).source
        name = source.type_field if by == "type" else source.status_field
        if name and "__" not in name:
            field_obj = source.model_class._meta.get_field(name)
            choices = dict(field_obj.flatchoices) if field_obj.choices else {}
            if field_obj.get_internal_type() == "BooleanField":
                return "是" if group else "否"
            return str(choices.get(group, group))
    return str(group)


def _counted_key(key: str) -> str:
    metric = get(key)
    return metric.numerator if metric.is_ratio else key


def group_q(key: str, by: str, group: str) -> Q:
    """The filter selecting one breakdown group of a figure's rows (for drill-down from a chart)."""
    source = get(_counted_key(key)).source
    if by == "month":
        year, month = (int(part) for part in str(group).split("-")[:2])
        return Q(**{f"{source.date_field}__year": year, f"{source.date_field}__month": month})
    if by == "type" and source.type_field:
        return Q(**{source.type_field: group})
    if by == "status" and source.status_field:
        if source.model_class._meta.get_field(source.status_field).get_internal_type() == "BooleanField":
            return Q(**{source.status_field: str(group).lower() in {"1", "true", "是"}})
        return Q(**{source.status_field: group})
    raise ValueError(f"cannot select {by}={group!r} of {key}")


def source_of(key: str) -> Source:
    """The source whose rows stand behind the figure (the numerator's for a ratio)."""
    return get(_counted_key(key)).source


@_with_type_ids
def ids_all(
    campaign: Any, org: Any = None, *, keys: list[str] | None = None, as_of: date | None = None
) -> dict[str, list[int]]:
    """{key: sorted ids of the rows behind it} for every metric (or `keys`), ONE query per model: each row
    comes once with a 0/1 flag per metric, so even millions of attendance rows are read a single time.
    A ratio's ids are its numerator's."""
    as_of = as_of or _today()
    wanted = [get(k) for k in keys] if keys else list(CATALOG.values())
    counted: dict[str, Metric] = {}
    for metric in wanted:
        base = get(metric.numerator) if metric.is_ratio else metric
        counted[base.key] = base
    by_source: dict[Source, list[Metric]] = defaultdict(list)
    for metric in counted.values():
        by_source[metric.source].append(metric)
    found: dict[str, list[int]] = {}
    for source, metrics_ in by_source.items():
        qs = _base_queryset(source, campaign, org).order_by()
        conditions = []
        for metric in metrics_:
            q = _metric_q(metric, as_of)
            if metric.kind == "sum":
                q &= Q(**{f"{metric.sum_field}__isnull": False})
            conditions.append(q)
        if all(not q for q in conditions):
            pks = [row[0] for row in fetch_rows(qs.order_by("pk").values_list("pk"))]
            for metric in metrics_:
                found[metric.key] = pks
            continue
        flags = {
            f"f{i}": Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())
            for i, q in enumerate(conditions)
            if q
        }
        any_q = Q()
        for q in conditions:
            if not q:
                any_q = Q()
                break
            any_q |= q
        # Sorted by the database once, so every id list below is already sorted and unique.
        fetched = fetch_rows(qs.filter(any_q).annotate(**flags).order_by("pk").values_list("pk", *flags))
        columns = list(flags)
        for i, metric in enumerate(metrics_):
            if not conditions[i]:
                found[metric.key] = [row[0] for row in fetched]
            else:
                col = columns.index(f"f{i}") + 1
                found[metric.key] = [row[0] for row in fetched if row[col]]
    return {m.key: found[(get(m.numerator) if m.is_ratio else m).key] for m in wanted}


def fetch_rows(qs: QuerySet) -> list[tuple]:
    """Rows of a values_list queryset straight from the DB cursor, all at once (one round trip): no per-row
    ORM work (millions of ids; the study ledger's per-chunk lists)."""
    from django.db import connections

    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def rows_for_display(
    key: str,
    campaign: Any,
    org: Any = None,
    *,
    as_of: date | None = None,
    by: str = "",
    group: str = "",
    pks: list[int] | None = None,
) -> QuerySet:
    """The rows behind a figure (or one breakdown group of it, or the given pks of its model) annotated
    for a drill-down list: row_date, row_unit, row_title, row_link_id, newest first. One query."""
    source = source_of(key)
    if pks is not None:
        qs = source.model_class._default_manager.filter(pk__in=pks)
    else:
        qs = rows(key, campaign, org, as_of=as_of)
        if by and group and by != "unit":
            qs = qs.filter(group_q(key, by, group))
    unit_name = F(f"{source.org_field}__name") if source.org_field else F("name")
    annotations: dict[str, Any] = {"row_unit": unit_name}
    if source.date_field:
        annotations["row_date"] = F(source.date_field)
    if source.title_field:
        annotations["row_title"] = F(source.title_field)
    if source.link_field:
        annotations["row_link_id"] = F(f"{source.link_field}_id")
    qs = qs.annotate(**annotations)
    related = [name for name in (source.org_field, source.link_field) if name]
    if related:
        qs = qs.select_related(*related)
    if source.date_field:
        return qs.order_by(F("row_date").desc(nulls_last=True), "-pk")
    return qs.order_by("-pk")


def field_label(source: Source, path: str) -> str:
    """The verbose name of a field path of the source model ("activity__date" → 日期)."""
    model = source.model_class
    parts = path.split("__")
    for part in parts[:-1]:
        model = model._meta.get_field(part).related_model
    return str(model._meta.get_field(parts[-1]).verbose_name)
