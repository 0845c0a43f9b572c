"""Home page panel: leaders see their 待我审核 queue and overdue problems; secretaries and admins their
units' open problems. Members (no view_internal) see none: problem lists are internal."""

from __future__ import annotations

from typing import Any

from taizhang.core.access import Cap, scope_for
from taizhang.rectification.selectors import home_figures


def home_panels(request: Any, campaign: Any) -> list[dict]:
    scope = scope_for(request.user)
    if not scope.has_any(Cap.VIEW_INTERNAL):
        return []
    reviewer = scope.has_any(Cap.REVIEW)
    context = home_figures(user=request.user, campaign=campaign, reviewer=reviewer)
    template = "rectification/panel_review.html" if reviewer else "rectification/panel_unit.html"
    return [{"template": template, "context": context}]
