"""Plain make_* factories with setdefault defaults (no factory library), shared by every app's tests."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from taizhang.accounts.models import RoleAssignment, User
from taizhang.campaigns.models import Campaign
from taizhang.lib import idcard
from taizhang.org.models import Member, Organization

_seq = itertools.count(1)
PASSWORD = "Test#pass2024"


def make_org(*, parent: Organization | None = None, **kwargs: Any) -> Organization:
    n = next(_seq)
    kwargs.setdefault("code", f"ORG{n:04d}")
    kwargs.setdefault("name", f"测试组织{n}")
    kwargs.setdefault(
        "kind", "committee" if parent is None else ("group" if parent.kind == "branch" else "branch")
    )
    org = Organization.objects.create(parent=parent, **kwargs)
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.depth = parent.depth + 1 if parent else 0
    org.save(update_fields=["path", "depth"])
    return org


def make_member(*, org: Organization, **kwargs: Any) -> Member:
    n = next(_seq)
    kwargs.setdefault("name", f"党员{n}")
    kwargs.setdefault("gender", "male")
    if kwargs.pop("with_id", False):
        kwargs.setdefault("id_number", idcard.make("110105", date(1980, 1, 1), n % 1000))
    member = Member(org=org, **kwargs)
    member.save()
    return member


def make_user(
    *, username: str | None = None, member: Member | None = None, roles: tuple = (), **kwargs: Any
) -> User:
    """roles: ((role, org), ...)."""
    n = next(_seq)
    user = User(
        username=username or f"user{n}", member=member, full_name=member.name if member else "", **kwargs
    )
    user.set_password(PASSWORD)
    user.save()
    for role, org in roles:
        RoleAssignment.objects.create(user=user, org=org, role=role)
    user.raw_password = PASSWORD
    return user


def make_campaign(*, org: Organization, **kwargs: Any) -> Campaign:
    n = next(_seq)
    kwargs.setdefault("code", f"c{n}")
    kwargs.setdefault("name", f"测试学习教育{n}")
    kwargs.setdefault("start_date", date(2023, 9, 1))
    kwargs.setdefault("end_date", date(2024, 1, 31))
    return Campaign.objects.create(org=org, **kwargs)
