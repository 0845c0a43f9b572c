"""The demo part: about 30 problems in every state, measures with owners, evidence, returns, institutions."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from taizhang.core.models import Event
from taizhang.core.selectors import events_for
from taizhang.rectification.models import Institution, Measure, Problem

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_demo_has_a_problem_list_in_every_state():
    call_command("demo", stdout=StringIO())
    problems = Problem.objects.filter(campaign__code="zt2023b2")
    assert 28 <= problems.count() <= 40  # ours plus the findings the outreach demo put on the list
    by_status = dict(problems.values_list("status").annotate(n=Count("id")))
    assert set(by_status) == {"open", "in_progress", "submitted", "closed"}
    assert by_status["closed"] > problems.count() / 2
    assert set(problems.values_list("org__code", flat=True)) >= {
        "JDW",
        "JDW01",
        "JDW02",
        "JDW03",
        "JDW04",
        "JDW05",
        "JDW06",
    }
    assert set(problems.values_list("category", flat=True)) == set(Problem.Category.values)
    assert len(set(problems.values_list("source", flat=True))) >= 6
    # 2-4 measures each, with owners and deadlines.
    counts = list(problems.annotate(n=Count("measures")).values_list("n", flat=True))
    assert min(counts) >= 2 and max(counts) <= 4
    assert not Measure.objects.filter(problem__in=problems, owner="").exists()
    assert not Measure.objects.filter(problem__in=problems, deadline=None).exists()
    # A few overdue (red), never a closed one.
    red = problems.filter(light="red")
    assert 2 <= red.count() <= 5
    assert not red.filter(status="closed").exists()
    for problem in red:  # the day it turned red is kept, dated after its deadline
        turned = [e for e in events_for(problem) if e.kind == "light" and e.to_state == "red"]
        assert turned and all(timezone.localtime(e.at).date() > problem.deadline for e in turned)
    # Signed off by 王建国, closed with evidence or a written reason.
    for problem in problems.filter(status="closed"):
        sign_off = [e for e in events_for(problem) if e.data.get("action") == "sign_off"]
        assert [e.actor.username for e in sign_off] == ["leader"]
        submit = next(e for e in events_for(problem) if e.data.get("action") == "submit")
        assert submit.data["evidence_complete"] or submit.note
    # A few returned once, the reviewer's reason in their history.
    returns = Event.objects.filter(kind="status", data__action="return")
    assert 3 <= returns.count() <= 6
    assert all(e.note for e in returns)
    # Some were found at the study demo's 整改专题研讨.
    assert problems.filter(activity__type__code="rectification_seminar").count() >= 3
    # A dozen institutions, new and improved, each answering a problem.
    institutions = Institution.objects.filter(campaign__code="zt2023b2")
    assert 10 <= institutions.count() <= 15
    assert set(institutions.values_list("kind", flat=True)) == {"new", "improved"}
    assert not institutions.filter(problems=None).exists()
