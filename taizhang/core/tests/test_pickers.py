"""Search pickers: forms stay small at city scale, and the search endpoint answers only within scope.

A form whose select listed every member, problem, activity or visit grew with the data (a 20,000-member
city made the problem form 11 MB). Such fields now render only the chosen rows plus a search box; the
search endpoint `core:pick` returns at most PICK_LIMIT matches from the user's own units.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.core.pickers import PICK_LIMIT
from taizhang.core.tests.factories import make_member, make_org

pytestmark = pytest.mark.django_db


def _pick(kind: str, **params: object) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{reverse('core:pick', args=[kind])}?{query}"


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


# --- the search endpoint ---------------------------------------------------------------------------


def test_member_search_ladder(world, ladder):
    """Anonymous → login; a secretary of branch B naming branch A's unit → 404; a plain member (no
    roster access) → 403; branch A's secretary → the match."""
    url = _pick("member", org=world.branch_a.pk, q="甲2")
    response = ladder(url, outsider=world.secretary_b, readonly=world.member_a, allowed=world.secretary_a)
    assert world.people_a[2].name in response.content.decode()


def test_an_outsider_gets_no_names_from_other_branches(world):
    body = _client(world.secretary_b).get(_pick("member", q="甲")).content.decode()
    assert "data-picker-value" not in body and "没有找到“甲”" in body
    assert not any(p.name in body for p in world.people_a)
    body = _client(world.secretary_b).get(_pick("member", q="乙")).content.decode()
    assert all(p.name in body for p in world.people_b)

    body = _client(world.secretary_a).get(_pick("member", q="乙")).content.decode()
    assert not any(p.name in body for p in world.people_b)


def test_members_are_found_by_name_and_unit_words(world):
    body = _client(world.secretary_a).get(_pick("member", q="甲 第一小组")).content.decode()
    in_group = [p.name for p in world.people_a if p.org_id == world.group_a.pk]
    elsewhere = [p.name for p in world.people_a if p.org_id != world.group_a.pk]
    assert in_group and all(n in body for n in in_group)
    assert not any(n in body for n in elsewhere)


def test_a_user_without_any_role_is_refused(world):
    assert _client(world.nobody).get(_pick("member", q="甲")).status_code == 403


def test_search_returns_at_most_the_limit_and_says_there_are_more(world):
    for i in range(PICK_LIMIT + 5):
        make_member(org=world.branch_a, name=f"王{i:02d}")
    body = _client(world.secretary_a).get(_pick("member", q="王")).content.decode()
    assert body.count("data-picker-value=") == PICK_LIMIT
    assert "只列出前 20 个" in body


def test_every_kind_searches_within_scope(world):
    from taizhang.outreach.models import ResearchVisit
    from taizhang.rectification.tests.conftest import make_problem
    from taizhang.study.models import ActivityType, StudyActivity

    a_problem = make_problem(world, description="甲支部会风不实")
    b_problem = make_problem(world, org=world.branch_b, actor=world.admin, description="乙支部会风不实")
    kind = ActivityType.objects.filter(campaign=None).first()
    for org in (world.branch_a, world.branch_b):
        StudyActivity.objects.create(
            org=org, campaign=world.campaign, type=kind, topic=f"{org.name}会风学习", date=date(2023, 10, 9)
        )
        ResearchVisit.objects.create(
            org=org, campaign=world.campaign, subject=f"{org.name}会风调研", date=date(2023, 10, 9)
        )
    client = _client(world.secretary_a)
    for kind_name in ("problem", "activity", "visit"):
        body = client.get(_pick(kind_name, q="会风", campaign=world.campaign.pk)).content.decode()
        assert "甲支部" in body, kind_name
        assert "乙支部" not in body, kind_name
    body = client.get(_pick("org", q="支部")).content.decode()
    assert "甲支部" in body and "乙支部" not in body
    assert a_problem.code in client.get(_pick("problem", q=a_problem.code)).content.decode()
    assert b_problem.pk  # exists, but branch A's secretary never sees it


def test_a_tampered_campaign_or_unit_id_is_not_found(world):
    from taizhang.core.tests.factories import make_campaign

    campaign_b = make_campaign(org=world.branch_b, code="wb", name="乙支部学习教育")
    client = _client(world.secretary_a)
    assert client.get(_pick("problem", q="会", campaign=campaign_b.pk)).status_code == 404
    body = client.get(_pick("org", q="支部", under=world.branch_b.pk)).content.decode()
    assert "乙支部" not in body and "甲支部" not in body  # narrows the user's own units only
    assert client.get(_pick("nosuchkind", q="甲")).status_code == 404


# --- forms ----------------------------------------------------------------------------------------


def test_validation_still_refuses_an_id_from_another_branch(world):
    """The picker only offers in-scope names; a forged id is still refused by the field."""
    response = _client(world.secretary_a).post(
        reverse("study:selfstudy_create_for"),
        {
            "member": world.people_b[1].pk,
            "date": "2023-10-10",
            "material": "原著",
            "minutes": 30,
            "channel": "original",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "member" in errors and "选择" in errors["member"][0]
    html = response.content.decode()
    assert 'class="picker is-invalid"' in html  # so that the field's message is displayed
    assert world.people_b[1].name not in html


def test_an_edit_form_shows_the_chosen_rows(world, monkeypatch):
    from taizhang.core.widgets import SelectOrPicker
    from taizhang.rectification.tests.conftest import make_problem

    monkeypatch.setattr(SelectOrPicker, "limit", 3)  # no leading group, more members than that

    leader = world.people_a[3]
    problem = make_problem(world, responsible_leader=leader)
    body = (
        _client(world.secretary_a)
        .get(reverse("rectification:problem_edit", args=[problem.pk]))
        .content.decode()
    )
    assert f'name="responsible_leader" id="id_responsible_leader" value="{leader.pk}"' in body
    assert leader.name in body


def test_without_a_leading_group_the_leader_select_becomes_a_picker_past_the_limit(world, monkeypatch):
    from taizhang.campaigns.models import CampaignRole
    from taizhang.core.widgets import SelectOrPicker

    url = reverse("rectification:problem_create") + f"?campaign={world.campaign.pk}"
    monkeypatch.setattr(SelectOrPicker, "limit", 3)
    body = _client(world.secretary_a).get(url).content.decode()
    assert '<select name="responsible_leader"' not in body
    assert 'name="responsible_leader" id="id_responsible_leader"' in body  # the picker's hidden input
    CampaignRole.objects.create(campaign=world.campaign, member=world.people_b[0], role="group_leader")
    body = _client(world.secretary_a).get(url).content.decode()
    select = body[body.index('<select name="responsible_leader"') :]
    assert world.people_b[0].name in select[: select.index("</select>")]  # the leading group, any unit


def test_a_unit_select_becomes_a_picker_past_the_limit(world, monkeypatch):
    from taizhang.core.widgets import OrgSelectOrPicker

    url = reverse("outreach:demand_create")
    body = _client(world.admin).get(url).content.decode()
    assert '<select name="org"' in body and "甲支部" in body
    monkeypatch.setattr(OrgSelectOrPicker, "limit", 2)
    body = _client(world.admin).get(url).content.decode()
    assert '<select name="org"' not in body and 'name="org" id="id_org"' in body
    assert "data-picker" in body


# --- the guard: a form page's size and queries do not grow with the data -----------------------------

# The activity form also carries the attendance sheet: the unit's own roster, prefilled up to
# ROSTER_PREFILL_LIMIT rows (study.views), so only its queries are compared.
FORM_PAGES = [
    ("study:activity_create", {"sheet": True}),
    ("study:selfstudy_create_for", {}),
    ("plans:studyplan_create", {}),
    ("plans:task_create", {}),
    ("outreach:visit_create", {}),
    ("outreach:topic_create", {}),
    ("outreach:demand_create", {}),
    ("outreach:matter_create", {}),
    ("rectification:problem_create", {}),
    ("rectification:institution_create", {}),
    ("campaigns:detail", {"campaign": True}),
    ("org:member_create", {}),
    ("reports:report_list", {}),
    ("reports:fill_start", {}),
    ("reports:report_template", {}),
]


def _grow(world, n: int) -> None:  # noqa: ANN001
    """n more of everything a form could list: members, problems, measures, activities, visits."""
    from taizhang.outreach.models import ResearchVisit
    from taizhang.rectification import services as rect
    from taizhang.rectification.tests.conftest import make_problem
    from taizhang.study.models import ActivityType, StudyActivity

    kind = ActivityType.objects.filter(campaign=None).first()
    for i in range(n):
        org = world.group_a if i % 2 else world.branch_a
        make_member(org=org, name=f"新{i}号")
        problem = make_problem(world, description=f"问题{i}")
        rect.measure_create(problem=problem, content=f"措施{i}", owner="张三", actor=world.secretary_a)
        StudyActivity.objects.create(
            org=org, campaign=world.campaign, type=kind, topic=f"学习{i}", date=date(2023, 10, 9)
        )
        ResearchVisit.objects.create(
            org=org, campaign=world.campaign, subject=f"调研{i}", date=date(2023, 10, 9)
        )


def _measure(client: Client, url: str, django_assert_max_num_queries) -> tuple[int, int]:  # noqa: ANN001
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    body = response.content.decode()
    return len(re.findall(r"<option\b", body)), len(ctx)


@pytest.mark.parametrize("name", [p[0] for p in FORM_PAGES])
def test_form_pages_do_not_grow_with_the_data(world, name, django_assert_max_num_queries):
    kwargs = dict(FORM_PAGES)[name]
    url = reverse(name, args=[world.campaign.pk]) if kwargs.get("campaign") else reverse(name)
    url += f"?campaign={world.campaign.pk}"
    from taizhang.campaigns.models import CampaignRole

    for i, role in enumerate(CampaignRole.LEADING_GROUP):  # the leaders' select lists only these
        CampaignRole.objects.create(campaign=world.campaign, member=world.people_a[i], role=role)
    client = _client(world.admin)
    _grow(world, 2)
    client.get(url)  # warm the per-process caches (activity types, settings)
    small = _measure(client, url, django_assert_max_num_queries)
    _grow(world, 25)
    large = _measure(client, url, django_assert_max_num_queries)
    if kwargs.get("sheet"):
        assert large[1] == small[1], f"{name}: queries {small[1]} → {large[1]}"
    else:
        assert large == small, f"{name}: options/queries {small} → {large}"
    make_org(parent=world.committee, name="新增支部")  # one more unit: still the same queries
    assert _measure(client, url, django_assert_max_num_queries)[1] == small[1]
