from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from taizhang.accounts.models import RoleAssignment, User
from taizhang.core.access import Cap, scope_for, subtree_q


def managed_users(*, user: Any) -> QuerySet[User]:
    """The accounts an administrator manages (issue 16 F1): every role the account holds, and its member
    record, lie inside the administrator's own subtree, and it is not a superuser.

    So an account is managed only when everything it may do is something the administrator could have
    granted it himself: never an account holding a role above or beside him (the committee's leader who is
    also a member of his branch), never one with more power than his. A superuser manages every account."""
    paths = scope_for(user).paths(Cap.MANAGE)
    if not paths:
        return User.objects.none()
    if paths == ("/",):
        return User.objects.all()
    role_outside = RoleAssignment.objects.filter(user=OuterRef("pk")).exclude(subtree_q(paths, "org"))
    any_role = RoleAssignment.objects.filter(user=OuterRef("pk"))
    return (
        User.objects.filter(is_superuser=False)
        .exclude(Exists(role_outside))
        .filter(Q(member__isnull=True) | subtree_q(paths, "member__org"))
        # Something must tie the account to the subtree: a role (all inside, above) or the member record.
        .filter(Exists(any_role) | Q(member__isnull=False))
    )


def touches_subtree(*, user: Any, account: User) -> bool:
    """Whether the account has a role in, or a member record under, the administrator's subtree: such an
    account is known to him (it shows in his rosters), so refusing to manage it is a 403, not a 404."""
    paths = scope_for(user).paths(Cap.MANAGE)
    if not paths:
        return False
    return (
        User.objects.filter(pk=account.pk)
        .filter(subtree_q(paths, "roles__org") | subtree_q(paths, "member__org"))
        .exists()
    )


def manages(*, user: Any, account: User) -> bool:
    """The one answer to "may this administrator act on this account", for views and services alike."""
    return managed_users(user=user).filter(pk=account.pk).exists()


def user_list_for_admin(*, user: Any, q: str = "") -> QuerySet[User]:
    """The account list of an administrator: the accounts he manages (managed_users)."""
    qs = managed_users(user=user)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q) | Q(member__name__icontains=q))
    return (
        qs.select_related("member__org")
        .prefetch_related(
            Prefetch("roles", queryset=RoleAssignment.objects.select_related("org").order_by("org__path"))
        )
        .order_by("username")
    )
