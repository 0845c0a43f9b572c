from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from taizhang.accounts.models import RoleAssignment, User
from taizhang.accounts.selectors import managed_users, manages, touches_subtree
from taizhang.core.access import Cap, deny, get_object_in_scope, require_any

ACCOUNT_NOT_MANAGED = "该账号在您的管理范围以外还担任角色（或权限高于您），只能由上级组织的管理员管理"


def refuse_account(user: Any, account: User) -> None:
    """Audit and refuse an action on an account the administrator does not manage (issue 16 F1)."""
    deny(user, obj=account, reason="account holds a role outside the administrator's subtree")
    raise PermissionDenied(ACCOUNT_NOT_MANAGED)


def require_manages(user: Any, account: User) -> None:
    """For services: `user` None is the command line (the server operator), which may do anything."""
    if user is not None and not manages(user=user, account=account):
        refuse_account(user, account)


def get_managed_user(user: Any, pk: int) -> User:
    """An account the admin manages: 403 for users who manage nothing, and for an account of his people
    that also holds a role above or beside him; 404 for accounts that have nothing to do with his subtree."""
    require_any(user, Cap.MANAGE)
    try:
        return managed_users(user=user).select_related("member__org").get(pk=pk)
    except User.DoesNotExist:
        account = User.objects.filter(pk=pk).first()
        if account is not None and touches_subtree(user=user, account=account):
            refuse_account(user, account)
        deny(user, reason=f"account {pk} outside scope", status=404)
        raise Http404("没有找到该账号，或您无权管理") from None


def get_managed_role(user: Any, pk: int) -> RoleAssignment:
    """A role on a unit the admin manages, of an account he manages."""
    assignment = get_object_in_scope(
        user, RoleAssignment.objects.select_related("user", "org"), view=Cap.MANAGE, need=Cap.MANAGE, pk=pk
    )
    if not manages(user=user, account=assignment.user):
        refuse_account(user, assignment.user)
    return assignment
