"""The home page panel of serving the masses: visits, open demands, matters by status, for the
user's scope in the current campaign; those who record get the quick buttons."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from taizhang.core.access import Cap, scope_for
from taizhang.outreach.models import Demand, ResearchVisit
from taizhang.outreach.selectors import matter_counts, matter_list


def home_panels(request: Any, campaign: Any) -> list[dict]:
    user = request.user
    scope = scope_for(user)
    if campaign is None or not scope.has_any(Cap.VIEW):
        return []
    internal = scope.has_any(Cap.VIEW_INTERNAL)
    demands = None
    if internal:
        demands = (
            Demand.objects.within(user, Cap.VIEW_INTERNAL)
            .filter(campaign=campaign)
            .aggregate(total=Count("id"), open=Count("id", filter=Q(resolved=False)))
        )
    return [
        {
            "template": "outreach/panel.html",
            "context": {
                "campaign": campaign,
                "visits": ResearchVisit.objects.within(user, Cap.VIEW).filter(campaign=campaign).count(),
                "demands": demands,
                "matters": matter_counts(matter_list(user=user, campaign=campaign)),
                "can_record": scope.has_any(Cap.RECORD),
            },
        }
    ]
