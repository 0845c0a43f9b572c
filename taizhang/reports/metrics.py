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

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.apps import apps
from django.db.models import Count, F, Q, QuerySet, Sum, Value
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

    @property
    def is_ratio(self) -> bool:
        return bool(self.numerator)


ACTIVITY = Source("study.StudyActivity", date_field="date", type_field="type__name")
ATTENDANCE = Source(
    "study.Attendance",
    campaign_field="activity__campaign",
    org_field="activity__org",
    date_field="activity__date",
    type_field="activity__type__name",
)
SPEECH = Source(
    "study.Speech",
    campaign_field="activity__campaign",
    org_field="activity__org",
    date_field="activity__date",
    type_field="activity__type__name",
)
SELF_STUDY = Source("study.SelfStudy", date_field="date", type_field="channel")
VISIT = Source("outreach.ResearchVisit", date_field="date")
TOPIC = Source("outreach.ResearchTopic")
FINDING = Source(
    "outreach.Finding", campaign_field="visit__campaign", org_field="visit__org", date_field="visit__date"
)
DEMAND = Source("outreach.Demand", date_field="raised_on", type_field="channel")
MATTER = Source("outreach.PracticalMatter", date_field="done_on", type_field="status")
PROBLEM = Source("rectification.Problem", date_field="closed_on", type_field="category")
MEASURE = Source(
    "rectification.Measure",
    campaign_field="problem__campaign",
    org_field="problem__org",
    date_field="done_on",
)
INSTITUTION = Source("rectification.Institution", date_field="issued_on", type_field="kind")
TASK = Source("plans.PlanTask", org_field="org", date_field="planned_end", type_field="kind")
MEMBER = Source("org.Member", campaign_field=None, org_field="org")


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


PRESENT = Q(status="present")

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
    ),
    Metric(
        "study.reading_class.speakers",
        "读书班研讨人次",
        "读书班活动中的研讨发言记录数",
        "人次",
        SPEECH,
        _activity_type("reading_class"),
        group="study",
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
    ),
    Metric(
        "study.expected",
        "应到人次",
        "全部学习活动中本单位党员的考勤记录数（不含列席）",
        "人次",
        ATTENDANCE,
        Q(invited=False),
        group="study",
    ),
    Metric(
        "study.present",
        "实到人次",
        "全部学习活动中本单位党员出席的考勤记录数（不含列席）",
        "人次",
        ATTENDANCE,
        PRESENT & Q(invited=False),
        group="study",
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
    ),
    Metric(
        "study.speakers", "研讨发言总人次", "全部学习活动中的研讨发言记录数", "人次", SPEECH, group="study"
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
    Metric(
        "matters.beneficiaries",
        "办实事受益人数",
        "已办结项目的受益人数之和",
        "人",
        MATTER,
        Q(status="done"),
        kind="sum",
        sum_field="beneficiary_count",
        group="outreach",
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
        qs = qs.filter(**{f"{source.org_field}__path__startswith": scope_org.path})
    return qs


def _metric_q(metric: Metric, as_of: date) -> Q:
    q = metric.filter
    if metric.as_of_filter is not None:
        q = q & metric.as_of_filter(as_of)
    return q


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


def compute(
    campaign: Any, org: Any = None, *, keys: list[str] | None = None, as_of: date | None = None
) -> dict:
    """{key: value} for every metric (or `keys`), one aggregate query per model."""
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
    for metric in needed.values():
        by_source[metric.source].append(metric)
    values: dict[str, Any] = {}
    for source, metrics in by_source.items():
        aliases = {f"m{i}": m for i, m in enumerate(metrics)}
        row = _base_queryset(source, campaign, org).aggregate(
            **{alias: _aggregate_expr(m, as_of) for alias, m in aliases.items()}
        )
        for alias, metric in aliases.items():
            values[metric.key] = _finish(metric, row[alias])
    result: dict[str, Any] = {}
    for metric in wanted:
        if metric.is_ratio:
            result[metric.key] = _ratio(values[metric.numerator], values[metric.denominator])
        else:
            result[metric.key] = values[metric.key]
    return result


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
    rest = Substr(F(f"{org_field}__path"), len(prefix) + 1)
    # Rows on the unit itself have nothing after the prefix: length 0 (PostgreSQL refuses a negative one).
    return Substr(rest, 1, Greatest(StrIndex(rest, Value("/")) - 1, Value(0)))


def breakdown(
    key: str, campaign: Any, org: Any = None, *, by: str = "unit", as_of: date | None = None
) -> list[tuple[Any, Any]]:
    """The figure grouped in one aggregate query: by the child units of `org` (or the campaign's unit),
    by month, by quarter, or by type. Returns [(group, value)], groups sorted; units as Organization."""
    metric = get(key)
    as_of = as_of or _today()
    if metric.is_ratio:
        num = dict(breakdown(metric.numerator, campaign, org, by=by, as_of=as_of))
        den = dict(breakdown(metric.denominator, campaign, org, by=by, as_of=as_of))
        return [(group, _ratio(num.get(group, 0), value)) for group, value in den.items()]
    source = metric.source
    qs = _base_queryset(source, campaign, org)
    scope_org = org or (campaign.org if campaign is not None else None)
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
        if by == "quarter" and group is not None:
            group = f"{group.year}年第{'一二三四'[(group.month - 1) // 3]}季度"
        elif by == "month" and group is not None:
            group = date(group.year, group.month, 1)
        value = _finish(metric, item["value"])
        result[group] = result.get(group, 0) + value
    if by == "unit":
        return _units_in_order(result, scope_org)
    return sorted(result.items(), key=lambda pair: (pair[0] is None, str(pair[0])))


def _units_in_order(result: dict[Any, Any], scope_org: Any) -> list[tuple[Any, Any]]:
    from taizhang.org.models import Organization

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
