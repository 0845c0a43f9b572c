"""Reads for the organization tree and roster, always within the user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from taizhang.core.access import Cap
from taizhang.org.models import Member, Organization


def org_list_for_user(*, user: Any, cap: str = Cap.VIEW_INTERNAL) -> list[Organization]:
    """Visible units in tree order (siblings by sort order), each with its count of active members (one query)."""
    orgs = list(
        Organization.objects.within(user, cap).annotate(
            member_count=Count("members", filter=Q(members__is_active=True))
        )
    )
    return tree_sorted(orgs)


def tree_sorted(orgs: list[Organization]) -> list[Organization]:
    """Depth-first order with siblings by (sort_order, id); ids in `path` give each unit's ancestors."""
    by_id = {o.pk: o for o in orgs}

    def key(org: Organization) -> tuple:
        chain = []
        for ancestor_id in org.ancestor_ids():
            ancestor = by_id.get(ancestor_id)
            chain.append((ancestor.sort_order, ancestor_id) if ancestor else (0, ancestor_id))
        return tuple(chain)

    return sorted(orgs, key=key)


def org_choices_for_user(
    *, user: Any, cap: str, kinds: tuple[str, ...] | None = None
) -> QuerySet[Organization]:
    qs = Organization.objects.within(user, cap).filter(is_active=True).order_by("depth", "sort_order", "id")
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs


def member_list(
    *,
    user: Any,
    org: Organization | None = None,
    q: str = "",
    category: str = "",
    active: bool | None = True,
) -> QuerySet[Member]:
    qs = Member.objects.within(user, Cap.VIEW_INTERNAL).select_related("org").defer("id_number", "note")
    if org is not None:
        qs = qs.in_subtree(org)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(post__icontains=q) | Q(department__icontains=q))
    if category:
        qs = qs.filter(category=category)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("org__path", "sort_order", "id")


def members_of_subtree(*, org: Organization, active_only: bool = True) -> QuerySet[Member]:
    qs = Member.objects.in_subtree(org).select_related("org").order_by("org__path", "sort_order", "id")
    return qs.filter(is_active=True) if active_only else qs


def indent_label(org: Organization, base_depth: int = 0) -> str:
    return "\u3000" * max(org.depth - base_depth, 0) + org.name
