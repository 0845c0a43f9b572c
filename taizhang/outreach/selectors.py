"""Reads for research visits, demands and practical matters, always within the user's scope.

Counts are computed in SQL (annotate / aggregate / counting subqueries), never by looping over rows,
so every page issues a bounded number of queries whatever the data size.

Other apps may call (stable):
    matters_done(*, campaign, org) -> list[PracticalMatter]       the summary report's examples
    visits_of(*, campaign, org) / demands_of(...) / matters_of(...)  querysets for the metric catalog
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from taizhang.core.access import Cap, scope_for
from taizhang.core.lights import Light, light_case
from taizhang.lib.dates import today
from taizhang.org.models import Member, Organization
from taizhang.outreach.models import Demand, Finding, PracticalMatter, ResearchTopic, ResearchVisit
from taizhang.rectification.models import Problem

# The campaign filter of every list: a Campaign, ALL (no filter) or NONE (records under no campaign).
ALL = "all"
NONE = "none"


def _by_campaign(qs: QuerySet, campaign: Any, field: str = "campaign") -> QuerySet:
    if campaign == ALL or campaign is None:
        return qs
    if campaign == NONE:
        return qs.filter(**{f"{field}__isnull": True})
    return qs.filter(**{field: campaign})


def campaign_for_dated(*, org: Organization, day: date) -> Any:
    """The campaign a dated record (visit, demand) belongs to: run by a unit at or above `org`, with
    `day` in its period; the most specific unit wins, then the latest start (DESIGN.md, Import)."""
    from taizhang.campaigns.models import Campaign

    ancestors = [f"/{'/'.join(str(i) for i in org.ancestor_ids()[: n + 1])}/" for n in range(org.depth + 1)]
    return (
        Campaign.objects.filter(org__path__in=ancestors, start_date__lte=day, end_date__gte=day)
        .order_by("-org__depth", "-start_date", "-id")
        .first()
    )


# --- Topics ----------------------------------------------------------------------------------


def topic_list(*, user: Any, campaign: Any = ALL, org: Organization | None = None, q: str = "") -> QuerySet:
    qs = ResearchTopic.objects.within(user, Cap.VIEW).select_related("org", "leader", "campaign")
    qs = _by_campaign(qs, campaign)
    if org is not None:
        qs = qs.in_subtree(org)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(leader__name__icontains=q))
    visits = ResearchVisit.objects.filter(topic=OuterRef("pk"))
    return qs.annotate(
        visit_count=_count(visits),
        finding_count=_count(Finding.objects.filter(visit__topic=OuterRef("pk"))),
        last_visit=Subquery(visits.order_by("-date").values("date")[:1]),
    ).order_by("-created_at", "-id")


def topic_choices(*, user: Any) -> QuerySet:
    return (
        ResearchTopic.objects.within(user, Cap.VIEW).select_related("leader").order_by("-created_at", "-id")
    )


# --- Visits ----------------------------------------------------------------------------------


def _count(qs: QuerySet) -> Subquery:
    """COUNT(*) of a correlated queryset as a subquery (no GROUP BY on the outer query)."""
    return Coalesce(
        Subquery(qs.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


def visit_list(
    *,
    user: Any,
    campaign: Any = ALL,
    org: Organization | None = None,
    topic: ResearchTopic | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    q: str = "",
) -> QuerySet:
    qs = ResearchVisit.objects.within(user, Cap.VIEW).select_related("org", "topic")
    qs = _by_campaign(qs, campaign)
    if org is not None:
        qs = qs.in_subtree(org)
    if topic is not None:
        qs = qs.filter(topic=topic)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    if q:
        qs = qs.filter(
            Q(subject__icontains=q) | Q(place__icontains=q) | Q(leader__icontains=q) | Q(summary__icontains=q)
        )
    return qs.annotate(
        finding_count=_count(Finding.objects.filter(visit=OuterRef("pk"))),
        problem_count=_count(Problem.objects.filter(visit=OuterRef("pk"))),
        matter_count=_count(PracticalMatter.objects.filter(visit=OuterRef("pk"))),
        participant_count=_count(
            ResearchVisit.participants.through.objects.filter(researchvisit=OuterRef("pk"))
        ),
    ).order_by("-date", "-id")


def visit_findings(*, visit: ResearchVisit) -> list[Finding]:
    """The visit's findings, each with the problems and matters it became (three queries)."""
    return list(
        visit.findings.prefetch_related(
            Prefetch("problems", queryset=Problem.objects.select_related("org").order_by("id")),
            Prefetch("matters", queryset=PracticalMatter.objects.select_related("org").order_by("id")),
        )
    )


def visit_participants(*, visit: ResearchVisit) -> list[Member]:
    return list(
        visit.participants.select_related("org")
        .defer("id_number", "phone")
        .order_by("org__path", "sort_order", "id")
    )


def participant_choices(*, org: Organization | None, keep: ResearchVisit | None = None) -> QuerySet:
    """Who may be named as a participant of a visit by `org`: active members of its subtree, plus
    those already on the visit `keep` (a member who left since stays on the record)."""
    if org is None:
        return Member.objects.none()
    active = Q(is_active=True)
    if keep is not None and keep.pk:
        active |= Q(pk__in=keep.participants.values("pk"))
    return (
        Member.objects.in_subtree(org)
        .filter(active)
        .select_related("org")
        .defer("id_number", "phone")
        .order_by("org__path", "sort_order", "id")
    )


def leader_suggestions(*, campaign: Any) -> list[str]:
    """Names offered for 带队领导: the campaign's leading group (typing any other name is allowed)."""
    if campaign is None:
        return []
    return list(
        campaign.roles.filter(role__in=("group_leader", "deputy_leader"))
        .order_by("order", "id")
        .values_list("member__name", flat=True)
    )


# --- Demands ---------------------------------------------------------------------------------


def demand_list(
    *,
    user: Any,
    campaign: Any = ALL,
    org: Organization | None = None,
    resolved: bool | None = None,
    channel: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    q: str = "",
) -> QuerySet:
    qs = Demand.objects.within(user, Cap.VIEW_INTERNAL).select_related("org")
    qs = _by_campaign(qs, campaign)
    if org is not None:
        qs = qs.in_subtree(org)
    if resolved is not None:
        qs = qs.filter(resolved=resolved)
    if channel:
        qs = qs.filter(channel=channel)
    if date_from:
        qs = qs.filter(raised_on__gte=date_from)
    if date_to:
        qs = qs.filter(raised_on__lte=date_to)
    if q:
        qs = qs.filter(
            Q(content__icontains=q)
            | Q(raised_by__icontains=q)
            | Q(handler__icontains=q)
            | Q(response__icontains=q)
        )
    return qs.annotate(
        has_matter=Exists(PracticalMatter.objects.filter(demand=OuterRef("pk"))),
    ).order_by("-raised_on", "-id")


def demand_counts(qs: QuerySet) -> dict[str, int]:
    return qs.order_by().aggregate(
        total=Count("id"),
        solved=Count("id", filter=Q(resolved=True)),
        unsolved=Count("id", filter=Q(resolved=False)),
    )


# --- Matters ---------------------------------------------------------------------------------


def live_light() -> Any:
    """The traffic light of today, as SQL (core.lights: the one rule)."""
    return light_case(PracticalMatter.light_deadline_field, PracticalMatter.light_closed_q, today())


def matter_list(
    *,
    user: Any,
    campaign: Any = ALL,
    org: Organization | None = None,
    status: str = "",
    light: str = "",
    date_field: str = "due_date",
    date_from: date | None = None,
    date_to: date | None = None,
    q: str = "",
) -> QuerySet:
    """Matters in scope, each annotated with `live_light`; red ones first, then by due date."""
    qs = (
        PracticalMatter.objects.within(user, Cap.VIEW).select_related("org").annotate(live_light=live_light())
    )
    qs = _by_campaign(qs, campaign)
    if org is not None:
        qs = qs.in_subtree(org)
    if status:
        qs = qs.filter(status=status)
    if light:
        qs = qs.filter(live_light=light)
    if date_field not in ("due_date", "done_on"):
        date_field = "due_date"
    if date_from:
        qs = qs.filter(**{f"{date_field}__gte": date_from})
    if date_to:
        qs = qs.filter(**{f"{date_field}__lte": date_to})
    if q:
        qs = qs.filter(
            Q(title__icontains=q)
            | Q(description__icontains=q)
            | Q(beneficiaries__icontains=q)
            | Q(owner__icontains=q)
            | Q(outcome__icontains=q)
        )
    order = {Light.RED: 0, Light.YELLOW: 1, Light.GREEN: 2, Light.DONE: 3}
    from django.db.models import Case, When

    rank = Case(*[When(live_light=k, then=Value(v)) for k, v in order.items()], output_field=IntegerField())
    return qs.annotate(light_rank=rank).order_by(
        "light_rank", F("due_date").asc(nulls_last=True), "-done_on", "id"
    )


def matter_counts(qs: QuerySet) -> dict[str, int]:
    """Matters by status and by light, and the beneficiaries of those done: one aggregate query."""
    S = PracticalMatter.Status
    qs = qs.order_by()
    if "live_light" not in qs.query.annotations:
        qs = qs.annotate(live_light=live_light())
    return qs.aggregate(
        total=Count("id"),
        not_started=Count("id", filter=Q(status=S.NOT_STARTED)),
        in_progress=Count("id", filter=Q(status=S.IN_PROGRESS)),
        done=Count("id", filter=Q(status=S.DONE)),
        red=Count("id", filter=Q(live_light=Light.RED)),
        yellow=Count("id", filter=Q(live_light=Light.YELLOW)),
        # Only counts in 人: 人次, 家, 件 … are other measures and are never added to them.
        beneficiary_total=Coalesce(
            Sum(
                "beneficiary_count", filter=Q(status=S.DONE, beneficiary_unit=PracticalMatter.Measure.PERSON)
            ),
            0,
        ),
    )


def matters_done(*, campaign: Any, org: Organization) -> list[PracticalMatter]:
    """The practical matters done (已办结) in a campaign and an organization subtree, for the summary
    report to quote by name: ordered by completion date, then id; each with org (select_related),
    title, outcome (成效), beneficiaries (服务对象), beneficiary_count (受益人数, may be None) and done_on.

    `campaign` is a Campaign, or None for matters under no campaign.
    """
    qs = PracticalMatter.objects.filter(status=PracticalMatter.Status.DONE).in_subtree(org)
    qs = qs.filter(campaign__isnull=True) if campaign is None else qs.filter(campaign=campaign)
    return list(qs.select_related("org").order_by("done_on", "id"))


def visits_of(*, campaign: Any, org: Organization) -> QuerySet:
    """Research visits of a campaign in a subtree (the metric `research.visits` counts these)."""
    return _by_campaign(ResearchVisit.objects.in_subtree(org), campaign if campaign is not None else NONE)


def demands_of(*, campaign: Any, org: Organization) -> QuerySet:
    """Demands of a campaign in a subtree (`demands.total`; `.filter(resolved=True)` for `demands.resolved`)."""
    return _by_campaign(Demand.objects.in_subtree(org), campaign if campaign is not None else NONE)


def matters_of(*, campaign: Any, org: Organization) -> QuerySet:
    """Matters of a campaign in a subtree (`matters.total`; `.filter(status="done")` for `matters.done`)."""
    return _by_campaign(PracticalMatter.objects.in_subtree(org), campaign if campaign is not None else NONE)


# --- Counts by unit --------------------------------------------------------------------------


@dataclass
class UnitRow:
    org: Organization
    own_only: bool  # True for the "本级" row: records of the unit itself, not of its children
    counts: dict[str, int]


def _unit_counts(orgs: QuerySet, campaign: Any, *, internal: bool, exact: bool) -> QuerySet:
    """Annotate units with counts of the records of their subtree (of the unit only when `exact`)."""

    def scoped(qs: QuerySet, org_field: str = "org", campaign_field: str = "campaign") -> QuerySet:
        qs = _by_campaign(qs, campaign, campaign_field)
        if exact:
            return qs.filter(**{org_field: OuterRef("pk")})
        return qs.filter(**{f"{org_field}__path__startswith": OuterRef("path")})

    S = PracticalMatter.Status
    matters = scoped(PracticalMatter.objects.all())
    annotations = {
        "visits": _count(scoped(ResearchVisit.objects.all())),
        "findings": _count(scoped(Finding.objects.all(), "visit__org", "visit__campaign")),
        "matters": _count(matters),
        "matters_not_started": _count(matters.filter(status=S.NOT_STARTED)),
        "matters_in_progress": _count(matters.filter(status=S.IN_PROGRESS)),
        "matters_done": _count(matters.filter(status=S.DONE)),
        "matters_red": _count(matters.annotate(live_light=live_light()).filter(live_light=Light.RED)),
        "beneficiaries": Coalesce(
            Subquery(
                matters.filter(status=S.DONE, beneficiary_unit=PracticalMatter.Measure.PERSON)
                .order_by()
                .annotate(_s=Func(F("beneficiary_count"), function="SUM"))
                .values("_s")[:1]
            ),
            Value(0),
            output_field=IntegerField(),
        ),
    }
    if internal:
        demands = scoped(Demand.objects.all())
        annotations["demands"] = _count(demands)
        annotations["demands_resolved"] = _count(demands.filter(resolved=True))
    # Prefixed: Organization already has relations named visits, demands, matters.
    return orgs.annotate(**{f"n_{key}": value for key, value in annotations.items()})


COUNT_KEYS = (
    "visits",
    "findings",
    "demands",
    "demands_resolved",
    "matters",
    "matters_not_started",
    "matters_in_progress",
    "matters_done",
    "matters_red",
    "beneficiaries",
)


def unit_counts(*, user: Any, campaign: Any, org: Organization | None = None) -> dict[str, Any]:
    """Counts of visits, findings, demands and matters by unit, in SQL (three queries).

    With `org`: a 本级 row (records of `org` itself), one row per unit directly under it (its whole
    subtree rolled up) and the total of `org`'s subtree. Without: the user's top units and their
    total. Demands only for users who may see them (Cap.VIEW_INTERNAL).
    """
    scope = scope_for(user)
    internal = scope.has_any(Cap.VIEW_INTERNAL)
    fields = [k for k in COUNT_KEYS if internal or not k.startswith("demands")]
    if org is None:
        paths = scope.paths(Cap.VIEW)
        tops = (
            Organization.objects.filter(parent__isnull=True)
            if paths == ("/",)
            else Organization.objects.filter(path__in=paths)
        )
        tops = list(tops.order_by("path"))
        org = tops[0] if len(tops) == 1 else None
    rows: list[UnitRow] = []

    def add(units: QuerySet, own_only: bool) -> None:
        for unit in units:
            rows.append(UnitRow(unit, own_only, {k: getattr(unit, f"n_{k}") for k in fields}))

    if org is not None:
        add(
            _unit_counts(Organization.objects.filter(pk=org.pk), campaign, internal=internal, exact=True),
            True,
        )
        children = Organization.objects.within(user, Cap.VIEW).filter(parent=org).order_by("sort_order", "id")
        add(_unit_counts(children, campaign, internal=internal, exact=False), False)
        whole = _unit_counts(Organization.objects.filter(pk=org.pk), campaign, internal=internal, exact=False)
        total = {k: getattr(whole[0], f"n_{k}") for k in fields}
    else:
        add(
            _unit_counts(
                Organization.objects.filter(pk__in=[t.pk for t in tops]).order_by("path"),
                campaign,
                internal=internal,
                exact=False,
            ),
            False,
        )
        # Disjoint subtrees (scope keeps only the topmost paths): the total is the sum of the rows.
        total = {k: sum(r.counts[k] for r in rows) for k in fields}
    return {"org": org, "rows": rows, "total": total, "internal": internal, "fields": fields}
