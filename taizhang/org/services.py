"""Writes for the organization tree and the member roster."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, ProtectedError, Value
from django.db.models.functions import Concat, Substr

from taizhang.accounts.access import require_manages
from taizhang.accounts.services import user_set_active
from taizhang.core.audit import audit
from taizhang.lib import idcard
from taizhang.org.access import placement_errors
from taizhang.org.models import Member, Organization

ORG_MOVE_INTO_OWN_SUBTREE = "不能把组织移到它自己或它的下级组织之下"
ORG_DELETE_NOT_EMPTY = "该组织下还有下级组织、党员或业务记录，不能删除；可改为停用"


def _path_for(org: Organization) -> tuple[str, int]:
    if org.parent_id is None:
        return f"/{org.pk}/", 0
    parent = org.parent
    return f"{parent.path}{org.pk}/", parent.depth + 1


def org_create(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Organization | None,
    short_name: str = "",
    sort_order: int = 0,
    actor: Any = None,
) -> Organization:
    # Checked (and a refusal audited) before the transaction, so the audit row stays.
    errors = placement_errors(actor, Organization(), parent=parent, kind=kind)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return _org_create(
            code=code,
            name=name,
            kind=kind,
            parent=parent,
            short_name=short_name,
            sort_order=sort_order,
            actor=actor,
        )


def _org_create(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Organization | None,
    short_name: str,
    sort_order: int,
    actor: Any,
) -> Organization:
    org = Organization(
        code=code.strip(),
        name=name.strip(),
        kind=kind,
        parent=parent,
        short_name=short_name,
        sort_order=sort_order,
    )
    org.full_clean(exclude=["path"])
    org.save()
    org.path, org.depth = _path_for(org)
    org.save(update_fields=["path", "depth"])
    audit("create", obj=org, user=actor)
    return org


def org_update(*, org: Organization, data: dict[str, Any], actor: Any = None) -> Organization:
    """Update fields; a new parent moves the whole subtree with one UPDATE statement. Only within the
    actor's own subtree, never to the top, the kind only from above (org.access.placement_errors)."""
    # The stored row, not `org`: a ModelForm may already have copied the new parent onto it.
    old_parent_id, old_kind = Organization.objects.values_list("parent_id", "kind").get(pk=org.pk)
    parent = data["parent"] if "parent" in data else Organization.objects.filter(pk=old_parent_id).first()
    errors = placement_errors(actor, org, parent=parent, kind=data.get("kind", old_kind))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return _org_update(org=org, data=data, old_parent_id=old_parent_id, actor=actor)


def _org_update(
    *, org: Organization, data: dict[str, Any], old_parent_id: int | None, actor: Any
) -> Organization:
    for field, value in data.items():
        setattr(org, field, value)
    if org.parent_id != old_parent_id and org.parent is not None and org.parent.path.startswith(org.path):
        raise ValidationError({"parent": ORG_MOVE_INTO_OWN_SUBTREE})
    org.full_clean(exclude=["path"])
    if org.parent_id != old_parent_id:
        old_path, old_depth = org.path, org.depth
        new_path, new_depth = _path_for(org)
        Organization.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + (new_depth - old_depth),
        )
        org.path, org.depth = new_path, new_depth
    org.save()
    audit("update", obj=org, user=actor, detail={"fields": sorted(data)})
    return org


@transaction.atomic
def org_delete(*, org: Organization, actor: Any = None) -> None:
    if org.children.exists() or org.members.exists():
        raise ValidationError(ORG_DELETE_NOT_EMPTY)
    label = str(org)
    try:
        with transaction.atomic():
            org.delete()
    except ProtectedError as exc:
        raise ValidationError(ORG_DELETE_NOT_EMPTY) from exc
    audit("delete", user=actor, object_type="org.Organization", object_repr=label)


MEMBER_FIELDS = (
    "org",
    "name",
    "gender",
    "id_number",
    "phone",
    "category",
    "joined_on",
    "post",
    "department",
    "sort_order",
    "note",
)


def _fill_gender(member: Member) -> None:
    if member.id_number and not member.gender and idcard.is_valid(member.id_number):
        member.gender = idcard.gender(member.id_number)


@transaction.atomic
def member_create(*, data: dict[str, Any], actor: Any = None) -> Member:
    member = Member(**{k: v for k, v in data.items() if k in MEMBER_FIELDS})
    _fill_gender(member)
    member.full_clean()
    member.save()
    audit("create", obj=member, user=actor)
    return member


@transaction.atomic
def member_update(*, member: Member, data: dict[str, Any], actor: Any = None) -> Member:
    # Compare with the stored row: a ModelForm may already have copied the new values onto `member`.
    stored = Member.objects.get(pk=member.pk)
    changed = sorted(k for k, v in data.items() if k in MEMBER_FIELDS and getattr(stored, k) != v)
    for field, value in data.items():
        if field in MEMBER_FIELDS:
            setattr(member, field, value)
    _fill_gender(member)
    member.full_clean()
    member.save()
    # Sensitive values never go into the log, only the names of the fields that changed.
    audit("update", obj=member, user=actor, detail={"fields": changed})
    return member


def member_set_active(*, member: Member, active: bool, actor: Any = None) -> Member:
    """转出 / 恢复: an inactive member keeps their history but drops out of new attendance lists;
    their login (if any) is disabled and their sessions end. A login the actor does not manage (its holder
    also has a role above or beside him, issue 16 F1) is refused before anything changes."""
    user = getattr(member, "user", None) if hasattr(member, "user") else None
    if user is not None and not active:
        require_manages(actor, user)
    with transaction.atomic():
        member.is_active = active
        member.save(update_fields=["is_active", "updated_at"])
        if user is not None and not active:
            user_set_active(user=user, active=False, actor=actor)
        audit("update", obj=member, user=actor, detail={"is_active": active})
    return member
