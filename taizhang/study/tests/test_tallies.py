"""Tallies (per unit, type, month, quarter), silent units, and the tallies page."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.core.tests.factories import make_org
from taizhang.study import selectors, services
from taizhang.study.tests.conftest import activity_type

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def season(world, record):  # noqa: ANN001
    """Branch A: two activities (one at its group); branch B: one; one outside the campaign."""
    a, b = world.people_a, world.people_b
    record(date=date(2023, 9, 20), absent={a[1]: "trip"}, speakers=[a[0], a[2]], invited=[b[0]])
    # A group meeting of group A only (members 1, 3, 5 sit in group A).
    services.activity_create(
        data={
            "org": world.group_a,
            "campaign": world.campaign,
            "type": activity_type("group_meeting"),
            "topic": "党小组会",
            "date": date(2023, 10, 5),
        },
        attendance=services.default_attendance(org=world.group_a),
        speeches=[services.SpeechRow(member=a[3])],
        actor=world.secretary_a,
    )
    record(org=world.branch_b, actor=world.secretary_b, type_code="theme_party_day", date=date(2023, 12, 1))
    record(campaign=None, date=date(2023, 6, 1), speakers=[a[4]])
    services.selfstudy_create(
        member=a[1], data={"date": date(2023, 10, 1), "material": "读原著", "minutes": 90}, actor=None
    )
    services.selfstudy_create(
        member=b[1], data={"date": date(2023, 10, 2), "material": "读原著", "minutes": 30}, actor=None
    )


def test_the_totals_follow_the_counting_rules(world, season):
    total = selectors.tallies_total(campaign=world.campaign, org=world.committee)
    assert total == {
        "activities": 3,
        "attendance": 5 + 1 + 3 + 4,  # present incl. the invitee; group meeting 3; branch B 4
        "expected": 6 + 3 + 4,
        "present": 5 + 3 + 4,
        "invited": 1,
        "speakers": 3,
        "self_entries": 2,
        "self_hours": 2.0,
        "rate": round(12 * 100 / 13, 1),
    }
    everything = selectors.tallies_total(campaign=None, org=world.committee)
    assert everything["activities"] == 4 and everything["speakers"] == 4


def test_units_roll_up_their_subtree_and_sum_to_the_total(world, season):
    rows = {
        r["org"].code: r for r in selectors.tallies_all(campaign=world.campaign, org=world.committee)["units"]
    }
    assert set(rows) == {"WA", "WB"}  # the committee has no records of its own
    assert rows["WA"]["activities"] == 2
    assert rows["WA"]["by_type"] == {"branch_concentrated": 1, "group_meeting": 1}
    assert (rows["WA"]["expected"], rows["WA"]["present"], rows["WA"]["attendance"]) == (9, 8, 9)
    assert rows["WA"]["rate"] == 88.9 and rows["WA"]["speakers"] == 3
    assert rows["WA"]["self_entries"] == 1 and rows["WA"]["self_hours"] == 1.5
    assert rows["WA"]["last_date"] == date(2023, 10, 5)
    assert (rows["WB"]["activities"], rows["WB"]["attendance"]) == (1, 4)
    total = selectors.tallies_total(campaign=world.campaign, org=world.committee)
    for key in ("activities", "attendance", "expected", "present", "speakers", "self_entries"):
        assert sum(r[key] for r in rows.values()) == total[key]


def test_drilling_into_a_branch_shows_its_own_level_and_groups(world, season):
    rows = selectors.tallies_all(campaign=world.campaign, org=world.branch_a)["units"]
    assert [(r["org"].code, r["own_level"], r["activities"]) for r in rows] == [
        ("WA", True, 1),
        ("WA-1", False, 1),
    ]


def test_tallies_by_type_month_and_quarter(world, season):
    by_type = {
        t["type"].code: t
        for t in selectors.tallies_all(campaign=world.campaign, org=world.committee)["types"]
    }
    assert by_type["branch_concentrated"]["activities"] == 1
    assert by_type["theme_party_day"]["attendance"] == 4
    assert by_type["first_topic"]["activities"] == 0  # every default type is listed
    months = selectors.tallies_all(campaign=world.campaign, org=world.committee)["months"]
    assert [(m["month"], m["activities"], m["attendance"]) for m in months] == [
        (date(2023, 9, 1), 1, 6),
        (date(2023, 10, 1), 1, 3),
        (date(2023, 12, 1), 1, 4),
    ]
    quarters = selectors.tallies_all(campaign=world.campaign, org=world.committee)["quarters"]
    assert [(q["year"], q["quarter"], q["activities"], q["speakers"]) for q in quarters] == [
        (2023, 3, 1, 2),
        (2023, 4, 2, 1),
    ]


def test_a_branch_without_activity_in_30_days_is_silent(world, season):
    silent = selectors.silent_units(org=world.committee, today=date(2023, 12, 20))
    # Branch A's last activity (at its group) was on 5 October: 76 days; branch B on 1 December.
    assert [(s["code"], s["last_date"], s["days_silent"]) for s in silent] == [("WA", date(2023, 10, 5), 76)]

    # The window is the 30 days ending on the day judged: 29 days after the last activity is not silent
    # yet, 30 days is (branch B, whose first activity comes later, is silent all along).
    def codes(day: date, days: int | None = None) -> list[str]:
        return [s["code"] for s in selectors.silent_units(org=world.committee, today=day, days=days)]

    assert codes(date(2023, 11, 3)) == ["WB"]
    assert codes(date(2023, 11, 4)) == ["WB", "WA"]
    assert codes(date(2023, 10, 20), days=10) == ["WB", "WA"]


def test_a_branch_that_never_met_is_silent_and_later_activities_do_not_count(world, season):
    new = make_org(parent=world.committee, name="丙支部", code="WC", kind="branch")
    silent = selectors.silent_units(org=world.committee, today=date(2023, 9, 25))
    # Branch B's only activity (1 December) lies after the day judged: it has never met by then.
    assert {(s["code"], s["last_date"], s["days_silent"]) for s in silent} == {
        ("WB", None, None),
        ("WC", None, None),
    }
    assert new.code in {s["code"] for s in silent}
    assert selectors.unit_silence(org=world.branch_a, today=date(2023, 9, 25))["silent"] is False
    verdict = selectors.unit_silence(org=world.branch_a, today=date(2023, 12, 20))
    assert verdict["silent"] and verdict["days_silent"] == 76


def test_silent_units_is_one_query(world, season, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.silent_units(org=world.committee, today=date(2023, 12, 20))


def test_the_tallies_page_ladder_and_figures(world, season, ladder):
    url = reverse("study:tallies")
    assert _client(world.member_a).get(url).status_code == 403
    assert _client(world.nobody).get(url).status_code == 403
    html = _client(world.leader).get(url, {"as_of": "2023-12-20"}).content.decode()
    assert 'data-figure="activities">3<' in html
    assert 'data-silent="WA"' in html
    secretary = _client(world.secretary_a).get(url, {"as_of": "2023-12-20"}).content.decode()
    assert 'data-figure="activities">2<' in secretary  # branch A only
    assert 'data-unit="WB"' not in secretary
    # Another branch's figures cannot be asked for: the form falls back to the user's own unit.
    forged = _client(world.secretary_a).get(url, {"org": world.branch_b.pk}).content.decode()
    assert 'data-unit="WB"' not in forged


def test_the_tallies_page_is_judged_at_the_campaigns_end_once_it_is_over(world, season):
    html = _client(world.leader).get(reverse("study:tallies")).content.decode()
    assert "截至 2024年1月31日" in html


def test_the_tallies_page_makes_the_same_number_of_queries_whatever_the_data(
    world, season, record, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(world.leader)
    url = reverse("study:tallies")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for day in range(1, 20):
        record(date=date(2023, 11, day), type_code="weekly_meeting", speakers=world.people_a[:2])
        record(org=world.branch_b, actor=world.secretary_b, date=date(2023, 11, day))
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)


STUDY_KEYS = {
    "study.activities": "activities",
    "study.attendance": "attendance",
    "study.expected": "expected",
    "study.present": "present",
    "study.attendance_rate": "rate",
    "study.invitees": "invited",
    "study.speakers": "speakers",
    "study.self_study.entries": "self_entries",
    "study.self_study.hours": "self_hours",
}


@pytest.mark.parametrize("scope", ["committee", "branch_a", "group_a"])
@pytest.mark.parametrize("whole", [True, False], ids=["campaign", "all-records"])
def test_the_totals_agree_with_the_metric_catalog(world, season, scope, whole):
    from taizhang.reports import metrics

    campaign = world.campaign if whole else None
    org = getattr(world, scope)
    total = selectors.tallies_total(campaign=campaign, org=org)
    catalog = metrics.compute(campaign, org, keys=list(STUDY_KEYS), from_rows=True)
    assert catalog == {key: total[name] for key, name in STUDY_KEYS.items()}


def test_the_breakdowns_agree_with_the_metric_catalog(world, season):
    from taizhang.reports import metrics

    org = world.committee
    units = selectors.tallies_all(campaign=world.campaign, org=org)["units"]
    for key, name in (
        ("study.activities", "activities"),
        ("study.attendance", "attendance"),
        ("study.speakers", "speakers"),
        ("study.attendance_rate", "rate"),
    ):
        catalog = {
            unit.pk: value
            for unit, value in metrics.breakdown(key, world.campaign, org, by="unit", from_rows=True)
            if value
        }
        assert catalog == {row["org"].pk: row[name] for row in units if row[name]}, key
    months = selectors.tallies_all(campaign=world.campaign, org=org)["months"]
    catalog_months = dict(
        metrics.breakdown("study.attendance", world.campaign, org, by="month", from_rows=True)
    )
    assert catalog_months == {m["month"]: m["attendance"] for m in months}
    types = selectors.tallies_all(campaign=world.campaign, org=org)["types"]
    catalog_types = dict(metrics.breakdown("study.activities", world.campaign, org, by="type"))
    assert catalog_types == {t["type"].name: t["activities"] for t in types if t["activities"]}


def test_the_demo_campaign_figures_agree_with_the_metric_catalog():
    from io import StringIO

    from django.core.management import call_command

    from taizhang.campaigns.models import Campaign
    from taizhang.org.models import Organization
    from taizhang.reports import metrics

    call_command("demo", stdout=StringIO())
    campaign = Campaign.objects.get(code="zt2023b2")
    for code in ("JDW", "JDW01", "JDW06"):
        org = Organization.objects.get(code=code)
        total = selectors.tallies_total(campaign=campaign, org=org)
        assert metrics.compute(campaign, org, keys=list(STUDY_KEYS)) == {
            key: total[name] for key, name in STUDY_KEYS.items()
        }
    by_type = {
        t["type"].code: t["activities"]
        for t in selectors.tallies_all(campaign=campaign, org=campaign.org)["types"]
    }
    keys = [f"study.{code}" for code in by_type if f"study.{code}" in metrics.CATALOG]
    assert len(keys) >= 10
    assert metrics.compute(campaign, None, keys=keys) == {key: by_type[key[6:]] for key in keys}


def test_each_activity_count_opens_the_activities_it_counts(world, season):
    import re
    from html import unescape

    client = _client(world.leader)
    html = client.get(reverse("study:tallies"), {"as_of": "2023-12-20"}).content.decode()
    # Every count of activities on the page (total, per unit, per type, per month) is a link …
    links = re.findall(r'<a [^>]*href="([^"]+)"[^>]*>\s*(?:<div[^>]*>)?(\d+)<', html)
    listed = [(unescape(href), int(n)) for href, n in links if "/study/?" in unescape(href)]
    # the total 3; branches A 2 and B 1; three types once each; the months 9, 10 and 12 once each
    assert sorted(n for _, n in listed) == [1, 1, 1, 1, 1, 1, 1, 2, 3], listed
    # … to the activity list showing exactly that many activities.
    for href, n in listed:
        page = client.get(href).content.decode()
        shown = int(re.search(r"共 <b>(\d+)</b> 次活动", page).group(1))
        assert shown == n, (href, n, shown)
