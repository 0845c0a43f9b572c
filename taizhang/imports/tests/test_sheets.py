"""Each sheet's happy path: what a clean workbook creates, how it is assigned to campaigns, and that
importing the same workbook again creates nothing new."""

from __future__ import annotations

from datetime import date

import pytest

from taizhang.campaigns.models import Campaign
from taizhang.core.models import AuditLog, Event
from taizhang.core.tests.factories import make_campaign
from taizhang.imports.tests.conftest import workbook
from taizhang.lib import idcard
from taizhang.org.models import Member, Organization
from taizhang.outreach.models import Demand, Finding, PracticalMatter, ResearchVisit
from taizhang.plans.models import PlanTask
from taizhang.rectification.models import Institution, Problem
from taizhang.study.models import Attendance, SelfStudy, Speech, StudyActivity

ID = idcard.make("110105", date(1985, 3, 4), 123)  # odd sequence → male


def _ok(run):
    assert run.status in ("done", "preview"), run.errors
    return run


def test_organizations_are_created_under_their_parents_in_any_row_order(world, run_import):
    data = workbook(
        {
            "组织": [
                ["WC-1", "丙支部第一小组", "WC", "党小组"],
                ["WC", "丙支部", "W", "党支部"],
                ["WA", "甲支部（更名）", "W", "党支部"],
            ]
        }
    )
    run = _ok(run_import(data, user=world.admin))
    branch, group = Organization.objects.get(code="WC"), Organization.objects.get(code="WC-1")
    assert group.parent == branch and branch.parent == world.committee
    assert group.path == f"{world.committee.path}{branch.pk}/{group.pk}/" and group.depth == 2
    assert Organization.objects.get(code="WA").name == "甲支部（更名）"
    assert run.counts["组织"] == {"created": 2, "updated": 1, "unchanged": 0}
    again = _ok(run_import(data, user=world.admin))
    assert again.counts["组织"] == {"created": 0, "updated": 0, "unchanged": 3}


def test_members_are_found_by_id_number_or_by_name_in_their_unit(world, run_import):
    data = workbook(
        {
            "党员": [
                ["赵新", "WA", "", ID, "13912345678", "预备党员", "2023年6月30日", "科员", "办公室"],
                ["甲3号", "WA-1", "", "", "", "", "", "小组长", ""],
            ]
        }
    )
    run = _ok(run_import(data, user=world.admin))
    new = Member.objects.get(name="赵新")
    assert new.gender == "male" and new.id_number == ID and new.phone == "13912345678"
    assert new.category == "probationary" and new.joined_on == date(2023, 6, 30)
    assert Member.objects.get(name="甲3号").post == "小组长"
    assert run.counts["党员"] == {"created": 1, "updated": 1, "unchanged": 0}
    # The same person by ID number, now with another phone and a masked export-style phone ignored.
    again = workbook({"党员": [["赵新", "WA", "男", ID, "139****5678", "", "", "副科长", ""]]})
    run = _ok(run_import(again, user=world.admin))
    new.refresh_from_db()
    assert (new.post, new.phone) == ("副科长", "13912345678")
    assert Member.objects.filter(name="赵新").count() == 1


def test_a_campaign_sheet_creates_the_campaign_later_rows_belong_to(world, run_import):
    data = workbook(
        {
            "学习教育": [["dj2024", "2024年党纪学习教育", "2024-04-01", "2024-07-31", "W"]],
            "学习活动": [
                ["2024-05-10", "WA", "支部集中学习", "学习《条例》", "", "", "甲0号、甲1号", "", "", "", ""]
            ],
        }
    )
    _ok(run_import(data, user=world.admin))
    campaign = Campaign.objects.get(code="dj2024")
    assert campaign.org == world.committee and campaign.end_date == date(2024, 7, 31)
    assert StudyActivity.objects.get().campaign == campaign


def test_an_activity_brings_its_attendance_absences_invitees_and_speakers(world, run_import):
    world.people_b[1].name = "乙领导"
    world.people_b[1].save()
    row = [
        "2023年9月5日",
        "WA",
        "支部集中学习",
        "学习二十大报告",
        "会议室",
        "甲0号",
        "全体、乙领导（列席）",
        "甲2号（出差）， 甲3号 (外出开会，下午返回)，甲4号（病假）",
        "甲0号（谈体会）、乙领导",
        "《选读》第一卷",
        "补记",
    ]
    run = _ok(run_import(workbook({"学习活动": [row]}), user=world.admin))
    activity = StudyActivity.objects.get()
    assert activity.campaign == world.campaign and activity.type.name == "支部集中学习"
    assert (activity.place, activity.host, activity.other_materials, activity.note) == (
        "会议室",
        "甲0号",
        "《选读》第一卷",
        "补记",
    )
    rows = {
        a.member.name: (a.status, a.invited, a.reason, a.reason_note)
        for a in activity.attendances.select_related("member")
    }
    assert rows == {
        "甲0号": ("present", False, "", ""),
        "甲1号": ("present", False, "", ""),
        "甲5号": ("present", False, "", ""),
        "乙领导": ("present", True, "", ""),
        "甲2号": ("absent", False, "trip", ""),
        "甲3号": ("absent", False, "other", "外出开会，下午返回"),
        "甲4号": ("absent", False, "sick", ""),
    }
    assert sorted(Speech.objects.values_list("member__name", "gist")) == [("乙领导", ""), ("甲0号", "谈体会")]
    assert run.counts["学习活动"]["attendance"] == 7 and run.counts["学习活动"]["speeches"] == 2
    # Again: nothing new; a new absentee reason is an update of that one row.
    row[7] = "甲2号（培训），甲3号(外出开会，下午返回)，甲4号（病假）"
    again = _ok(run_import(workbook({"学习活动": [row]}), user=world.admin))
    assert StudyActivity.objects.count() == 1 and Attendance.objects.count() == 7
    assert again.counts["学习活动"] == {
        "created": 0,
        "updated": 1,
        "unchanged": 0,
        "attendance": 0,
        "attendance_updated": 1,
        "speeches": 0,
    }
    assert Attendance.objects.get(member__name="甲2号").reason == "training"


def test_self_study_belongs_to_the_members_unit(world, run_import):
    data = workbook(
        {"个人自学": [["2023-10-01", "甲1号", "WA", "《选读》第二卷", "９０", "学习强国", "体会"]]}
    )
    _ok(run_import(data, user=world.admin))
    entry = SelfStudy.objects.get()
    assert entry.member == world.people_a[1] and entry.org == world.group_a
    assert (entry.minutes, entry.channel, entry.campaign) == (90, "xuexi", world.campaign)
    assert entry.created_by == world.admin


def test_a_visit_keeps_outsiders_as_text_and_findings_as_rows(world, run_import):
    data = workbook(
        {
            "调研": [
                ["2023-10-12", "WA", "营商环境", "大厅", "王局长", "甲0号、甲1号、街道干部", "排队久\n材料多"]
            ]
        }
    )
    _ok(run_import(data, user=world.admin))
    visit = ResearchVisit.objects.get()
    assert sorted(m.name for m in visit.participants.all()) == ["甲0号", "甲1号"]
    assert visit.participants_text == "街道干部" and visit.leader == "王局长"
    assert list(Finding.objects.values_list("text", flat=True)) == ["排队久", "材料多"]
    _ok(run_import(data, user=world.admin))
    assert ResearchVisit.objects.count() == 1 and Finding.objects.count() == 2


def test_demands_and_matters(world, run_import):
    data = workbook(
        {
            "群众诉求": [["2023-10-12", "WB", "", "路灯不亮", "已修复", "是"]],
            "办实事": [["修路灯", "WB", "小区居民", "乙0号", "2023-12-31", "已办结", "2023-11-30", "亮了"]],
        }
    )
    _ok(run_import(data, user=world.admin))
    demand = Demand.objects.get()
    assert demand.resolved and demand.raised_by == "" and demand.campaign == world.campaign
    matter = PracticalMatter.objects.get()
    assert (matter.status, matter.done_on, matter.campaign, matter.light) == (
        "done",
        date(2023, 11, 30),
        world.campaign,
        "done",
    )
    assert Event.objects.filter(object_id=matter.pk, kind="created", to_state="done").count() == 1


@pytest.mark.parametrize(
    "label, status",
    [("待整改", "open"), ("整改中", "in_progress"), ("待审核", "submitted"), ("已销号", "closed")],
)
def test_problem_statuses_map_to_the_loop(world, run_import, label, status):
    closed_on = "2023-12-01" if status == "closed" else ""
    data = workbook(
        {
            "问题清单": [
                [
                    "WT-001",
                    "WA",
                    "工作作风",
                    "征求意见",
                    "主动服务不够",
                    "限期整改",
                    "甲0号",
                    "办公室",
                    "甲1号",
                    "2023-12-31",
                    label,
                    closed_on,
                ]
            ]
        }
    )
    _ok(run_import(data, user=world.admin))
    problem = Problem.objects.get()
    assert problem.status == status and problem.responsible_leader == world.people_a[0]
    assert problem.campaign == world.campaign and problem.code == "WT-001"
    assert Event.objects.filter(object_id=problem.pk, kind="created", to_state=status).exists()


def test_measures_and_institutions_find_problems_in_the_sheet_or_the_database(world, run_import):
    from taizhang.rectification.services import problem_create

    old = problem_create(
        campaign=world.campaign,
        org=world.branch_b,
        category="style",
        source="meeting",
        description="旧问题",
        code="WT-009",
    )
    data = workbook(
        {
            "问题清单": [
                [
                    "WT-001",
                    "WA",
                    "理论学习",
                    "专题会议",
                    "学习不深",
                    "",
                    "",
                    "",
                    "",
                    "2023-12-31",
                    "整改中",
                    "",
                ]
            ],
            "整改措施": [
                ["WT-001", "制定学习计划", "甲0号", "2023-11-30", "已完成", "2023-11-20"],
                ["WT-009", "建立台账", "", "", "未完成", ""],
            ],
            "制度": [["学习制度", "新建", "WA", "2023-11-20", "WT-001、WT-009"]],
        }
    )
    run = _ok(run_import(data, user=world.admin))
    problem = Problem.objects.get(code="WT-001")
    assert problem.rectification_type == "deadline"
    assert list(problem.measures.values_list("content", "status")) == [("制定学习计划", "done")]
    assert old.measures.get().content == "建立台账"
    institution = Institution.objects.get()
    assert set(institution.problems.values_list("code", flat=True)) == {"WT-001", "WT-009"}
    assert institution.campaign == world.campaign and institution.kind == "new"
    assert run.counts["制度"]["problem_links"] == 2
    assert Event.objects.filter(kind="created", to_state="done", note="导入新增").count() == 1


def test_tasks(world, run_import):
    data = workbook(
        {
            "工作任务": [
                ["召开动员会", "W", "2023-09-05", "特色做法", "甲0号", "办公室", "已完成", "2023-09-05"]
            ]
        }
    )
    _ok(run_import(data, user=world.admin))
    task = PlanTask.objects.get()
    assert (task.kind, task.status, task.planned_end, task.lead_leader) == (
        "featured",
        "done",
        date(2023, 9, 5),
        world.people_a[0],
    )
    assert task.campaign == world.campaign and task.light == "done"


def test_campaign_assignment_follows_the_rules(world, run_import):
    branch_campaign = make_campaign(
        org=world.branch_a, code="wa23", start_date=date(2023, 10, 1), end_date=date(2023, 10, 31)
    )
    later = make_campaign(
        org=world.committee, code="w24", start_date=date(2024, 3, 1), end_date=date(2024, 6, 30)
    )
    activity = ["", "WA", "主题党日", "", "", "", "甲0号", "", "", "", ""]
    rows = []
    for day, topic, code in (
        ("2023-09-10", "委内活动", ""),  # only the committee's campaign covers the day
        ("2023-10-10", "支部活动", ""),  # both cover it: the branch's own (more specific) wins
        ("2023-02-01", "期外活动", ""),  # no campaign covers the day: under none
        ("2023-02-02", "指定活动", "wc"),  # the column decides
    ):
        rows.append([day, activity[1], activity[2], topic, *activity[4:], code])
    run = _ok(
        run_import(
            workbook({"学习活动": rows, "办实事": [["修路", "WA", "", "", "", "推进中", "", ""]]}),
            user=world.admin,
        )
    )
    by_topic = dict(StudyActivity.objects.values_list("topic", "campaign__code"))
    assert by_topic == {"委内活动": "wc", "支部活动": "wa23", "期外活动": None, "指定活动": "wc"}
    # Undated rows: the latest campaign of the unit.
    assert PracticalMatter.objects.get().campaign == later
    assert branch_campaign.pk and run.status == "done"


def test_every_import_is_an_import_run_and_an_audit_row(world, run_import):
    run = _ok(
        run_import(workbook({"组织": [["WZ", "新支部", "W", "党支部"]]}), user=world.admin, dry_run=True)
    )
    assert run.status == "preview" and not Organization.objects.filter(code="WZ").exists()
    assert run.sha256 and run.org == world.committee and run.user == world.admin
    log = AuditLog.objects.filter(action="import").get()
    assert log.detail["dry_run"] and log.detail["counts"]["组织"]["created"] == 1 and log.user == world.admin
