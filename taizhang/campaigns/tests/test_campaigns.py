from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.campaigns.models import Campaign, CampaignRole
from taizhang.campaigns.selectors import campaign_current_for_user, campaigns_visible_to
from taizhang.core.tests.factories import make_campaign

pytestmark = pytest.mark.django_db


def _data(world, **overrides):
    data = {
        "name": "2024年党纪学习教育",
        "code": "dj2024",
        "org": world.committee.pk,
        "start_date": "2024-04-01",
        "end_date": "2024-07-31",
        "general_requirement": "学纪、知纪、明纪、守纪",
        "goal": "",
        "description": "",
        "signature": "",
        "phases-TOTAL_FORMS": "2",
        "phases-INITIAL_FORMS": "0",
        "phases-MIN_NUM_FORMS": "0",
        "phases-MAX_NUM_FORMS": "1000",
        "phases-0-name": "学习",
        "phases-0-start_date": "2024-04-01",
        "phases-0-end_date": "2024-05-31",
        "phases-1-name": "总结",
        "phases-1-start_date": "2024-06-01",
        "phases-1-end_date": "2024-07-31",
    }
    data.update(overrides)
    return data


def test_admin_sets_up_a_campaign_with_phases(world):
    client = Client()
    client.force_login(world.admin)
    response = client.post(reverse("campaigns:create"), _data(world))
    campaign = Campaign.objects.get(code="dj2024")
    assert response["Location"] == reverse("campaigns:detail", args=[campaign.pk])
    assert [p.name for p in campaign.phases.all()] == ["学习", "总结"]


def test_a_phase_outside_the_period_is_refused(world):
    client = Client()
    client.force_login(world.admin)
    response = client.post(reverse("campaigns:create"), _data(world, **{"phases-1-end_date": "2024-08-31"}))
    assert "须在学习教育活动期间" in response.content.decode()
    assert not Campaign.objects.filter(code="dj2024").exists()


def test_campaign_edit_ladder(world, ladder):
    other = make_campaign(org=world.branch_b, code="bonly")
    ladder(
        reverse("campaigns:edit", args=[other.pk]),
        outsider=world.secretary_a,
        readonly=world.secretary_b,
        allowed=world.admin,
    )


def test_leading_group_members_come_from_the_campaign_unit(world):
    client = Client()
    client.force_login(world.admin)
    url = reverse("campaigns:seat_add", args=[world.campaign.pk])
    client.post(url, {"member": world.people_a[0].pk, "role": "group_leader", "title": "书记"})
    client.post(url, {"member": world.people_b[0].pk, "role": "work_team"})
    roles = list(CampaignRole.objects.values_list("member__name", "role"))
    assert ("甲0号", "group_leader") in roles and ("乙0号", "work_team") in roles
    branch_campaign = make_campaign(org=world.branch_b, code="bc")
    response = client.post(
        reverse("campaigns:seat_add", args=[branch_campaign.pk]),
        {"member": world.people_a[0].pk, "role": "group_member"},
        follow=True,
    )
    assert not CampaignRole.objects.filter(campaign=branch_campaign).exists()
    assert "请从列表中选择" in response.content.decode()


def test_a_branch_sees_the_committee_campaign_but_not_a_sibling_branch_campaign(world):
    sibling = make_campaign(org=world.branch_b, code="b-only")
    visible = set(campaigns_visible_to(user=world.secretary_a).values_list("code", flat=True))
    assert visible == {"wc"}
    assert sibling.code in set(campaigns_visible_to(user=world.admin).values_list("code", flat=True))


def test_the_current_campaign_is_the_one_running_today(world, monkeypatch):
    running = make_campaign(
        org=world.committee, code="now", start_date=date(2026, 1, 1), end_date=date(2026, 12, 31)
    )
    monkeypatch.setattr("taizhang.campaigns.selectors.today", lambda: date(2026, 6, 1))
    assert campaign_current_for_user(user=world.member_a) == running
    monkeypatch.setattr("taizhang.campaigns.selectors.today", lambda: date(2027, 6, 1))
    assert campaign_current_for_user(user=world.member_a) == running  # the latest started
    assert campaign_current_for_user(user=world.member_a, chosen_id=world.campaign.pk) == world.campaign


def test_switching_campaigns_is_kept_in_the_session(world):
    make_campaign(org=world.committee, code="later", start_date=date(2025, 1, 1), end_date=date(2025, 6, 30))
    client = Client()
    client.force_login(world.member_a)
    client.post(reverse("campaigns:switch"), {"campaign": world.campaign.pk, "next": "/"})
    assert "测试主题教育" in client.get(reverse("core:home")).content.decode()
    response = client.post(
        reverse("campaigns:switch"), {"campaign": world.campaign.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_the_home_page_is_shaped_by_role(world):
    admin = Client()
    admin.force_login(world.admin)
    member = Client()
    member.force_login(world.member_a)
    admin_html = admin.get(reverse("core:home")).content.decode()
    member_html = member.get(reverse("core:home")).content.decode()
    assert "测试主题教育" in admin_html and "测试主题教育" in member_html
    assert "panel-admin" in admin_html and "panel-admin" not in member_html
    assert "账号与权限" in admin_html and "账号与权限" not in member_html
