"""Scope: who may see and change which records. The one place every app's access.py builds on.

A user holds roles (accounts.RoleAssignment) on organization units. A role grants capabilities
over the unit's whole subtree (the unit and everything under it, by materialized path):

    capability      admin  leader  secretary  member
    view              ✓      ✓        ✓         ✓     campaign records: activities, plans, matters …
    view_internal     ✓      ✓        ✓               rosters with personal data, problem lists, demands
    record            ✓      ✓        ✓               create and edit records of the unit
    review                   ✓                        sign off (销号) or return rectification items
    manage            ✓                               org tree, members, accounts, campaigns, import

Querysets filter with `Model.objects.within(user, cap)` (ScopedQuerySet); single objects go through
`get_object_in_scope`, which answers 404 when the object is outside the user's view (an outsider
must not learn it exists) and 403 when it is visible but the wanted capability is missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

if TYPE_CHECKING:
    from taizhang.org.models import Organization


class Cap:
    VIEW = "view"
    VIEW_INTERNAL = "view_internal"
    RECORD = "record"
    REVIEW = "review"
    MANAGE = "manage"


ROLE_CAPS: dict[str, frozenset[str]] = {
    "admin": frozenset({Cap.VIEW, Cap.VIEW_INTERNAL, Cap.RECORD, Cap.MANAGE}),
    "leader": frozenset({Cap.VIEW, Cap.VIEW_INTERNAL, Cap.RECORD, Cap.REVIEW}),
    "secretary": frozenset({Cap.VIEW, Cap.VIEW_INTERNAL, Cap.RECORD}),
    "member": frozenset({Cap.VIEW}),
}


def _minimal(paths: Iterable[str]) -> tuple[str, ...]:
    """Drop paths already covered by an ancestor path, so filters stay short."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(sorted(kept))


@dataclass
class Scope:
    """The roles of one user, loaded once per request (see scope_for)."""

    roles: list[tuple[str, str, int]] = field(default_factory=list)  # (role, org path, org id)
    superuser: bool = False
    _roots: frozenset[str] | None = field(default=None, repr=False, compare=False)  # top-level unit paths

    def paths(self, cap: str) -> tuple[str, ...]:
        if self.superuser:
            return ("/",)
        return _minimal(path for role, path, _ in self.roles if cap in ROLE_CAPS[role])

    def everything(self, cap: str) -> bool:
        """Whether the scope for `cap` is every unit there is (a superuser; the administrator or leader of
        the only top-level unit): then a subtree filter would keep every row, and leaving it out lets the
        database read a city's rows in index order (dates, ids) instead of joining every row to its unit."""
        paths = self.paths(cap)
        if paths == ("/",):
            return True
        if not any(path.count("/") == 2 for path in paths):  # no top-level unit among them
            return False
        if self._roots is None:
            from taizhang.org.models import Organization

            self._roots = frozenset(Organization.objects.filter(parent=None).values_list("path", flat=True))
        return self._roots <= set(paths)

    def can(self, cap: str, org: Organization | None) -> bool:
        if org is None:
            return False
        return any(org.path.startswith(p) for p in self.paths(cap))

    def has_any(self, cap: str) -> bool:
        return bool(self.paths(cap))

    @property
    def role_names(self) -> set[str]:
        if self.superuser:
            return {"admin"}
        return {role for role, _, _ in self.roles}

    def org_ids(self, role: str | None = None) -> list[int]:
        return [org_id for r, _, org_id in self.roles if role is None or r == role]


def scope_for(user: Any) -> Scope:
    """The user's scope, cached on the user object for the rest of the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cached = getattr(user, "_taizhang_scope", None)
    if cached is not None:
        return cached
    from taizhang.accounts.models import RoleAssignment

    rows = RoleAssignment.objects.filter(user=user).values_list("role", "org__path", "org_id")
    scope = Scope(roles=[(role, path, org_id) for role, path, org_id in rows], superuser=user.is_superuser)
    user._taizhang_scope = scope
    return scope


def forget_scope(user: Any) -> None:
    """Call after changing a user's roles within the same request."""
    if hasattr(user, "_taizhang_scope"):
        del user._taizhang_scope


def path_prefix_q(path_field: str, path: str) -> Q:
    """`path_field` starts with `path`: the unit at `path` and everything under it.

    On SQLite LIKE is case-insensitive and so cannot use the path index; the same subtree is also given as
    a range (descendant paths are `path` followed by digits and "/", all below ":" in byte order), which
    can. The LIKE stays, so the rows are exactly the subtree's. PostgreSQL uses its varchar_pattern_ops
    index for the LIKE itself (and compares strings in the column's collation, where the range would not
    hold)."""
    from django.db import connection

    q = Q(**{f"{path_field}__startswith": path})
    if connection.vendor == "sqlite":
        q &= Q(**{f"{path_field}__gte": path, f"{path_field}__lt": path + ":"})
    return q


def subtree_q(paths: Iterable[str], org_field: str) -> Q:
    path_field = f"{org_field}__path" if org_field else "path"
    q = Q()
    for path in paths:
        q |= path_prefix_q(path_field, path)
    return q


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows belong to an organization unit through `scope_org_field`.

    Models set `objects = ScopedQuerySet.as_manager()` (or a subclass) and, when the unit is not
    the `org` field, `scope_org_field = "activity__org"` on the model class.
    """

    def _org_field(self) -> str:
        return getattr(self.model, "scope_org_field", "org")

    def within(self, user: Any, cap: str = Cap.VIEW) -> ScopedQuerySet:
        scope = scope_for(user)
        paths = scope.paths(cap)
        if not paths:
            return self.none()
        if scope.everything(cap):
            return self.all()
        return self.filter(subtree_q(paths, self._org_field()))

    def in_subtree(self, org: Organization) -> ScopedQuerySet:
        return self.filter(subtree_q([org.path], self._org_field()))


def org_of(obj: Any) -> Organization | None:
    """The unit a scoped object belongs to, following the model's scope_org_field."""
    field_name = getattr(type(obj), "scope_org_field", "org")
    if not field_name:
        return obj
    current = obj
    for part in field_name.split("__"):
        current = getattr(current, part, None)
        if current is None:
            return None
    return current


def deny(user: Any, *, obj: Any = None, reason: str = "", status: int = 403) -> None:
    """Write the denial to the audit log (等保 8.1.4.3) before the caller raises."""
    from taizhang.core.audit import audit

    audit(
        "denied",
        obj=obj,
        success=False,
        detail={"reason": reason, "status": status},
        user=user if getattr(user, "is_authenticated", False) else None,
    )


def get_object_in_scope(
    user: Any,
    queryset: models.QuerySet,
    *,
    view: str = Cap.VIEW,
    need: str | None = None,
    **lookup: Any,
) -> Any:
    """Return the object, or raise 404 (not visible) / 403 (visible, capability `need` missing)."""
    model = queryset.model
    try:
        obj = queryset.within(user, view).get(**lookup)
    except model.DoesNotExist:
        if model._default_manager.filter(**lookup).exists():
            deny(user, reason=f"{model._meta.label} {lookup} outside scope", status=404)
        raise Http404("没有找到该记录，或您无权查看") from None
    if need is not None and not scope_for(user).can(need, org_of(obj)):
        deny(user, obj=obj, reason=f"missing capability {need}")
        raise PermissionDenied("您没有执行此操作的权限")
    return obj


def require(user: Any, cap: str, org: Organization | None) -> None:
    """Raise 403 unless the user holds `cap` over `org` (for actions that create records in a unit)."""
    if not scope_for(user).can(cap, org):
        deny(user, obj=org, reason=f"missing capability {cap}")
        raise PermissionDenied("您没有执行此操作的权限")


def require_any(user: Any, cap: str) -> None:
    """Raise 403 unless the user holds `cap` somewhere (for list and create pages)."""
    if not scope_for(user).has_any(cap):
        deny(user, reason=f"missing capability {cap} anywhere")
        raise PermissionDenied("您没有执行此操作的权限")
