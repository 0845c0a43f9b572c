from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from taizhang.core.models import Event
from taizhang.rectification.services import problem_create

pytestmark = pytest.mark.django_db


def test_it_numbers_problems_within_a_campaign_and_records_the_event(world):
    first = problem_create(
        campaign=world.campaign,
        org=world.branch_a,
        category="style",
        source="meeting",
        description="会议多、文件多",
        actor=world.secretary_a,
    )
    second = problem_create(
        campaign=world.campaign,
        org=world.branch_a,
        category="theory",
        source="questionnaire",
        description="学用脱节",
        deadline=date(2023, 12, 31),
    )
    assert (first.code, second.code) == ("WT-001", "WT-002")
    assert first.status == "open"
    event = Event.objects.get(object_id=first.pk, kind="created")
    assert event.actor == world.secretary_a


def test_an_unknown_category_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        problem_create(
            campaign=world.campaign,
            org=world.branch_a,
            category="nonsense",
            source="meeting",
            description="x",
        )
    assert "category" in exc.value.message_dict
