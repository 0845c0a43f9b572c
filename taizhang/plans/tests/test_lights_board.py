"""The 督办 board: every red or yellow item of every lit model, by unit and by responsible leader, within
each model's own scope; and the home panel one click away from it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from taizhang.outreach.models import PracticalMatter
from taizhang.plans.models import PlanTask
from taizhang.plans.supervision import lit_kinds
from taizhang.plans.tests.conftest import make_task
from taizhang.rectification.models import Measure, Problem

pytestmark = pytest.mark.django_db

TODAY = date.today()


def _problem(world, org, *, deadline, leader=None, status="open", code="P1"):
    return Problem.objects.create(
        campaign=world.campaign,
        org=org,
        code=code,
        category="style",
        source="meeting",
        description=f"{org.name}窗口服务不规范",
        deadline=deadline,
        responsible_leader=leader,
        status=status,
        closed_on=TODAY if status == "closed" else None,
    )


def _scene(world):
    """Red and yellow items across the four lit models, plus green and closed ones that must not show."""
    lead = world.people_a[0]
    make_task(
        world,
        title="超期任务",
        planned_start=TODAY - timedelta(days=9),
        planned_end=TODAY - timedelta(days=2),
        lead_leader=lead,
    )
    make_task(
        world, title="临期任务", planned_start=TODAY, planned_end=TODAY + timedelta(days=2), org=world.group_a
    )
    make_task(world, title="正常任务", planned_start=TODAY, planned_end=TODAY + timedelta(days=20))
    make_task(
        world,
        title="已完成任务",
        planned_start=TODAY - timedelta(days=9),
        planned_end=TODAY - timedelta(days=5),
        status="done",
    )
    red_problem = _problem(world, world.branch_a, deadline=TODAY - timedelta(days=1), leader=lead)
    _problem(world, world.branch_b, deadline=TODAY - timedelta(days=3), code="P2")
    _problem(world, world.branch_a, deadline=TODAY - timedelta(days=3), code="P3", status="closed")
    Measure.objects.create(
        problem=red_problem, content="修订窗口服务规范", deadline=TODAY + timedelta(days=1)
    )
    PracticalMatter.objects.create(
        campaign=world.campaign, org=world.branch_b, title="修缮活动室", due_date=TODAY - timedelta(days=4)
    )


def test_every_lit_model_is_on_the_board():
    keys = {k.key for k in lit_kinds()}
    assert {
        "plans.plantask",
        "rectification.problem",
        "rectification.measure",
        "outreach.practicalmatter",
    } <= keys
    assert lit_kinds()[0].key == "plans.plantask"
    assert {k.key: k.campaign_field for k in lit_kinds()}["rectification.measure"] == "problem__campaign"


def test_the_board_groups_red_and_yellow_by_unit_and_leader(world, client):
    _scene(world)
    client.force_login(world.leader)
    response = client.get(reverse("plans:lights"))
    board = response.context["board"]
    assert (board["red"], board["yellow"]) == (4, 2)
    kinds = {k["key"]: (k["red"], k["yellow"]) for k in board["kinds"]}
    assert kinds == {
        "plans.plantask": (1, 1),
        "rectification.problem": (2, 0),
        "rectification.measure": (0, 1),
        "outreach.practicalmatter": (1, 0),
    }
    units = {o["name"]: (o["red"], o["yellow"]) for o in board["by_org"]}
    assert units == {"甲支部": (2, 1), "乙支部": (2, 0), "甲支部第一小组": (0, 1)}
    leaders = {p["name"]: (p["red"], p["yellow"]) for p in board["by_leader"]}
    lead = world.people_a[0].name
    assert leaders == {lead: (2, 1), "未指定": (2, 1)}
    titles = [i["title"] for i in board["items"]]
    assert "正常任务" not in titles and "已完成任务" not in titles
    assert titles.index("超期任务") < titles.index("临期任务")  # red first
    html = response.content.decode()
    assert reverse("plans:task_detail", args=[PlanTask.objects.get(title="超期任务").pk]) in html


def test_the_board_filters_by_unit_leader_and_light(world, client):
    _scene(world)
    client.force_login(world.leader)
    url = reverse("plans:lights")
    by_unit = client.get(url, {"org": world.branch_b.pk}).context["board"]["items"]
    assert {i["title"] for i in by_unit} == {"乙支部窗口服务不规范", "修缮活动室"}
    nobody = client.get(url, {"leader": "none"}).context["board"]["items"]
    assert {i["kind"] for i in nobody} == {"工作任务", "问题", "办实事"}
    yellow = client.get(url, {"light": "yellow"}).context["board"]["items"]
    assert {i["title"] for i in yellow} == {"临期任务", "修订窗口服务规范"}


def test_each_model_keeps_its_own_scope(world, client):
    _scene(world)
    client.force_login(world.member_a)  # sees branch A's tasks and matters, not its problem list
    board = client.get(reverse("plans:lights")).context["board"]
    kinds = {k["key"]: (k["red"], k["yellow"]) for k in board["kinds"]}
    assert kinds["rectification.problem"] == (0, 0) and kinds["rectification.measure"] == (0, 0)
    assert kinds["plans.plantask"] == (1, 1)
    client.force_login(world.secretary_b)
    board = client.get(reverse("plans:lights")).context["board"]
    assert {i["title"] for i in board["items"]} == {"乙支部窗口服务不规范", "修缮活动室"}


def test_the_board_stays_within_the_campaign_unless_asked(world, client):
    from taizhang.core.tests.factories import make_campaign

    _scene(world)
    other = make_campaign(
        org=world.committee, code="old", start_date=date(2021, 1, 1), end_date=date(2021, 6, 30)
    )
    PracticalMatter.objects.create(
        campaign=other, org=world.branch_a, title="往年事项", due_date=date(2021, 5, 1)
    )
    client.force_login(world.leader)
    assert "往年事项" not in {
        i["title"] for i in client.get(reverse("plans:lights")).context["board"]["items"]
    }
    assert "往年事项" in {
        i["title"] for i in client.get(reverse("plans:lights"), {"all": "1"}).context["board"]["items"]
    }


def test_the_board_costs_the_same_queries_for_more_items(world, client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _scene(world)
    client.force_login(world.leader)
    url = reverse("plans:lights")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(25):
        make_task(
            world,
            title=f"超期{n}",
            planned_start=TODAY - timedelta(days=30),
            planned_end=TODAY - timedelta(days=n + 1),
            lead_leader=world.people_a[n % 5],
            org=world.group_a if n % 2 else world.branch_a,
        )
        _problem(
            world,
            world.branch_b,
            deadline=TODAY - timedelta(days=n + 1),
            code=f"Q{n}",
            leader=world.people_b[n % 3],
        )
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.context["board"]["red"] == 4 + 25 + 25


def test_the_home_page_is_one_click_from_the_board(world, client):
    _scene(world)
    client.force_login(world.leader)
    html = client.get(reverse("core:home")).content.decode()
    assert 'class="figure-value text-danger panel-red">4<' in html
    assert 'class="figure-value text-warning panel-yellow">2<' in html
    assert reverse("plans:lights") + "?light=red" in html


def test_the_home_page_lists_this_weeks_tasks(world, client):
    from taizhang.core.tests.factories import make_campaign

    world.campaign.delete()
    running = make_campaign(
        org=world.committee, start_date=TODAY - timedelta(days=20), end_date=TODAY + timedelta(days=60)
    )
    make_task(
        world,
        campaign=running,
        title="本周读书班",
        planned_start=TODAY,
        planned_end=TODAY + timedelta(days=1),
    )
    make_task(world, campaign=running, title="下月调研", planned_start=TODAY + timedelta(days=30))
    client.force_login(world.member_a)
    html = client.get(reverse("core:home")).content.decode()
    assert "本周读书班" in html and "下月调研" not in html
    assert "panel-lights" not in html  # members follow their own work, not the 督办 list


def test_the_side_tables_list_the_units_with_most_red_first_and_all_on_request(world, client, monkeypatch):
    from taizhang.plans import views

    _scene(world)
    monkeypatch.setattr(views, "SIDE_LIMIT", 2)
    client.force_login(world.leader)
    url = reverse("plans:lights")
    page = client.get(url, {"light": "red"})
    shown = [o["name"] for o in page.context["by_org"]]
    assert shown == ["甲支部", "乙支部"]  # most red first; the group's yellow task waits for 显示全部
    html = page.content.decode()
    assert "列出红黄灯最多的 2 个单位，共 3 个" in html
    assert 'href="?light=red&amp;units=all"' in html
    everything = client.get(url, {"light": "red", "units": "all"})
    assert [o["name"] for o in everything.context["by_org"]] == ["甲支部", "乙支部", "甲支部第一小组"]
    assert "列出红黄灯最多的" not in everything.content.decode()
    # The unit the user chose stays listed even when it is not among the first.
    chosen = client.get(url, {"org": world.group_a.pk})
    assert "甲支部第一小组" in [o["name"] for o in chosen.context["by_org"]]
