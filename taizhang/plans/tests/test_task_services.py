"""Writing the work plan: creating tasks with their week and day, closing them by linked records or by a
written note with evidence, and every change kept as an event."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from taizhang.core.models import AuditLog, Event
from taizhang.core.selectors import attachments_for
from taizhang.core.tests.factories import make_campaign, make_org
from taizhang.plans import services
from taizhang.plans.models import PlanTask, PlanTaskLink
from taizhang.plans.tests.conftest import make_activity, make_task, png_upload

pytestmark = pytest.mark.django_db


def _data(world, **overrides):
    data = {
        "title": "召开专题民主生活会",
        "kind": "prescribed",
        "org": world.committee,
        "planned_start": date(2023, 12, 20),
        "planned_end": date(2023, 12, 21),
        "lead_leader": world.people_a[0],
        "responsible_dept": "办公室",
    }
    data.update(overrides)
    return data


def _events(task):
    return list(Event.objects.filter(object_id=task.pk, content_type__model="plantask").order_by("id"))


def test_a_new_task_lands_in_the_phase_of_its_start_day_and_is_recorded(world, phases):
    task = services.task_create(campaign=world.campaign, data=_data(world), actor=world.admin)
    assert task.phase == phases[2]
    assert task.status == PlanTask.Status.NOT_STARTED
    # Its deadline (2023) is long past: the light goes red at once, and that is on record too.
    assert [(e.kind, e.to_state) for e in _events(task)] == [("created", "not_started"), ("light", "red")]
    assert AuditLog.objects.filter(action="create", object_id=str(task.pk)).exists()


def test_a_one_day_task_needs_only_its_day(world):
    task = services.task_create(
        campaign=world.campaign,
        data=_data(world, planned_end=None, planned_start=date(2023, 10, 17)),
        actor=world.admin,
    )
    assert task.planned_end == date(2023, 10, 17)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"planned_start": date(2023, 8, 1), "planned_end": date(2023, 8, 2)},
            "planned_start",
            "学习教育活动期间",
        ),
        ({"planned_end": date(2023, 12, 1)}, "planned_end", "不能早于计划开始日期"),
    ],
)
def test_bad_dates_are_refused_naming_the_field(world, overrides, field, message):
    with pytest.raises(ValidationError) as caught:
        services.task_create(campaign=world.campaign, data=_data(world, **overrides), actor=world.admin)
    assert message in " ".join(caught.value.message_dict[field])
    assert not PlanTask.objects.exists()


def test_a_unit_outside_the_campaign_is_refused(world):
    stranger = make_org(name="外单位")
    with pytest.raises(ValidationError) as caught:
        services.task_create(campaign=world.campaign, data=_data(world, org=stranger), actor=world.admin)
    assert "责任单位" in caught.value.message_dict["org"][0]


def test_a_phase_of_another_campaign_is_refused(world, phases):
    other = make_campaign(org=world.committee)
    with pytest.raises(ValidationError) as caught:
        services.task_create(campaign=other, data=_data(world, phase=phases[0]), actor=world.admin)
    assert "阶段" in caught.value.message_dict["phase"][0]


def test_closing_without_a_link_needs_a_note_and_evidence(world):
    task = make_task(world)
    with pytest.raises(ValidationError) as caught:
        services.task_close(task=task, actor=world.secretary_a, note="")
    assert "完成情况" in caught.value.message_dict["note"][0]
    with pytest.raises(ValidationError) as caught:
        services.task_close(task=task, actor=world.secretary_a, note="已召开")
    assert "佐证材料" in caught.value.message_dict["evidence"][0]
    task.refresh_from_db()
    assert task.status == PlanTask.Status.NOT_STARTED

    services.task_close(
        task=task,
        actor=world.secretary_a,
        note="已召开，18人参加",
        done_on=date(2023, 10, 9),
        uploads=[png_upload()],
    )
    task.refresh_from_db()
    assert (task.status, task.done_on, task.closing_note) == ("done", date(2023, 10, 9), "已召开，18人参加")
    assert [a.original_name for a in attachments_for(task)] == ["照片.png"]
    status = [e for e in _events(task) if e.kind == "status"]
    assert (status[0].from_state, status[0].to_state) == ("not_started", "done")
    assert status[0].attachments.count() == 1


def test_an_upload_that_is_not_evidence_leaves_the_task_open(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    task = make_task(world)
    bad = SimpleUploadedFile("run.exe", b"MZ\x90\x00" + b"\x00" * 200)
    with pytest.raises(ValidationError):
        services.task_close(task=task, actor=world.secretary_a, note="已召开", uploads=[bad])
    task.refresh_from_db()
    assert task.status == PlanTask.Status.NOT_STARTED


def test_linking_an_activity_closes_the_task_on_the_activity_day(world, types):
    task = make_task(world, required_type=types["branch_concentrated"])
    activity = make_activity(world, types, date=date(2023, 10, 10), topic="学习必读书目")
    services.task_link(task=task, obj=activity, actor=world.secretary_a, close=True)
    task.refresh_from_db()
    assert task.status == PlanTask.Status.DONE
    assert task.done_on == date(2023, 10, 10)
    assert PlanTaskLink.objects.filter(task=task, object_id=activity.pk).count() == 1
    kinds = [e.kind for e in _events(task)]
    assert kinds[:2] == ["linked", "status"]
    assert "学习必读书目" in _events(task)[0].note


def test_a_record_of_another_unit_or_campaign_cannot_fulfil_the_task(world, types):
    task = make_task(world)
    elsewhere = make_activity(world, types, org=world.branch_b)
    other_campaign = make_activity(world, types, campaign=make_campaign(org=world.committee))
    for record in (elsewhere, other_campaign):
        with pytest.raises(ValidationError):
            services.task_link(task=task, obj=record, actor=world.secretary_a)
    assert not PlanTaskLink.objects.exists()


def test_the_same_record_is_linked_once(world, types):
    task = make_task(world)
    activity = make_activity(world, types)
    services.task_link(task=task, obj=activity, actor=world.secretary_a)
    with pytest.raises(ValidationError, match="已关联"):
        services.task_link(task=task, obj=activity, actor=world.secretary_a)


def test_removing_the_only_link_reopens_a_task_closed_by_it(world, types):
    task = make_task(world)
    activity = make_activity(world, types)
    link = services.task_link(task=task, obj=activity, actor=world.secretary_a, close=True)
    services.task_unlink(link=link, actor=world.secretary_a)
    task.refresh_from_db()
    assert task.status == PlanTask.Status.IN_PROGRESS
    assert task.done_on is None


def test_a_task_closed_on_its_written_note_stays_done_without_links(world, types):
    task = make_task(world)
    link = services.task_link(task=task, obj=make_activity(world, types), actor=world.secretary_a)
    services.task_close(task=task, actor=world.secretary_a, note="会议纪要已归档")
    services.task_unlink(link=link, actor=world.secretary_a)
    task.refresh_from_db()
    assert task.status == PlanTask.Status.DONE


def test_reopening_needs_a_reason_and_is_recorded(world):
    task = make_task(world, status=PlanTask.Status.DONE, done_on=date(2023, 10, 9))
    with pytest.raises(ValidationError):
        services.task_reopen(task=task, actor=world.admin, reason=" ")
    services.task_reopen(task=task, actor=world.admin, reason="材料不全，需补充")
    task.refresh_from_db()
    assert task.status == PlanTask.Status.IN_PROGRESS
    assert _events(task)[-2].note == "材料不全，需补充"


def test_two_people_closing_at_once_only_one_wins(world):
    task = make_task(world)
    stale = PlanTask.objects.get(pk=task.pk)
    services.task_start(task=task, actor=world.secretary_a)
    with pytest.raises(ValidationError, match="已被他人更改"):
        services.task_start(task=stale, actor=world.admin)
    stale.status = PlanTask.Status.NOT_STARTED
    with pytest.raises(ValidationError, match="已被他人更改"):
        services.task_close(task=stale, actor=world.admin, note="x", uploads=[png_upload()])
    assert PlanTask.objects.get(pk=task.pk).status == PlanTask.Status.IN_PROGRESS


def test_an_edit_records_what_changed(world):
    task = services.task_create(campaign=world.campaign, data=_data(world), actor=world.admin)
    services.task_update(
        task=task,
        data={"title": "召开专题民主生活会（调整）", "responsible_dept": "办公室"},
        actor=world.admin,
    )
    change = _events(task)[-1]
    assert change.kind == "changed"
    assert set(change.data) == {"title"}


def test_a_progress_note_keeps_its_files(world):
    task = make_task(world)
    event = services.task_note(
        task=task, actor=world.secretary_a, note="已下发通知", uploads=[png_upload("通知.png")]
    )
    assert event.kind == "note"
    assert [a.original_name for a in event.attachments.all()] == ["通知.png"]
    with pytest.raises(ValidationError):
        services.task_note(task=task, actor=world.secretary_a, note="  ")


def test_deleting_a_task_removes_its_files_and_links(world, types):
    task = make_task(world)
    services.task_note(task=task, actor=world.secretary_a, note="x", uploads=[png_upload()])
    services.task_link(task=task, obj=make_activity(world, types), actor=world.secretary_a)
    services.task_delete(task=task, actor=world.admin)
    assert not PlanTask.objects.exists()
    assert not PlanTaskLink.objects.exists()
    assert AuditLog.objects.filter(action="delete").exists()
