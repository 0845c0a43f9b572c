from __future__ import annotations

from typing import Any

from django.http import Http404

from taizhang.accounts.models import RoleAssignment, User
from taizhang.accounts.selectors import user_list_for_admin
from taizhang.core.access import Cap, deny, get_object_in_scope, require_any


def get_managed_user(user: Any, pk: int) -> User:
    """An account the admin manages: 403 for users who manage nothing, 404 for accounts outside their subtree."""
    require_any(user, Cap.MANAGE)
    try:
        return user_list_for_admin(user=user).get(pk=pk)
    except User.DoesNotExist:
        deny(user, reason=f"account {pk} outside scope", status=404)
        raise Http404("没有找到该账号，或您无权管理") from None


def get_managed_role(user: Any, pk: int) -> RoleAssignment:
    return get_object_in_scope(
        user, RoleAssignment.objects.select_related("user", "org"), view=Cap.MANAGE, need=Cap.MANAGE, pk=pk
    )
