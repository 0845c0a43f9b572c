"""A hand-counted campaign: every figure in test_metrics.py was counted by hand from these rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from taizhang.campaigns.models import CampaignRole
from taizhang.core.tests.factories import make_campaign
from taizhang.outreach.models import Demand, Finding, PracticalMatter, ResearchTopic, ResearchVisit
from taizhang.plans.models import PlanTask, StudyPlan
from taizhang.rectification.models import Institution, Measure, Problem
from taizhang.study.models import ActivityType, Attendance, SelfStudy, Speech, StudyActivity
from taizhang.study.services import activity_counts_refresh

AS_OF = date(2024, 1, 15)


@dataclass
class Ledger:
    world: Any
    activities: dict


def _type(code: str) -> ActivityType:
    # Browser tests (transaction=True) flush the data migration's default types: put them back.
    from taizhang.study.defaults import DEFAULT_ACTIVITY_TYPES

    name = dict(DEFAULT_ACTIVITY_TYPES)[code]
    order = [c for c, _ in DEFAULT_ACTIVITY_TYPES].index(code)
    return ActivityType.objects.get_or_create(
        campaign=None, code=code, defaults={"name": name, "sort_order": order}
    )[0]


def _activity(world, org, code: str, day: date, campaign=None, **kwargs) -> StudyActivity:  # noqa: ANN001
    return StudyActivity.objects.create(
        campaign=campaign if campaign is not None else world.campaign,
        org=org,
        type=_type(code),
        topic=kwargs.pop("topic", f"{code} {day}"),
        date=day,
        **kwargs,
    )


def _attend(activity, members, *, absent=(), invited=()) -> None:  # noqa: ANN001
    for member in members:
        Attendance.objects.create(
            activity=activity,
            member=member,
            status="absent" if member in absent else "present",
            reason="trip" if member in absent else "",
        )
    for member in invited:
        Attendance.objects.create(activity=activity, member=member, status="present", invited=True)


@pytest.fixture
def ledger(world) -> Ledger:  # noqa: ANN001
    a, b = world.people_a, world.people_b
    group_members = [m for i, m in enumerate(a) if i % 2]
    other_campaign = make_campaign(
        org=world.committee, code="other", start_date=date(2022, 1, 1), end_date=date(2022, 12, 31)
    )

    a1 = _activity(world, world.branch_a, "reading_class", date(2023, 9, 10), topic="第一期读书班")
    _attend(a1, a, absent=(a[4], a[5]), invited=(b[1],))
    Speech.objects.create(activity=a1, member=a[0], gist="谈体会")
    Speech.objects.create(activity=a1, member=a[2], gist="谈差距")
    a2 = _activity(world, world.group_a, "reading_class", date(2023, 10, 12), topic="第二期读书班")
    _attend(a2, group_members)
    Speech.objects.create(activity=a2, member=a[1], gist="谈措施")
    a3 = _activity(world, world.branch_b, "weekly_meeting", date(2023, 9, 20))
    _attend(a3, b, absent=(b[3],))
    a4 = _activity(world, world.branch_a, "first_topic", date(2023, 11, 1))
    # Outside the campaign, and in another campaign: counted nowhere below.
    outside = _activity(world, world.branch_a, "weekly_meeting", date(2023, 8, 1))
    outside.campaign = None
    outside.save()
    _attend(outside, a[:2])
    elsewhere = _activity(world, world.branch_a, "reading_class", date(2022, 6, 1), campaign=other_campaign)
    _attend(elsewhere, a)
    # Rows written directly (not through the services): their activities' stored counts follow.
    activity_counts_refresh()

    SelfStudy.objects.create(
        campaign=world.campaign,
        member=a[1],
        org=a[1].org,
        date=date(2023, 9, 11),
        material="《习近平著作选读》第一卷",
        minutes=90,
    )
    SelfStudy.objects.create(
        campaign=world.campaign,
        member=a[1],
        org=a[1].org,
        date=date(2023, 10, 2),
        material="学习强国",
        minutes=45,
        channel="xuexi",
    )
    SelfStudy.objects.create(
        campaign=world.campaign,
        member=b[0],
        org=b[0].org,
        date=date(2023, 9, 30),
        material="党章",
        minutes=30,
    )
    SelfStudy.objects.create(
        campaign=None, member=b[0], org=b[0].org, date=date(2023, 3, 1), material="x", minutes=600
    )

    def problem(org, code, status, deadline, **kw):  # noqa: ANN001, ANN202
        return Problem.objects.create(
            campaign=world.campaign,
            org=org,
            code=code,
            category="style",
            source="meeting",
            description=f"问题{code}",
            status=status,
            deadline=deadline,
            **kw,
        )

    p1 = problem(world.branch_a, "P1", "closed", date(2023, 11, 30), closed_on=date(2023, 11, 20))
    p2 = problem(world.group_a, "P2", "in_progress", date(2023, 12, 31))  # overdue as of AS_OF
    problem(world.branch_a, "P3", "submitted", date(2024, 1, 10))  # overdue too: submitted is not closed
    p4 = problem(world.branch_a, "P4", "open", date(2024, 3, 1), rectification_type="immediate")
    Problem.objects.filter(pk=p4.pk).update(category="theory")
    p5 = problem(world.branch_b, "P5", "closed", date(2023, 12, 1), closed_on=date(2023, 12, 1))
    for i in range(3):
        Measure.objects.create(problem=p1, content=f"措施{i}", status="done", done_on=date(2023, 11, 1))
    Measure.objects.create(problem=p2, content="措施a", status="done", done_on=date(2023, 12, 1))
    Measure.objects.create(problem=p2, content="措施b", status="pending", deadline=date(2023, 12, 20))
    Institution.objects.create(campaign=world.campaign, org=world.branch_a, name="学习制度", kind="new")
    Institution.objects.create(campaign=world.campaign, org=world.branch_a, name="考勤制度", kind="new")
    Institution.objects.create(
        campaign=world.campaign, org=world.branch_b, name="会议制度", kind="improved"
    ).problems.add(p5)

    PracticalMatter.objects.create(
        campaign=world.campaign,
        org=world.branch_a,
        title="窗口延时服务",
        status="done",
        done_on=date(2023, 10, 1),
        beneficiary_count=120,
    )
    PracticalMatter.objects.create(
        campaign=world.campaign,
        org=world.branch_b,
        title="老旧小区帮办",
        status="done",
        done_on=date(2023, 11, 1),
        beneficiary_count=30,
    )
    PracticalMatter.objects.create(
        campaign=world.campaign,
        org=world.branch_a,
        title="停车位",
        status="in_progress",
        due_date=date(2023, 12, 31),
    )
    Demand.objects.create(
        campaign=world.campaign,
        org=world.branch_a,
        content="办事排队久",
        raised_on=date(2023, 9, 5),
        resolved=True,
        resolved_on=date(2023, 9, 30),
    )
    Demand.objects.create(
        campaign=world.campaign, org=world.branch_b, content="材料多", raised_on=date(2023, 9, 6)
    )
    topic = ResearchTopic.objects.create(campaign=world.campaign, org=world.committee, title="优化营商环境")
    v1 = ResearchVisit.objects.create(
        campaign=world.campaign, org=world.branch_a, topic=topic, subject="走访企业", date=date(2023, 9, 15)
    )
    v2 = ResearchVisit.objects.create(
        campaign=world.campaign, org=world.branch_b, subject="走访社区", date=date(2023, 10, 15)
    )
    Finding.objects.create(visit=v1, text="审批环节多")
    Finding.objects.create(visit=v1, text="线上办理不便")
    Finding.objects.create(visit=v2, text="老年人不会用手机")
    PlanTask.objects.create(
        campaign=world.campaign,
        org=world.committee,
        title="动员部署会",
        planned_start=date(2023, 9, 1),
        planned_end=date(2023, 9, 5),
        status="done",
        done_on=date(2023, 9, 5),
    )
    PlanTask.objects.create(
        campaign=world.campaign,
        org=world.branch_a,
        title="读书班",
        kind="prescribed",
        planned_start=date(2023, 12, 1),
        planned_end=date(2023, 12, 31),
    )
    PlanTask.objects.create(
        campaign=world.campaign,
        org=world.branch_b,
        title="清风课堂",
        kind="featured",
        planned_start=date(2024, 1, 10),
        planned_end=date(2024, 1, 25),
    )
    CampaignRole.objects.create(campaign=world.campaign, member=a[0], role="group_leader", title="书记")
    CampaignRole.objects.create(campaign=world.campaign, member=b[0], role="deputy_leader", title="副书记")
    CampaignRole.objects.create(campaign=world.campaign, member=a[2], role="work_team")
    StudyPlan.objects.create(
        campaign=world.campaign, level="committee", org=world.committee, title="党委学习计划"
    )
    StudyPlan.objects.create(
        campaign=world.campaign, level="personal", org=a[1].org, member=a[1], title="个人学习计划"
    )
    return Ledger(world=world, activities={"a1": a1, "a2": a2, "a3": a3, "a4": a4})
