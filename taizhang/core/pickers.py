"""Search pickers: the server side of the picker widget (core/widgets.py).

A select whose options grow with the data (members, units, problems, measures, activities, visits)
is replaced on create/edit forms by a search box that asks `core:pick` for at most PICK_LIMIT
matches. Each kind names the capability it needs and searches only within the user's scope
(access.py), so an outsider learns no names from other units. The form field keeps its own
queryset, and validation of the posted ids is unchanged: an id outside it is refused with the
field's message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from taizhang.core.access import Cap, deny, get_object_in_scope, scope_for

PICK_LIMIT = 20


@dataclass(frozen=True)
class PickerKind:
    cap: str
    queryset: Callable[[Any, dict[str, str]], QuerySet]  # (user, params) -> scoped queryset
    search: Callable[[str], Q]
    label: Callable[[Any], str]
    placeholder: str
    related: tuple[str, ...] = ()  # what label() reads, for the chosen rows of a form field's queryset


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def _scoped_org(user: Any, raw: str | None, cap: str) -> Any:
    """The unit a parameter names, or None when absent; 404 when the user may not see it (an outsider
    who tampers with the id learns nothing, as with any object URL)."""
    from taizhang.org.models import Organization

    org_id = _int(raw)
    return get_object_in_scope(user, Organization.objects, view=cap, pk=org_id) if org_id else None


def _campaign(qs: QuerySet, params: dict[str, str], user: Any, field: str = "campaign") -> QuerySet:
    from taizhang.campaigns.selectors import campaigns_visible_to

    campaign_id = _int(params.get("campaign"))
    if not campaign_id:
        return qs
    campaign = campaigns_visible_to(user=user).filter(pk=campaign_id).first()
    if campaign is None:
        deny(user, reason=f"picker campaign {campaign_id} outside scope", status=404)
        raise Http404("没有找到该记录，或您无权查看")
    return qs.filter(**{field: campaign})


def _members(user: Any, params: dict[str, str]) -> QuerySet:
    from taizhang.org.models import Member

    qs = Member.objects.within(user, Cap.VIEW_INTERNAL).filter(is_active=True).select_related("org__parent")
    org = _scoped_org(user, params.get("org"), Cap.VIEW_INTERNAL)  # visit participants: one subtree
    if org is not None:
        qs = qs.in_subtree(org)
    return qs.order_by("name", "id")


def _member_search(q: str) -> Q:
    """Every word must match the name, the unit or the unit above it: "王 第3党支部" finds the Wangs of
    that branch, its groups included."""
    found = Q()
    for word in q.split():
        found &= (
            Q(name__icontains=word)
            | Q(org__name__icontains=word)
            | Q(org__short_name__icontains=word)
            | Q(org__parent__name__icontains=word)
        )
    return found


def _member_label(member: Any) -> str:
    """Name (unit, post); a group is named with its branch, since "1小组" exists in every branch."""
    org = member.org
    unit = org.short_name or org.name
    if org.kind == "group" and org.parent is not None:
        unit = f"{org.parent.short_name or org.parent.name}{unit}"
    post = f"，{member.post}" if member.post else ""
    return f"{member.name}（{unit}{post}）"


def _orgs(user: Any, params: dict[str, str]) -> QuerySet:
    from taizhang.org.models import Organization

    cap = (
        params.get("cap") if params.get("cap") in {Cap.RECORD, Cap.MANAGE, Cap.VIEW_INTERNAL} else Cap.RECORD
    )
    qs = Organization.objects.within(user, cap).filter(is_active=True)
    under = _int(params.get("under"))
    if under:
        # A campaign's units: narrows the user's own units to one subtree (the root may be a committee
        # above the user, so it need not be visible; nothing outside the scope can come back).
        root = Organization.objects.filter(pk=under).only("path").first()
        qs = qs.in_subtree(root) if root else qs.none()
    return qs.order_by("path")


def _org_label(org: Any) -> str:
    return f"{org.name}（{org.code}）" if org.code else org.name


def _problems(user: Any, params: dict[str, str]) -> QuerySet:
    from taizhang.rectification.models import Problem

    return _campaign(Problem.objects.within(user, Cap.VIEW_INTERNAL), params, user).order_by("code", "id")


def _measures(user: Any, params: dict[str, str]) -> QuerySet:
    from taizhang.rectification.models import Measure

    qs = Measure.objects.within(user, Cap.VIEW_INTERNAL).select_related("problem")
    return _campaign(qs, params, user, "problem__campaign").order_by("problem__code", "order", "id")


def _activities(user: Any, params: dict[str, str]) -> QuerySet:
    from taizhang.study.models import StudyActivity

    qs = StudyActivity.objects.within(user, Cap.VIEW).select_related("type")
    return _campaign(qs, params, user).order_by("-date", "-id")


def _visits(user: Any, params: dict[str, str]) -> QuerySet:
    from taizhang.outreach.models import ResearchVisit

    return _campaign(ResearchVisit.objects.within(user, Cap.VIEW), params, user).order_by("-date", "-id")


KINDS: dict[str, PickerKind] = {
    "member": PickerKind(
        Cap.VIEW_INTERNAL,
        _members,
        _member_search,
        _member_label,
        "输入姓名（可加单位）搜索党员",
        ("org__parent",),
    ),
    "org": PickerKind(
        Cap.RECORD,
        _orgs,
        lambda q: Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__icontains=q),
        _org_label,
        "输入组织名称或编码搜索",
    ),
    "problem": PickerKind(
        Cap.VIEW_INTERNAL,
        _problems,
        lambda q: Q(code__icontains=q) | Q(description__icontains=q),
        lambda p: f"{p.code} {p.description[:40]}",
        "输入问题编号或内容搜索",
    ),
    "measure": PickerKind(
        Cap.VIEW_INTERNAL,
        _measures,
        lambda q: Q(problem__code__icontains=q) | Q(content__icontains=q),
        lambda m: f"{m.problem.code} · {m.content[:40]}",
        "输入问题编号或措施内容搜索",
        ("problem",),
    ),
    "activity": PickerKind(
        Cap.VIEW,
        _activities,
        lambda q: Q(topic__icontains=q),
        lambda a: f"{a.date:%Y-%m-%d} {a.type.name}：{a.topic}",
        "输入会议主题搜索",
        ("type",),
    ),
    "visit": PickerKind(
        Cap.VIEW,
        _visits,
        lambda q: Q(subject__icontains=q),
        lambda v: f"{v.date:%Y-%m-%d} {v.subject}",
        "输入调研题目搜索",
    ),
}


def pick(*, user: Any, kind: str, q: str, params: dict[str, str]) -> tuple[list[tuple[int, str]], bool]:
    """At most PICK_LIMIT (id, label) matches of `q` within the user's scope, and whether there are more."""
    spec = KINDS[kind]
    q = " ".join(q.split())[:30]
    if not scope_for(user).has_any(spec.cap):
        return [], False
    queryset = spec.queryset(user, params)  # first: a tampered unit or campaign id answers 404
    if not q:
        return [], False
    rows = list(queryset.filter(spec.search(q))[: PICK_LIMIT + 1])
    return [(obj.pk, spec.label(obj)) for obj in rows[:PICK_LIMIT]], len(rows) > PICK_LIMIT
