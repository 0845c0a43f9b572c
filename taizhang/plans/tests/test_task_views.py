"""The work plan pages: who may see and change a task, the list, the calendar, and closing from the page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from taizhang.core.tests.factories import make_campaign
from taizhang.plans.models import PlanTask, PlanTaskLink
from taizhang.plans.tests.conftest import make_activity, make_task, png_upload

pytestmark = pytest.mark.django_db


# --- Scope ladders ------------------------------------------------------------------------------


def test_task_detail_ladder(world, ladder):
    task = make_task(world)
    ladder(reverse("plans:task_detail", args=[task.pk]), outsider=world.secretary_b, allowed=world.member_a)


@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("plans:task_edit", "get", None),
        ("plans:task_start", "post", {}),
        ("plans:task_close", "post", {"note": "已完成"}),
        ("plans:task_reopen", "post", {"reason": "补材料"}),
        ("plans:task_note", "post", {"note": "已下发通知"}),
        ("plans:task_link", "post", {"kind": "activity", "object_id": 1}),
        ("plans:task_link_candidates", "get", None),
        ("plans:task_delete", "post", {}),
    ],
)
def test_task_write_ladders(world, ladder, name, method, data):
    task = make_task(world)
    ladder(
        reverse(name, args=[task.pk]),
        outsider=world.secretary_b,
        readonly=world.member_a,
        allowed=world.secretary_a,
        method=method,
        data=data,
    )


def test_unlink_ladder(world, ladder, types):
    task = make_task(world)
    link = PlanTaskLink.objects.create(
        task=task, content_type_id=_ct("studyactivity"), object_id=make_activity(world, types).pk
    )
    ladder(
        reverse("plans:task_unlink", args=[task.pk, link.pk]),
        outsider=world.secretary_b,
        readonly=world.member_a,
        allowed=world.secretary_a,
        method="post",
    )


def _ct(model):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get(model=model).pk


def test_the_committee_plan_is_published_to_the_branches_read_only(world, client):
    committee_task = make_task(world, org=world.committee, title="召开动员部署会")
    client.force_login(world.secretary_a)
    assert client.get(reverse("plans:task_detail", args=[committee_task.pk])).status_code == 200
    assert client.get(reverse("plans:task_edit", args=[committee_task.pk])).status_code == 403
    assert "召开动员部署会" in client.get(reverse("plans:task_list")).content.decode()
    # A sibling branch's task stays invisible.
    sibling = make_task(world, org=world.branch_b, title="乙支部任务")
    assert client.get(reverse("plans:task_detail", args=[sibling.pk])).status_code == 404
    assert "乙支部任务" not in client.get(reverse("plans:task_list")).content.decode()


def test_create_needs_the_record_capability(world, client):
    client.force_login(world.member_a)
    assert client.get(reverse("plans:task_create")).status_code == 403
    client.force_login(world.secretary_a)
    assert client.get(reverse("plans:task_create")).status_code == 200


# --- Creating from the page -----------------------------------------------------------------


def test_a_secretary_adds_a_task_for_their_branch(world, client, phases):
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("plans:task_create"),
        {
            "title": "支部读书分享会",
            "kind": "featured",
            "org": world.branch_a.pk,
            "planned_start": "2023-10-25",
        },
    )
    task = PlanTask.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "plans:task_detail", args=[task.pk]
    )
    assert (task.planned_start, task.planned_end, task.phase) == (
        date(2023, 10, 25),
        date(2023, 10, 25),
        phases[1],
    )


def test_a_date_outside_the_campaign_is_shown_on_its_field(world, client):
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("plans:task_create"),
        {
            "title": "支部读书分享会",
            "kind": "featured",
            "org": world.branch_a.pk,
            "planned_start": "2024-03-01",
        },
    )
    assert response.status_code == 200
    assert "学习教育活动期间" in response.content.decode()
    assert not PlanTask.objects.exists()


def test_a_secretary_cannot_put_a_task_on_another_branch(world, client):
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("plans:task_create"),
        {"title": "越权任务", "kind": "prescribed", "org": world.branch_b.pk, "planned_start": "2023-10-25"},
    )
    assert response.status_code == 200  # branch B is not among the choices
    assert not PlanTask.objects.exists()


# --- Closing from the page ------------------------------------------------------------------


def test_closing_with_a_note_and_a_photo_from_the_page(world, client):
    task = make_task(world)
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("plans:task_close", args=[task.pk]),
        {"note": "已召开", "done_on": "2023-10-09", "evidence": [png_upload("a.png"), png_upload("b.png")]},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "done"
    page = client.get(reverse("plans:task_detail", args=[task.pk])).content.decode()
    assert "a.png" in page and "b.png" in page


def test_closing_without_evidence_explains_why(world, client):
    task = make_task(world)
    client.force_login(world.secretary_a)
    response = client.post(reverse("plans:task_close", args=[task.pk]), {"note": "已召开"}, follow=True)
    assert "佐证材料" in response.content.decode()
    task.refresh_from_db()
    assert task.status == "not_started"


def test_the_candidates_are_the_units_records_of_the_campaign(world, client, types):
    task = make_task(world, required_type=types["party_lecture"])
    own = make_activity(world, types, org=world.group_a, topic="小组学习", date=date(2023, 10, 3))
    make_activity(world, types, code="party_lecture", topic="支部书记讲党课", date=date(2023, 10, 20))
    make_activity(world, types, org=world.branch_b, topic="乙支部学习")
    make_activity(world, types, topic="往年学习", campaign=make_campaign(org=world.committee))
    client.force_login(world.secretary_a)
    html = client.get(
        reverse("plans:task_link_candidates", args=[task.pk]), {"kind": "activity"}
    ).content.decode()
    assert "小组学习" in html and "支部书记讲党课" in html
    assert "乙支部学习" not in html and "往年学习" not in html
    # The required type comes first.
    assert html.index("支部书记讲党课") < html.index("小组学习")
    searched = client.get(
        reverse("plans:task_link_candidates", args=[task.pk]), {"kind": "activity", "q": "小组"}
    )
    assert "支部书记讲党课" not in searched.content.decode()
    assert own.topic in searched.content.decode()


def test_linking_from_the_page_closes_the_task(world, client, types):
    task = make_task(world)
    activity = make_activity(world, types)
    client.force_login(world.secretary_a)
    client.post(
        reverse("plans:task_link", args=[task.pk]),
        {"kind": "activity", "object_id": activity.pk, "close": "1"},
    )
    task.refresh_from_db()
    assert task.status == "done"
    page = client.get(reverse("plans:task_detail", args=[task.pk])).content.decode()
    assert activity.topic in page


def test_a_record_the_user_cannot_see_is_not_linked(world, client, types):
    task = make_task(world, org=world.committee)
    hidden = make_activity(world, types, org=world.branch_b)
    client.force_login(world.secretary_a)  # may not change a committee task anyway
    assert (
        client.post(
            reverse("plans:task_link", args=[task.pk]), {"kind": "activity", "object_id": hidden.pk}
        ).status_code
        == 403
    )
    client.force_login(world.admin)
    mine = make_task(world, org=world.branch_a)
    client.post(reverse("plans:task_link", args=[mine.pk]), {"kind": "activity", "object_id": hidden.pk})
    assert not PlanTaskLink.objects.exists()


# --- List and calendar ----------------------------------------------------------------------


def _fill(world, n, start=0):
    for i in range(start, start + n):
        day = date(2023, 9, 4) + timedelta(days=i * 3)
        make_task(
            world,
            org=world.branch_a if i % 2 else world.group_a,
            title=f"任务{i}",
            planned_start=day,
            planned_end=day + timedelta(days=i % 4),
            lead_leader=world.people_a[i % 3],
            status="done" if i % 3 == 0 else "in_progress",
        )


@pytest.mark.parametrize("name", ["plans:task_list", "plans:calendar"])
def test_list_and_calendar_queries_do_not_grow_with_the_plan(
    world, client, phases, django_assert_num_queries, name
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.secretary_a)
    _fill(world, 3)
    client.get(reverse(name))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse(name))
    _fill(world, 30, start=3)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(reverse(name))
    assert "任务32" in response.content.decode()


def test_the_list_counts_by_status_and_light(world, client):
    make_task(world, title="按期", status="done", done_on=date(2023, 10, 9))
    make_task(world, title="超期")
    client.force_login(world.secretary_a)
    response = client.get(reverse("plans:task_list"))
    assert response.context["counts"]["total"] == 2
    assert response.context["counts"]["done"] == 1
    assert response.context["counts"]["red"] == 1
    red_only = client.get(reverse("plans:task_list"), {"light": "red"}).content.decode()
    assert "超期" in red_only and "按期</a>" not in red_only


def test_each_count_opens_its_tasks_within_the_units_filter(world, client):
    import re
    from html import unescape

    make_task(world, title="甲按期", status="done", done_on=date(2023, 10, 9))
    make_task(world, title="甲超期")
    make_task(world, title="乙按期", org=world.branch_b, status="done", done_on=date(2023, 10, 9))
    make_task(world, title="乙超期", org=world.branch_b)
    client.force_login(world.admin)
    url = reverse("plans:task_list")
    html = client.get(url, {"org": world.branch_a.pk}).content.decode()
    counts = html[html.index("task-counts") : html.index("task-counts") + 3000]
    links = re.findall(
        r'href="([^"]*)"><div class="figure-value[^"]*">(\d+)</div><div class="figure-label">([^<]+)<', counts
    )
    assert [(label, n) for _, n, label in links][:2] == [("任务", "2"), ("已完成", "1")]
    for href, n, label in links:
        page = client.get(url + unescape(href)).content.decode()
        shown = set(re.findall(r"[甲乙](?:按期|超期)(?=</a>)", page))
        assert len(shown) == int(n) and not any(t.startswith("乙") for t in shown), (label, href, shown)


def test_the_calendar_puts_each_task_on_its_days(world, client, phases):
    # 2023-10-09 is a Monday; a task from Thursday 10-12 to Tuesday 10-17 crosses into the next week.
    make_task(world, title="跨周任务", planned_start=date(2023, 10, 12), planned_end=date(2023, 10, 17))
    make_task(world, title="周一任务", planned_start=date(2023, 10, 9), planned_end=date(2023, 10, 9))
    client.force_login(world.secretary_a)
    response = client.get(reverse("plans:calendar"))
    weeks = {w.number: w for w in response.context["weeks"]}
    assert len(weeks) == 23  # 2023-08-28 (the Monday of 9-1) to the week of 2024-01-31
    week = next(w for w in weeks.values() if w.start == date(2023, 10, 9))
    placed = {s.task.title: (s.col, s.span, s.continues_before, s.continues_after) for s in week.segments}
    assert placed == {"周一任务": (1, 1, False, False), "跨周任务": (4, 4, False, True)}
    following = next(w for w in weeks.values() if w.start == date(2023, 10, 16))
    assert [(s.task.title, s.col, s.span, s.continues_before) for s in following.segments] == [
        ("跨周任务", 1, 2, True)
    ]
    assert [b.phase.name for b in weeks[3].phases] == ["动员部署", "学习调研"]  # 9-11..9-17 spans two phases
    html = response.content.decode()
    assert 'style="grid-column: 4 / span 4"' in html
    assert "第7周" in html


def test_the_calendar_filters_by_phase(world, client, phases):
    make_task(world, title="十月任务", planned_start=date(2023, 10, 9), phase=phases[1])
    make_task(world, title="一月任务", planned_start=date(2024, 1, 9), phase=phases[3])
    client.force_login(world.secretary_a)
    response = client.get(reverse("plans:calendar"), {"phase": phases[3].pk})
    html = response.content.decode()
    assert "一月任务" in html and "十月任务" not in html
    assert all(w.end >= phases[3].start_date for w in response.context["weeks"])


def test_without_a_campaign_the_pages_say_what_to_do(world, client):
    client.force_login(world.secretary_a)
    world.campaign.delete()
    for name in ("plans:task_list", "plans:calendar", "plans:studyplan_list"):
        assert "请先在右上角选择" in client.get(reverse(name)).content.decode()


def test_a_branch_opens_the_evidence_of_a_committee_task_it_can_read(world, client):
    """The committee's plan is published to the branches, so its evidence files are too; a task of
    another branch stays closed, file included."""
    committee_task = make_task(world, org=world.committee, title="党委理论学习中心组学习")
    other_task = make_task(world, org=world.branch_b, title="乙支部集中学习")
    client.force_login(world.admin)
    for task in (committee_task, other_task):
        client.post(
            reverse("plans:task_close", args=[task.pk]),
            {"note": "已召开", "done_on": "2023-10-09", "evidence": [png_upload(f"t{task.pk}.png")]},
        )
    from taizhang.core.models import Attachment

    def download(task):  # noqa: ANN001, ANN202
        attachment = Attachment.objects.get(object_id=task.pk, original_name=f"t{task.pk}.png")
        return client.get(reverse("core:attachment_download", args=[attachment.pk]))

    client.force_login(world.secretary_a)
    response = download(committee_task)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert download(other_task).status_code == 404
    client.force_login(world.nobody)
    assert download(committee_task).status_code == 404
