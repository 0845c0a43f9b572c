"""Study fixtures on top of the root `world`: the campaign's books and a quick way to record activities.

record(org=..., absent={member: reason}, speakers=[member, ...], invited=[member], **fields)
    records an activity through the service, everyone of `org`'s subtree present except `absent`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from taizhang.study import services
from taizhang.study.models import ActivityType, Material


@pytest.fixture
def books(world):  # noqa: ANN001
    return [
        Material.objects.create(campaign=world.campaign, title="《习近平著作选读》第一卷", required=True),
        Material.objects.create(campaign=world.campaign, title="《习近平著作选读》第二卷", required=True),
        Material.objects.create(campaign=world.campaign, title="《论党的自我革命》"),
    ]


def activity_type(code: str) -> ActivityType:
    return ActivityType.objects.get(campaign=None, code=code)


@pytest.fixture
def record(world):  # noqa: ANN001
    def _record(
        *,
        org: Any = None,
        absent: dict | None = None,
        speakers: list | None = None,
        invited: list | None = None,
        actor: Any = None,
        **fields: Any,
    ):
        org = org or world.branch_a
        absent = absent or {}
        rows = [
            services.AttendanceRow(
                member=row.member,
                present=row.member not in absent,
                reason=absent.get(row.member, ""),
            )
            for row in services.default_attendance(org=org)
        ]
        rows += [services.AttendanceRow(member=m, invited=True) for m in invited or []]
        data = {
            "org": org,
            "campaign": world.campaign,
            "type": activity_type(fields.pop("type_code", "branch_concentrated")),
            "topic": "学习《习近平著作选读》第一卷",
            "date": date(2023, 10, 12),
        }
        data.update(fields)
        return services.activity_create(
            data=data,
            attendance=rows,
            speeches=[services.SpeechRow(member=m, gist=f"{m.name}的发言要点") for m in speakers or []],
            actor=actor or world.secretary_a,
        )

    return _record


@pytest.fixture
def default_types(db):  # noqa: ANN001
    """The default activity types (a data migration). Transactional tests flush the database after
    each test, taking migration data with it, so browser tests ask for them explicitly."""
    from taizhang.study.defaults import DEFAULT_ACTIVITY_TYPES

    for order, (code, name) in enumerate(DEFAULT_ACTIVITY_TYPES):
        ActivityType.objects.update_or_create(
            campaign=None, code=code, defaults={"name": name, "sort_order": order}
        )
