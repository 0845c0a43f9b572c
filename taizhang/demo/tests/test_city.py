"""The city-scale demo at a hundredth of its size: counts, invariants the pages rely on, idempotence."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from taizhang.accounts.models import User
from taizhang.campaigns.models import Campaign
from taizhang.demo.city import CITY_CAMPAIGN, FULL
from taizhang.org.models import Member, Organization
from taizhang.outreach.models import PracticalMatter
from taizhang.plans.models import PlanTask
from taizhang.rectification.models import Institution, Measure, Problem
from taizhang.reports import metrics
from taizhang.study.models import Attendance, SelfStudy, Speech, StudyActivity

pytestmark = pytest.mark.django_db(transaction=False)

SCALE = 0.01


@pytest.fixture
def city(db):  # noqa: ANN001
    out = StringIO()
    call_command("demo", "--size", "city", "--scale", str(SCALE), stdout=out)
    return out.getvalue()


def test_the_city_demo_has_every_count_in_proportion(city):
    campaign = Campaign.objects.get(code=CITY_CAMPAIGN)
    root = campaign.org
    wanted = {key: round(value * SCALE) for key, value in FULL.items()}
    assert (
        Organization.objects.filter(kind="branch", path__startswith=root.path).count() == wanted["branches"]
    )
    assert Organization.objects.filter(kind="group", path__startswith=root.path).count() == wanted["groups"]
    assert Member.objects.in_subtree(root).count() == wanted["members"]
    assert StudyActivity.objects.filter(campaign=campaign).count() == wanted["activities"]
    assert Attendance.objects.filter(activity__campaign=campaign).count() == wanted["attendance"]
    assert Speech.objects.filter(activity__campaign=campaign).count() == wanted["speeches"]
    assert SelfStudy.objects.filter(campaign=campaign).count() == wanted["self_studies"]
    assert Problem.objects.filter(campaign=campaign).count() == wanted["problems"]
    assert Measure.objects.filter(problem__campaign=campaign).count() == wanted["measures"]
    assert PracticalMatter.objects.filter(campaign=campaign).count() == wanted["matters"]
    assert Institution.objects.filter(campaign=campaign).count() == wanted["institutions"]
    assert PlanTask.objects.filter(campaign=campaign).count() == wanted["tasks"]
    for username in ("city_admin", "city_leader", "city_secretary", "city_member"):
        assert username in city
        assert User.objects.get(username=username).check_password("Tz#2023demo")


def test_the_city_demo_keeps_the_invariants_the_pages_rely_on():
    call_command("demo", "--size", "city", "--scale", str(SCALE), stdout=StringIO())
    campaign = Campaign.objects.get(code=CITY_CAMPAIGN)
    # Materialized paths: every unit's path is its parent's path plus its own id.
    for org in Organization.objects.filter(path__startswith=campaign.org.path).select_related("parent"):
        expected = (org.parent.path if org.parent else "/") + f"{org.pk}/"
        assert org.path == expected
    attendance = Attendance.objects.filter(activity__campaign=campaign)
    assert set(attendance.values_list("status", flat=True)) == {"present", "absent"}
    assert not attendance.filter(status="absent", reason="").exists()
    assert not attendance.filter(invited=True).exclude(status="present").exists()
    # Speakers are among those present at the same activity.
    speeches = Speech.objects.filter(activity__campaign=campaign)
    present = set(attendance.filter(status="present").values_list("activity_id", "member_id"))
    assert set(speeches.values_list("activity_id", "member_id")) <= present
    # Problems are numbered like problem_next_code, every category and state appears, some are overdue.
    problems = Problem.objects.filter(campaign=campaign)
    codes = sorted(problems.values_list("code", flat=True))
    assert codes[0] == "WT-001" and len(set(codes)) == len(codes)
    assert set(problems.values_list("category", flat=True)) == set(Problem.Category.values)
    assert set(problems.values_list("status", flat=True)) == set(Problem.Status.values)
    values = metrics.compute(campaign, as_of=metrics.default_as_of(campaign))
    assert values["problems.overdue"] > 0
    assert values["units.silent"] > 0
    # A closed problem has every measure done; a submitted one waits in the review queue with its event.
    assert not Measure.objects.filter(
        problem__campaign=campaign, problem__status="closed", status="pending"
    ).exists()
    from taizhang.core.models import Event

    for problem in problems.filter(status="submitted")[:5]:
        assert Event.objects.filter(object_id=problem.pk, kind="status", to_state="submitted").exists()
    # Encrypted fields read back as valid numbers.
    member = Member.objects.in_subtree(campaign.org).first()
    assert len(member.id_number) == 18 and member.phone.startswith("1")


def test_the_city_demo_figures_compute_and_match_the_rows(city):
    campaign = Campaign.objects.get(code=CITY_CAMPAIGN)
    values = metrics.compute(campaign, as_of=metrics.default_as_of(campaign))
    assert values["study.activities"] == round(FULL["activities"] * SCALE)
    assert values["study.speakers"] == round(FULL["speeches"] * SCALE)
    present = Attendance.objects.filter(activity__campaign=campaign, status="present").count()
    assert values["study.attendance"] == present
    assert 0 < values["problems.rate"] < 100
    branch = Organization.objects.filter(kind="branch", path__startswith=campaign.org.path).first()
    one = metrics.compute(campaign, branch, as_of=metrics.default_as_of(campaign))
    assert 0 < one["study.activities"] < values["study.activities"]


def test_the_city_demo_loads_once_and_refuses_a_taken_root(city):
    counts = (Attendance.objects.count(), Member.objects.count(), User.objects.count())
    again = StringIO()
    call_command("demo", "--size", "city", "--scale", str(SCALE), stdout=again)
    assert "无需重复加载" in again.getvalue()
    assert (Attendance.objects.count(), Member.objects.count(), User.objects.count()) == counts


def test_the_city_demo_refuses_real_data_and_a_bad_scale():
    from taizhang.core.tests.factories import make_org

    with pytest.raises(CommandError, match="--scale"):
        call_command("demo", "--size", "city", "--scale", "0", stdout=StringIO())
    make_org(name="真实单位")
    with pytest.raises(CommandError, match="--force"):
        call_command("demo", "--size", "city", "--scale", str(SCALE), stdout=StringIO())


def test_the_city_demo_is_deterministic():
    from django.db import transaction

    def build() -> list:
        with transaction.atomic():
            call_command("demo", "--size", "city", "--scale", str(SCALE), stdout=StringIO())
            campaign = Campaign.objects.get(code=CITY_CAMPAIGN)
            fingerprint = [
                list(Member.objects.in_subtree(campaign.org).order_by("id").values_list("name", "org__code")),
                list(
                    StudyActivity.objects.filter(campaign=campaign)
                    .order_by("id")
                    .values_list("date", "org__code", "type__code", "topic")
                ),
                list(Problem.objects.filter(campaign=campaign).order_by("id").values_list("code", "status")),
            ]
            transaction.set_rollback(True)
        return fingerprint

    first = build()
    assert not Campaign.objects.filter(code=CITY_CAMPAIGN).exists()
    assert build() == first


@pytest.mark.parametrize(
    "name",
    [
        "core:home",
        "reports:dashboard",
        "study:activity_list",
        "study:selfstudy_list",
        "rectification:problem_list",
        "rectification:measure_list",
        "outreach:matter_list",
        "plans:task_list",
    ],
)
def test_city_pages_open_for_the_branch_secretary(city, client, name):
    client.force_login(User.objects.get(username="city_secretary"))
    response = client.get(reverse(name))
    assert response.status_code == 200
