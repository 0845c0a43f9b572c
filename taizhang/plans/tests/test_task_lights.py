"""Traffic lights on plan tasks: the one rule (core.lights) in SQL and Python, across deadlines and states,
kept as history when it changes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from taizhang.core.lights import Light, light_for, light_sync, lights_refresh
from taizhang.core.models import Event
from taizhang.core.tests.factories import make_campaign, make_org
from taizhang.plans import selectors, services
from taizhang.plans.models import PlanTask
from taizhang.plans.tests.conftest import make_task, png_upload

DAYS = st.dates(min_value=date(2023, 1, 1), max_value=date(2025, 12, 31))
STATUSES = st.sampled_from(PlanTask.Status.values)


class LiveLightTests(HypothesisTestCase):
    """The list pages' SQL light (selectors.with_light) is the rule of core.lights for every date and state."""

    @settings(max_examples=40, deadline=None)
    @given(start=DAYS, length=st.integers(0, 60), today=DAYS, status=STATUSES)
    def test_sql_light_matches_the_rule(self, start, length, today, status):
        org = make_org()
        campaign = make_campaign(org=org, start_date=date(2023, 1, 1), end_date=date(2025, 12, 31))
        end = start + timedelta(days=length)
        task = PlanTask.objects.create(
            campaign=campaign, org=org, title="任务", planned_start=start, planned_end=end, status=status
        )
        live = selectors.with_light(PlanTask.objects.filter(pk=task.pk), today).values_list(
            "live_light", flat=True
        )
        expected = light_for(end, status == PlanTask.Status.DONE, today)
        assert live.get() == expected
        # Done is never red, whatever the date; open items are red exactly when past the deadline.
        if status == PlanTask.Status.DONE:
            assert expected == Light.DONE
        else:
            assert (expected == Light.RED) == (today > end)
            assert (expected == Light.YELLOW) == (end - timedelta(days=3) <= today <= end)


@pytest.mark.django_db
def test_a_task_turns_yellow_three_days_ahead_and_red_the_day_after(world):
    task = make_task(world, planned_start=date(2023, 10, 2), planned_end=date(2023, 10, 10))
    light_sync(task, today=date(2023, 10, 6))
    assert task.light == Light.GREEN
    assert lights_refresh(PlanTask, today=date(2023, 10, 7)) == 1
    assert lights_refresh(PlanTask, today=date(2023, 10, 10)) == 0
    assert lights_refresh(PlanTask, today=date(2023, 10, 11)) == 1
    task.refresh_from_db()
    assert task.light == Light.RED


@pytest.mark.django_db
def test_closing_a_red_task_makes_it_done_and_keeps_the_red_in_its_history(world, monkeypatch):
    task = make_task(world, planned_start=date(2023, 10, 2), planned_end=date(2023, 10, 10))
    lights_refresh(PlanTask, today=date(2023, 10, 8))
    lights_refresh(PlanTask, today=date(2023, 10, 20))
    task.refresh_from_db()
    assert task.light == Light.RED
    services.task_close(
        task=task, actor=world.secretary_a, note="已召开", done_on=date(2023, 10, 21), uploads=[png_upload()]
    )
    task.refresh_from_db()
    assert task.light == Light.DONE
    ct = ContentType.objects.get_for_model(PlanTask)
    lights = list(
        Event.objects.filter(content_type=ct, object_id=task.pk, kind="light")
        .order_by("id")
        .values_list("from_state", "to_state")
    )
    assert lights == [("green", "yellow"), ("yellow", "red"), ("red", "done")]
    spans = selectors.light_history(task, today=date(2023, 11, 1))
    assert [s["light"] for s in spans] == ["green", "yellow", "red", "done"]


@pytest.mark.django_db
def test_moving_the_deadline_recomputes_the_light(world):
    today = date.today()
    campaign = make_campaign(
        org=world.committee, start_date=today - timedelta(days=30), end_date=today + timedelta(days=60)
    )
    task = services.task_create(
        campaign=campaign,
        data={"title": "专题研讨", "org": world.branch_a, "planned_start": today + timedelta(days=10)},
        actor=world.secretary_a,
    )
    assert task.light == Light.GREEN
    services.task_update(
        task=task,
        data={"planned_start": today, "planned_end": today + timedelta(days=2)},
        actor=world.secretary_a,
    )
    task.refresh_from_db()
    assert task.light == Light.YELLOW
    assert Event.objects.filter(kind="light", to_state="yellow", object_id=task.pk).exists()
