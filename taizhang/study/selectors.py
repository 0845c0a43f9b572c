"""Reads for study records: lists, one activity, a member's own study, tallies and silent units.

Counting rules (DESIGN.md, metric catalog; reports.metrics must agree):
    参与人次 attendance = present Attendance rows, invitees included
    应到 expected       = Attendance rows that are not invitees
    实到 present        = present rows that are not invitees
    出勤率 rate          = 实到 / 应到 × 100, one decimal
    研讨人次 speakers    = Speech rows
    个人自学 entries / hours = SelfStudy rows / sum of minutes ÷ 60, one decimal
Every figure is computed in SQL (annotate / aggregate); Python only arranges the aggregated rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from taizhang.campaigns.models import Campaign
from taizhang.core.access import Cap, path_prefix_q
from taizhang.core.models import Event
from taizhang.core.selectors import attachments_for, events_for
from taizhang.lib.text import one_decimal
from taizhang.org.models import Member, Organization
from taizhang.study.models import ActivityType, Attendance, Material, SelfStudy, Speech, StudyActivity

PRESENT = Q(status=Attendance.Status.PRESENT)
MEMBER_ROW = Q(invited=False)


def rate(present: int | None, expected: int | None) -> float | None:
    """出勤率 (the catalog term of study.attendance_rate) in percent with one decimal, or None when nobody was expected."""
    if not expected:
        return None
    return one_decimal((present or 0) * 100 / expected)


def hours(minutes: int | None) -> float:
    return one_decimal((minutes or 0) / 60)


# --- lists ------------------------------------------------------------------------------------------


def activity_list(
    *,
    user: Any,
    campaign: Campaign | None = None,
    org: Organization | None = None,
    type: ActivityType | None = None,  # noqa: A002
    date_from: date | None = None,
    date_to: date | None = None,
    q: str = "",
) -> QuerySet[StudyActivity]:
    """Activities the user may see, newest first, each with its counts (one query per page)."""
    qs = StudyActivity.objects.within(user, Cap.VIEW).select_related("org", "type", "campaign")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if org is not None:
        qs = qs.in_subtree(org)
    if type is not None:
        qs = qs.filter(type=type)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    if q:
        qs = qs.filter(
            Q(topic__icontains=q) | Q(place__icontains=q) | Q(host__icontains=q) | Q(minutes__icontains=q)
        )
    # Each row carries its counts (n_expected, n_present, n_invited, n_attendance, n_speakers: study.counts).
    return qs.order_by("-date", "-start_time", "-id")


def activity_types_for(*, campaigns: list[Campaign] | None = None) -> QuerySet[ActivityType]:
    """The default types, then those of the given campaigns."""
    q = Q(campaign=None)
    if campaigns:
        q |= Q(campaign__in=campaigns)
    return (
        ActivityType.objects.filter(q).select_related("campaign").order_by("campaign_id", "sort_order", "id")
    )


def materials_for(*, campaigns: list[Campaign] | None = None) -> QuerySet[Material]:
    """Required books first, then other materials of the given campaigns, then general ones."""
    q = Q(campaign=None)
    if campaigns:
        q |= Q(campaign__in=campaigns)
    return Material.objects.filter(q).select_related("campaign").order_by("-required", "sort_order", "id")


# --- one activity -----------------------------------------------------------------------------------


@dataclass
class ActivitySheet:
    """Everything the detail page shows, loaded in a fixed number of queries."""

    activity: StudyActivity
    present: list[Attendance]
    absent: list[Attendance]
    invited: list[Attendance]
    speeches: list[Speech]
    materials: list[Material]
    attachments: list[Any]
    history: list[Event]


def activity_sheet(*, activity: StudyActivity) -> ActivitySheet:
    rows = list(
        activity.attendances.select_related("member__org").order_by(
            "member__org__path", "member__sort_order", "id"
        )
    )
    return ActivitySheet(
        activity=activity,
        present=[r for r in rows if r.status == Attendance.Status.PRESENT and not r.invited],
        absent=[r for r in rows if r.status == Attendance.Status.ABSENT],
        invited=[r for r in rows if r.invited],
        speeches=list(activity.speeches.select_related("member__org").order_by("order", "id")),
        materials=list(activity.materials.all()),
        attachments=attachments_for(activity),
        history=history_for(activity),
    )


CHANGE_LABELS = {
    "campaign": "学习教育",
    "org": "组织",
    "type": "活动类型",
    "topic": "主题",
    "date": "日期",
    "start_time": "开始时间",
    "end_time": "结束时间",
    "place": "地点",
    "host": "主持人",
    "lead_reader": "领学人",
    "recorder": "记录人",
    "other_materials": "其他学习内容",
    "minutes": "会议记录",
    "note": "备注",
    "materials": "学习书目",
    "counts": "人数",
    "absent": "缺席人员",
    "invited": "列席人员",
    "speakers": "研讨发言人",
    "attachments": "附件",
    "attachment_removed": "删除附件",
}


def history_for(subject: Any) -> list[Event]:
    """Events newest first; each gets `.changes` = [(label, old, new)] for the template."""
    events = events_for(subject)
    for event in events:
        changes = []
        if event.kind == Event.Kind.CHANGED:
            for key, value in (event.data or {}).items():
                label = CHANGE_LABELS.get(key, key)
                if isinstance(value, list) and len(value) == 2:
                    old, new = value
                    if key == "minutes":
                        old, new = _excerpt(old), _excerpt(new)
                    changes.append((label, old, new))
                else:
                    changes.append((label, "", value))
        elif event.kind == Event.Kind.UPLOAD:
            changes.append(("附件", "", (event.data or {}).get("attachments", "")))
        event.changes = changes
    return events


def _excerpt(value: Any, length: int = 40) -> str:
    text = str(value or "")
    return text if len(text) <= length else text[:length] + "…"


# --- a member's own study ------------------------------------------------------------------------------


MY_ATTENDANCE_SHOWS = {"present": "参加", "absent": "缺席", "spoke": "研讨发言"}


def my_attendance(
    *, member: Member, campaign: Campaign | None = None, show: str = ""
) -> QuerySet[Attendance]:
    """The member's attendance rows, newest first, with the activity and whether they spoke; `show`
    narrows them to the rows behind one of my_summary's figures (present, absent, spoke)."""
    qs = Attendance.objects.filter(member=member).select_related("activity__type", "activity__org")
    if campaign is not None:
        qs = qs.filter(activity__campaign=campaign)
    if show == "present":
        qs = qs.filter(PRESENT)
    elif show == "absent":
        qs = qs.filter(~PRESENT)
    elif show == "spoke":
        qs = qs.filter(Exists(Speech.objects.filter(activity=OuterRef("activity"), member=member)))
    spoke = Speech.objects.filter(activity=OuterRef("activity"), member=member).values("gist")[:1]
    return qs.annotate(gist=Subquery(spoke)).order_by("-activity__date", "-activity__id")


def my_summary(*, member: Member, campaign: Campaign | None = None) -> dict[str, Any]:
    """The member's own figures: attended, absent, invited, spoke; self-study entries and hours."""
    att = Attendance.objects.filter(member=member)
    speeches = Speech.objects.filter(member=member)
    selfs = SelfStudy.objects.filter(member=member)
    if campaign is not None:
        att = att.filter(activity__campaign=campaign)
        speeches = speeches.filter(activity__campaign=campaign)
        selfs = selfs.filter(campaign=campaign)
    figures = att.aggregate(
        attended=Count("id", filter=PRESENT),
        absent=Count("id", filter=~PRESENT),
        expected=Count("id", filter=MEMBER_ROW),
        present=Count("id", filter=PRESENT & MEMBER_ROW),
    )
    figures["spoke"] = speeches.count()
    own = selfs.aggregate(entries=Count("id"), minutes=Sum("minutes"))
    figures["self_entries"] = own["entries"]
    figures["self_hours"] = hours(own["minutes"])
    figures["rate"] = rate(figures["present"], figures["expected"])
    return figures


def selfstudy_list(
    *,
    user: Any,
    campaign: Campaign | None = None,
    org: Organization | None = None,
    member: Member | None = None,
    q: str = "",
    channel: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[SelfStudy]:
    """Self-study entries of members in the user's scope (secretaries and up)."""
    qs = SelfStudy.objects.within(user, Cap.VIEW_INTERNAL).select_related("member", "org")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if org is not None:
        qs = qs.in_subtree(org)
    if member is not None:
        qs = qs.filter(member=member)
    if q:
        qs = qs.filter(Q(member__name__icontains=q) | Q(material__icontains=q) | Q(notes__icontains=q))
    if channel:
        qs = qs.filter(channel=channel)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return qs.order_by("-date", "-id")


def selfstudy_totals(qs: QuerySet[SelfStudy]) -> dict[str, Any]:
    figures = qs.aggregate(entries=Count("id"), minutes=Sum("minutes"), people=Count("member", distinct=True))
    figures["hours"] = hours(figures["minutes"])
    return figures


# --- tallies ------------------------------------------------------------------------------------------


def _scoped(qs: QuerySet, *, campaign: Campaign | None, org: Organization, prefix: str = "") -> QuerySet:
    """Rows of `campaign` (all rows when None) whose unit is in `org`'s subtree. For the campaign's own
    unit the campaign alone scopes the rows (as in reports.metrics, whose figures these tallies equal)."""
    if campaign is not None:
        qs = qs.filter(**{f"{prefix}campaign": campaign})
        if org.pk == campaign.org_id:
            return qs
    return qs.filter(path_prefix_q(f"{prefix}org__path", org.path))


def _activities(
    *, campaign: Campaign | None, org: Organization, date_to: date | None = None
) -> QuerySet[StudyActivity]:
    qs = _scoped(StudyActivity.objects.all(), campaign=campaign, org=org)
    return qs.filter(date__lte=date_to) if date_to else qs


def _selfstudy(*, campaign: Campaign | None, org: Organization, date_to: date | None = None) -> QuerySet:
    qs = _scoped(SelfStudy.objects.all(), campaign=campaign, org=org)
    return qs.filter(date__lte=date_to) if date_to else qs


# The attendance figures summed from the activities' stored counts (study.counts): 100,000 activities
# at city scale, not 2,000,000 attendance rows.
ATTENDANCE_FIGURES = {
    "attendance": Sum("n_attendance"),
    "expected": Sum("n_expected"),
    "present": Sum("n_present"),
    "invited": Sum("n_invited"),
}


def tallies_total(
    *, campaign: Campaign | None, org: Organization, date_to: date | None = None
) -> dict[str, Any]:
    """The headline figures of a campaign in a subtree: activities, 参与人次, 应到/实到, rate, 研讨人次,
    self-study entries and hours (the study.* keys of the metric catalog). Two queries."""
    row = _activities(campaign=campaign, org=org, date_to=date_to).aggregate(
        activities=Count("id"), speakers=Sum("n_speakers"), **ATTENDANCE_FIGURES
    )
    figures: dict[str, Any] = {name: row[name] or 0 for name in row}
    own = _selfstudy(campaign=campaign, org=org, date_to=date_to).aggregate(
        entries=Count("id"), minutes=Sum("minutes")
    )
    figures["self_entries"] = own["entries"]
    figures["self_hours"] = hours(own["minutes"])
    figures["rate"] = rate(figures["present"], figures["expected"])
    return figures


def _unit_keys(org: Organization) -> dict[int, str]:
    """{unit id: which child of `org` holds it} for every unit of the subtree: the id after org's path
    ("" for org itself). Paths are materialized ("/1/4/12/"); for org "/1/4/" the unit at "/1/4/12/30/"
    gives "12". Rows are grouped by their unit id in SQL and folded into children here: no string work
    per row in the database."""
    start = len(org.path)
    return {
        pk: path[start:].split("/", 1)[0]
        for pk, path in Organization.objects.filter(path_prefix_q("path", org.path)).values_list("pk", "path")
    }


def _quarter(day: date) -> tuple[int, int]:
    return (day.year, (day.month - 1) // 3 + 1)


def tallies_all(
    *, campaign: Campaign | None, org: Organization, date_to: date | None = None
) -> dict[str, Any]:
    """What the tallies page shows: {"total", "units", "types", "months", "quarters"}. The activities'
    stored counts grouped twice in SQL — by (unit, type), by day — and the few thousand groups folded
    here into child units, types, months and quarters; then self-study grouped by unit. Three queries
    (plus the unit map and the types), whatever the number of activities or people."""
    unit_of = _unit_keys(org)
    activities = _activities(campaign=campaign, org=org, date_to=date_to)
    sums = {"activities": Count("id"), "speakers": Sum("n_speakers"), **ATTENDANCE_FIGURES}
    fields = list(sums)
    children = list(org.children.order_by("sort_order", "id"))

    def blank() -> dict[str, Any]:
        return dict.fromkeys(fields, 0)

    def add(target: dict[str, Any], row: dict[str, Any]) -> None:
        for name in fields:
            target[name] += row[name] or 0

    known = {str(child.pk) for child in children}
    units: dict[str, dict[str, Any]] = {
        key: {**blank(), "by_type": {}, "self_entries": 0, "self_minutes": 0, "last_date": None}
        for key in ["", *known]
    }
    by_type: dict[int, dict[str, Any]] = {}
    total = blank()
    # Type codes from the small type table, not joined per activity (the join forces a sort of the groups).
    codes = dict(ActivityType.objects.values_list("pk", "code"))
    for row in activities.values("org", "type").annotate(last=Max("date"), **sums).order_by():
        code = codes[row["type"]]
        # A unit moved out of the subtree since (or unknown): its records roll up into "本级".
        key = unit_of.get(row["org"], "")
        unit = units[key if key in known else ""]
        add(unit, row)
        unit["by_type"][code] = unit["by_type"].get(code, 0) + row["activities"]
        if unit["last_date"] is None or row["last"] > unit["last_date"]:
            unit["last_date"] = row["last"]
        add(by_type.setdefault(row["type"], blank()), row)
        add(total, row)
    months: dict[date, dict[str, Any]] = {}
    quarters: dict[tuple[int, int], dict[str, Any]] = {}
    # Grouped by the day, a plain column (a date function per row is a Python call on SQLite).
    for row in activities.values("date").annotate(**sums).order_by():
        day = row["date"]
        add(months.setdefault(day.replace(day=1), blank()), row)
        add(quarters.setdefault(_quarter(day), blank()), row)
    self_total = [0, 0]
    for unit_id, entries, minutes in (
        _selfstudy(campaign=campaign, org=org, date_to=date_to)
        .values("org")
        .annotate(entries=Count("id"), minutes=Sum("minutes"))
        .order_by()
        .values_list("org", "entries", "minutes")
    ):
        key = unit_of.get(unit_id, "")
        unit = units[key if key in known else ""]
        unit["self_entries"] += entries
        unit["self_minutes"] += minutes or 0
        self_total[0] += entries
        self_total[1] += minutes or 0

    unit_rows = []
    own = {"org": org, "own_level": True, **units[""]}
    for row in [own, *({"org": c, "own_level": False, **units[str(c.pk)]} for c in children)]:
        row["rate"] = rate(row["present"], row["expected"])
        row["self_hours"] = hours(row["self_minutes"])
        if row["own_level"]:
            if row["activities"] or row["self_entries"]:
                unit_rows.append(row)
        elif row["org"].is_active or row["activities"]:
            unit_rows.append(row)
    types = activity_types_for(campaigns=[campaign] if campaign else None)
    type_rows = [
        {
            "type": t,
            "activities": by_type.get(t.pk, {}).get("activities", 0),
            "attendance": by_type.get(t.pk, {}).get("attendance", 0),
            "speakers": by_type.get(t.pk, {}).get("speakers", 0),
        }
        for t in types
        if campaign is not None or t.campaign_id is None or t.pk in by_type
    ]
    month_rows = [
        {**figures, "month": month, "rate": rate(figures["present"], figures["expected"])}
        for month, figures in sorted(months.items())
    ]
    quarter_rows = [
        {**figures, "year": key[0], "quarter": key[1], "rate": rate(figures["present"], figures["expected"])}
        for key, figures in sorted(quarters.items())
    ]
    total.update(self_entries=self_total[0], self_hours=hours(self_total[1]))
    total["rate"] = rate(total["present"], total["expected"])
    return {
        "total": total,
        "units": unit_rows,
        "types": type_rows,
        "months": month_rows,
        "quarters": quarter_rows,
    }


# --- silent units ---------------------------------------------------------------------------------------


def silent_units(*, org: Organization, today: date, days: int | None = None) -> list[dict[str, Any]]:
    """Branches in `org`'s subtree with no study activity (their own or their groups') in the `days`
    days up to `today` (TAIZHANG_SILENT_DAYS by default): the 静默支部 flag.

    The rule itself lives in reports.metrics (_silent_branch), the one definition the dashboard, the
    catalog figure `units.silent` and these pages share. Each item: org, id, code, name, last_date
    (None: never), days_silent (None: never); the units silent longest come first. One query.
    """
    from taizhang.reports.metrics import silent_units as catalog_silent_units

    units = catalog_silent_units(None, org, as_of=today, days=days)
    return [
        {
            "org": unit,
            "id": unit.pk,
            "code": unit.code,
            "name": unit.name,
            "last_date": unit.last_activity,
            "days_silent": (today - unit.last_activity).days if unit.last_activity else None,
        }
        for unit in units
    ]


def unit_silence(*, org: Organization, today: date, days: int | None = None) -> dict[str, Any]:
    """Whether one unit is silent: its last activity on or before `today` and the verdict."""
    days = settings.TAIZHANG_SILENT_DAYS if days is None else days
    last = StudyActivity.objects.in_subtree(org).filter(date__lte=today).aggregate(last=Max("date"))["last"]
    return {
        "org": org,
        "last_date": last,
        "days_silent": (today - last).days if last else None,
        "silent": last is None or last <= today - timedelta(days=days),
        "days": days,
    }


def as_of_for(campaign: Campaign | None, today: date) -> date:
    """The day tallies and silence are judged at: today, or the campaign's last day once it is over."""
    if campaign is not None and campaign.end_date < today:
        return campaign.end_date
    return today
