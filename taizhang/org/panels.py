"""The administrator's set-up panel: what the office still has to do before the campaign runs."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from taizhang.accounts.models import User
from taizhang.core.access import Cap, scope_for, subtree_q
from taizhang.org.models import Member, Organization


def home_panels(request: Any, campaign: Any) -> list[dict]:
    scope = scope_for(request.user)
    paths = scope.paths(Cap.MANAGE)
    if not paths:
        return []
    orgs = Organization.objects.filter(subtree_q(paths, "")).aggregate(
        total=Count("id"),
        branches=Count("id", filter=Q(kind="branch")),
        groups=Count("id", filter=Q(kind="group")),
    )
    members = Member.objects.filter(subtree_q(paths, "org")).aggregate(
        total=Count("id", filter=Q(is_active=True)),
        with_login=Count("user", filter=Q(is_active=True, user__isnull=False)),
        probationary=Count("id", filter=Q(is_active=True, category="probationary")),
    )
    seats = campaign.roles.count() if campaign else 0
    return [
        {
            "template": "org/panel_admin.html",
            "context": {
                "orgs": orgs,
                "members": members,
                "seats": seats,
                "accounts": User.objects.filter(subtree_q(paths, "member__org")).count(),
            },
        }
    ]
