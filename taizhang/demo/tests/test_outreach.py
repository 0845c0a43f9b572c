"""The demo's serving-the-masses part: what a visitor of the demo finds."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from taizhang.campaigns.models import Campaign
from taizhang.core.lights import Light
from taizhang.org.models import Organization
from taizhang.outreach.models import Demand, Finding, PracticalMatter, ResearchTopic, ResearchVisit
from taizhang.outreach.selectors import matters_done
from taizhang.rectification.models import Problem

pytestmark = pytest.mark.django_db


def test_the_demo_holds_visits_demands_and_about_twenty_matters():
    call_command("demo", stdout=StringIO())
    campaign = Campaign.objects.get(code="zt2023b2")
    assert set(ResearchTopic.objects.values_list("leader__name", flat=True)) == {
        "王建国",
        "陈志强",
        "赵丽华",
        "孙海涛",
    }
    visits = ResearchVisit.objects.filter(campaign=campaign)
    assert visits.count() >= 10
    assert all(campaign.start_date <= d <= campaign.end_date for d in visits.values_list("date", flat=True))
    assert Finding.objects.filter(visit__campaign=campaign).count() >= 20
    assert 15 <= Demand.objects.filter(campaign=campaign).count() <= 25
    assert Demand.objects.filter(raised_by="").exists()  # some anonymous
    assert Demand.objects.filter(resolved=False).exists() and Demand.objects.filter(resolved=True).exists()

    matters = PracticalMatter.objects.filter(campaign=campaign)
    assert 18 <= matters.count() <= 22
    done = matters.filter(status="done")
    assert done.count() > matters.count() / 2
    assert not done.filter(outcome="").exists() and not done.filter(done_on=None).exists()
    assert matters.filter(status="in_progress").count() >= 2
    assert 1 <= matters.filter(light=Light.RED).count() <= 2
    assert matters.filter(finding__isnull=False).count() >= 5
    assert matters.filter(demand__isnull=False).count() >= 3

    problems = Problem.objects.filter(source="research", finding__isnull=False)
    assert problems.count() >= 3
    assert all(p.visit_id == p.finding.visit_id for p in problems)
    report = matters_done(campaign=campaign, org=Organization.objects.get(code="JDW"))
    assert len(report) == done.count() and report[0].done_on <= report[-1].done_on
    assert sum(1 for m in report if m.beneficiary_count) >= 10


def test_the_demo_branch_secretary_finds_records_of_his_branch():
    call_command("demo", stdout=StringIO())
    branch = Organization.objects.get(code="JDW01")
    assert ResearchVisit.objects.in_subtree(branch).exists()
    assert PracticalMatter.objects.in_subtree(branch).filter(status="done").exists()
    assert Demand.objects.in_subtree(branch).exists()
    assert ResearchVisit.objects.filter(participants__name="刘芳").exists()
