"""Pages: the ladder on every protected view, what each role sees, and the figures with their rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.core.models import Attachment
from taizhang.lib.dates import today
from taizhang.rectification import services
from taizhang.rectification.models import Institution, Problem
from taizhang.rectification.tests.conftest import make_problem, png, ready_problem, submitted_problem

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


# --- the ladder: anonymous → login, outsider → 404, read-only → 403, allowed → success ----------


def test_problem_page_ladder(world, ladder, problem):
    url = reverse("rectification:problem_detail", args=[problem.pk])
    ladder(url, outsider=world.secretary_b, allowed=world.secretary_a)
    # A member of the branch sees campaign news, not the internal problem list.
    assert client_for(world.member_a).get(url).status_code == 404


@pytest.mark.parametrize("name", ["problem_edit", "measure_create", "problem_submit", "problem_start"])
def test_recording_pages_ladder(world, ladder, problem, name):
    ladder(
        reverse(f"rectification:{name}", args=[problem.pk]),
        outsider=world.secretary_b,
        allowed=world.secretary_a,
    )


@pytest.mark.parametrize("name", ["problem_sign_off", "problem_return"])
def test_review_actions_ladder_refuses_secretaries_and_admins(world, ladder, leader_b, name):
    problem = submitted_problem(world)
    url = reverse(f"rectification:{name}", args=[problem.pk])
    # The problem page posts the return form with a prefix; the return page without one.
    if name == "problem_return":
        data = {"return-version": problem.version, "return-note": "请补充材料"}
    else:
        data = {"version": problem.version, "note": "同意销号"}
    for readonly in (world.secretary_a, world.admin):
        assert client_for(readonly).post(url, data).status_code == 403
    ladder(url, method="post", data=data, outsider=leader_b, readonly=world.secretary_a, allowed=world.leader)
    problem.refresh_from_db()
    assert problem.status == ("closed" if name == "problem_sign_off" else "in_progress")


def test_reopen_ladder(world, ladder, leader_b):
    problem = submitted_problem(world)
    services.problem_sign_off(problem=problem, actor=world.leader)
    url = reverse("rectification:problem_reopen", args=[problem.pk])
    ladder(
        url,
        method="post",
        data={"note": "复查发现问题反弹"},
        outsider=leader_b,
        readonly=world.admin,
        allowed=world.leader,
    )
    assert Problem.objects.get(pk=problem.pk).status == "in_progress"


def test_note_and_delete_ladder(world, ladder, problem):
    ladder(
        reverse("rectification:problem_note", args=[problem.pk]),
        method="post",
        data={"note": "已召开专题会"},
        outsider=world.secretary_b,
        allowed=world.secretary_a,
    )
    ladder(
        reverse("rectification:problem_delete", args=[problem.pk]),
        method="post",
        outsider=world.secretary_b,
        allowed=world.secretary_a,
    )
    assert not Problem.objects.filter(pk=problem.pk).exists()


@pytest.mark.parametrize(
    "name", ["measure_edit", "measure_complete", "measure_evidence", "measure_undo", "measure_delete"]
)
def test_measure_pages_ladder(world, ladder, problem, name):
    measure = services.measure_create(problem=problem, content="建立台账", actor=world.secretary_a)
    method = "post" if name == "measure_delete" else "get"
    ladder(
        reverse(f"rectification:{name}", args=[measure.pk]),
        method=method,
        outsider=world.secretary_b,
        allowed=world.secretary_a,
    )


def test_evidence_delete_ladder(world, ladder, problem):
    measure = services.measure_create(problem=problem, content="建立台账", actor=world.secretary_a)
    [attachment] = services.evidence_add(measure=measure, files=[png()], actor=world.secretary_a)
    ladder(
        reverse("rectification:evidence_delete", args=[attachment.pk]),
        method="post",
        outsider=world.secretary_b,
        allowed=world.secretary_a,
    )
    assert not Attachment.objects.filter(pk=attachment.pk).exists()


def test_institution_ladder(world, ladder):
    institution = services.institution_save(
        institution=None,
        campaign=world.campaign,
        actor=world.secretary_a,
        data={"org": world.branch_a, "name": "支部学习制度", "kind": "new"},
    )
    # Members see institutions (they are campaign news), but only recorders change them.
    ladder(institution.get_absolute_url(), outsider=world.secretary_b, allowed=world.member_a)
    ladder(
        reverse("rectification:institution_edit", args=[institution.pk]),
        outsider=world.secretary_b,
        readonly=world.member_a,
        allowed=world.secretary_a,
    )
    ladder(
        reverse("rectification:institution_delete", args=[institution.pk]),
        method="post",
        outsider=world.secretary_b,
        readonly=world.member_a,
        allowed=world.secretary_a,
    )
    assert not Institution.objects.exists()


@pytest.mark.parametrize(
    ("name", "allowed", "refused"),
    [
        ("problem_list", "secretary_a", ("member_a", "nobody")),
        ("measure_list", "secretary_a", ("member_a", "nobody")),
        ("stats", "secretary_a", ("member_a", "nobody")),
        ("problem_create", "secretary_a", ("member_a", "nobody")),
        ("review_queue", "leader", ("secretary_a", "admin", "member_a")),
        ("institution_list", "member_a", ("nobody",)),
        ("institution_create", "secretary_a", ("member_a",)),
    ],
)
def test_list_pages_by_role(world, name, allowed, refused):
    url = reverse(f"rectification:{name}")
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    for who in refused:
        assert client_for(getattr(world, who)).get(url).status_code == 403, who
    assert client_for(getattr(world, allowed)).get(url).status_code == 200


# --- what each role sees ---------------------------------------------------------------------------


def test_a_secretary_sees_only_their_branch(world):
    own = make_problem(world, description="甲支部的问题")
    make_problem(world, org=world.branch_b, actor=world.secretary_b, description="乙支部的问题")
    response = client_for(world.secretary_a).get(reverse("rectification:problem_list"))
    assert list(response.context["page"]) == [own]
    assert response.context["figures"]["total"] == 1
    leader_view = client_for(world.leader).get(reverse("rectification:problem_list"))
    assert leader_view.context["figures"]["total"] == 2


def test_the_list_filters_by_status_light_unit_and_leader(world):
    overdue = make_problem(world, deadline=today() - timedelta(days=3), responsible_leader=world.people_a[2])
    soon = make_problem(world, org=world.group_a, deadline=today() + timedelta(days=1))
    other = make_problem(world, org=world.branch_b, actor=world.admin)
    closed = submitted_problem(world)
    services.problem_sign_off(problem=closed, actor=world.leader)
    client = client_for(world.leader)
    url = reverse("rectification:problem_list")

    def codes(**params) -> set[str]:  # noqa: ANN003
        return {p.code for p in client.get(url, params).context["page"]}

    assert codes(light="red") == {overdue.code}
    assert codes(light="yellow") == {soon.code}
    assert codes(status="closed") == {closed.code}
    assert codes(org=world.group_a.pk) == {soon.code}
    assert codes(org=world.branch_a.pk) == {overdue.code, soon.code, closed.code}
    assert codes(leader=world.people_a[2].pk) == {overdue.code}
    assert other.code in codes()


def test_each_figure_links_to_the_rows_behind_it(world):
    make_problem(world, deadline=today() - timedelta(days=3))
    make_problem(world)
    closed = submitted_problem(world)
    services.problem_sign_off(problem=closed, actor=world.leader)
    client = client_for(world.leader)
    page = client.get(reverse("rectification:problem_list"))
    figures = page.context["figures"]
    assert (figures["total"], figures["closed"], figures["overdue"]) == (3, 1, 1)
    assert str(figures["rate"]) == "33.3"
    html = page.content.decode()
    assert "33.3%" in html
    for key, value in (("problems.closed", 1), ("problems.overdue", 1), ("problems.total", 3)):
        start = html.index(f'data-figure="{key}"')
        href = html[start:].split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        rows = client.get(href).context["page"]
        assert len(rows.object_list) == value, key
    done = client.get(reverse("rectification:measure_list"), {"status": "done"})
    assert done.context["page"].paginator.count == figures["measures_done"] == 2


def test_stats_counts_each_unit_with_its_subtree(world):
    make_problem(world, org=world.group_a, deadline=today() - timedelta(days=1))
    make_problem(world, org=world.branch_b, actor=world.admin)
    closed = submitted_problem(world)
    services.problem_sign_off(problem=closed, actor=world.leader)
    response = client_for(world.leader).get(reverse("rectification:stats"))
    rows = {row.code: row for row in response.context["units"]["rows"]}
    assert (rows["WA"].total, rows["WA"].closed, rows["WA"].overdue) == (2, 1, 1)
    assert str(rows["WA"].rate) == "50.0"
    assert (rows["WB"].total, rows["WB"].closed) == (1, 0)


def test_the_review_queue_holds_submitted_problems_in_the_leaders_scope(world, leader_b):
    waiting = submitted_problem(world)
    make_problem(world)
    response = client_for(world.leader).get(reverse("rectification:review_queue"))
    assert [p.pk for p in response.context["rows"]] == [waiting.pk]
    assert client_for(leader_b).get(reverse("rectification:review_queue")).context["rows"] == []


def test_a_stale_sign_off_answers_409_naming_the_current_state(world, leader2):
    problem = submitted_problem(world)
    url = reverse("rectification:problem_sign_off", args=[problem.pk])
    first = client_for(leader2).post(url, {"version": problem.version})
    assert first.status_code == 302
    second = client_for(world.leader).post(url, {"version": problem.version})
    assert second.status_code == 409
    assert "该问题已被他人处理，当前状态为“已销号”" in second.content.decode()


def test_submitting_through_the_page_asks_for_a_reason_when_evidence_is_missing(world, problem):
    client = client_for(world.secretary_a)
    services.problem_start(problem=problem, actor=world.secretary_a)
    problem.refresh_from_db()
    url = reverse("rectification:problem_submit", args=[problem.pk])
    response = client.post(url, {"version": problem.version, "note": ""})
    assert response.status_code == 200
    assert "尚未制定整改措施" in response.content.decode()
    assert Problem.objects.get(pk=problem.pk).status == "in_progress"
    response = client.post(url, {"version": problem.version, "note": "立行立改，现场已整改完毕"})
    assert response.status_code == 302
    assert Problem.objects.get(pk=problem.pk).status == "submitted"


def test_creating_a_problem_numbers_it_and_goes_on_to_measures(world):
    client = client_for(world.secretary_a)
    response = client.post(
        reverse("rectification:problem_create"),
        {
            "org": world.branch_a.pk,
            "category": "style",
            "source": "questionnaire",
            "description": "  会议多、文件多  ",
            "rectification_type": "deadline",
            "deadline": "2099-12-31",
            "responsible_person": "张三",
        },
    )
    problem = Problem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("rectification:measure_create", args=[problem.pk])
    assert (problem.code, problem.description, problem.campaign) == (
        "WT-001",
        "会议多、文件多",
        world.campaign,
    )


def test_a_secretary_cannot_record_a_problem_in_another_branch(world):
    response = client_for(world.secretary_a).post(
        reverse("rectification:problem_create"),
        {
            "org": world.branch_b.pk,
            "category": "style",
            "source": "meeting",
            "description": "x",
            "rectification_type": "deadline",
        },
    )
    assert response.status_code == 200
    assert "org" in response.context["form"].errors
    assert not Problem.objects.exists()


def test_a_taken_code_is_refused_naming_it(world, problem):
    response = client_for(world.secretary_a).post(
        reverse("rectification:problem_create"),
        {
            "org": world.branch_a.pk,
            "code": problem.code,
            "category": "style",
            "source": "meeting",
            "description": "x",
            "rectification_type": "deadline",
        },
    )
    assert f"问题编号“{problem.code}”已被使用" in response.content.decode()


def test_editing_from_a_stale_page_is_refused(world, problem):
    client = client_for(world.secretary_a)
    url = reverse("rectification:problem_edit", args=[problem.pk])
    data = {
        "org": world.branch_a.pk,
        "code": problem.code,
        "category": "theory",
        "source": "meeting",
        "description": "新描述",
        "rectification_type": "deadline",
        "version": problem.version,
    }
    services.problem_update(problem=problem, data={"responsible_person": "李四"}, actor=world.secretary_a)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "该问题已被他人修改" in response.content.decode()
    assert Problem.objects.get(pk=problem.pk).description != "新描述"


def test_the_problem_page_shows_the_return_reason_and_institutions(world):
    problem = submitted_problem(world)
    services.problem_return(problem=problem, actor=world.leader, reason="请补充制度文件")
    institution = services.institution_save(
        institution=None,
        campaign=world.campaign,
        actor=world.secretary_a,
        data={"org": world.branch_a, "name": "支部调研工作制度", "kind": "new", "problems": [problem]},
    )
    response = client_for(world.secretary_a).get(problem.get_absolute_url())
    html = response.content.decode()
    assert "请补充制度文件" in html and "last-return" in html
    assert institution.get_absolute_url() in html
    assert "形成制度" in html  # the link is in the problem's history too


def test_a_problem_page_is_locked_after_sign_off(world):
    problem = submitted_problem(world)
    services.problem_sign_off(problem=problem, actor=world.leader)
    html = client_for(world.secretary_a).get(problem.get_absolute_url()).content.decode()
    assert "记录已锁定" in html
    assert reverse("rectification:problem_edit", args=[problem.pk]) not in html
    assert reverse("rectification:problem_note", args=[problem.pk]) not in html
    response = client_for(world.secretary_a).get(reverse("rectification:problem_edit", args=[problem.pk]))
    assert response.status_code == 302


# --- query-count guards: the same number of queries with a few rows or many ------------------------


def _grow(world, n: int) -> None:  # noqa: ANN001
    for i in range(n):
        problem = ready_problem(world, measures=2, deadline=today() - timedelta(days=i % 3))
        services.problem_note(problem=problem, actor=world.secretary_a, note=f"进展{i}")


@pytest.mark.parametrize(
    "path",
    [
        ("rectification:problem_list", {}),
        ("rectification:problem_list", {"light": "red", "org": "branch"}),
        ("rectification:measure_list", {}),
        ("rectification:stats", {}),
        ("rectification:review_queue", {}),
        ("rectification:institution_list", {}),
        ("core:home", {}),
    ],
    ids=lambda p: f"{p[0]}{p[1]}",
)
def test_list_pages_issue_a_bounded_number_of_queries(world, django_assert_num_queries, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    name, params = path
    params = {k: (world.branch_a.pk if v == "branch" else v) for k, v in params.items()}
    client = client_for(world.leader)
    url = reverse(name)

    def count() -> int:
        client.get(url, params)  # warm caches (content types, scope)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, params).status_code == 200
        return len(ctx.captured_queries)

    _grow(world, 2)
    small = count()
    _grow(world, 8)
    submitted_problem(world)
    assert count() == small


def test_the_problem_page_issues_a_bounded_number_of_queries(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.leader)

    def count(problem: Problem) -> int:
        client.get(problem.get_absolute_url())
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(problem.get_absolute_url()).status_code == 200
        return len(ctx.captured_queries)

    small = ready_problem(world, measures=1)
    large = ready_problem(world, measures=6)
    for i in range(5):
        services.problem_note(
            problem=large, actor=world.secretary_a, note=f"进展{i}", files=[png(f"{i}.png")]
        )
    assert count(large) == count(small)
