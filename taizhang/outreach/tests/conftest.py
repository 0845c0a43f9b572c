"""Outreach fixtures: a visit of branch A with findings, a demand and a matter of branch A, built on
the root conftest's `world` (campaign `wc` 2023-09-01..2024-01-31 run by the committee)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from taizhang.outreach import services


def make_visit(
    world: Any, *, org: Any = None, day: date = date(2023, 10, 10), findings=("窗口排队时间长",), **data: Any
):
    org = org or world.branch_a
    people = (world.people_a if org.path.startswith(world.branch_a.path) else world.people_b)[:2]
    fields = {"org": org, "subject": "走访窗口", "date": day, "place": "政务大厅", "leader": "甲0号", **data}
    return services.visit_save(
        visit=None,
        data=fields,
        participants=people,
        findings=[{"text": t, "category": ""} for t in findings],
    )


def make_demand(world: Any, *, org: Any = None, day: date = date(2023, 10, 12), **data: Any):
    fields = {
        "org": org or world.branch_a,
        "raised_by": "张三",
        "contact": "13800001234",
        "channel": "visit",
        "content": "希望增加周末办理时间",
        "raised_on": day,
        "resolved": False,
        "resolved_on": None,
        **data,
    }
    return services.demand_save(demand=None, data=fields)


def make_matter(world: Any, *, org: Any = None, **data: Any):
    fields = {
        "campaign": world.campaign,
        "org": org or world.branch_a,
        "title": "增设老年人绿色通道",
        "beneficiaries": "老年人",
        "owner": "甲0号",
        "due_date": date(2023, 12, 31),
        **data,
    }
    return services.matter_create(data=fields)


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def visit(world):  # noqa: ANN001
    return make_visit(world, findings=("窗口排队时间长", "老年人不会线上预约"))


@pytest.fixture
def finding(visit):  # noqa: ANN001
    return visit.findings.order_by("order").first()


@pytest.fixture
def demand(world):  # noqa: ANN001
    return make_demand(world)


@pytest.fixture
def matter(world):  # noqa: ANN001
    return make_matter(world)
