"""The closed loop at the service level: who may do what, in which state, and what is recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from taizhang.core.models import AuditLog, Event
from taizhang.core.selectors import events_for
from taizhang.lib.dates import today
from taizhang.rectification import services
from taizhang.rectification.models import Problem
from taizhang.rectification.services import Conflict, RectificationError
from taizhang.rectification.tests.conftest import make_problem, png, ready_problem, submitted_problem

pytestmark = pytest.mark.django_db


def status_events(problem: Problem) -> list[Event]:
    return [e for e in reversed(events_for(problem)) if e.kind == "status"]


def test_the_whole_loop_records_one_event_per_step_with_who_and_reason(world):
    problem = ready_problem(world)
    services.problem_submit(problem=problem, actor=world.secretary_a)
    services.problem_return(problem=problem, actor=world.leader, reason="佐证材料不够具体，请补充制度文件")
    services.problem_submit(problem=problem, actor=world.secretary_a, note="已补充制度文件")
    services.problem_sign_off(problem=problem, actor=world.leader, note="同意销号")

    problem.refresh_from_db()
    assert problem.status == "closed"
    assert problem.closed_on == today()
    assert problem.closed_by == world.leader
    steps = [(e.data["action"], e.from_state, e.to_state, e.actor) for e in status_events(problem)]
    assert steps == [
        ("start", "open", "in_progress", world.secretary_a),
        ("submit", "in_progress", "submitted", world.secretary_a),
        ("return", "submitted", "in_progress", world.leader),
        ("submit", "in_progress", "submitted", world.secretary_a),
        ("sign_off", "submitted", "closed", world.leader),
    ]
    assert status_events(problem)[2].note == "佐证材料不够具体，请补充制度文件"
    # Every state change is also in the security log.
    actions = list(
        AuditLog.objects.filter(action="transition", object_id=str(problem.pk), success=True)
        .order_by("id")
        .values_list("detail__action", flat=True)
    )
    assert actions == ["start", "submit", "return", "submit", "sign_off"]


@pytest.mark.parametrize("who", ["secretary_a", "admin", "member_a", "secretary_b", "nobody"])
def test_only_a_leader_signs_off_or_returns(world, who):
    problem = submitted_problem(world)
    actor = getattr(world, who)
    with pytest.raises(PermissionDenied):
        services.problem_sign_off(problem=problem, actor=actor)
    with pytest.raises(PermissionDenied):
        services.problem_return(problem=problem, actor=actor, reason="不行")
    problem.refresh_from_db()
    assert problem.status == "submitted"


def test_a_leader_of_another_branch_cannot_sign_off(world, leader_b):
    problem = submitted_problem(world)
    with pytest.raises(PermissionDenied):
        services.problem_sign_off(problem=problem, actor=leader_b)


def test_returning_needs_a_reason(world):
    problem = submitted_problem(world)
    with pytest.raises(RectificationError) as exc:
        services.problem_return(problem=problem, actor=world.leader, reason="  ")
    assert "退回意见" in exc.value.message_dict["reason"][0]
    assert Problem.objects.get(pk=problem.pk).status == "submitted"


def test_submitting_without_evidence_needs_a_written_reason(world, problem):
    services.problem_start(problem=problem, actor=world.secretary_a)
    measure = services.measure_create(problem=problem, content="建立调研台账", actor=world.secretary_a)
    with pytest.raises(RectificationError) as exc:
        services.problem_submit(problem=problem, actor=world.secretary_a)
    assert "措施1尚未完成" in exc.value.messages[0]
    services.measure_complete(measure=measure, actor=world.secretary_a)  # done, but no evidence
    problem.refresh_from_db()
    with pytest.raises(RectificationError, match="措施1没有佐证材料"):
        services.problem_submit(problem=problem, actor=world.secretary_a)
    services.problem_submit(
        problem=problem, actor=world.secretary_a, note="调研台账为内部涉密材料，已现场核验"
    )
    problem.refresh_from_db()
    assert problem.status == "submitted"
    assert problem.submit_note.startswith("调研台账")
    event = status_events(problem)[-1]
    assert event.data["evidence_complete"] is False
    assert event.data["missing"] == ["措施1没有佐证材料"]


def test_a_problem_without_measures_needs_a_reason_too(world, problem):
    services.problem_start(problem=problem, actor=world.secretary_a)
    with pytest.raises(RectificationError, match="尚未制定整改措施"):
        services.problem_submit(problem=problem, actor=world.secretary_a)


def test_a_closed_problem_is_locked(world):
    problem = submitted_problem(world)
    services.problem_sign_off(problem=problem, actor=world.leader)
    measure = problem.measures.first()
    with pytest.raises(RectificationError, match="已销号的问题不能修改"):
        services.problem_update(problem=problem, data={"description": "改一下"}, actor=world.secretary_a)
    with pytest.raises(RectificationError, match="已销号"):
        services.measure_create(problem=problem, content="再加一条", actor=world.secretary_a)
    with pytest.raises(RectificationError, match="已销号"):
        services.problem_note(problem=problem, actor=world.secretary_a, note="补充说明")
    with pytest.raises(RectificationError, match="已销号"):
        services.evidence_add(measure=measure, files=[png()], actor=world.secretary_a)
    with pytest.raises(RectificationError, match="已销号"):
        services.measure_delete(measure=measure, actor=world.secretary_a)
    problem.refresh_from_db()
    assert problem.description != "改一下"
    assert problem.measures.count() == 2


def test_a_submitted_problem_is_frozen_for_the_reviewer(world):
    problem = submitted_problem(world)
    with pytest.raises(RectificationError, match="审核期间不能修改"):
        services.measure_create(problem=problem, content="再加一条", actor=world.secretary_a)


def test_reopening_is_a_leaders_audited_action_with_a_reason(world):
    problem = submitted_problem(world)
    services.problem_sign_off(problem=problem, actor=world.leader)
    with pytest.raises(PermissionDenied):
        services.problem_reopen(problem=problem, actor=world.admin, reason="复查发现反弹")
    with pytest.raises(RectificationError):
        services.problem_reopen(problem=problem, actor=world.leader, reason="")
    services.problem_reopen(problem=problem, actor=world.leader, reason="复查发现问题反弹")
    problem.refresh_from_db()
    assert (problem.status, problem.closed_on, problem.closed_by) == ("in_progress", None, None)
    assert status_events(problem)[-1].note == "复查发现问题反弹"
    assert AuditLog.objects.filter(
        action="transition", detail__action="reopen", object_id=str(problem.pk)
    ).exists()


def test_wrong_state_is_refused_with_the_current_state_named(world, problem):
    with pytest.raises(RectificationError, match="当前状态为“待整改”，不能审核通过并销号"):
        services.problem_sign_off(problem=problem, actor=world.leader)


def test_a_stale_version_is_a_conflict_naming_who_acted(world, leader2):
    problem = submitted_problem(world)
    seen = problem.version
    services.problem_sign_off(
        problem=Problem.objects.get(pk=problem.pk), actor=leader2, expected_version=seen
    )
    with pytest.raises(Conflict) as exc:
        services.problem_sign_off(problem=problem, actor=world.leader, expected_version=seen)
    message = exc.value.messages[0]
    assert "该问题已被他人处理" in message and "已销号" in message and "审核通过并销号" in message
    assert AuditLog.objects.filter(action="transition", success=False, object_id=str(problem.pk)).exists()


def test_lights_follow_state_and_deadline(world):
    problem = make_problem(world, deadline=today() - timedelta(days=1))
    problem.refresh_from_db()
    assert problem.light == "red"
    services.problem_update(
        problem=problem, data={"deadline": today() + timedelta(days=2)}, actor=world.secretary_a
    )
    problem.refresh_from_db()
    assert problem.light == "yellow"
    light_events = [(e.from_state, e.to_state) for e in events_for(problem) if e.kind == "light"]
    assert ("red", "yellow") in light_events


def test_closing_turns_a_problem_and_its_unfinished_measures_off_red(world):
    problem = make_problem(world, deadline=today() - timedelta(days=5))
    services.problem_start(problem=problem, actor=world.secretary_a)
    measure = services.measure_create(
        problem=problem, content="长期坚持", deadline=today() - timedelta(days=5), actor=world.secretary_a
    )
    measure.refresh_from_db()
    assert measure.light == "red"
    problem.refresh_from_db()
    services.problem_submit(problem=problem, actor=world.secretary_a, note="长期坚持类，已建立机制")
    services.problem_sign_off(problem=problem, actor=world.leader)
    problem.refresh_from_db()
    measure.refresh_from_db()
    assert problem.light == "done"
    assert measure.light == "done"


def test_edits_are_events_listing_what_changed(world, problem):
    services.problem_update(
        problem=problem,
        data={"responsible_person": "李四", "category": "theory"},
        actor=world.secretary_a,
    )
    event = events_for(problem)[0]
    assert event.kind == "changed"
    assert {(c["label"], c["old"], c["new"]) for c in event.data["changes"]} == {
        ("责任人", "", "李四"),
        ("问题类别", "工作作风", "理论学习"),
    }


def test_a_progress_note_is_an_event_and_does_not_move_the_version(world, problem):
    before = problem.version
    services.problem_note(problem=problem, actor=world.secretary_a, note="已召开专题会议研究整改")
    problem.refresh_from_db()
    assert problem.version == before
    assert events_for(problem)[0].note == "已召开专题会议研究整改"


def test_only_an_open_problem_can_be_deleted(world):
    problem = ready_problem(world)
    with pytest.raises(RectificationError, match="只有“待整改”"):
        services.problem_delete(problem=problem, actor=world.secretary_a)
    fresh = make_problem(world)
    services.problem_delete(problem=fresh, actor=world.secretary_a)
    assert not Problem.objects.filter(pk=fresh.pk).exists()
