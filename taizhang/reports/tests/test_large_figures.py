"""Figures over many rows: counted by the database, ids frozen only for models small enough (issue 11)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from taizhang.accounts.models import User
from taizhang.campaigns.models import Campaign
from taizhang.demo.city import CITY_CAMPAIGN
from taizhang.reports import idsets, metrics
from taizhang.reports.services import report_generate

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(db):  # noqa: ANN001
    call_command("demo", "--size", "city", "--scale", "0.0005", stdout=StringIO())
    return Campaign.objects.select_related("org").get(code=CITY_CAMPAIGN)


def test_row_counts_are_the_lengths_of_the_id_lists(campaign):
    as_of = metrics.default_as_of(campaign)
    computed = metrics.compute_counted(campaign, as_of=as_of)
    assert computed.values == metrics.compute(campaign, as_of=as_of)
    ids = metrics.ids_all(campaign, as_of=as_of)
    assert computed.counts == {key: len(found) for key, found in ids.items()}
    from taizhang.study.models import Attendance

    assert (
        computed.totals["study.Attendance"]
        == Attendance.objects.filter(activity__campaign=campaign).count()
        > 400
    )
    branch = campaign.org.children.first().children.first()
    one = metrics.compute_counted(campaign, branch, as_of=as_of)
    assert one.counts == {
        key: len(found) for key, found in metrics.ids_all(campaign, branch, as_of=as_of).items()
    }


@override_settings(TAIZHANG_REPORT_FREEZE_IDS_LIMIT=200)
def test_a_report_freezes_ids_only_of_models_under_the_limit(campaign, client):
    report = report_generate(campaign=campaign)
    attendance = report.figures["study.attendance"]
    assert attendance["ids"] is None  # some 500 attendance rows in scope: over the limit of 200
    assert attendance["count"] == attendance["value"] > 0
    problems = report.figures["problems.total"]
    assert len(idsets.decode(problems["ids"])) == problems["count"] == problems["value"] == 5
    # The appendix still counts the rows behind every figure.
    assert (
        report.figures["study.self_study.hours"]["count"]
        == report.figures["study.self_study.entries"]["value"]
    )
    client.force_login(User.objects.get(username="city_admin"))
    page = client.get(reverse("reports:report_drift", args=[report.pk, "study.attendance"]))
    assert page.status_code == 200
    assert "没有逐条冻结记录编号" in page.content.decode()
    page = client.get(reverse("reports:report_drift", args=[report.pk, "problems.total"]))
    assert "新增 0 条" in page.content.decode()
