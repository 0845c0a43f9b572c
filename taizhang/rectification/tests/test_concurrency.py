"""Two leaders signing off the same problem at the same moment: exactly one wins, the other is told why.

Real concurrent requests: each thread has its own test Client (and so its own database connection);
a threading.Barrier releases them together. Runs on SQLite (a file database, IMMEDIATE transactions)
and on PostgreSQL (READ COMMITTED: the second UPDATE waits for the first and then matches no row).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from taizhang.core.models import Event
from taizhang.core.selectors import events_for
from taizhang.core.tests.factories import make_user
from taizhang.rectification import services
from taizhang.rectification.models import Problem
from taizhang.rectification.tests.conftest import submitted_problem

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ROUNDS = 4


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; return each call's result (or exception)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertions below
            results[index] = exc
        finally:
            connection.close()  # each thread's own connection; PostgreSQL must not keep it open

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reviewers(world) -> list[Any]:  # noqa: ANN001
    return [
        world.leader,
        make_user(username="t_leader2", roles=(("leader", world.committee),)),
        make_user(username="t_leader3", roles=(("leader", world.committee),)),
    ]


@pytest.fixture(params=["as_it_comes", "widened"])
def window(request, monkeypatch) -> str:  # noqa: ANN001
    """`widened`: every request has read the problem before any writes (a slow evidence check)."""
    if request.param == "widened":
        original = services.evidence_check

        def slow(problem: Problem) -> Any:
            result = original(problem)
            time.sleep(0.3)
            return result

        monkeypatch.setattr(services, "evidence_check", slow)
    return request.param


def sign_off_events(problem: Problem) -> list[Event]:
    return [e for e in events_for(problem) if e.kind == "status" and e.data.get("action") == "sign_off"]


def test_exactly_one_of_several_leaders_signs_off(world, reviewers, window):
    for _ in range(ROUNDS):
        problem = submitted_problem(world)
        version = problem.version
        url = reverse("rectification:problem_sign_off", args=[problem.pk])
        clients = [logged_in(r) for r in reviewers]
        responses = race([partial(c.post, url, {"version": version, "note": "同意销号"}) for c in clients])

        errors = [r for r in responses if isinstance(r, BaseException)]
        assert not errors, errors
        codes = sorted(r.status_code for r in responses)
        assert codes == [302, 409, 409], codes
        problem.refresh_from_db()
        assert problem.status == "closed"
        assert problem.version == version + 1
        events = sign_off_events(problem)
        assert len(events) == 1
        winner = reviewers[[r.status_code for r in responses].index(302)]
        assert events[0].actor == winner == problem.closed_by
        for loser in (r for r in responses if r.status_code == 409):
            text = loser.content.decode()
            assert "该问题已被他人处理，当前状态为“已销号”" in text
            assert winner.display_name in text


def test_return_racing_sign_off_leaves_one_outcome(world, reviewers, window):
    outcomes = set()
    for _ in range(ROUNDS):
        problem = submitted_problem(world)
        version = problem.version
        signer, returner = logged_in(reviewers[0]), logged_in(reviewers[1])
        sign_url = reverse("rectification:problem_sign_off", args=[problem.pk])
        return_url = reverse("rectification:problem_return", args=[problem.pk])
        responses = race(
            [
                partial(signer.post, sign_url, {"version": version}),
                partial(returner.post, return_url, {"return-version": version, "return-note": "材料不全"}),
            ]
        )
        assert not [r for r in responses if isinstance(r, BaseException)]
        codes = [r.status_code for r in responses]
        assert sorted(codes) == [302, 409], codes
        problem.refresh_from_db()
        expected = "closed" if codes[0] == 302 else "in_progress"
        assert problem.status == expected
        assert problem.version == version + 1
        after_submit = [e for e in events_for(problem) if e.kind == "status" and e.from_state == "submitted"]
        assert len(after_submit) == 1
        assert after_submit[0].to_state == expected
        outcomes.add(expected)
    # Either may win; what matters is that there is always exactly one outcome.
    assert outcomes <= {"closed", "in_progress"}
