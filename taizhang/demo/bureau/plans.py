"""Demo part: the work plan of zt2023b2 (about 40 tasks by week and day over its 4 phases), study
plans at all three levels, and the history the daily light refresh would have written.

The campaign is over (it ended on 2024-01-31), so the history is written as it happened: each task
was put on the plan at the start, turned yellow three days before its deadline, red the day after
it when still open, and done on the day its fulfilling record (a study activity of the campaign,
found by type and date, when the study part has loaded them) or its written report came in. Most
tasks were done in time, a few late, two are still open and therefore red today.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from taizhang.accounts.models import User
from taizhang.campaigns.models import Campaign
from taizhang.core.lights import light_for
from taizhang.core.models import Attachment, Event
from taizhang.core.services import attachment_create
from taizhang.demo.loader import DEMO_CAMPAIGN, DemoContext
from taizhang.org.models import Member, Organization
from taizhang.plans.models import PlanTask, PlanTaskLink, StudyPlan, StudyPlanItem
from taizhang.plans.services import plan_match
from taizhang.study.models import ActivityType, StudyActivity

NAME = "plans"

P, F = PlanTask.Kind.PRESCRIBED, PlanTask.Kind.FEATURED


def d(month: int, day: int) -> date:
    return date(2024 if month == 1 else 2023, month, day)


# (title, kind, phase index, start, end, unit code, lead leader, department, activity type code, description)
# fmt: off
TASKS: tuple[tuple[Any, ...], ...] = (
    ("召开党委会研究部署主题教育", P, 0, d(9, 1), d(9, 1), "JDW", "王建国", "办公室", None,
     "传达上级主题教育工作会议精神，研究本局主题教育实施方案和工作安排。"),
    ("成立主题教育领导小组及办公室", P, 0, d(9, 1), d(9, 4), "JDW", "王建国", "办公室", None,
     "成立领导小组，下设办公室和工作专班，明确职责分工。"),
    ("制定印发主题教育实施方案", P, 0, d(9, 1), d(9, 6), "JDW", "陈志强", "办公室", None,
     "结合工作实际制定实施方案，明确目标任务、重点措施和时间安排，将重点任务落实到周、明确到天。"),
    ("召开主题教育动员部署会", P, 0, d(9, 5), d(9, 5), "JDW", "王建国", "办公室", None,
     "局党委书记作动员讲话，对主题教育作出全面部署。"),
    ("第一议题：传达学习重要讲话精神", P, 0, d(9, 11), d(9, 11), "JDW", "王建国", "办公室", "first_topic",
     "党委会第一议题学习，结合实际研究贯彻落实措施。"),
    ("制定党委理论学习中心组学习计划", P, 0, d(9, 6), d(9, 8), "JDW", "陈志强", "办公室", None,
     "按专题安排中心组学习，明确学习内容、时间和领学人。"),
    ("各支部制定学习计划和个人自学计划", P, 0, d(9, 8), d(9, 15), "JDW", "赵丽华", "人事处", None,
     "各党支部结合实际制定支部学习计划，党员制定个人自学计划。"),
    ("营造主题教育宣传氛围", P, 0, d(9, 4), d(9, 15), "JDW", "赵丽华", "办公室", None,
     "开设专栏、编发简报，在政务服务大厅设置宣传展板。"),
    ("举办主题教育读书班（第一期）", P, 1, d(9, 18), d(9, 22), "JDW", "王建国", "办公室", "reading_class",
     "集中5天时间举办读书班，原原本本学、交流研讨。"),
    ("理论学习中心组专题学习（一）", P, 1, d(9, 26), d(9, 26), "JDW", "王建国", "办公室", "central_group",
     "围绕“凝心铸魂筑牢根本”开展专题学习研讨。"),
    ("各支部开展集中学习", P, 1, d(9, 25), d(9, 29), "JDW", "赵丽华", "人事处", "branch_concentrated",
     "各党支部组织党员集中学习主题教育必读书目。"),
    ("开展“四下基层”专题调研", P, 1, d(9, 18), d(10, 31), "JDW", "陈志强", "政策法规处", None,
     "班子成员领题调研，深入窗口、企业和群众中了解情况，每人形成一篇调研报告。"),
    ("开展“我为群众办实事”项目梳理", P, 1, d(10, 9), d(10, 20), "JDW", "孙海涛", "政务服务中心", None,
     "梳理群众急难愁盼问题，形成办实事项目清单，明确责任领导和完成时限。"),
    ("开展主题党日活动", P, 1, d(10, 10), d(10, 13), "JDW", "赵丽华", "人事处", "theme_party_day",
     "各支部结合工作开展主题党日活动。"),
    ("政务服务“走流程”体验", F, 1, d(10, 16), d(10, 27), "JDW04", "孙海涛", "政务服务中心", None,
     "班子成员以企业和群众身份走流程、坐窗口，查找堵点难点。"),
    ("党委书记讲专题党课", P, 1, d(10, 17), d(10, 17), "JDW", "王建国", "办公室", "party_lecture",
     "局党委书记结合学习体会和调研成果讲专题党课。"),
    ("青年干部座谈会", F, 1, d(10, 19), d(10, 19), "JDW", "赵丽华", "人事处", "youth_forum",
     "组织青年干部谈学习体会、谈成长感悟、谈岗位担当。"),
    ("理论学习中心组专题学习（二）", P, 1, d(10, 24), d(10, 24), "JDW", "王建国", "办公室", "central_group",
     "围绕“锤炼品格强化忠诚”开展专题学习研讨。"),
    ("清风课堂：警示教育", F, 1, d(10, 26), d(10, 26), "JDW", "孙海涛", "机关纪委", "clean_class",
     "观看警示教育片，以案为鉴、以案促改。"),
    ("广泛征求意见建议", P, 1, d(10, 30), d(11, 10), "JDW", "赵丽华", "办公室", None,
     "通过座谈、问卷、走访等方式向服务对象和干部职工征求意见建议。"),
    ("召开调研成果交流会", P, 1, d(11, 6), d(11, 6), "JDW", "陈志强", "政策法规处", "exchange_discussion",
     "班子成员交流调研成果，研究解决问题的思路举措。"),
    ("举办读书班（第二期）", P, 1, d(11, 6), d(11, 10), "JDW", "王建国", "办公室", "reading_class",
     "围绕以学增智、以学促干开展集中学习研讨。"),
    ("支部书记讲党课", P, 1, d(11, 1), d(11, 15), "JDW", "赵丽华", "人事处", "party_lecture",
     "各党支部书记为本支部党员讲一次专题党课。"),
    ("专题研讨：以学增智", P, 1, d(11, 13), d(11, 13), "JDW", "王建国", "办公室", "seminar",
     "领导班子围绕以学增智开展专题研讨。"),
    ("形成调研报告并转化成果", P, 1, d(11, 1), d(11, 15), "JDW", "陈志强", "政策法规处", None,
     "每位班子成员形成调研报告，推动调研成果转化为解决问题的具体措施。"),
    ("机关一支部“政策学习分享会”", F, 1, d(10, 25), d(10, 25), "JDW01", "张伟", "人事处", "exchange_discussion",
     "支部党员轮流分享新出台政策的学习心得。"),
    ("机关二支部“法规进企业”主题党日", F, 1, d(10, 20), d(10, 20), "JDW02", "周明", "政策法规处", "theme_party_day",
     "走进园区企业宣讲审批改革政策，现场解答问题。"),
    ("检视问题，建立问题清单", P, 2, d(11, 16), d(11, 24), "JDW", "赵丽华", "办公室", None,
     "对照调研发现和征求的意见，逐项检视问题，建立问题清单、整改清单、责任清单。"),
    ("制定整改方案", P, 2, d(11, 20), d(11, 30), "JDW", "陈志强", "办公室", None,
     "针对问题清单制定整改措施，明确责任领导、责任部门和整改时限。"),
    ("召开整改专题研讨", P, 2, d(11, 28), d(11, 28), "JDW", "王建国", "办公室", "rectification_seminar",
     "围绕检视整改开展专题研讨，推动问题逐项销号。"),
    ("开展专项整治", P, 2, d(12, 1), d(12, 29), "JDW", "孙海涛", "行政审批一处", None,
     "聚焦审批提速、窗口服务作风等突出问题开展专项整治。"),
    ("理论学习中心组专题学习（三）", P, 2, d(12, 12), d(12, 12), "JDW", "王建国", "办公室", "central_group",
     "围绕“践行宗旨为民造福”开展专题学习研讨。"),
    ("清风课堂：廉政教育", F, 2, d(12, 14), d(12, 14), "JDW", "孙海涛", "机关纪委", "clean_class",
     "邀请市纪委同志讲授廉政党课。"),
    ("建章立制", P, 2, d(12, 4), d(12, 29), "JDW", "陈志强", "政策法规处", None,
     "针对整改中发现的制度短板，新建和完善一批制度。"),
    ("召开专题民主生活会", P, 2, d(12, 20), d(12, 21), "JDW", "王建国", "办公室", None,
     "领导班子和班子成员深入查摆问题，开展批评和自我批评。"),
    ("召开专题组织生活会", P, 2, d(12, 25), d(12, 29), "JDW", "赵丽华", "人事处", "branch_general_meeting",
     "各党支部召开专题组织生活会，开展民主评议党员。"),
    ("青年干部座谈会（第二期）", F, 3, d(1, 10), d(1, 10), "JDW", "赵丽华", "人事处", "youth_forum",
     "青年干部交流主题教育收获，畅谈新年工作打算。"),
    ("开展整改“回头看”", P, 3, d(1, 2), d(1, 12), "JDW", "孙海涛", "办公室", None,
     "对问题清单逐项复核，防止问题反弹。"),
    ("开展群众满意度测评", P, 3, d(1, 8), d(1, 19), "JDW", "孙海涛", "政务服务中心", None,
     "向办事企业和群众开展满意度测评，检验主题教育成效。"),
    ("形成主题教育总结报告", P, 3, d(1, 15), d(1, 26), "JDW", "陈志强", "办公室", None,
     "总结主题教育经验做法和成效，形成总结报告报上级。"),
    ("召开主题教育总结会议", P, 3, d(1, 25), d(1, 25), "JDW", "王建国", "办公室", None,
     "总结主题教育开展情况，部署巩固拓展主题教育成果工作。"),
    ("建立巩固主题教育成果长效机制", P, 3, d(1, 15), d(1, 31), "JDW", "陈志强", "办公室", None,
     "把主题教育中形成的好经验好做法固化为制度机制。"),
)
# fmt: on

# Done this many days after the deadline (late); the rest were done by their deadline.
LATE = {
    "开展“四下基层”专题调研": 9,
    "广泛征求意见建议": 4,
    "制定整改方案": 6,
    "建章立制": 12,
    "开展群众满意度测评": 5,
}
# Still open today (2026): red, and visible as such on the 督办 page.
OPEN = {
    "建立巩固主题教育成果长效机制": PlanTask.Status.IN_PROGRESS,
    "开展整改“回头看”": PlanTask.Status.IN_PROGRESS,
}

CLOSING = {
    "成立主题教育领导小组及办公室": "印发《关于成立主题教育领导小组的通知》，领导小组下设办公室和工作专班。",
    "制定印发主题教育实施方案": "实施方案经党委会审议通过后印发，明确5个方面18项重点任务。",
    "召开主题教育动员部署会": "动员部署会召开，全局党员干部参加，局党委书记作动员讲话。",
    "召开党委会研究部署主题教育": "党委会专题研究主题教育工作，形成会议纪要。",
    "制定党委理论学习中心组学习计划": "中心组学习计划印发，安排专题学习6次。",
    "各支部制定学习计划和个人自学计划": "6个党支部学习计划和党员个人自学计划均已制定并报备。",
    "营造主题教育宣传氛围": "开设主题教育专栏，编发工作简报，大厅设置宣传展板。",
    "开展“四下基层”专题调研": "班子成员分别领题调研，走访企业和窗口，形成调研报告。",
    "开展“我为群众办实事”项目梳理": "梳理形成办实事项目清单，明确责任领导和完成时限。",
    "政务服务“走流程”体验": "班子成员走流程、坐窗口，查找堵点问题并交办整改。",
    "广泛征求意见建议": "发放问卷、召开座谈会，收集意见建议并分类梳理。",
    "形成调研报告并转化成果": "调研报告全部形成，调研成果转化为具体措施。",
    "检视问题，建立问题清单": "建立问题清单、整改清单、责任清单。",
    "制定整改方案": "整改方案印发，每个问题明确整改措施、责任领导和时限。",
    "开展专项整治": "专项整治按计划推进，阶段性成效明显。",
    "建章立制": "新建和完善制度一批，印发执行。",
    "召开专题民主生活会": "专题民主生活会召开，上级督导组到会指导。",
    "开展群众满意度测评": "回收测评表，满意度较高，意见建议已反馈相关部门。",
    "形成主题教育总结报告": "总结报告经党委会审议后报送上级。",
    "召开主题教育总结会议": "总结会议召开，部署巩固拓展主题教育成果工作。",
}

# Study plans: (topic, material, month, day, form, activity type code)
COMMITTEE_ITEMS = (
    ("第一议题：传达学习重要讲话精神", "重要讲话原文", 9, 11, "concentrated", "first_topic"),
    ("读书班（第一期）：原原本本学", "《习近平著作选读》第一卷", 9, 20, "reading", "reading_class"),
    (
        "中心组专题学习：凝心铸魂筑牢根本",
        "《习近平新时代中国特色社会主义思想专题摘编》",
        9,
        26,
        "seminar",
        "central_group",
    ),
    ("专题党课：深刻领会主题教育重大意义", "党课讲稿", 10, 17, "lecture", None),
    ("中心组专题学习：锤炼品格强化忠诚", "《习近平著作选读》第二卷", 10, 24, "seminar", "central_group"),
    (
        "读书班（第二期）：以学增智",
        "《习近平新时代中国特色社会主义思想学习纲要（2023年版）》",
        11,
        8,
        "reading",
        "reading_class",
    ),
    ("专题研讨：以学增智、以学促干", "研讨提纲", 11, 13, "seminar", "seminar"),
    ("整改专题研讨", "问题清单和整改方案", 11, 28, "seminar", "rectification_seminar"),
    (
        "中心组专题学习：践行宗旨为民造福",
        "《习近平关于调查研究论述摘编》",
        12,
        12,
        "seminar",
        "central_group",
    ),
    ("第一议题：学习中央经济工作会议精神", "会议公报", 12, 18, "concentrated", "first_topic"),
)
BRANCH_ITEMS = (
    ("集中学习：主题教育必读书目（一）", "《习近平著作选读》第一卷", 9, 14, "concentrated", None),
    (
        "集中学习：主题教育必读书目（二）",
        "《习近平新时代中国特色社会主义思想专题摘编》",
        9,
        28,
        "concentrated",
        None,
    ),
    ("主题党日：重温入党誓词", "党章", 10, 12, "concentrated", "theme_party_day"),
    ("集中学习：调查研究论述", "《习近平关于调查研究论述摘编》", 10, 26, "concentrated", None),
    ("支部书记讲党课", "党课讲稿", 11, 9, "lecture", None),
    ("专题研讨：立足岗位作贡献", "研讨提纲", 11, 23, "seminar", None),
    ("主题党日：廉洁文化教育", "警示教育读本", 12, 12, "concentrated", "theme_party_day"),
    ("集中学习：中央经济工作会议精神", "会议公报", 12, 21, "concentrated", None),
)
GROUP_ITEMS = (
    ("党小组学习：必读书目交流", "《习近平著作选读》", 9, 21, "concentrated", "group_meeting"),
    ("党小组学习：调研发现交流", "调研记录", 10, 19, "concentrated", "group_meeting"),
    ("党小组学习：对照检视", "问题清单", 11, 30, "concentrated", "group_meeting"),
)
PERSONAL_ITEMS = (
    ("自学：《习近平著作选读》第一卷", "《习近平著作选读》第一卷", 9, 10, "self", None),
    ("参加支部集中学习", "", 9, 28, "concentrated", None),
    ("自学：《专题摘编》", "《习近平新时代中国特色社会主义思想专题摘编》", 10, 8, "self", None),
    ("自学：调查研究论述", "《习近平关于调查研究论述摘编》", 10, 29, "self", None),
    ("参加支部党课", "", 11, 9, "lecture", None),
    ("撰写学习心得体会", "", 11, 26, "self", None),
    ("自学：学习纲要", "《习近平新时代中国特色社会主义思想学习纲要（2023年版）》", 12, 17, "self", None),
)
PERSONAL_PLAN_PEOPLE = ("王建国", "张伟", "刘芳", "周明", "李文静", "赵丽华")
GROUP_PLAN_UNITS = ("JDW01-1", "JDW01-2", "JDW02-1")


def _at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _evidence_png(seed: int) -> SimpleUploadedFile:
    """A small image standing in for a meeting photo (the demo ships no real photos)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200), (245, 245, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 320, 36), fill=(181, 18, 27))
    for row in range(5):
        shade = 200 - (seed * 13 + row * 17) % 80
        draw.rectangle((20, 52 + row * 28, 300, 68 + row * 28), fill=(shade, shade, shade))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("现场照片.png", buffer.getvalue(), content_type="image/png")


def _find_activity(activities: list[tuple], code: str, task_org: Organization, start: date, end: date) -> Any:
    """The campaign's recorded activity of this type nearest the task's days (within a week of them),
    one held by the task's own unit before one of a unit below it."""
    best = None
    for activity_id, activity_code, day, path in activities:
        if activity_code != code or not path.startswith(task_org.path):
            continue
        if day < start - timedelta(days=7) or day > end + timedelta(days=7):
            continue
        distance = 0 if start <= day <= end else min(abs((day - start).days), abs((day - end).days))
        rank = (path != task_org.path, distance, day, activity_id)
        if best is None or rank < best[0]:
            best = (rank, activity_id, day)
    return best


def _light_events(
    task: PlanTask, created: date, ct: ContentType, today: date, actor: Any
) -> tuple[str, list[Event]]:
    """The light changes the daily refresh recorded for this task, on the days they happened.

    Between the yellow day (deadline - 3), the red day (deadline + 1) and the closing day the
    light cannot change, so only those days are looked at."""
    closed_on = task.done_on if task.status == PlanTask.Status.DONE else None
    current = light_for(task.planned_end, False, created)
    turning = {task.planned_end - timedelta(days=3), task.planned_end + timedelta(days=1)}
    if closed_on:
        turning.add(closed_on)
    events: list[Event] = []
    for day in sorted(x for x in turning if created < x <= today):
        closed = closed_on is not None and day >= closed_on
        new = light_for(task.planned_end, closed, day)
        if new != current:
            # Closing syncs the light in the same step (by the closing user); the rest is the
            # daily refresh just after midnight, by nobody.
            at, by = (_at(day, 17, 5), actor) if closed else (_at(day, 0, 10), None)
            events.append(
                Event(
                    content_type=ct,
                    object_id=task.pk,
                    at=at,
                    actor=by,
                    kind=Event.Kind.LIGHT,
                    from_state=current,
                    to_state=new,
                )
            )
            current = new
        if closed:
            break
    return current, events


def load(ctx: DemoContext) -> None:
    rng = ctx.rng(NAME)
    campaign = Campaign.objects.select_related("org").get(code=DEMO_CAMPAIGN)
    root = campaign.org
    today = ctx.today
    phases = list(campaign.phases.order_by("order"))
    orgs = {o.code: o for o in Organization.objects.in_subtree(root)}
    people = {m.name: m for m in Member.objects.in_subtree(root).select_related("org")}
    admin = User.objects.filter(username="admin").first()
    types = {t.code: t for t in ActivityType.objects.filter(campaign__isnull=True)}
    activities = list(
        StudyActivity.objects.filter(campaign=campaign).values_list("pk", "type__code", "date", "org__path")
    )
    activity_ct = ContentType.objects.get_for_model(StudyActivity)
    task_ct = ContentType.objects.get_for_model(PlanTask)

    tasks: list[PlanTask] = []
    plan_made = date(2023, 9, 6)
    for title, kind, phase_index, start, end, org_code, leader, dept, type_code, description in TASKS:
        created = (
            min(plan_made, start - timedelta(days=1)) if start > campaign.start_date else date(2023, 8, 31)
        )
        tasks.append(
            PlanTask(
                campaign=campaign,
                phase=phases[phase_index],
                title=title,
                description=description,
                kind=kind,
                org=orgs[org_code],
                lead_leader=people.get(leader),
                responsible_dept=dept,
                planned_start=start,
                planned_end=end,
                required_type=types.get(type_code) if type_code else None,
                created_at=_at(created, 10),
                created_by=admin,
            )
        )
    PlanTask.objects.bulk_create(tasks)

    links: list[PlanTaskLink] = []
    events: list[Event] = []
    linked = 0
    for task, spec in zip(tasks, TASKS, strict=True):
        type_code = spec[8]
        created = timezone.localtime(task.created_at).date()

        def event(day_at: datetime, kind: str, task: PlanTask = task, **fields: Any) -> None:
            events.append(
                Event(content_type=task_ct, object_id=task.pk, at=day_at, actor=admin, kind=kind, **fields)
            )

        event(task.created_at, Event.Kind.CREATED, to_state=PlanTask.Status.NOT_STARTED)
        found = None
        if task.title in OPEN:
            task.done_on = None
        elif type_code and (
            found := _find_activity(activities, type_code, task.org, task.planned_start, task.planned_end)
        ):
            task.done_on = found[2]
        elif task.title in LATE:
            task.done_on = task.planned_end + timedelta(days=LATE[task.title])
        else:
            early = rng.choice((0, 0, 0, 1)) if task.planned_end > task.planned_start else 0
            task.done_on = task.planned_end - timedelta(days=early)
        # Tasks running over several days were started on their first day.
        if task.planned_end > task.planned_start and (
            task.done_on is None or task.done_on > task.planned_start
        ):
            event(
                _at(task.planned_start, 9, 30),
                Event.Kind.STATUS,
                from_state=PlanTask.Status.NOT_STARTED,
                to_state=PlanTask.Status.IN_PROGRESS,
            )
            task.status = PlanTask.Status.IN_PROGRESS
        if task.title in OPEN:
            task.status = OPEN[task.title]
        else:
            if found is not None:
                links.append(
                    PlanTaskLink(task=task, content_type=activity_ct, object_id=found[1], linked_by=admin)
                )
                event(
                    _at(task.done_on, 17),
                    Event.Kind.LINKED,
                    note="关联学习活动",
                    data={"object_id": found[1]},
                )
                linked += 1
            else:
                task.closing_note = CLOSING.get(task.title, f"{task.title}已按计划完成。")
            event(
                _at(task.done_on, 17, 5),
                Event.Kind.STATUS,
                from_state=task.status,
                to_state=PlanTask.Status.DONE,
                note=task.closing_note,
            )
            task.status = PlanTask.Status.DONE
        task.light, history = _light_events(task, created, task_ct, today, admin)
        task.light_changed_at = history[-1].at if history else None
        events.extend(history)
    PlanTask.objects.bulk_update(tasks, ["status", "done_on", "closing_note", "light", "light_changed_at"])
    PlanTaskLink.objects.bulk_create(links)
    Event.objects.bulk_create(events)

    # Written reports without a linked record carry a photo as evidence, as the closing rule asks.
    evidence = 0
    for n, task in enumerate(t for t in tasks if t.status == PlanTask.Status.DONE and t.closing_note):
        photo = attachment_create(task, _evidence_png(n), actor=admin, kind="evidence")
        Attachment.objects.filter(pk=photo.pk).update(uploaded_at=_at(task.done_on, 17, 5))
        evidence += 1

    plans = _study_plans(campaign, root, orgs, people, types, admin)
    matched = sum(plan_match(plan=plan, actor=None).matched for plan in plans)
    # The comparison is shown as made when the campaign closed, not on the day the demo was loaded.
    closed_at = _at(campaign.end_date, 18)
    StudyPlan.objects.filter(pk__in=[p.pk for p in plans]).update(matched_at=closed_at)
    Event.objects.filter(
        content_type=ContentType.objects.get_for_model(StudyPlan),
        object_id__in=[p.pk for p in plans],
        kind=Event.Kind.CHANGED,
    ).update(at=closed_at)
    done = sum(1 for t in tasks if t.status == PlanTask.Status.DONE)
    ctx.say(
        f"  工作任务：{len(tasks)} 项（已完成 {done} 项，其中关联学习活动 {linked} 项；未完成 {len(tasks) - done} 项）；"
        f"学习计划 {len(plans)} 份，已对应实际学习 {matched} 项；佐证照片 {evidence} 张"
    )


def _items(plan: StudyPlan, specs: tuple, types: dict) -> list[StudyPlanItem]:
    return [
        StudyPlanItem(
            plan=plan,
            topic=topic,
            material=material,
            planned_date=d(month, day),
            form=form,
            activity_type=types.get(code) if code else None,
            order=n,
        )
        for n, (topic, material, month, day, form, code) in enumerate(specs)
    ]


def _study_plans(campaign, root, orgs, people, types, admin) -> list[StudyPlan]:  # noqa: ANN001
    plans = [
        StudyPlan(
            campaign=campaign,
            level=StudyPlan.Level.COMMITTEE,
            org=root,
            title="局党委理论学习中心组主题教育学习计划",
            created_by=admin,
            created_at=_at(date(2023, 9, 8), 10),
        )
    ]
    branches = sorted((o for o in orgs.values() if o.kind == "branch"), key=lambda o: o.code)
    for branch in branches:
        plans.append(
            StudyPlan(
                campaign=campaign,
                level=StudyPlan.Level.GROUP,
                org=branch,
                title=f"{branch.display_name}主题教育学习计划",
                created_by=admin,
                created_at=_at(date(2023, 9, 12), 10),
            )
        )
    for code in GROUP_PLAN_UNITS:
        group = orgs[code]
        plans.append(
            StudyPlan(
                campaign=campaign,
                level=StudyPlan.Level.GROUP,
                org=group,
                title=f"{group.display_name}学习安排",
                created_by=admin,
                created_at=_at(date(2023, 9, 14), 10),
            )
        )
    for name in PERSONAL_PLAN_PEOPLE:
        member = people[name]
        plans.append(
            StudyPlan(
                campaign=campaign,
                level=StudyPlan.Level.PERSONAL,
                org=member.org,
                member=member,
                title=f"{name}个人自学计划",
                created_by=admin,
                created_at=_at(date(2023, 9, 15), 10),
            )
        )
    StudyPlan.objects.bulk_create(plans)
    items: list[StudyPlanItem] = []
    for plan in plans:
        if plan.level == StudyPlan.Level.COMMITTEE:
            items += _items(plan, COMMITTEE_ITEMS, types)
        elif plan.level == StudyPlan.Level.GROUP and plan.org.kind == "branch":
            items += _items(plan, BRANCH_ITEMS, types)
        elif plan.level == StudyPlan.Level.GROUP:
            items += _items(plan, GROUP_ITEMS, types)
        else:
            items += _items(plan, PERSONAL_ITEMS, types)
    StudyPlanItem.objects.bulk_create(items)
    ct = ContentType.objects.get_for_model(StudyPlan)
    Event.objects.bulk_create(
        Event(
            content_type=ct,
            object_id=p.pk,
            at=p.created_at,
            actor=admin,
            kind=Event.Kind.CREATED,
            note=p.title,
        )
        for p in plans
    )
    return plans
