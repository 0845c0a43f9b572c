"""Fixtures for the plan tests: the world campaign's phases, activity types, and small factories."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from taizhang.campaigns.models import Phase
from taizhang.plans.models import PlanTask, StudyPlan, StudyPlanItem


@pytest.fixture
def types(db) -> dict[str, Any]:  # noqa: ANN001
    """The default activity types by code (a data migration creates them; transactional tests flush them)."""
    from taizhang.study.defaults import DEFAULT_ACTIVITY_TYPES
    from taizhang.study.models import ActivityType

    found = {}
    for order, (code, name) in enumerate(DEFAULT_ACTIVITY_TYPES):
        found[code], _ = ActivityType.objects.get_or_create(
            campaign=None, code=code, defaults={"name": name, "sort_order": order}
        )
    return found


@pytest.fixture
def phases(world) -> list[Phase]:  # noqa: ANN001
    spans = (
        ("动员部署", date(2023, 9, 1), date(2023, 9, 15)),
        ("学习调研", date(2023, 9, 16), date(2023, 11, 15)),
        ("检视整改", date(2023, 11, 16), date(2023, 12, 31)),
        ("总结评估", date(2024, 1, 1), date(2024, 1, 31)),
    )
    return [
        Phase.objects.create(campaign=world.campaign, name=n, start_date=s, end_date=e, order=i)
        for i, (n, s, e) in enumerate(spans)
    ]


def make_task(world: Any, **kwargs: Any) -> PlanTask:
    """A task written directly (no service), for tests that are not about creating tasks."""
    kwargs.setdefault("campaign", world.campaign)
    kwargs.setdefault("org", world.branch_a)
    kwargs.setdefault("title", "召开支部集中学习")
    kwargs.setdefault("planned_start", date(2023, 10, 9))
    kwargs.setdefault("planned_end", kwargs["planned_start"])
    return PlanTask.objects.create(**kwargs)


def make_activity(
    world: Any, types: dict, *, org: Any = None, code: str = "branch_concentrated", **kwargs: Any
):
    from taizhang.study.models import StudyActivity

    kwargs.setdefault("campaign", world.campaign)
    kwargs.setdefault("topic", "集中学习")
    kwargs.setdefault("date", date(2023, 10, 10))
    return StudyActivity.objects.create(org=org or world.branch_a, type=types[code], **kwargs)


def make_plan(
    world: Any, *, level: str = "group", org: Any = None, member: Any = None, **kwargs: Any
) -> StudyPlan:
    kwargs.setdefault("campaign", world.campaign)
    kwargs.setdefault("title", "学习计划")
    if level == "personal":
        org = member.org
    return StudyPlan.objects.create(level=level, org=org or world.branch_a, member=member, **kwargs)


def make_item(plan: StudyPlan, day: date, form: str = "concentrated", **kwargs: Any) -> StudyPlanItem:
    kwargs.setdefault("topic", f"{day:%m%d}学习")
    return StudyPlanItem.objects.create(plan=plan, planned_date=day, form=form, **kwargs)


def png_upload(name: str = "照片.png"):  # noqa: ANN201
    """A real (tiny) PNG, so core's content check accepts it as evidence."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")
