"""Home panel for those who follow the figures (admins, leaders, secretaries): a strip of key figures,
each linked to its rows, plus red and silent counts and a link to the dashboard."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from taizhang.core.access import Cap, scope_for
from taizhang.reports import metrics, selectors

STRIP = (*selectors.KEY_FIGURES, "problems.overdue", "units.silent")


def home_panels(request: Any, campaign: Any) -> list[dict]:
    if campaign is None or not scope_for(request.user).has_any(Cap.VIEW_INTERNAL):
        return []
    if scope_for(request.user).can(Cap.VIEW_INTERNAL, campaign.org):
        org = None
    else:
        org = selectors.default_unit(user=request.user, campaign=campaign)
        if org is None:
            return []
    as_of = metrics.default_as_of(campaign)
    figures = metrics.compute(campaign, org, keys=list(STRIP), as_of=as_of)
    return [
        {
            "template": "reports/panel_figures.html",
            "context": {
                "campaign": campaign,
                "org": org,
                "scope_org": org or campaign.org,
                "figures": figures,
                "keys": selectors.KEY_FIGURES,
                # Once the campaign has ended its figures are those of its last day, while the
                # traffic-light panels count as of today: the header says which day these are.
                "as_of": as_of,
                "ended": as_of < timezone.localdate(),
            },
        }
    ]
