from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from taizhang.accounts.models import RoleAssignment, User
from taizhang.core.access import Cap, scope_for, subtree_q


def user_list_for_admin(*, user: Any, q: str = "") -> QuerySet[User]:
    """Accounts an admin manages: those with a role in, or a member record under, the admin's subtree."""
    paths = scope_for(user).paths(Cap.MANAGE)
    if not paths:
        return User.objects.none()
    qs = User.objects.all()
    if paths != ("/",):
        qs = qs.filter(subtree_q(paths, "roles__org") | subtree_q(paths, "member__org")).distinct()
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q) | Q(member__name__icontains=q))
    return (
        qs.select_related("member__org")
        .prefetch_related(
            Prefetch("roles", queryset=RoleAssignment.objects.select_related("org").order_by("org__path"))
        )
        .order_by("username")
    )
