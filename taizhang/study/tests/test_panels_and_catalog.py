"""Home panels by role, and the campaign's catalog of books and activity types."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.study.models import ActivityType, Material

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _home(user) -> str:  # noqa: ANN001
    return _client(user).get(reverse("core:home")).content.decode()


def test_the_secretary_panel_has_the_record_button_and_the_silence_flag(world, record):
    html = _home(world.secretary_a)
    assert "panel-study-secretary" in html
    assert reverse("study:activity_create") + f"?org={world.branch_a.pk}" in html
    assert "尚未记录学习活动" in html  # judged at the campaign's end: never met
    record(date=date(2024, 1, 20), topic="一月的集中学习")
    html = _home(world.secretary_a)
    assert "一月的集中学习" in html and "silence-ok" in html


def test_the_committee_panel_counts_silent_branches(world, record):
    record(date=date(2024, 1, 20))
    html = _home(world.leader)
    assert "panel-study-committee" in html
    assert "<b>1</b> 个静默支部" in html and "乙支部" in html
    assert "panel-study-secretary" not in html


def test_the_committee_panel_figures_are_the_catalogs_and_open_their_rows(world, record):
    import re

    from taizhang.reports import metrics

    record(date=date(2023, 10, 10), absent={world.people_a[0]: "trip"}, speakers=[world.people_a[1]])
    record(org=world.branch_b, date=date(2023, 11, 10))
    html = _home(world.leader)
    panel = html.split("panel-study-committee", 1)[1].split("panel-", 1)[0]
    shown = dict(re.findall(r'data-key="([\w.]+)" href="[^"]+"><div class="figure-value">(\d+)<', panel))
    expected = metrics.compute(world.campaign, None, keys=list(shown))
    assert shown == {k: str(v) for k, v in expected.items()}
    assert set(shown) == {"study.activities", "study.attendance", "study.speakers"}
    assert shown["study.activities"] == "2" and shown["study.speakers"] == "1"
    client = _client(world.leader)
    for url in re.findall(r'data-key="[\w.]+" href="([^"]+)"', panel):
        assert client.get(url.replace("&amp;", "&")).status_code == 200


def test_the_member_panel_shows_own_attendance_and_the_self_study_button(world, record):
    record(topic="我参加的活动", speakers=[world.people_a[1]])
    html = _home(world.member_a)
    assert "panel-study-member" in html and "我参加的活动" in html and "记录自学" in html
    assert "panel-study-secretary" not in html and "panel-study-committee" not in html


def test_a_login_without_roles_gets_no_study_panel(world):
    assert "panel-study" not in _home(world.nobody)


def test_the_admin_manages_the_campaigns_books_and_types(world):
    client = _client(world.admin)
    client.post(
        reverse("study:material_add", args=[world.campaign.pk]),
        {"title": "《论党的自我革命》", "required": "on"},
    )
    material = Material.objects.get(campaign=world.campaign)
    assert material.required
    client.post(reverse("study:material_toggle", args=[material.pk]))
    material.refresh_from_db()
    assert not material.required
    response = client.post(
        reverse("study:material_add", args=[world.campaign.pk]), {"title": "《论党的自我革命》"}, follow=True
    )
    assert "已存在" in response.content.decode()
    client.post(reverse("study:type_add", args=[world.campaign.pk]), {"name": "专项读书会"})
    kind = ActivityType.objects.get(campaign=world.campaign)
    response = client.post(
        reverse("study:type_add", args=[world.campaign.pk]), {"name": "读书班"}, follow=True
    )
    assert "活动类型“读书班”已存在" in response.content.decode()
    client.post(reverse("study:type_delete", args=[kind.pk]))
    client.post(reverse("study:material_delete", args=[material.pk]))
    assert not ActivityType.objects.filter(campaign=world.campaign).exists()
    assert not Material.objects.filter(campaign=world.campaign).exists()


def test_a_book_in_use_cannot_be_deleted(world, books, record):
    activity = record()
    activity.materials.add(books[0])
    response = _client(world.admin).post(reverse("study:material_delete", args=[books[0].pk]), follow=True)
    assert "已被 1 次学习活动引用" in response.content.decode()
    assert Material.objects.filter(pk=books[0].pk).exists()


def test_default_types_are_locked(world):
    default = ActivityType.objects.get(campaign=None, code="reading_class")
    assert _client(world.admin).post(reverse("study:type_delete", args=[default.pk])).status_code == 404


def test_catalog_ladder(world, books, ladder):
    ladder(
        reverse("study:catalog", args=[world.campaign.pk]),
        outsider=world.nobody,
        readonly=world.secretary_a,
        allowed=world.admin,
    )
    ladder(
        reverse("study:material_toggle", args=[books[0].pk]),
        method="post",
        outsider=world.nobody,
        readonly=world.leader,
        allowed=world.admin,
    )
