"""Which campaigns a user takes part in, and which one they are looking at."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from taizhang.campaigns.models import Campaign, CampaignRole
from taizhang.core.access import scope_for
from taizhang.lib.dates import today


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def campaigns_visible_to(*, user: Any) -> QuerySet[Campaign]:
    """Campaigns run by a unit above or at the user's units (they take part) or below them (they oversee)."""
    scope = scope_for(user)
    if scope.superuser:
        return Campaign.objects.select_related("org").order_by("-start_date", "-id")
    paths = {path for _, path, _ in scope.roles}
    if not paths:
        return Campaign.objects.none()
    q = Q()
    for path in paths:
        q |= Q(org__path__in=_ancestor_paths(path)) | Q(org__path__startswith=path)
    return Campaign.objects.filter(q).select_related("org").distinct().order_by("-start_date", "-id")


def campaign_current_for_user(*, user: Any, chosen_id: int | None = None) -> Campaign | None:
    """The chosen campaign if still visible, else the one running today, else the latest started."""
    visible = list(campaigns_visible_to(user=user))
    if not visible:
        return None
    if chosen_id:
        for campaign in visible:
            if campaign.pk == chosen_id:
                return campaign
    day = today()
    running = [c for c in visible if c.start_date <= day <= c.end_date]
    if running:
        return running[0]
    started = [c for c in visible if c.start_date <= day]
    return started[0] if started else visible[-1]


def campaign_for_request(request: Any) -> Campaign | None:
    """Cached per request: the campaign the pages should show."""
    if not hasattr(request, "_taizhang_campaign"):
        request._taizhang_campaign = (
            campaign_current_for_user(user=request.user, chosen_id=request.session.get("campaign_id"))
            if request.user.is_authenticated
            else None
        )
    return request._taizhang_campaign


def campaign_roles(*, campaign: Campaign) -> dict[str, list[CampaignRole]]:
    """Leading group and work team seats, grouped for display."""
    rows = list(campaign.roles.select_related("member__org").order_by("order", "id"))
    return {
        "leading_group": [r for r in rows if r.role in CampaignRole.LEADING_GROUP],
        "work_team": [r for r in rows if r.role in CampaignRole.WORK_TEAM_ROLES],
    }


def current_phase(*, campaign: Campaign) -> Any:
    day = today()
    return campaign.phases.filter(start_date__lte=day, end_date__gte=day).order_by("order").first()


def campaign_get_by_code(code: str) -> Campaign:
    """For the command line: the campaign with this code, or a clear error."""
    from django.core.management.base import CommandError

    try:
        return Campaign.objects.select_related("org").get(code=code)
    except Campaign.DoesNotExist:
        codes = ", ".join(Campaign.objects.values_list("code", flat=True)[:20]) or "（无）"
        raise CommandError(f"没有编码为“{code}”的学习教育活动。现有：{codes}") from None
