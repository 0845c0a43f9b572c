from __future__ import annotations

from django.http import HttpRequest

from taizhang.core.access import scope_for
from taizhang.core.navigation import menu_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from taizhang.campaigns.selectors import campaign_for_request, campaigns_visible_to

    scope = scope_for(user)
    return {
        "menu": menu_for(scope),
        "scope": scope,
        "current_campaign": campaign_for_request(request),
        "campaign_choices": lambda: campaigns_visible_to(user=user),
    }
