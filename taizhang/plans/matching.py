"""Plan against actual: which planned study sessions happened.

An item of a study plan is fulfilled by a recorded study activity when
  - the activity belongs to the plan's campaign and to the plan's unit subtree (for a personal plan:
    the member was present at it),
  - its type suits the item: the item's activity type when one is set, otherwise one of the types
    that the item's form (集中学习, 专题研讨, 专题党课, 读书班 …) stands for,
  - and it took place within MATCH_WINDOW_DAYS of the planned date.
Items of form 个人自学 in a personal plan are fulfilled by the member's own self-study rows instead.

One record fulfils at most one item of a plan. Records held by the plan's own unit come before those
of units below it, then the nearest date wins ("closest first", decided over the whole plan at once,
so the result does not depend on the order items were entered). Matches chosen by hand are kept.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from taizhang.plans.models import StudyPlan, StudyPlanItem

# A session held up to two weeks before or after its planned date still counts as the planned one.
MATCH_WINDOW_DAYS = 14
# For choosing by hand the window is the whole campaign; the list shows the nearest this many.
MANUAL_CHOICES = 40

Form = StudyPlanItem.Form

# Which activity types (study.defaults codes) each form of a plan item stands for. None: any type.
FORM_TYPES: dict[str, frozenset[str] | None] = {
    Form.CONCENTRATED: frozenset(
        {
            "first_topic",
            "central_group",
            "weekly_meeting",
            "branch_concentrated",
            "theme_party_day",
            "branch_general_meeting",
            "branch_committee",
            "group_meeting",
        }
    ),
    Form.SEMINAR: frozenset(
        {"seminar", "rectification_seminar", "exchange_discussion", "central_group", "youth_forum"}
    ),
    Form.LECTURE: frozenset({"party_lecture", "clean_class"}),
    Form.READING: frozenset({"reading_class"}),
    Form.SELF: frozenset(),
    Form.OTHER: None,
}


@dataclass(frozen=True)
class Candidate:
    """A recorded session that may fulfil an item: a study activity, or a self-study row (is_self)."""

    id: int
    date: date
    type_code: str | None = None
    exact_org: bool = True
    is_self: bool = False
    label: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return ("self" if self.is_self else "activity", self.id)


@dataclass(frozen=True)
class ItemSpec:
    id: int
    planned_date: date
    form: str
    type_code: str | None = None


@dataclass
class MatchResult:
    total: int = 0
    matched: int = 0
    changed: list[StudyPlanItem] = field(default_factory=list)


def compatible(item: ItemSpec, candidate: Candidate) -> bool:
    if item.form == Form.SELF:
        return candidate.is_self
    if candidate.is_self:
        return False
    if item.type_code:
        return candidate.type_code == item.type_code
    allowed = FORM_TYPES.get(item.form)
    return allowed is None or candidate.type_code in allowed


def assign(
    items: list[ItemSpec],
    candidates: list[Candidate],
    *,
    window: int = MATCH_WINDOW_DAYS,
    taken: set[tuple[str, int]] | None = None,
) -> dict[int, Candidate]:
    """One-to-one assignment of candidates to items: own unit first, then nearest date, over all pairs."""
    ordered = sorted(candidates, key=lambda c: (c.date, c.is_self, c.id))
    dates = [c.date for c in ordered]
    span = timedelta(days=window)
    pairs: list[tuple[tuple, ItemSpec, Candidate]] = []
    for item in items:
        low = bisect_left(dates, item.planned_date - span)
        high = bisect_right(dates, item.planned_date + span)
        for candidate in ordered[low:high]:
            if compatible(item, candidate):
                distance = abs((candidate.date - item.planned_date).days)
                rank = (
                    not candidate.exact_org,
                    distance,
                    candidate.date,
                    candidate.id,
                    item.planned_date,
                    item.id,
                )
                pairs.append((rank, item, candidate))
    pairs.sort(key=lambda pair: pair[0])
    used = set(taken or ())
    result: dict[int, Candidate] = {}
    for _, item, candidate in pairs:
        if item.id in result or candidate.key in used:
            continue
        result[item.id] = candidate
        used.add(candidate.key)
    return result


def _spec(item: StudyPlanItem) -> ItemSpec:
    code = item.activity_type.code if item.activity_type_id else None
    return ItemSpec(id=item.pk, planned_date=item.planned_date, form=item.form, type_code=code)


def _codes_for(specs: list[ItemSpec]) -> set[str] | None:
    """The type codes worth fetching for these items; None when some item accepts any type."""
    codes: set[str] = set()
    for spec in specs:
        if spec.form == Form.SELF:
            continue
        if spec.type_code:
            codes.add(spec.type_code)
            continue
        allowed = FORM_TYPES.get(spec.form)
        if allowed is None:
            return None
        codes |= allowed
    return codes


def fetch_candidates(
    plan: StudyPlan, *, start: date, end: date, codes: set[str] | None, want_activities: bool, want_self: bool
) -> list[Candidate]:
    """Recorded sessions of the plan's campaign and unit (or member) between start and end: two queries at most."""
    from taizhang.study.models import Attendance, SelfStudy, StudyActivity

    found: list[Candidate] = []
    personal = plan.level == StudyPlan.Level.PERSONAL
    if want_activities and codes != set():
        qs = StudyActivity.objects.filter(date__range=(start, end))
        if plan.campaign_id:
            qs = qs.filter(campaign_id=plan.campaign_id)
        if personal:
            qs = qs.filter(
                pk__in=Attendance.objects.filter(member_id=plan.member_id, status="present").values(
                    "activity_id"
                )
            )
        else:
            qs = qs.in_subtree(plan.org)
        if codes is not None:
            qs = qs.filter(type__code__in=codes)
        for pk, day, code, org_id, topic, type_name in qs.values_list(
            "pk", "date", "type__code", "org_id", "topic", "type__name"
        ):
            found.append(
                Candidate(
                    id=pk,
                    date=day,
                    type_code=code,
                    exact_org=personal or org_id == plan.org_id,
                    label=f"{day:%Y-%m-%d} {type_name}：{topic}",
                )
            )
    if want_self and personal:
        qs = SelfStudy.objects.filter(member_id=plan.member_id, date__range=(start, end))
        if plan.campaign_id:
            qs = qs.filter(campaign_id=plan.campaign_id)
        for pk, day, material, minutes in qs.values_list("pk", "date", "material", "minutes"):
            found.append(
                Candidate(
                    id=pk,
                    date=day,
                    is_self=True,
                    label=f"{day:%Y-%m-%d} 个人自学：{material}（{minutes}分钟）",
                )
            )
    return found


def match_plan(plan: StudyPlan) -> MatchResult:
    """Compute the plan's matches (without saving): the items whose match changes are in `changed`."""
    items = list(plan.items.select_related("activity_type").order_by("planned_date", "order", "id"))
    result = MatchResult(total=len(items))
    if not items:
        return result
    manual = [i for i in items if i.match_manual]
    auto = [i for i in items if not i.match_manual]
    taken: set[tuple[str, int]] = set()
    for item in manual:
        if item.activity_id:
            taken.add(("activity", item.activity_id))
        if item.self_study_id:
            taken.add(("self", item.self_study_id))
    specs = [_spec(i) for i in auto]
    chosen: dict[int, Candidate] = {}
    if specs:
        span = timedelta(days=MATCH_WINDOW_DAYS)
        candidates = fetch_candidates(
            plan,
            start=min(s.planned_date for s in specs) - span,
            end=max(s.planned_date for s in specs) + span,
            codes=_codes_for(specs),
            want_activities=any(s.form != Form.SELF for s in specs),
            want_self=any(s.form == Form.SELF for s in specs),
        )
        chosen = assign(specs, candidates, taken=taken)
    for item in auto:
        candidate = chosen.get(item.pk)
        activity_id = candidate.id if candidate and not candidate.is_self else None
        self_id = candidate.id if candidate and candidate.is_self else None
        if (item.activity_id, item.self_study_id) != (activity_id, self_id):
            item.activity_id, item.self_study_id = activity_id, self_id
            result.changed.append(item)
    result.matched = sum(1 for i in items if i.activity_id or i.self_study_id)
    return result


def candidates_for_item(*, item: StudyPlanItem, wide: bool = True) -> list[Candidate]:
    """Records that could fulfil this item, nearest first: within the campaign (wide) or the window."""
    plan = item.plan
    spec = _spec(item)
    if wide and plan.campaign_id:
        start, end = plan.campaign.start_date, plan.campaign.end_date
    else:
        span = timedelta(days=MATCH_WINDOW_DAYS)
        start, end = item.planned_date - span, item.planned_date + span
    found = fetch_candidates(
        plan,
        start=start,
        end=end,
        codes=_codes_for([spec]),
        want_activities=spec.form != Form.SELF,
        want_self=spec.form == Form.SELF,
    )
    found = [c for c in found if compatible(spec, c)]
    found.sort(key=lambda c: (not c.exact_org, abs((c.date - item.planned_date).days), c.date, c.id))
    return found[:MANUAL_CHOICES]


def item_state(item: Any, today: date) -> str:
    """done (a record fulfils it) / missed (its day has passed without one) / planned."""
    if item.activity_id or item.self_study_id:
        return "done"
    return "missed" if item.planned_date < today else "planned"
