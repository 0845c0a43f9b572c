"""The study part of the demo: a realistic year, the campaign's records inside its period, and one
branch gone quiet so the silent-unit flag shows at the campaign's end."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Exists, OuterRef

from taizhang.campaigns.models import Campaign
from taizhang.org.models import Organization
from taizhang.study import selectors
from taizhang.study.models import Attendance, Material, SelfStudy, Speech, StudyActivity

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("demo", stdout=StringIO())
    return Campaign.objects.get(code="zt2023b2")


def test_a_year_of_activities_of_every_kind(demo):
    activities = StudyActivity.objects.all()
    assert 300 <= activities.count() <= 500
    inside = activities.filter(campaign=demo)
    assert not inside.exclude(date__range=(demo.start_date, demo.end_date)).exists()
    assert not activities.filter(campaign=None, date__range=(demo.start_date, demo.end_date)).exists()
    assert activities.filter(campaign=None).count() > 100
    codes = set(inside.values_list("type__code", flat=True))
    assert codes >= {
        "weekly_meeting",
        "branch_concentrated",
        "reading_class",
        "theme_party_day",
        "party_lecture",
        "rectification_seminar",
        "exchange_discussion",
        "first_topic",
        "central_group",
    }
    assert inside.filter(topic="第一期读书班：《习近平著作选读》第一卷专题", org__code="JDW").exists()
    first_topic = inside.filter(type__code="first_topic")
    assert first_topic.filter(org__code="JDW").count() > first_topic.exclude(org__code="JDW").count()
    assert set(activities.values_list("org__parent__code", flat=True)) >= {None, "JDW"}


def test_attendance_and_speakers_are_realistic_and_consistent(demo):
    total = selectors.tallies_total(campaign=demo, org=Organization.objects.get(code="JDW"))
    assert 85 <= total["rate"] < 100
    assert total["invited"] > 0 and total["speakers"] > 100
    assert (
        Attendance.objects.filter(status="absent").exclude(reason="").count()
        == Attendance.objects.filter(status="absent").count()
    )
    absent_speaker = Attendance.objects.filter(
        activity=OuterRef("activity"), member=OuterRef("member"), status="absent"
    )
    assert not Speech.objects.filter(Exists(absent_speaker)).exists()
    not_attending = Attendance.objects.filter(activity=OuterRef("activity"), member=OuterRef("member"))
    assert not Speech.objects.exclude(Exists(not_attending)).exists()
    for invitee in Attendance.objects.filter(invited=True).select_related("activity__org", "member__org"):
        assert not invitee.member.org.path.startswith(invitee.activity.org.path)
    assert not Speech.objects.filter(gist="").exists()


def test_the_retired_branch_is_silent_at_the_campaigns_end(demo):
    root = Organization.objects.get(code="JDW")
    silent = selectors.silent_units(org=root, today=demo.end_date)
    assert [s["code"] for s in silent] == ["JDW06"]
    assert silent[0]["days_silent"] >= 30


def test_the_campaigns_books_and_self_study(demo):
    assert Material.objects.filter(campaign=demo, required=True).count() == 4
    entries = SelfStudy.objects.filter(campaign=demo)
    assert entries.count() > 300
    assert entries.exclude(notes="").count() > entries.count() / 2
    assert not entries.exclude(date__range=(demo.start_date, demo.end_date)).exists()
    assert set(entries.values_list("channel", flat=True)) == {"original", "xuexi", "online"}
