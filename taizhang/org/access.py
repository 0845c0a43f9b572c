"""Getting one unit or member for a user: the object, or 404 (not visible) / 403 (read-only)."""

from __future__ import annotations

from typing import Any

from taizhang.core.access import Cap, deny, get_object_in_scope, scope_for
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


# Issue 16 F2: where a unit may be put and what it may become. Moving a unit, or making it a top-level
# unit, changes whose subtree it is in (and a top-level unit's administrators read the whole audit log),
# so it takes management of both where it is and where it goes; the top takes global management (as the
# import already required, imports.messages.ROOT_NOT_ALLOWED); a unit's kind is set by the level above.
ORG_TO_TOP = "只有拥有全局管理权限的人员才能设立顶级组织或把组织移为顶级（不设上级组织）"
ORG_MOVE_OUTSIDE = (
    "只能在您管理的组织之间调整上级组织：该组织现在的上级组织或所选的上级组织不在您的管理范围内"
)
ORG_CREATE_OUTSIDE = "只能在您管理的组织之下新建组织"
ORG_KIND_NEEDS_ABOVE = "组织类型只能由上级组织的管理员修改"


def placement_errors(
    user: Any, org: Organization, *, parent: Organization | None, kind: str
) -> dict[str, str]:
    """Problems with putting `org` (stored, or new when it has no pk) under `parent` as `kind`, for `user`;
    each refusal is audited. `user` None is the command line, which may do anything."""
    if user is None:
        return {}
    scope = scope_for(user)
    if scope.paths(Cap.MANAGE) == ("/",):
        return {}
    errors: dict[str, str] = {}
    if org.pk is None:
        if parent is None:
            errors["parent"] = ORG_TO_TOP
        elif not scope.can(Cap.MANAGE, parent):
            errors["parent"] = ORG_CREATE_OUTSIDE
    else:
        stored_parent_id, stored_kind = Organization.objects.values_list("parent_id", "kind").get(pk=org.pk)
        stored_parent = Organization.objects.filter(pk=stored_parent_id).first() if stored_parent_id else None
        above = stored_parent is not None and scope.can(Cap.MANAGE, stored_parent)
        if (parent.pk if parent else None) != stored_parent_id:
            if parent is None:
                errors["parent"] = ORG_TO_TOP
            elif not above or not scope.can(Cap.MANAGE, parent):
                errors["parent"] = ORG_MOVE_OUTSIDE
        if kind != stored_kind and not above:
            errors["kind"] = ORG_KIND_NEEDS_ABOVE
    if errors:
        deny(user, obj=org if org.pk else parent, reason=f"unit placement refused: {sorted(errors)}")
    return errors
