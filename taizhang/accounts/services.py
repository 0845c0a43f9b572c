"""Writes for login accounts and roles."""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from taizhang.accounts.access import require_manages
from taizhang.accounts.models import RoleAssignment, User
from taizhang.core.access import Cap, forget_scope, require
from taizhang.core.audit import audit
from taizhang.org.models import Member, Organization

# Every action on an account checks first, outside the change's own transaction, that the actor manages it
# (accounts.selectors.managed_users; issue 16 F1), so a refusal's audit row is kept. actor=None is the
# command line.

USERNAME_TAKEN = "用户名“{username}”已被使用"
MEMBER_HAS_ACCOUNT = "党员“{name}”已有登录账号"
ROLE_EXISTS = "该账号在“{org}”已有“{role}”角色"


def initial_password() -> str:
    """A random password that passes every validator: 12 characters, four classes."""
    alphabet = string.ascii_letters + string.digits
    while True:
        core = "".join(secrets.choice(alphabet) for _ in range(9))
        candidate = (
            core
            + secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
            + secrets.choice("23456789")
            + secrets.choice("#@%+")
        )
        if any(c.islower() for c in candidate):
            return candidate


def account_create(
    *,
    username: str,
    member: Member | None = None,
    full_name: str = "",
    password: str | None = None,
    must_change: bool = True,
    actor: Any = None,
) -> tuple[User, str]:
    """Create a login; returns (user, the password to hand over). A generated password must be changed
    at first login (ASVS 6.4.1). An administrator opens accounts for members of his own subtree only."""
    if actor is not None:
        require(actor, Cap.MANAGE, member.org if member is not None else None)
    with transaction.atomic():
        return _account_create(
            username=username,
            member=member,
            full_name=full_name,
            password=password,
            must_change=must_change,
            actor=actor,
        )


def _account_create(
    *,
    username: str,
    member: Member | None,
    full_name: str,
    password: str | None,
    must_change: bool,
    actor: Any,
) -> tuple[User, str]:
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": USERNAME_TAKEN.format(username=username)})
    if member is not None and User.objects.filter(member=member).exists():
        raise ValidationError(MEMBER_HAS_ACCOUNT.format(name=member.name))
    raw = password or initial_password()
    user = User(username=username, member=member, full_name=full_name or (member.name if member else ""))
    user.set_password(raw)
    user.must_change_password = must_change
    user.full_clean(exclude=["password"])
    user.save()
    audit("create", obj=user, user=actor)
    return user, raw


def password_reset(*, user: User, actor: Any = None) -> str:
    require_manages(actor, user)
    with transaction.atomic():
        raw = initial_password()
        user.set_password(raw)
        user.must_change_password = True
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        sessions_end(user=user)
        audit("password", obj=user, user=actor, detail={"reset_by_admin": True})
    return raw


def role_grant(*, user: User, org: Organization, role: str, actor: Any = None) -> RoleAssignment:
    """Only on an account the actor manages and on a unit he manages: the account stays his to manage."""
    require_manages(actor, user)
    if actor is not None:
        require(actor, Cap.MANAGE, org)
    with transaction.atomic():
        if RoleAssignment.objects.filter(user=user, org=org, role=role).exists():
            raise ValidationError(ROLE_EXISTS.format(org=org.name, role=RoleAssignment.Role(role).label))
        assignment = RoleAssignment.objects.create(user=user, org=org, role=role, granted_by=actor)
        forget_scope(user)
        audit("role", obj=user, user=actor, detail={"grant": role, "org": org.code})
    return assignment


def role_revoke(*, assignment: RoleAssignment, actor: Any = None) -> None:
    require_manages(actor, assignment.user)
    with transaction.atomic():
        user, role, org = assignment.user, assignment.role, assignment.org
        assignment.delete()
        forget_scope(user)
        audit("role", obj=user, user=actor, detail={"revoke": role, "org": org.code})


def sessions_end(*, user: User) -> int:
    """End every session of the user (ASVS 7.4.2 / 7.4.5). Sessions are scanned: there is no index
    from user to session in Django's table, and this runs only on rare admin actions."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


SELF_DEACTIVATE = "不能停用自己的账号"


def user_set_active(*, user: User, active: bool, actor: Any = None) -> User:
    require_manages(actor, user)
    if not active and actor is not None and actor.pk == user.pk:
        raise ValidationError(SELF_DEACTIVATE)
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            sessions_end(user=user)
        audit("update", obj=user, user=actor, detail={"is_active": active})
    return user
