"""Study plan pages at three levels: who sees and edits which plan, and plan against actual on the page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from taizhang.plans.models import StudyPlan
from taizhang.plans.tests.conftest import make_activity, make_item, make_plan

pytestmark = pytest.mark.django_db


def test_studyplan_detail_ladder(world, ladder):
    plan = make_plan(world, org=world.branch_a)
    ladder(
        reverse("plans:studyplan_detail", args=[plan.pk]), outsider=world.secretary_b, allowed=world.member_a
    )


@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("plans:studyplan_edit", "get", None),
        ("plans:studyplan_match", "post", {}),
        ("plans:studyplan_delete", "post", {}),
        ("plans:item_add", "get", None),
    ],
)
def test_studyplan_write_ladders(world, ladder, name, method, data):
    plan = make_plan(world, org=world.branch_a)
    ladder(
        reverse(name, args=[plan.pk]),
        outsider=world.secretary_b,
        readonly=world.member_a,
        allowed=world.secretary_a,
        method=method,
        data=data,
    )


@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("plans:item_edit", "get", None),
        ("plans:item_delete", "post", {}),
        ("plans:item_match", "post", {"choice": "none"}),
    ],
)
def test_item_ladders(world, ladder, name, method, data):
    item = make_item(make_plan(world, org=world.branch_a), date(2023, 10, 10))
    ladder(
        reverse(name, args=[item.pk]),
        outsider=world.secretary_b,
        readonly=world.member_a,
        allowed=world.secretary_a,
        method=method,
        data=data,
    )


def test_a_personal_plan_is_its_members_and_the_secretarys_not_the_neighbours(world, client):
    own = world.people_a[1]  # member_a's person
    plan = make_plan(world, level="personal", member=world.people_a[3])
    client.force_login(world.member_a)
    assert client.get(reverse("plans:studyplan_detail", args=[plan.pk])).status_code == 404
    client.force_login(world.secretary_a)
    assert client.get(reverse("plans:studyplan_detail", args=[plan.pk])).status_code == 200
    mine = make_plan(world, level="personal", member=own)
    client.force_login(world.member_a)
    assert client.get(reverse("plans:studyplan_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("plans:studyplan_edit", args=[mine.pk])).status_code == 200


def test_a_member_makes_their_own_personal_plan(world, client):
    client.force_login(world.member_a)
    response = client.post(
        reverse("plans:studyplan_create"), {"level": "personal", "member": world.people_a[1].pk, "title": ""}
    )
    plan = StudyPlan.objects.get()
    assert response["Location"] == reverse("plans:studyplan_detail", args=[plan.pk])
    assert (plan.member, plan.org, plan.title) == (
        world.people_a[1],
        world.people_a[1].org,
        "甲1号测试主题教育个人学习计划",
    )
    # Not someone else's.
    response = client.post(
        reverse("plans:studyplan_create"), {"level": "personal", "member": world.people_a[3].pk}
    )
    assert StudyPlan.objects.count() == 1


def test_one_plan_per_unit_and_level(world, client):
    client.force_login(world.secretary_a)
    client.post(reverse("plans:studyplan_create"), {"level": "group", "org": world.branch_a.pk})
    response = client.post(reverse("plans:studyplan_create"), {"level": "group", "org": world.branch_a.pk})
    assert "已有" in response.content.decode()
    assert StudyPlan.objects.count() == 1


def test_a_committee_plan_must_belong_to_a_committee(world, client):
    client.force_login(world.admin)
    response = client.post(
        reverse("plans:studyplan_create"), {"level": "committee", "org": world.branch_a.pk}
    )
    assert "党委学习计划应属于" in response.content.decode()


def test_a_branch_starts_from_the_committee_plan(world, client, types):
    committee = make_plan(world, level="committee", org=world.committee)
    make_item(committee, date(2023, 10, 10), topic="集中学习一")
    make_item(committee, date(2023, 11, 10), topic="集中学习二")
    held = make_activity(world, types, date=date(2023, 10, 11))
    client.force_login(world.secretary_a)
    client.post(
        reverse("plans:studyplan_create"),
        {"level": "group", "org": world.branch_a.pk, "copy_committee": "on"},
    )
    plan = StudyPlan.objects.get(org=world.branch_a)
    assert list(plan.items.values_list("topic", "activity")) == [
        ("集中学习一", held.pk),
        ("集中学习二", None),
    ]


def test_the_page_shows_what_happened_and_what_did_not(world, client, types):
    plan = make_plan(world, org=world.branch_a)
    make_item(plan, date(2023, 10, 10), topic="十月集中学习")
    make_item(plan, date(2023, 11, 10), topic="十一月集中学习")
    make_item(plan, date.today() + timedelta(days=30), topic="将来的学习")
    held = make_activity(world, types, date=date(2023, 10, 12), topic="学习必读书目")
    client.force_login(world.secretary_a)
    client.post(reverse("plans:studyplan_match", args=[plan.pk]))
    response = client.get(reverse("plans:studyplan_detail", args=[plan.pk]))
    assert response.context["counts"] == {"total": 3, "done": 1, "missed": 1, "planned": 1}
    html = response.content.decode()
    assert held.topic in html
    states = {i.topic: i.state for i in response.context["items"]}
    assert states == {"十月集中学习": "done", "十一月集中学习": "missed", "将来的学习": "planned"}


def test_adding_an_item_from_the_page(world, client):
    plan = make_plan(world, org=world.branch_a)
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("plans:item_add", args=[plan.pk]),
        {"planned_date": "2023-10-10", "topic": "学习党章", "material": "党章", "form": "concentrated"},
    )
    assert response.status_code == 302
    assert plan.items.get().topic == "学习党章"
    bad = client.post(
        reverse("plans:item_add", args=[plan.pk]),
        {"planned_date": "2024-06-01", "topic": "x", "form": "other"},
    )
    assert "学习教育活动期间" in bad.content.decode()


def test_the_item_page_offers_the_matching_records(world, client, types):
    plan = make_plan(world, org=world.branch_a)
    item = make_item(plan, date(2023, 10, 10), form="lecture")
    lecture = make_activity(
        world, types, code="party_lecture", topic="支部书记讲党课", date=date(2023, 12, 1)
    )
    make_activity(world, types, topic="普通集中学习")
    client.force_login(world.secretary_a)
    html = client.get(reverse("plans:item_edit", args=[item.pk])).content.decode()
    assert "支部书记讲党课" in html and "普通集中学习" not in html
    client.post(reverse("plans:item_match", args=[item.pk]), {"choice": f"activity:{lecture.pk}"})
    item.refresh_from_db()
    assert (item.activity, item.match_manual) == (lecture, True)


def test_the_list_counts_do_not_cost_queries_per_plan(world, client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.admin)
    for n, person in enumerate(world.people_a[:2]):
        make_item(make_plan(world, level="personal", member=person), date(2023, 10, 1 + n))
    url = reverse("plans:studyplan_list") + "?level=personal"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for person in world.people_a[2:] + world.people_b:
        plan = make_plan(world, level="personal", member=person)
        for day in range(1, 6):
            make_item(plan, date(2023, 10, day))
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 10
    assert response.context["tabs"][2]["count"] == 10
