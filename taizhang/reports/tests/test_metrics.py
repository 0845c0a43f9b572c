"""Every figure against the hand-counted rows of conftest.ledger (units in and out of scope, absent vs present,
speakers vs attendees, rows outside the campaign)."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from taizhang.reports import metrics
from taizhang.reports.tests.conftest import AS_OF

pytestmark = pytest.mark.django_db

CAMPAIGN = {
    "study.first_topic": 1,
    "study.central_group": 0,
    "study.weekly_meeting": 1,
    "study.branch_concentrated": 0,
    "study.reading_class": 2,
    "study.reading_class.attendance": 8,  # A1: 4 present + 1 invitee; A2: 3 present
    "study.reading_class.speakers": 3,
    "study.theme_party_day": 0,
    "study.party_lecture": 0,
    "study.rectification_seminar": 0,
    "study.exchange_discussion": 0,
    "study.activities": 4,
    "study.attendance": 11,
    "study.expected": 13,
    "study.present": 10,
    "study.attendance_rate": 76.9,
    "study.invitees": 1,
    "study.speakers": 3,
    "study.self_study.entries": 3,
    "study.self_study.hours": 2.8,  # 165 minutes
    "study.self_study.members": 2,
    "research.topics": 1,
    "research.visits": 2,
    "research.findings": 3,
    "demands.total": 2,
    "demands.resolved": 1,
    "matters.total": 3,
    "matters.done": 2,
    "matters.beneficiaries": 150,
    "matters.overdue": 1,
    "problems.total": 5,
    "problems.closed": 2,
    "problems.rate": 40.0,
    "problems.overdue": 2,
    "problems.submitted": 1,
    "problems.immediate": 1,
    "measures.total": 5,
    "measures.done": 4,
    "measures.overdue": 1,
    "institutions.improved": 1,
    "institutions.new": 2,
    "institutions.total": 3,
    "plan.tasks": 3,
    "plan.tasks.done": 1,
    "plan.tasks.overdue": 1,
    "plan.tasks.prescribed": 2,
    "plan.tasks.featured": 1,
    "members.total": 10,
    "units.branches": 2,
    "problems.category.style": 4,
    "problems.category.theory": 1,
    "problems.category.integrity": 0,
    "campaign.leading_group": 2,
    "campaign.work_team": 1,
    "plan.study_plans": 2,
    "plan.study_plans.personal": 1,
    "units.silent": 2,  # as of 2024-01-15 neither branch met in the last 30 days
}

BRANCH_A = {
    "study.activities": 3,
    "study.reading_class": 2,
    "study.weekly_meeting": 0,
    "study.attendance": 8,
    "study.expected": 9,
    "study.present": 7,
    "study.speakers": 3,
    "study.self_study.entries": 2,
    "problems.total": 4,
    "problems.closed": 1,
    "problems.rate": 25.0,
    "measures.total": 5,
    "institutions.new": 2,
    "institutions.improved": 0,
    "matters.done": 1,
    "research.visits": 1,
    "research.topics": 0,
    "members.total": 6,
    "units.branches": 1,
    "units.silent": 1,
    "campaign.leading_group": 1,  # the group leader sits in branch A, the deputy in branch B
    "campaign.work_team": 1,
    "plan.study_plans": 1,
    "problems.category.theory": 1,
}

DESIGN_KEYS = [
    "study.first_topic",
    "study.central_group",
    "study.weekly_meeting",
    "study.branch_concentrated",
    "study.reading_class",
    "study.reading_class.attendance",
    "study.reading_class.speakers",
    "study.theme_party_day",
    "study.party_lecture",
    "study.rectification_seminar",
    "study.exchange_discussion",
    "study.activities",
    "study.attendance",
    "study.speakers",
    "study.self_study.entries",
    "study.self_study.hours",
    "research.visits",
    "demands.total",
    "demands.resolved",
    "matters.total",
    "matters.done",
    "problems.total",
    "problems.closed",
    "problems.rate",
    "problems.overdue",
    "measures.total",
    "measures.done",
    "institutions.improved",
    "institutions.new",
    "plan.tasks",
    "plan.tasks.done",
    "plan.tasks.overdue",
]


def test_the_catalog_has_every_key_design_md_requires():
    assert set(DESIGN_KEYS) <= set(metrics.CATALOG)
    for metric in metrics.CATALOG.values():
        assert metric.label and metric.rule and metric.unit


def test_every_figure_of_the_campaign(ledger):
    values = metrics.compute(ledger.world.campaign, as_of=AS_OF)
    assert {k: values[k] for k in CAMPAIGN} == CAMPAIGN


def test_every_figure_of_one_branch_subtree(ledger):
    values = metrics.compute(ledger.world.campaign, ledger.world.branch_a, as_of=AS_OF)
    assert {k: values[k] for k in BRANCH_A} == BRANCH_A


def test_overdue_depends_on_the_day(ledger):
    early = metrics.compute(
        ledger.world.campaign, keys=["problems.overdue", "plan.tasks.overdue"], as_of=date(2023, 10, 1)
    )
    assert early == {"problems.overdue": 0, "plan.tasks.overdue": 0}


def test_a_rate_without_rows_is_none_not_zero(world):
    assert metrics.compute(world.campaign, keys=["problems.rate"])["problems.rate"] is None


def test_rows_behind_a_figure_are_the_rows_counted(ledger):
    campaign = ledger.world.campaign
    for key in (
        "study.reading_class",
        "study.attendance",
        "problems.closed",
        "matters.done",
        "research.findings",
    ):
        assert metrics.rows(key, campaign, as_of=AS_OF).count() == CAMPAIGN[key], key
    assert len(metrics.ids("problems.rate", campaign)) == CAMPAIGN["problems.closed"]
    reading = set(metrics.ids("study.reading_class", campaign))
    assert reading == {ledger.activities["a1"].pk, ledger.activities["a2"].pk}


def test_compute_takes_one_query_per_model_whatever_the_size(ledger, django_assert_num_queries):
    from taizhang.study.models import Attendance
    from taizhang.study.services import activity_counts_refresh

    # 15 models (the attendance and speech figures from the activities' stored counts) and the type ids.
    with django_assert_num_queries(16):
        metrics.compute(ledger.world.campaign, as_of=AS_OF)
    extra = ledger.activities["a3"]
    for member in ledger.world.people_a:
        Attendance.objects.create(activity=extra, member=member, invited=True)
    activity_counts_refresh(activity_ids=[extra.pk])
    with django_assert_num_queries(16):
        metrics.compute(ledger.world.campaign, ledger.world.branch_a, as_of=AS_OF)


def test_breakdown_by_unit_adds_up_to_the_total(ledger):
    world = ledger.world
    by_unit = metrics.breakdown("study.activities", world.campaign, by="unit", as_of=AS_OF)
    assert [(org.name, value) for org, value in by_unit] == [("甲支部", 3), ("乙支部", 1)]
    attendance = dict(metrics.breakdown("study.attendance", world.campaign, world.branch_a, by="unit"))
    assert attendance == {world.branch_a: 5, world.group_a: 3}  # A1 on the branch itself, A2 in the group
    rates = dict(metrics.breakdown("problems.rate", world.campaign, by="unit"))
    assert rates == {world.branch_a: 25.0, world.branch_b: 100.0}


def test_breakdown_by_month_quarter_and_type(ledger):
    campaign = ledger.world.campaign
    months = metrics.breakdown("study.activities", campaign, by="month")
    assert months == [(date(2023, 9, 1), 2), (date(2023, 10, 1), 1), (date(2023, 11, 1), 1)]
    quarters = metrics.breakdown("study.activities", campaign, by="quarter")
    assert quarters == [("2023年第三季度", 2), ("2023年第四季度", 2)] or quarters == [
        ("2023年第3季度", 2),
        ("2023年第4季度", 2),
    ]
    types = dict(metrics.breakdown("study.activities", campaign, by="type"))
    assert types == {"读书班": 2, "周例会集体学习": 1, "第一议题": 1}


def test_the_metrics_command_prints_json(ledger):
    out = StringIO()
    call_command("metrics", "--campaign", "wc", "--json", "--as-of", "2024-01-15", stdout=out)
    values = json.loads(out.getvalue())
    assert {k: values[k] for k in CAMPAIGN} == CAMPAIGN
    out = StringIO()
    call_command("metrics", "--campaign", "wc", "--org", "WA", "--json", "--as-of", "2024-01-15", stdout=out)
    assert json.loads(out.getvalue())["study.activities"] == 3


def test_the_metrics_command_names_a_wrong_campaign_or_unit(ledger):
    with pytest.raises(CommandError, match="没有编码为“nope”的学习教育活动"):
        call_command("metrics", "--campaign", "nope", stdout=StringIO())
    with pytest.raises(CommandError, match="没有编码为“XX”的组织"):
        call_command("metrics", "--campaign", "wc", "--org", "XX", stdout=StringIO())


def test_silent_branches_are_those_without_activity_in_their_subtree_in_the_window(ledger):
    world = ledger.world
    campaign = world.campaign
    # 30 days up to 2023-11-15: branch A met on 11-01, branch B last on 09-20.
    assert metrics.compute(campaign, keys=["units.silent"], as_of=date(2023, 11, 15)) == {"units.silent": 1}
    assert list(metrics.silent_units(campaign, as_of=date(2023, 11, 15))) == [world.branch_b]
    # Up to 2023-10-15 branch A counts through its group's reading class on 10-12: nobody is silent.
    assert metrics.compute(campaign, keys=["units.silent"], as_of=date(2023, 10, 15))["units.silent"] == 0
    # The window is the last 30 days including the as-of day: 09-20 + 29 days = 10-19 still active.
    assert metrics.compute(campaign, keys=["units.silent"], as_of=date(2023, 10, 19))["units.silent"] == 0
    assert metrics.compute(campaign, keys=["units.silent"], as_of=date(2023, 10, 20))["units.silent"] == 1
    silent = list(metrics.silent_units(campaign, as_of=AS_OF))
    assert silent == [world.branch_b, world.branch_a]  # longest silent first
    assert [u.last_activity for u in silent] == [date(2023, 9, 20), date(2023, 11, 1)]
    assert metrics.compute(campaign, keys=["units.branches"])["units.branches"] == 2
    # A branch's own scope: only itself.
    assert metrics.compute(campaign, world.branch_b, keys=["units.silent"], as_of=AS_OF)["units.silent"] == 1


def test_silent_days_come_from_settings(ledger, settings):
    settings.TAIZHANG_SILENT_DAYS = 90
    assert metrics.compute(ledger.world.campaign, keys=["units.silent"], as_of=AS_OF)["units.silent"] == 1


def test_ids_all_reads_each_model_once_and_matches_rows(ledger, django_assert_max_num_queries):
    campaign = ledger.world.campaign
    # One query per model, plus the activity types' ids (read once, shared by every type filter).
    with django_assert_max_num_queries(18):
        all_ids = metrics.ids_all(campaign, as_of=AS_OF)
    assert set(all_ids) == set(metrics.CATALOG)
    for key in metrics.CATALOG:
        assert all_ids[key] == metrics.ids(key, campaign, as_of=AS_OF), key
    branch = metrics.ids_all(ledger.world.campaign, ledger.world.branch_a, as_of=AS_OF)
    assert len(branch["study.attendance"]) == BRANCH_A["study.attendance"]


def test_breakdown_by_status_and_labels(ledger):
    campaign = ledger.world.campaign
    states = dict(metrics.breakdown("problems.total", campaign, by="status"))
    assert states == {"closed": 2, "in_progress": 1, "open": 1, "submitted": 1}
    assert metrics.group_label("problems.total", "status", "closed") == "已销号"
    assert metrics.group_label("problems.total", "type", "style") == "工作作风"
    assert metrics.group_label("study.activities", "month", date(2023, 9, 1)) == "2023年9月"
    september = metrics.rows_for_display("study.activities", campaign, by="month", group="2023-09")
    assert september.count() == 2
    closed = metrics.rows_for_display("problems.total", campaign, by="status", group="closed")
    assert sorted(p.code for p in closed) == ["P1", "P5"]


def test_default_as_of_is_the_last_day_of_a_finished_campaign(world):
    assert metrics.default_as_of(world.campaign) == date(2024, 1, 31)


@pytest.mark.parametrize("by", ["unit", "month", "quarter", "type", "status"])
def test_breakdowns_of_several_figures_equal_each_breakdown(ledger, by):
    campaign = ledger.world.campaign
    keys = [
        key
        for key in ("problems.total", "problems.closed", "problems.rate", "measures.total", "measures.done")
        + ("study.activities", "study.attendance", "study.attendance_rate", "matters.total")
        if by != "status" or metrics.source_of(key).status_field
    ]
    if by == "type":
        keys = [k for k in keys if metrics.source_of(k).type_field]
    together = metrics.breakdowns(keys, campaign, by=by, as_of=AS_OF)
    assert together == {k: metrics.breakdown(k, campaign, by=by, as_of=AS_OF) for k in keys}
    assert any(value for pairs in together.values() for _, value in pairs)


def test_breakdowns_read_each_model_once_for_the_units(ledger, django_assert_max_num_queries):
    keys = ["problems.total", "problems.closed", "problems.rate", "problems.overdue", "measures.total"]
    # One grouped query per model (problems, measures), the unit map, the child units, the type ids.
    with django_assert_max_num_queries(2 * 3 + 1):
        metrics.breakdowns(keys, ledger.world.campaign, by="unit", as_of=AS_OF)
