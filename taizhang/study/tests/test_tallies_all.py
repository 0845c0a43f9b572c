"""tallies_all (the tallies page), read from the activities' stored counts, equals the figures counted from
the attendance and speech rows on a small city dataset."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from taizhang.campaigns.models import Campaign
from taizhang.demo.city import CITY_CAMPAIGN
from taizhang.org.models import Organization
from taizhang.study import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(db):  # noqa: ANN001
    call_command("demo", "--size", "city", "--scale", "0.002", stdout=StringIO())
    return Campaign.objects.select_related("org").get(code=CITY_CAMPAIGN)


def _from_rows(*, campaign, org, date_to) -> dict:  # noqa: ANN001
    """The tallies counted from the attendance and speech rows themselves (not the activities' stored
    counts): the total, per child unit, per month and per type."""
    from django.db.models import Count, Q

    from taizhang.core.access import path_prefix_q
    from taizhang.study.models import Attendance, Speech, StudyActivity

    def scoped(qs, prefix):  # noqa: ANN001, ANN202
        qs = qs.filter(path_prefix_q(f"{prefix}org__path", org.path))
        if campaign is not None:
            qs = qs.filter(**{f"{prefix}campaign": campaign})
        return qs.filter(**{f"{prefix}date__lte": date_to}) if date_to else qs

    figures = {
        "attendance": Count("id", filter=Q(status="present")),
        "expected": Count("id", filter=Q(invited=False)),
        "present": Count("id", filter=Q(status="present", invited=False)),
        "invited": Count("id", filter=Q(invited=True)),
    }
    start = len(org.path)

    def child(path: str) -> str:
        return path[start:].split("/", 1)[0]

    result: dict = {"total": {}, "units": {}, "months": {}, "types": {}}
    att = scoped(Attendance.objects.all(), "activity__")
    spk = scoped(Speech.objects.all(), "activity__")
    acts = scoped(StudyActivity.objects.all(), "")
    result["total"] = {**att.aggregate(**figures), "speakers": spk.count(), "activities": acts.count()}
    for group, field, fold in (
        ("units", "org__path", child),
        ("months", "date", lambda d: d.replace(day=1)),
        ("types", "type__code", str),
    ):
        bucket = result[group]
        for qs, prefix, names in ((att, "activity__", figures), (spk, "activity__", None), (acts, "", None)):
            rows = qs.values(f"{prefix}{field}").annotate(**(names or {"n": Count("id")})).order_by()
            for row in rows:
                key = fold(row.pop(f"{prefix}{field}"))
                target = bucket.setdefault(key, dict.fromkeys([*figures, "speakers", "activities"], 0))
                if names:
                    for name in names:
                        target[name] += row[name]
                else:
                    target["speakers" if qs is spk else "activities"] += row["n"]
    return result


@pytest.mark.parametrize("date_to", [None, date(2023, 11, 15)])
def test_the_tallies_equal_the_figures_counted_from_the_rows(campaign, date_to):
    root = campaign.org
    committee = root.children.order_by("sort_order").first()
    branch = committee.children.order_by("sort_order").first()
    keys = ["activities", "attendance", "expected", "present", "invited", "speakers"]
    for org in (root, committee, branch):
        for scope_campaign in (campaign, None):
            kwargs = {"campaign": scope_campaign, "org": org, "date_to": date_to}
            tallied = selectors.tallies_all(**kwargs)
            counted = _from_rows(**kwargs)
            assert {k: tallied["total"][k] for k in keys} == counted["total"], (org.code, scope_campaign)
            units = {"" if row["own_level"] else str(row["org"].pk): row for row in tallied["units"]}
            assert {key: {k: units[key][k] for k in keys} for key in counted["units"]} == counted["units"], (
                org.code,
                scope_campaign,
            )
            months = {row["month"]: {k: row[k] for k in keys} for row in tallied["months"]}
            assert months == counted["months"]
            types = {row["type"].code: row for row in tallied["types"] if row["activities"]}
            assert {
                code: {k: types[code][k] for k in ("activities", "attendance", "speakers")} for code in types
            } == {
                code: {k: v[k] for k in ("activities", "attendance", "speakers")}
                for code, v in counted["types"].items()
            }
            assert tallied["total"] == selectors.tallies_total(**kwargs)
    assert tallied["total"]["activities"] > 0 and tallied["total"]["attendance"] > 0


def test_the_tallies_page_shows_the_one_pass_figures(campaign, client):
    from django.urls import reverse

    from taizhang.accounts.models import User

    client.force_login(User.objects.get(username="city_admin"))
    page = client.get(reverse("study:tallies"))
    assert page.status_code == 200
    total = selectors.tallies_all(
        campaign=campaign, org=Organization.objects.get(code="SW"), date_to=page.context["as_of"]
    )
    assert page.context["total"] == total["total"]
    assert str(total["total"]["activities"]) in page.content.decode()
