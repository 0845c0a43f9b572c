"""Reads for the work plan, the week-by-week calendar, study plans and templates, within the user's scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Min, Q, QuerySet

from taizhang.campaigns.models import Campaign, CampaignRole, Phase
from taizhang.core.lights import Light, light_case
from taizhang.core.models import Event
from taizhang.core.selectors import events_for
from taizhang.lib.dates import campaign_week, week_start
from taizhang.org.models import Member
from taizhang.plans.access import studyplans_visible_to, tasks_visible_to
from taizhang.plans.links import BY_KEY, LINKABLES
from taizhang.plans.models import PlanTask, PlanTaskLink, StudyPlan, StudyPlanItem

WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")


def with_light(qs: QuerySet[PlanTask], today: date) -> QuerySet[PlanTask]:
    """The live light (the one rule, in SQL) as `live_light`, whatever the stored light says."""
    return qs.annotate(live_light=light_case(PlanTask.light_deadline_field, PlanTask.light_closed_q, today))


def task_list(
    *,
    user: Any,
    campaign: Campaign | None,
    today: date,
    phase: Phase | None = None,
    kind: str = "",
    status: str = "",
    light: str = "",
    org: Any = None,
    q: str = "",
    mine: bool = False,
) -> QuerySet[PlanTask]:
    qs = tasks_visible_to(user)
    qs = qs.filter(campaign=campaign) if campaign is not None else qs.filter(campaign__isnull=True)
    if phase is not None:
        qs = qs.filter(phase=phase)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if org is not None:
        qs = qs.in_subtree(org)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(responsible_dept__icontains=q))
    if mine:
        member_id = getattr(user, "member_id", None)
        qs = qs.filter(lead_leader_id=member_id) if member_id else qs.none()
    qs = with_light(qs, today)
    if light:
        qs = qs.filter(live_light=light)
    return qs.select_related("phase", "org", "lead_leader").order_by("planned_start", "planned_end", "id")


def task_counts(qs: QuerySet[PlanTask]) -> dict[str, int]:
    """Counts by status and live light of an annotated task queryset (one query)."""
    return qs.order_by().aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=PlanTask.Status.DONE)),
        in_progress=Count("pk", filter=Q(status=PlanTask.Status.IN_PROGRESS)),
        not_started=Count("pk", filter=Q(status=PlanTask.Status.NOT_STARTED)),
        red=Count("pk", filter=Q(live_light=Light.RED)),
        yellow=Count("pk", filter=Q(live_light=Light.YELLOW)),
        late_done=Count("pk", filter=Q(status=PlanTask.Status.DONE, done_on__gt=F("planned_end"))),
    )


def leader_choices(*, campaign: Campaign | None) -> QuerySet[Member]:
    """Lead leaders are picked from the campaign's leading group; without one, from the campaign's unit."""
    if campaign is None:
        return Member.objects.none()
    seats = CampaignRole.objects.filter(campaign=campaign, role__in=CampaignRole.LEADING_GROUP)
    qs = Member.objects.filter(pk__in=seats.values("member_id"))
    if not seats.exists():
        qs = Member.objects.in_subtree(campaign.org).active().exclude(post="")
    return qs.select_related("org").defer("id_number", "phone").order_by("sort_order", "id")


# --- Week-by-week calendar ------------------------------------------------------------------------


@dataclass
class Segment:
    """The part of one task that falls in one week, placed on the week's 7 day columns (1 = Monday)."""

    task: PlanTask
    col: int
    span: int
    continues_before: bool
    continues_after: bool


@dataclass
class PhaseBand:
    phase: Phase
    index: int
    col: int
    span: int


@dataclass
class CalWeek:
    number: int
    start: date
    end: date
    days: list[dict[str, Any]]
    phases: list[PhaseBand] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    is_current: bool = False


def _clip(start: date, end: date, week: date) -> tuple[int, int] | None:
    """Columns (1-based) and span of [start, end] inside the week starting Monday `week`."""
    week_end = week + timedelta(days=6)
    if end < week or start > week_end:
        return None
    first = max(start, week)
    last = min(end, week_end)
    return (first - week).days + 1, (last - first).days + 1


def calendar_weeks(
    *, campaign: Campaign, tasks: list[PlanTask], phases: list[Phase], today: date
) -> list[CalWeek]:
    """The campaign's weeks (Monday to Sunday) with each task on its planned days and the phase bands."""
    weeks: list[CalWeek] = []
    monday = week_start(campaign.start_date)
    phase_index = {p.pk: i for i, p in enumerate(phases)}
    while monday <= campaign.end_date:
        sunday = monday + timedelta(days=6)
        days = []
        for offset in range(7):
            day = monday + timedelta(days=offset)
            days.append(
                {
                    "date": day,
                    "weekday": WEEKDAYS[offset],
                    "in_campaign": campaign.contains(day),
                    "is_today": day == today,
                    "weekend": offset >= 5,
                }
            )
        week = CalWeek(
            number=campaign_week(campaign.start_date, monday),
            start=monday,
            end=sunday,
            days=days,
            is_current=monday <= today <= sunday,
        )
        for phase in phases:
            placed = _clip(phase.start_date, phase.end_date, monday)
            if placed:
                week.phases.append(PhaseBand(phase, phase_index[phase.pk] % 6, *placed))
        weeks.append(week)
        monday += timedelta(days=7)
    # Each task goes only to the weeks it touches (tasks are in planned_start order already).
    first = weeks[0].start if weeks else campaign.start_date
    for task in tasks:
        index = max((week_start(task.planned_start) - first).days // 7, 0)
        while index < len(weeks) and weeks[index].start <= task.planned_end:
            week = weeks[index]
            placed = _clip(task.planned_start, task.planned_end, week.start)
            if placed:
                week.segments.append(
                    Segment(
                        task=task,
                        col=placed[0],
                        span=placed[1],
                        continues_before=task.planned_start < week.start,
                        continues_after=task.planned_end > week.end,
                    )
                )
            index += 1
    return weeks


# --- One task -------------------------------------------------------------------------------------

STATE_LABELS = {**dict(PlanTask.Status.choices), **dict(Light.choices)}


def task_history(task: PlanTask) -> list[Event]:
    """The task's events, newest first, with Chinese labels for the states they record."""
    events = events_for(task)
    names = {f.name: str(f.verbose_name) for f in PlanTask._meta.get_fields() if hasattr(f, "verbose_name")}
    for event in events:
        event.from_label = STATE_LABELS.get(event.from_state, event.from_state)
        event.to_label = STATE_LABELS.get(event.to_state, event.to_state)
        if event.kind == Event.Kind.CHANGED and isinstance(event.data, dict):
            event.changed_labels = [names[key] for key in event.data if key in names]
    return events


def light_history(task: PlanTask, *, today: date) -> list[dict[str, Any]]:
    """The lights the task has shown, oldest first, each with the day it began and how long it lasted,
    from the recorded light changes (so a red month stays visible after the task is done)."""
    from django.utils import timezone

    changes = list(
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(PlanTask), object_id=task.pk, kind=Event.Kind.LIGHT
        )
        .order_by("at", "id")
        .values_list("at", "from_state", "to_state")
    )
    spans: list[dict[str, Any]] = []
    if not changes:
        return spans
    first_at, first_from, _ = changes[0]
    start = timezone.localtime(task.created_at).date() if task.created_at else None
    if first_from and first_from != Light.DONE:
        spans.append({"light": first_from, "start": start})
    for at, _, to_state in changes:
        spans.append({"light": to_state, "start": timezone.localtime(at).date()})
    for current, following in zip(spans, spans[1:], strict=False):
        current["end"] = following["start"]
    spans[-1]["end"] = None
    for span in spans:
        end = span["end"] or today
        span["days"] = (end - span["start"]).days if span["start"] and span["light"] != Light.DONE else None
    return spans


def task_links(task: PlanTask, *, user: Any) -> list[dict[str, Any]]:
    """The records linked to a task, one query per kind of record; a record the user may not see
    (or that was deleted) is listed without its content."""
    links = list(task.links.select_related("content_type").order_by("linked_at", "id"))
    by_ct: dict[int, list[PlanTaskLink]] = {}
    for link in links:
        by_ct.setdefault(link.content_type_id, []).append(link)
    rows = []
    kinds = {kind.content_type().pk: kind for kind in LINKABLES}
    for ct_id, group in by_ct.items():
        kind = kinds.get(ct_id)
        objects: dict[int, Any] = {}
        if kind is not None:
            qs = kind.model._default_manager.within(user, kind.view_cap).select_related(*kind.related)
            objects = qs.in_bulk([link.object_id for link in group])
        for link in group:
            obj = objects.get(link.object_id)
            rows.append(
                {
                    "link": link,
                    "kind": kind.label if kind else link.content_type.name,
                    "obj": obj,
                    "title": kind.title_of(obj) if obj is not None and kind else "",
                    "date": kind.date_of(obj) if obj is not None and kind else None,
                    "extra": kind.extra_of(obj) if obj is not None and kind else "",
                    "url": obj.get_absolute_url()
                    if obj is not None and hasattr(obj, "get_absolute_url")
                    else "",
                }
            )
    rows.sort(key=lambda r: (r["link"].linked_at, r["link"].pk))
    return rows


def tasks_fulfilled_by(obj: Any) -> QuerySet[PlanTask]:
    """For other apps' detail pages: the plan tasks this record fulfils."""
    ct = ContentType.objects.get_for_model(type(obj))
    return PlanTask.objects.filter(links__content_type=ct, links__object_id=obj.pk).order_by("planned_start")


def tasks_this_week(*, user: Any, campaign: Campaign | None, today: date, limit: int = 8) -> dict[str, Any]:
    """Tasks of the user's units planned in the current week (overlapping it), with the total."""
    if campaign is None:
        return {"tasks": [], "total": 0, "start": week_start(today)}
    monday = week_start(today)
    sunday = monday + timedelta(days=6)
    qs = with_light(
        tasks_visible_to(user).filter(campaign=campaign, planned_start__lte=sunday, planned_end__gte=monday),
        today,
    )
    return {
        "tasks": list(qs.select_related("org", "lead_leader").order_by("planned_end", "id")[:limit]),
        "total": qs.count(),
        "start": monday,
        "end": sunday,
        "week": campaign_week(campaign.start_date, monday) if campaign.contains(today) else None,
    }


# --- Study plans ----------------------------------------------------------------------------------

MATCHED = Q(items__activity__isnull=False) | Q(items__self_study__isnull=False)


def studyplan_list(*, user: Any, campaign: Campaign | None, level: str, today: date) -> QuerySet[StudyPlan]:
    """Plans of one level with their planned / held / missed counts (one query)."""
    qs = studyplans_visible_to(user).filter(campaign=campaign, level=level)
    return (
        qs.select_related("org", "member")
        .annotate(
            total=Count("items", distinct=True),
            done=Count("items", filter=MATCHED, distinct=True),
            missed=Count(
                "items",
                filter=Q(
                    items__activity__isnull=True,
                    items__self_study__isnull=True,
                    items__planned_date__lt=today,
                ),
                distinct=True,
            ),
            next_date=Min("items__planned_date", filter=Q(items__planned_date__gte=today)),
        )
        .order_by("org__path", "member__sort_order", "id")
    )


def studyplan_level_counts(*, user: Any, campaign: Campaign | None) -> dict[str, int]:
    rows = (
        studyplans_visible_to(user)
        .filter(campaign=campaign)
        .order_by()
        .values("level")
        .annotate(n=Count("pk"))
        .values_list("level", "n")
    )
    counts = {level: 0 for level in StudyPlan.Level.values}
    counts.update(dict(rows))
    return counts


def studyplan_items(plan: StudyPlan) -> list[StudyPlanItem]:
    return list(
        plan.items.select_related("activity__type", "activity__org", "self_study", "activity_type").order_by(
            "planned_date", "order", "id"
        )
    )


def studyplan_counts(plan: StudyPlan, *, today: date) -> dict[str, int]:
    matched = Q(activity__isnull=False) | Q(self_study__isnull=False)
    return plan.items.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=matched),
        missed=Count("pk", filter=~matched & Q(planned_date__lt=today)),
        planned=Count("pk", filter=~matched & Q(planned_date__gte=today)),
    )


def committee_plan(*, campaign: Campaign | None) -> StudyPlan | None:
    if campaign is None:
        return None
    return StudyPlan.objects.filter(
        campaign=campaign, level=StudyPlan.Level.COMMITTEE, org=campaign.org
    ).first()


def linkable_kinds() -> list[dict[str, str]]:
    return [{"key": k.key, "label": k.label} for k in BY_KEY.values()]
