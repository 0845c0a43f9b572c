"""Reads for the rectification loop, always within the user's scope and in a bounded number of queries.

Figures follow DESIGN.md:
    整改率 (problems.rate)      = closed problems / all problems × 100, one decimal (half up)
    超期 (problems.overdue)     = not closed and past its deadline (the red light of core.lights)
    措施完成 (measures.done)    = measures with status done
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from taizhang.core.access import Cap, scope_for
from taizhang.core.lights import Light, light_case
from taizhang.core.models import Attachment, Event
from taizhang.lib.dates import today as local_today
from taizhang.org.models import Member, Organization
from taizhang.rectification.models import Institution, Measure, Problem
from taizhang.rectification.services import evidence_subquery

CLOSED = Problem.Status.CLOSED


def rate(part: int, whole: int) -> Decimal | None:
    """part / whole × 100 with one decimal, rounded half up (50.05 → 50.1); None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def problem_light(day: date | None = None) -> Any:
    return light_case(Problem.light_deadline_field, Problem.light_closed_q, day or local_today())


def measure_light(day: date | None = None) -> Any:
    return light_case(Measure.light_deadline_field, Measure.light_closed_q, day or local_today())


def problems_in_scope(*, user: Any, campaign: Any = None, cap: str = Cap.VIEW_INTERNAL) -> QuerySet[Problem]:
    qs = Problem.objects.within(user, cap)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs


def measures_in_scope(*, user: Any, campaign: Any = None) -> QuerySet[Measure]:
    qs = Measure.objects.within(user, Cap.VIEW_INTERNAL)
    if campaign is not None:
        qs = qs.filter(problem__campaign=campaign)
    return qs


@dataclass
class ProblemFilters:
    q: str = ""
    status: str = ""
    category: str = ""
    source: str = ""
    rectification_type: str = ""
    org: Organization | None = None
    leader: Member | None = None
    light: str = ""


def _measure_count(**conditions: Any) -> Any:
    return Coalesce(
        Subquery(
            Measure.objects.filter(problem=OuterRef("pk"), **conditions)
            .order_by()
            .annotate(n=Func(F("pk"), function="COUNT"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def problem_list(*, user: Any, campaign: Any, filters: ProblemFilters | None = None) -> QuerySet[Problem]:
    """The problem list: each row with its live light and its measures counted (no query per row)."""
    f = filters or ProblemFilters()
    qs = (
        problems_in_scope(user=user, campaign=campaign)
        .select_related("org", "responsible_leader")
        .annotate(
            live_light=problem_light(),
            measure_total=_measure_count(),
            measure_done=_measure_count(status=Measure.Status.DONE),
        )
    )
    if f.q:
        qs = qs.filter(
            Q(code__icontains=f.q)
            | Q(description__icontains=f.q)
            | Q(responsible_person__icontains=f.q)
            | Q(responsible_dept__icontains=f.q)
        )
    for name in ("status", "category", "source", "rectification_type"):
        if value := getattr(f, name):
            qs = qs.filter(**{name: value})
    if f.org is not None:
        qs = qs.in_subtree(f.org)
    if f.leader is not None:
        qs = qs.filter(responsible_leader=f.leader)
    if f.light:
        qs = qs.filter(live_light=f.light)
    return qs.order_by("code", "id")


# The catalog's keys behind the figures on these pages (reports.metrics is the single source of truth).
FIGURE_KEYS = {
    "total": "problems.total",
    "closed": "problems.closed",
    "rate": "problems.rate",
    "overdue": "problems.overdue",
    "submitted": "problems.submitted",
    "measures_total": "measures.total",
    "measures_done": "measures.done",
}


def scope_unit(user: Any) -> Organization | None:
    """The one unit whose subtree is the user's view of internal records, or None when they hold
    several unrelated units (then figures are counted over their scope directly)."""
    paths = scope_for(user).paths(Cap.VIEW_INTERNAL)
    if paths == ("/",):
        roots = list(Organization.objects.filter(parent=None)[:2])
        return roots[0] if len(roots) == 1 else None
    if len(paths) != 1:
        return None
    return Organization.objects.filter(path=paths[0]).first()


def problem_figures(*, user: Any, campaign: Any, org: Organization | None = None) -> dict[str, Any]:
    """The rectification figures for the campaign and a unit's subtree (default: the user's unit).

    The figures come from the metric catalog (reports.metrics.compute: one aggregate per model); the
    status split and the red measures (lights) are this app's own. Each figure has a filtered list
    behind it that shows exactly its rows (see _figures.html).
    """
    from taizhang.reports import metrics

    unit = org or scope_unit(user)
    if unit is None:
        figures = _figures_in_scope(user=user, campaign=campaign)
    else:
        values = metrics.compute(campaign, unit, keys=list(FIGURE_KEYS.values()))
        figures = {name: values[key] for name, key in FIGURE_KEYS.items()}
    problems = problems_in_scope(user=user, campaign=campaign)
    measures = measures_in_scope(user=user, campaign=campaign)
    if org is not None:
        problems = problems.in_subtree(org)
        measures = measures.in_subtree(org)
    figures.update(
        problems.aggregate(
            open=Count("id", filter=Q(status=Problem.Status.OPEN)),
            in_progress=Count("id", filter=Q(status=Problem.Status.IN_PROGRESS)),
        )
    )
    figures["measures_red"] = (
        measures.annotate(live_light=measure_light()).filter(live_light=Light.RED).count()
    )
    figures["unit"] = unit
    return figures


def _figures_in_scope(*, user: Any, campaign: Any) -> dict[str, Any]:
    """The same rules over a scope of several unrelated units (the catalog counts one subtree)."""
    day = local_today()
    problems = problems_in_scope(user=user, campaign=campaign)
    figures = problems.aggregate(
        total=Count("id"),
        closed=Count("id", filter=Q(status=CLOSED)),
        submitted=Count("id", filter=Q(status=Problem.Status.SUBMITTED)),
        overdue=Count("id", filter=~Q(status=CLOSED) & Q(deadline__lt=day)),
    )
    figures.update(
        measures_in_scope(user=user, campaign=campaign).aggregate(
            measures_total=Count("id"), measures_done=Count("id", filter=Q(status=Measure.Status.DONE))
        )
    )
    figures["rate"] = rate(figures["closed"], figures["total"])
    return figures


UNIT_KEYS = ("total", "closed", "rate", "submitted", "overdue", "measures_total", "measures_done")


def unit_rows(*, user: Any, campaign: Any, parent: Organization | None = None) -> dict[str, Any]:
    """The catalog's figures for each unit directly under `parent` (default: the user's unit), each
    counting its subtree, plus the parent's own problems (本级): reports.metrics.breakdown by unit."""
    from taizhang.reports import metrics

    parent = parent or scope_unit(user)
    if parent is None:
        return {"parent": None, "own": None, "rows": []}
    grouped = metrics.breakdowns([FIGURE_KEYS[name] for name in UNIT_KEYS], campaign, parent, by="unit")
    columns = {name: dict(grouped[FIGURE_KEYS[name]]) for name in UNIT_KEYS}
    units = list(Organization.objects.filter(parent=parent).order_by("sort_order", "id"))
    for unit in units:
        for name in UNIT_KEYS:
            setattr(unit, name, columns[name].get(unit, 0 if name != "rate" else None))
    own = {name: columns[name].get(parent, 0 if name != "rate" else None) for name in UNIT_KEYS}
    return {"parent": parent, "own": own if own["total"] else None, "rows": units}


def leader_rows(*, user: Any, campaign: Any, org: Organization | None = None) -> list[dict[str, Any]]:
    """Open problems by responsible leader, with their lights: who has overdue items (one query)."""
    qs = problems_in_scope(user=user, campaign=campaign)
    if org is not None:
        qs = qs.in_subtree(org)
    rows = (
        qs.annotate(live_light=problem_light())
        .values("responsible_leader", "responsible_leader__name")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=~Q(status=CLOSED)),
            red=Count("id", filter=Q(live_light=Light.RED)),
            yellow=Count("id", filter=Q(live_light=Light.YELLOW)),
            submitted=Count("id", filter=Q(status=Problem.Status.SUBMITTED)),
            closed=Count("id", filter=Q(status=CLOSED)),
        )
        .order_by("-red", "-yellow", "responsible_leader__name")
    )
    result = list(rows)
    for row in result:
        row["rate"] = rate(row["closed"], row["total"])
    return result


def leader_choices(*, user: Any, campaign: Any) -> QuerySet[Member]:
    """The responsible leaders that appear on the user's problems (for the list filter)."""
    ids = problems_in_scope(user=user, campaign=campaign).values("responsible_leader")
    return Member.objects.filter(pk__in=ids).order_by("name")


def review_queue(*, user: Any, campaign: Any = None) -> QuerySet[Problem]:
    """Problems waiting for this leader's review (待我审核): submitted, in the leader's review scope."""
    ct = ContentType.objects.get_for_model(Problem)
    submitted_at = (
        Event.objects.filter(
            content_type=ct,
            object_id=OuterRef("pk"),
            kind=Event.Kind.STATUS,
            to_state=Problem.Status.SUBMITTED,
        )
        .order_by("-at")
        .values("at")[:1]
    )
    return (
        problems_in_scope(user=user, campaign=campaign, cap=Cap.REVIEW)
        .filter(status=Problem.Status.SUBMITTED)
        .select_related("org", "responsible_leader")
        .annotate(
            submitted_at=Subquery(submitted_at),
            live_light=problem_light(),
            measure_total=_measure_count(),
            measure_done=_measure_count(status=Measure.Status.DONE),
        )
        .order_by("submitted_at", "id")
    )


def review_count(*, user: Any) -> int:
    if not scope_for(user).has_any(Cap.REVIEW):
        return 0
    return problems_in_scope(user=user, cap=Cap.REVIEW).filter(status=Problem.Status.SUBMITTED).count()


def measure_list(
    *,
    user: Any,
    campaign: Any,
    status: str = "",
    light: str = "",
    org: Organization | None = None,
) -> QuerySet[Measure]:
    qs = (
        measures_in_scope(user=user, campaign=campaign)
        .select_related("problem__org")
        .annotate(live_light=measure_light(), evidence_count=evidence_subquery())
    )
    if status:
        qs = qs.filter(status=status)
    if light:
        qs = qs.filter(live_light=light)
    if org is not None:
        qs = qs.in_subtree(org)
    return qs.order_by("problem__code", "problem_id", "order", "id")


def problem_measures(problem: Problem) -> list[Measure]:
    """A problem's measures with live light and their evidence files (two queries)."""
    measures = list(problem.measures.annotate(live_light=measure_light()).order_by("order", "id"))
    ct = ContentType.objects.get_for_model(Measure)
    files: dict[int, list[Attachment]] = {m.pk: [] for m in measures}
    for attachment in (
        Attachment.objects.filter(content_type=ct, object_id__in=list(files))
        .select_related("uploaded_by")
        .order_by("uploaded_at", "id")
    ):
        files[attachment.object_id].append(attachment)
    for number, measure in enumerate(measures, start=1):
        measure.number = number
        measure.problem = problem
        measure.files = files[measure.pk]
    return measures


def problem_history(problem: Problem, measures: list[Measure]) -> list[Event]:
    """The problem's whole history, newest first: its own events and its measures' (one query + files)."""
    problem_ct = ContentType.objects.get_for_model(Problem)
    measure_ct = ContentType.objects.get_for_model(Measure)
    numbers = {m.pk: m.number for m in measures}
    events = list(
        Event.objects.filter(
            Q(content_type=problem_ct, object_id=problem.pk)
            | Q(content_type=measure_ct, object_id__in=list(numbers))
        )
        .select_related("actor")
        .prefetch_related("attachments")
        .order_by("-at", "-id")
    )
    for event in events:
        event.measure_number = (
            numbers.get(event.object_id) if event.content_type_id == measure_ct.pk else None
        )
    return events


def institution_list(
    *, user: Any, campaign: Any, kind: str = "", org: Organization | None = None, q: str = ""
) -> QuerySet[Institution]:
    qs = Institution.objects.within(user, Cap.VIEW).select_related("org")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if kind:
        qs = qs.filter(kind=kind)
    if org is not None:
        qs = qs.in_subtree(org)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(doc_number__icontains=q) | Q(summary__icontains=q))
    return qs.annotate(problem_count=Count("problems", distinct=True)).order_by("-issued_on", "-id")


def institution_figures(*, user: Any, campaign: Any, org: Organization | None = None) -> dict[str, int]:
    qs = Institution.objects.within(user, Cap.VIEW)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if org is not None:
        qs = qs.in_subtree(org)
    return qs.aggregate(
        total=Count("id"),
        new=Count("id", filter=Q(kind=Institution.Kind.NEW)),
        improved=Count("id", filter=Q(kind=Institution.Kind.IMPROVED)),
    )


def home_figures(*, user: Any, campaign: Any, reviewer: bool) -> dict[str, Any]:
    """For the home panels (the catalog's figures): a leader's review queue and overdue problems, or
    a recorder's open problems, nearest deadline first."""
    counts = problem_figures(user=user, campaign=campaign)
    counts["not_closed"] = counts["total"] - counts["closed"]
    problems = problems_in_scope(user=user, campaign=campaign).exclude(status=CLOSED)
    context: dict[str, Any] = {"counts": counts}
    if reviewer:
        context["review"] = review_count(user=user)
        context["overdue_items"] = list(
            problems.filter(deadline__lt=local_today())
            .select_related("org", "responsible_leader")
            .order_by("deadline", "code")[:5]
        )
    else:
        context["open_items"] = list(
            problems.select_related("org")
            .annotate(live_light=problem_light())
            .order_by(F("deadline").asc(nulls_last=True), "code")[:6]
        )
    return context
