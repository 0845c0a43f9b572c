"""The plan follows what is recorded elsewhere: recording a session fulfils the planned item without
anyone pressing 重新比对, and deleting a record that closed a task reopens the task."""

from __future__ import annotations

from datetime import date

import pytest

from taizhang.plans import services as plan_services
from taizhang.plans.models import PlanTask, PlanTaskLink
from taizhang.plans.tests.conftest import make_activity, make_item, make_plan, make_task
from taizhang.study import services as study_services

pytestmark = pytest.mark.django_db


def _record(world, types, day: date):  # noqa: ANN001, ANN202
    rows = [study_services.AttendanceRow(member=m) for m in world.people_a]
    return study_services.activity_create(
        data={
            "campaign": world.campaign,
            "org": world.branch_a,
            "type": types["branch_concentrated"],
            "topic": "集中学习",
            "date": day,
        },
        attendance=rows,
        actor=world.secretary_a,
    )


def test_recording_an_activity_fulfils_the_planned_item(world, types):
    plan = make_plan(world, org=world.branch_a)
    item = make_item(plan, date(2023, 10, 10))
    activity = _record(world, types, date(2023, 10, 11))
    item.refresh_from_db()
    assert item.activity_id == activity.pk


def test_deleting_the_activity_frees_the_item_again(world, types):
    plan = make_plan(world, org=world.branch_a)
    item = make_item(plan, date(2023, 10, 10))
    first = _record(world, types, date(2023, 10, 11))
    second = _record(world, types, date(2023, 10, 13))
    item.refresh_from_db()
    assert item.activity_id == first.pk
    study_services.activity_delete(activity=first, actor=world.secretary_a)
    item.refresh_from_db()
    assert item.activity_id == second.pk


def test_deleting_the_record_that_closed_a_task_reopens_it(world, types):
    task = make_task(world)
    activity = make_activity(world, types)
    plan_services.task_link(task=task, obj=activity, actor=world.secretary_a, close=True)
    task.refresh_from_db()
    assert task.status == PlanTask.Status.DONE
    study_services.activity_delete(activity=activity, actor=world.secretary_a)
    task.refresh_from_db()
    assert task.status == PlanTask.Status.IN_PROGRESS
    assert not PlanTaskLink.objects.filter(task=task).exists()
