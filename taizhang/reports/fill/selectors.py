"""Reads for the draft filler's pages: what a user may fill for, the saved templates, the metric menu."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from taizhang.campaigns.selectors import campaigns_visible_to
from taizhang.core.access import Cap, scope_for
from taizhang.org.models import Organization
from taizhang.reports import metrics
from taizhang.reports.fill.access import templates_visible_q
from taizhang.reports.fill.services import format_value
from taizhang.reports.models import FillTemplate


def fill_campaigns_for_user(*, user: Any) -> list:
    """Campaigns the user may fill for: visible, and holding a unit the user has VIEW_INTERNAL over."""
    scope = scope_for(user)
    paths = scope.paths(Cap.VIEW_INTERNAL)
    if not paths:
        return []
    out = []
    for campaign in campaigns_visible_to(user=user):
        root = campaign.org.path
        if any(p.startswith(root) or root.startswith(p) for p in paths):
            out.append(campaign)
    return out


def fill_orgs_for_user(*, user: Any) -> QuerySet[Organization]:
    return Organization.objects.within(user, Cap.VIEW_INTERNAL).filter(is_active=True).order_by("path")


def default_org_for(*, user: Any, campaign: Any) -> Organization | None:
    """The widest unit of the campaign the user may fill for: the campaign's own, or the user's top unit in it."""
    if campaign is None:
        return None
    scope = scope_for(user)
    if scope.can(Cap.VIEW_INTERNAL, campaign.org):
        return campaign.org
    return (
        fill_orgs_for_user(user=user)
        .filter(path__startswith=campaign.org.path)
        .order_by("depth", "sort_order", "id")
        .first()
    )


def fill_templates_for_user(*, user: Any) -> QuerySet[FillTemplate]:
    return (
        FillTemplate.objects.filter(templates_visible_q(user))
        .select_related("org", "created_by")
        .order_by("-updated_at", "-id")
    )


def metric_menu(values: dict) -> list[dict]:
    """The catalog grouped as the dashboard groups it, each metric with its current value (for the selects)."""
    groups: dict[str, list[dict]] = {code: [] for code in metrics.GROUP_LABELS}
    for row in metrics.catalog_rows():
        shown, missing = format_value(values.get(row["key"]))
        unit = "" if row["unit"] == "%" else row["unit"]
        groups.setdefault(row["group"], []).append(
            {
                **row,
                "shown": shown,
                "missing": missing,
                "option": f"{row['label']}（{shown}{unit if not missing else ''}）",
            }
        )
    return [
        {"code": code, "label": metrics.GROUP_LABELS.get(code, code or "其他"), "metrics": items}
        for code, items in groups.items()
        if items
    ]
