"""The demo campaign's plan: about 40 tasks over its weeks and phases, plans at three levels, most tasks
done (some late, their red days kept in history), a few still open and red."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F

from taizhang.campaigns.models import Campaign
from taizhang.core.models import Attachment, Event
from taizhang.plans.models import PlanTask, StudyPlan

pytestmark = pytest.mark.django_db


def test_the_demo_plan_is_full_and_realistic():
    call_command("demo", stdout=StringIO())
    campaign = Campaign.objects.get(code="zt2023b2")
    tasks = PlanTask.objects.filter(campaign=campaign)
    assert 35 <= tasks.count() <= 45
    assert set(tasks.values_list("phase__name", flat=True)) == set(
        campaign.phases.values_list("name", flat=True)
    )
    assert tasks.filter(kind="featured", title__contains="青年干部座谈会").exists()
    assert tasks.filter(kind="featured", title__contains="清风课堂").exists()
    assert all(campaign.contains(t.planned_start) and campaign.contains(t.planned_end) for t in tasks)
    done = tasks.filter(status="done")
    assert done.count() >= tasks.count() - 3
    open_tasks = tasks.exclude(status="done")
    assert 1 <= open_tasks.count() <= 3
    assert set(open_tasks.values_list("light", flat=True)) == {"red"}
    late = done.filter(done_on__gt=F("planned_end"))
    assert late.count() >= 3
    # A late task's red days are in its history although it is done now.
    red_then = Event.objects.filter(
        kind="light", to_state="red", content_type__model="plantask", object_id__in=late.values("pk")
    ).count()
    assert red_then == late.count()
    # Done without a linked record means a written note and evidence.
    for task in done.filter(links__isnull=True):
        assert task.closing_note
        assert Attachment.objects.filter(object_id=task.pk, content_type__model="plantask").exists()
    levels = set(StudyPlan.objects.filter(campaign=campaign).values_list("level", flat=True))
    assert levels == {"committee", "group", "personal"}
    assert StudyPlan.objects.filter(level="personal", member__name="刘芳").exists()
