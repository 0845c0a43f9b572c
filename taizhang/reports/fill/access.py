"""Getting a draft or a saved template for a user: the object, or 404 (not theirs to see) / 403.

Filling needs Cap.VIEW_INTERNAL (the figures include problem lists). A draft in progress is its owner's
alone. A saved template is used by everyone with VIEW_INTERNAL over its unit's subtree AND by the units
under it (the committee office writes the template once, every branch fills it); changing or deleting it
needs VIEW_INTERNAL over its own unit.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from taizhang.core.access import Cap, deny, require_any, scope_for
from taizhang.reports.models import FillDraft, FillTemplate

NOT_FOUND = "没有找到该文稿，或您无权查看"


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def templates_visible_q(user: Any) -> Q:
    """Templates of units in the user's VIEW_INTERNAL subtrees, or above them."""
    paths = scope_for(user).paths(Cap.VIEW_INTERNAL)
    if not paths:
        return Q(pk__in=[])
    if paths == ("/",):
        return Q()
    q = Q()
    above: set[str] = set()
    for path in paths:
        q |= Q(org__path__startswith=path)
        above.update(_ancestor_paths(path))
    return q | Q(org__path__in=sorted(above))


def get_draft_for_user(user: Any, pk: int) -> FillDraft:
    require_any(user, Cap.VIEW_INTERNAL)
    draft = (
        FillDraft.objects.within(user, Cap.VIEW_INTERNAL)
        .filter(created_by=user, pk=pk)
        .select_related("org", "campaign", "campaign__org", "template")
        .first()
    )
    if draft is None:
        if FillDraft.objects.filter(pk=pk).exists():
            deny(user, reason=f"reports.FillDraft pk={pk} not the user's", status=404)
        raise Http404(NOT_FOUND)
    return draft


def get_template_for_user(user: Any, pk: int) -> FillTemplate:
    require_any(user, Cap.VIEW_INTERNAL)
    template = (
        FillTemplate.objects.filter(templates_visible_q(user), pk=pk)
        .select_related("org", "created_by")
        .first()
    )
    if template is None:
        if FillTemplate.objects.filter(pk=pk).exists():
            deny(user, reason=f"reports.FillTemplate pk={pk} outside scope", status=404)
        raise Http404(NOT_FOUND)
    return template


def get_rw_template_for_user(user: Any, pk: int) -> FillTemplate:
    template = get_template_for_user(user, pk)
    if not scope_for(user).can(Cap.VIEW_INTERNAL, template.org):
        deny(user, obj=template, reason="template of a unit above the user's")
        raise PermissionDenied("该模板属于上级单位，您可以使用但不能修改或删除")
    return template
