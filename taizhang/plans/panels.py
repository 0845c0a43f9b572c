"""Home page panels: the 督办 counts (one click to the red/yellow list) and this week's tasks."""

from __future__ import annotations

from typing import Any

from taizhang.core.access import Cap, scope_for
from taizhang.lib.dates import today
from taizhang.plans import selectors, supervision
from taizhang.plans.access import tasks_visible_to


def home_panels(request: Any, campaign: Any) -> list[dict]:
    scope = scope_for(request.user)
    if campaign is None or not scope.has_any(Cap.VIEW):
        return []
    day = today()
    panels = []
    if scope.has_any(Cap.VIEW_INTERNAL):
        panels.append(
            {
                "template": "plans/panel_lights.html",
                "context": {
                    "summary": supervision.lights_summary(user=request.user, today=day, campaign=campaign)
                },
            }
        )
    tasks = selectors.with_light(tasks_visible_to(request.user).filter(campaign=campaign), day)
    panels.append(
        {
            "template": "plans/panel_week.html",
            "context": {
                "week": selectors.tasks_this_week(user=request.user, campaign=campaign, today=day),
                "counts": selectors.task_counts(tasks),
            },
        }
    )
    return panels
