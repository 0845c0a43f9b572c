"""The campaign panel at the top of everyone's home page."""

from __future__ import annotations

from typing import Any

from taizhang.campaigns.selectors import campaign_roles, current_phase
from taizhang.lib.dates import today


def home_panels(request: Any, campaign: Any) -> list[dict]:
    if campaign is None:
        return [{"template": "campaigns/panel_none.html", "context": {}}]
    day = today()
    seats = campaign_roles(campaign=campaign)
    return [
        {
            "template": "campaigns/panel_current.html",
            "context": {
                "campaign": campaign,
                "phase": current_phase(campaign=campaign),
                "phases": list(campaign.phases.all()),
                "days_left": (campaign.end_date - day).days if campaign.end_date >= day else None,
                "days_in": (day - campaign.start_date).days + 1 if campaign.start_date <= day else None,
                "leaders": [s for s in seats["leading_group"] if s.role != "group_member"],
            },
        }
    ]
