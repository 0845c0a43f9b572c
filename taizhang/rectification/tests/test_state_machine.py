"""The closed loop as a state machine, driven through the pages by every kind of user (Hypothesis).

Each step is a request by a persona: a transition (with or without a reason, from a fresh or a stale
page), a measure added, completed (with or without evidence), undone, evidence uploaded, a note, an
edit. A small model predicts the answer (404 outsider, 403 missing capability, 409 wrong state or
stale page, 200 form error, 302 done) and the state; the invariants check the database after every
step: never closed without evidence or a written reason, one status event per transition, the
version moving only with a change, outsiders never changing anything.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from PIL import Image

from taizhang.core.models import Attachment, Event
from taizhang.core.tests.factories import make_user
from taizhang.rectification.models import Measure, Problem
from taizhang.rectification.services import problem_create

pytestmark = pytest.mark.django_db

PERSONAS = ("admin", "leader", "secretary_a", "member_a", "secretary_b", "leader_b", "nobody")
SEES = {"admin", "leader", "secretary_a"}  # view_internal over branch A
RECORDS = {"admin", "leader", "secretary_a"}
REVIEWS = {"leader"}
ACTIONS = {
    # action: (url name, source status, target status, capability holders, reason required)
    "start": ("problem_start", "open", "in_progress", RECORDS, False),
    "submit": ("problem_submit", "in_progress", "submitted", RECORDS, False),
    "sign_off": ("problem_sign_off", "submitted", "closed", REVIEWS, False),
    "return": ("problem_return", "submitted", "in_progress", REVIEWS, True),
    "reopen": ("problem_reopen", "closed", "in_progress", REVIEWS, True),
}
EDITABLE = ("open", "in_progress")
# Insiders more often than outsiders, so the runs get deep into the loop; outsiders still try everything.
WHO = st.sampled_from(("secretary_a", "secretary_a", "leader", "leader", *PERSONAS))
REACHED: set[str] = set()


def picture() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, "PNG")
    return SimpleUploadedFile("佐证.png", out.getvalue(), content_type="image/png")


@dataclass
class ModelMeasure:
    pk: int
    done: bool = False
    evidence: int = 0


@dataclass
class Model:
    status: str = "open"
    version: int = 0
    transitions: int = 0
    measures: list[ModelMeasure] = field(default_factory=list)
    measure_status_events: int = 0

    @property
    def evidence_complete(self) -> bool:
        return bool(self.measures) and all(m.done and m.evidence for m in self.measures)


class LoopMachine(RuleBasedStateMachine):
    world: Any = None
    clients: dict[str, Client] = {}

    @initialize(start=st.sampled_from(["open", "in_progress", "submitted", "closed"]))
    def new_problem(self, start: str) -> None:
        """A fresh problem, brought (through the services) to a state the run starts from."""
        from taizhang.rectification import services

        w = self.world
        self.problem = problem_create(
            campaign=w.campaign,
            org=w.branch_a,
            category="style",
            source="meeting",
            description="状态机测试问题",
            deadline=date(2099, 1, 1),
            actor=w.secretary_a,
        )
        self.model = m = Model()
        if start == "open":
            return
        measure = services.measure_create(problem=self.problem, content="已落实的措施", actor=w.secretary_a)
        services.measure_complete(measure=measure, actor=w.secretary_a, files=[picture()])
        m.measures.append(ModelMeasure(pk=measure.pk, done=True, evidence=1))
        m.measure_status_events = 1
        self.problem.refresh_from_db()
        steps = {
            "in_progress": ["start"],
            "submitted": ["start", "submit"],
            "closed": ["start", "submit", "sign_off"],
        }
        for action in steps[start]:
            actor = w.leader if action == "sign_off" else w.secretary_a
            services.problem_transition(problem=self.problem, action=action, actor=actor)
            m.transitions += 1
        m.status = start
        m.version = Problem.objects.get(pk=self.problem.pk).version

    def _post(self, who: str, name: str, pk: int, data: dict) -> Any:
        return self.clients[who].post(reverse(f"rectification:{name}", args=[pk]), data)

    @rule(
        who=WHO,
        action=st.sampled_from(tuple(ACTIONS)),
        reason=st.sampled_from(["", "   ", "已写明理由"]),
        stale=st.booleans(),
    )
    def transition(self, who: str, action: str, reason: str, stale: bool) -> None:
        self._transition(who, action, reason, stale)

    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        """A next step on the loop from the current state, by an insider from a fresh page.

        Keeps the runs moving round the loop (the general rule above mostly tries what is refused).
        """
        options = [action for action, spec in ACTIONS.items() if spec[1] == self.model.status]
        action = data.draw(st.sampled_from(options), label="action")
        who = data.draw(st.sampled_from(("secretary_a", "leader", "leader", "admin")), label="who")
        reason = data.draw(st.sampled_from(["", "已写明理由"]), label="reason")
        self._transition(who, action, reason, False)

    def _transition(self, who: str, action: str, reason: str, stale: bool) -> None:
        name, source, target, holders, needs_reason = ACTIONS[action]
        m = self.model
        version = m.version - 1 if stale and m.version > 0 else m.version
        stale = version != m.version
        response = self._post(who, name, self.problem.pk, {"version": version, "note": reason})
        has_reason = bool(reason.strip())
        if who not in SEES:
            expected = 404
        elif who not in holders:
            expected = 403
        elif stale or m.status != source:
            expected = 409
        elif needs_reason and not has_reason:
            expected = 200
        elif action == "submit" and not m.evidence_complete and not has_reason:
            expected = 200
        else:
            expected = 302
        assert response.status_code == expected, (who, action, m.status, stale, response.status_code)
        if expected == 302:
            m.status = target
            m.version += 1
            m.transitions += 1
            REACHED.add(action)
        elif expected in (403, 404, 409):
            REACHED.add(f"refused {expected}")

    @rule(data=st.data())
    def work(self, data: st.DataObject) -> None:
        """Work on the problem: a measure added, completed, undone, evidence uploaded, a note, an edit."""
        kind = data.draw(
            st.sampled_from(["add_measure", "complete", "evidence", "undo", "note", "edit"]), label="kind"
        )
        who = data.draw(WHO, label="who")
        if kind in ("complete", "evidence", "undo") and not self.model.measures:
            kind = "add_measure"
        if kind == "add_measure":
            self.add_measure(who)
        elif kind == "complete":
            self.complete_measure(who, data.draw(st.integers(0, 9)), data.draw(st.booleans(), label="file"))
        elif kind == "evidence":
            self.add_evidence(who, data.draw(st.integers(0, 9)))
        elif kind == "undo":
            self.undo_measure(
                who, data.draw(st.integers(0, 9)), data.draw(st.sampled_from(["", "复核未完成"]))
            )
        elif kind == "note":
            self.note(who)
        else:
            self.edit(who, data.draw(st.sampled_from(["李四", "王五"]), label="person"))

    def add_measure(self, who: str) -> None:
        response = self._post(
            who, "measure_create", self.problem.pk, {"content": "落实整改", "owner": "张三"}
        )
        m = self.model
        if who not in SEES:
            assert response.status_code == 404
            return
        assert response.status_code == 302
        if m.status in EDITABLE:
            measure = Measure.objects.filter(problem=self.problem).order_by("-id").first()
            m.measures.append(ModelMeasure(pk=measure.pk))
            m.version += 1

    def complete_measure(self, who: str, index: int, with_file: bool) -> None:
        measure = self.model.measures[index % len(self.model.measures)]
        data = {"done_on": "2024-01-10", "progress": "已完成"}
        if with_file:
            data["files"] = [picture()]
        response = self._post(who, "measure_complete", measure.pk, data)
        if who not in SEES:
            assert response.status_code == 404
        elif self.model.status not in EDITABLE:
            assert response.status_code == 302  # back to the problem, nothing changed
        elif measure.done:
            assert response.status_code == 200  # "已是已完成状态"
        else:
            assert response.status_code == 302
            measure.done = True
            measure.evidence += int(with_file)
            self.model.version += 1
            self.model.measure_status_events += 1

    def add_evidence(self, who: str, index: int) -> None:
        measure = self.model.measures[index % len(self.model.measures)]
        response = self._post(who, "measure_evidence", measure.pk, {"files": [picture()], "note": ""})
        if who not in SEES:
            assert response.status_code == 404
            return
        assert response.status_code == 302
        if self.model.status in EDITABLE:
            measure.evidence += 1
            self.model.version += 1

    def undo_measure(self, who: str, index: int, reason: str) -> None:
        measure = self.model.measures[index % len(self.model.measures)]
        response = self._post(who, "measure_undo", measure.pk, {"reason": reason})
        if who not in SEES:
            assert response.status_code == 404
        elif self.model.status not in EDITABLE:
            assert response.status_code == 302
        elif not measure.done or not reason:
            assert response.status_code == 200
        else:
            assert response.status_code == 302
            measure.done = False
            self.model.version += 1
            self.model.measure_status_events += 1

    def note(self, who: str) -> None:
        response = self._post(who, "problem_note", self.problem.pk, {"note": "整改进展"})
        if who not in SEES:
            assert response.status_code == 404
        elif self.model.status == "closed":
            assert response.status_code == 200  # the page again, with the refusal on the form
        else:
            assert response.status_code == 302

    def edit(self, who: str, person: str) -> None:
        m = self.model
        data = {
            "org": self.world.branch_a.pk,
            "code": self.problem.code,
            "category": "style",
            "source": "meeting",
            "description": "状态机测试问题",
            "rectification_type": "deadline",
            "deadline": "2099-01-01",
            "responsible_person": person,
            "version": m.version,
        }
        before = Problem.objects.get(pk=self.problem.pk).responsible_person
        response = self._post(who, "problem_edit", self.problem.pk, data)
        if who not in SEES:
            assert response.status_code == 404
            return
        assert response.status_code == 302
        if m.status in EDITABLE and before != person:
            m.version += 1

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def database_matches_the_model(self) -> None:
        problem = Problem.objects.get(pk=self.problem.pk)
        assert (problem.status, problem.version) == (self.model.status, self.model.version)
        assert (problem.status == "closed") == (problem.closed_on is not None)
        measure_ct = ContentType.objects.get_for_model(Measure)
        for expected in self.model.measures:
            measure = Measure.objects.get(pk=expected.pk)
            assert (measure.status == "done") == expected.done
            count = Attachment.objects.filter(content_type=measure_ct, object_id=measure.pk).count()
            assert count == expected.evidence

    @invariant()
    def one_status_event_per_transition(self) -> None:
        problem_ct = ContentType.objects.get_for_model(Problem)
        events = Event.objects.filter(content_type=problem_ct, object_id=self.problem.pk, kind="status")
        assert events.count() == self.model.transitions
        measure_events = Event.objects.filter(
            content_type=ContentType.objects.get_for_model(Measure),
            object_id__in=[m.pk for m in self.model.measures],
            kind="status",
        )
        assert measure_events.count() == self.model.measure_status_events

    @invariant()
    def never_submitted_or_closed_without_evidence_or_reason(self) -> None:
        if self.model.status not in ("submitted", "closed"):
            return
        problem_ct = ContentType.objects.get_for_model(Problem)
        submit = (
            Event.objects.filter(
                content_type=problem_ct, object_id=self.problem.pk, kind="status", data__action="submit"
            )
            .order_by("-at", "-id")
            .first()
        )
        assert submit is not None
        assert submit.data["evidence_complete"] or submit.note.strip()

    @invariant()
    def only_leaders_close(self) -> None:
        problem = Problem.objects.select_related("closed_by").get(pk=self.problem.pk)
        if problem.status == "closed":
            assert problem.closed_by.username == "t_leader"


def test_the_loop_by_role(world):
    leader_b = make_user(username="t_leader_b", roles=(("leader", world.branch_b),))
    clients = {}
    for name in PERSONAS:
        user = leader_b if name == "leader_b" else getattr(world, name)
        clients[name] = Client()
        clients[name].force_login(user)
    LoopMachine.world = world
    LoopMachine.clients = clients
    run_state_machine_as_test(
        LoopMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=24,
            deadline=None,
            # The coverage assertion below needs the same draws on every run (a random seed once
            # missed "return" on CI); hypothesis still explores, reproducibly.
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    # The runs went through the whole loop, and refusals of every kind happened on the way.
    assert {
        "start",
        "submit",
        "sign_off",
        "return",
        "reopen",
        "refused 403",
        "refused 404",
        "refused 409",
    } <= REACHED
