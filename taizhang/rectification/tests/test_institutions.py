"""Institutions (制度) answer problems and measures; the problem's page and history show them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.core.selectors import events_for
from taizhang.rectification import services
from taizhang.rectification.models import Institution
from taizhang.rectification.tests.conftest import make_problem, pdf, submitted_problem

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_an_institution_linked_to_a_measure_is_linked_to_its_problem_too(world):
    problem = submitted_problem(world)
    services.problem_sign_off(problem=problem, actor=world.leader)
    measure = problem.measures.first()
    institution = services.institution_save(
        institution=None,
        campaign=world.campaign,
        actor=world.secretary_a,
        data={"org": world.branch_a, "name": "支部调研工作制度", "kind": "new", "measures": [measure]},
        files=[pdf("支部调研工作制度.pdf")],
    )
    assert list(institution.problems.all()) == [problem]
    # Linking does not edit the signed-off problem, but its history says what it produced.
    linked = events_for(problem)[0]
    assert (linked.kind, linked.note) == ("linked", "新建制度《支部调研工作制度》")


def test_relinking_does_not_repeat_the_event(world, problem):
    institution = services.institution_save(
        institution=None,
        campaign=world.campaign,
        actor=world.secretary_a,
        data={"org": world.branch_a, "name": "会议管理办法", "kind": "improved", "problems": [problem]},
    )
    services.institution_save(
        institution=institution,
        actor=world.secretary_a,
        data={
            "org": world.branch_a,
            "name": "会议管理办法（修订）",
            "kind": "improved",
            "problems": [problem],
        },
    )
    assert [e.kind for e in events_for(problem)].count("linked") == 1


def test_the_form_offers_only_problems_the_user_may_see(world):
    own = make_problem(world)
    other = make_problem(world, org=world.branch_b, actor=world.admin)
    response = client_for(world.secretary_a).post(
        reverse("rectification:institution_create"),
        {"org": world.branch_a.pk, "name": "制度", "kind": "new", "problems": [own.pk, other.pk]},
    )
    assert response.status_code == 200
    assert "problems" in response.context["form"].errors
    assert not Institution.objects.exists()


def test_creating_from_a_problem_page_preselects_it(world, problem):
    client = client_for(world.secretary_a)
    page = client.get(reverse("rectification:institution_create"), {"problem": problem.pk})
    assert page.context["form"].initial["problems"] == [str(problem.pk)]
    response = client.post(
        reverse("rectification:institution_create"),
        {
            "org": world.branch_a.pk,
            "name": "谈心谈话制度",
            "kind": "new",
            "issued_on": "2023-12-20",
            "problems": [problem.pk],
        },
    )
    institution = Institution.objects.get()
    assert response["Location"] == institution.get_absolute_url()
    assert institution.campaign == world.campaign
    html = client.get(problem.get_absolute_url()).content.decode()
    assert "《谈心谈话制度》" in html


def test_the_list_counts_new_and_improved_with_their_rows(world):
    for name, kind in (("甲", "new"), ("乙", "new"), ("丙", "improved")):
        services.institution_save(
            institution=None,
            campaign=world.campaign,
            actor=world.admin,
            data={"org": world.branch_a, "name": name, "kind": kind},
        )
    response = client_for(world.member_a).get(reverse("rectification:institution_list"))
    assert response.context["figures"] == {"total": 3, "new": 2, "improved": 1}
    new = client_for(world.member_a).get(reverse("rectification:institution_list"), {"kind": "new"})
    assert sorted(i.name for i in new.context["page"]) == ["乙", "甲"]


def test_members_see_an_institution_but_not_the_internal_problems_behind_it(world, problem):
    institution = services.institution_save(
        institution=None,
        campaign=world.campaign,
        actor=world.secretary_a,
        data={"org": world.branch_a, "name": "学习制度", "kind": "new", "problems": [problem]},
    )
    member_view = client_for(world.member_a).get(institution.get_absolute_url())
    assert member_view.status_code == 200
    assert member_view.context["problems"] == []
    assert client_for(world.secretary_a).get(institution.get_absolute_url()).context["problems"] == [problem]
