"""Writes for the rectification loop. Other apps create problems only through problem_create."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from taizhang.core.audit import audit
from taizhang.core.lights import light_sync
from taizhang.core.services import event_record
from taizhang.rectification.models import Problem

PROBLEM_FIELDS = (
    "campaign",
    "org",
    "code",
    "category",
    "source",
    "description",
    "target",
    "rectification_type",
    "responsible_leader",
    "responsible_dept",
    "responsible_person",
    "deadline",
    "activity",
    "visit",
    "finding",
)


def problem_next_code(*, campaign: Any) -> str:
    """The next free 问题编号 of a campaign: WT-001, WT-002 …"""
    codes = Problem.objects.filter(campaign=campaign, code__startswith="WT-").values_list("code", flat=True)
    numbers = [int(c[3:]) for c in codes if c[3:].isdigit()]
    return f"WT-{max(numbers, default=0) + 1:03d}"


@transaction.atomic
def problem_create(
    *,
    campaign: Any,
    org: Any,
    category: str,
    source: str,
    description: str,
    code: str = "",
    deadline: date | None = None,
    actor: Any = None,
    **fields: Any,
) -> Problem:
    """Put a problem on the list (status 待整改) and record its creation as an event.

    `fields` may carry any other Problem field in PROBLEM_FIELDS (responsible_leader, visit, finding …).
    """
    unknown = set(fields) - set(PROBLEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown problem fields: {sorted(unknown)}")
    problem = Problem(
        campaign=campaign,
        org=org,
        category=category,
        source=source,
        description=description,
        code=code or problem_next_code(campaign=campaign),
        deadline=deadline,
        **fields,
    )
    if getattr(actor, "is_authenticated", False):
        problem.created_by = actor
    problem.full_clean()
    problem.save()
    event_record(problem, actor=actor, kind="created", to_state=problem.status)
    light_sync(problem, actor=actor)
    audit("create", obj=problem, user=actor)
    return problem
