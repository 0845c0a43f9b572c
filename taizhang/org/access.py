"""Getting one unit or member for a user: the object, or 404 (not visible) / 403 (read-only)."""

from __future__ import annotations

from typing import Any

from taizhang.core.access import Cap, get_object_in_scope
from taizhang.org.models import Member, Organization


def get_org_for_user(user: Any, pk: int) -> Organization:
    return get_object_in_scope(user, Organization.objects.all(), view=Cap.VIEW_INTERNAL, pk=pk)


def get_rw_org_for_user(user: Any, pk: int) -> Organization:
    return get_object_in_scope(
        user, Organization.objects.all(), view=Cap.VIEW_INTERNAL, need=Cap.MANAGE, pk=pk
    )


def get_member_for_user(user: Any, pk: int) -> Member:
    return get_object_in_scope(user, Member.objects.select_related("org"), view=Cap.VIEW_INTERNAL, pk=pk)


def get_rw_member_for_user(user: Any, pk: int) -> Member:
    return get_object_in_scope(
        user, Member.objects.select_related("org"), view=Cap.VIEW_INTERNAL, need=Cap.MANAGE, pk=pk
    )
