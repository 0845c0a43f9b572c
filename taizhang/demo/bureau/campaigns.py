"""Demo part: the 2023 second-batch theme education campaign with its phases, leading group and work team."""

from __future__ import annotations

from datetime import date

from taizhang.campaigns.services import campaign_role_add, campaign_save
from taizhang.demo.loader import DEMO_CAMPAIGN, DEMO_ROOT_ORG, DemoContext
from taizhang.org.models import Member, Organization

NAME = "campaigns"

PHASES = (
    ("动员部署", date(2023, 9, 1), date(2023, 9, 15), "召开动员部署会，成立领导小组，制定实施方案和学习计划"),
    (
        "理论学习与调查研究",
        date(2023, 9, 16),
        date(2023, 11, 15),
        "读书班、专题研讨、第一议题学习；领导班子调研",
    ),
    ("检视整改", date(2023, 11, 16), date(2023, 12, 31), "查摆问题、建立清单、整改销号、建章立制"),
    ("总结评估", date(2024, 1, 1), date(2024, 1, 31), "总结经验做法，评估成效，形成总结报告"),
)


def load(ctx: DemoContext) -> None:
    root = Organization.objects.get(code=DEMO_ROOT_ORG)
    campaign = campaign_save(
        campaign=None,
        data={
            "code": DEMO_CAMPAIGN,
            "name": "2023年第二批主题教育",
            "org": root,
            "start_date": date(2023, 9, 1),
            "end_date": date(2024, 1, 31),
            "general_requirement": "学思想、强党性、重实践、建新功",
            "goal": "凝心铸魂筑牢根本、锤炼品格强化忠诚、实干担当促进发展、践行宗旨为民造福、廉洁奉公树立新风",
            "description": "学习贯彻习近平新时代中国特色社会主义思想主题教育（第二批），局党委及所属各党支部参加。",
            "signature": "中共市行政审批服务局委员会",
        },
        phases=[{"name": n, "start_date": s, "end_date": e, "description": d} for n, s, e, d in PHASES],
    )
    people = {m.name: m for m in Member.objects.in_subtree(root)}
    seats = [
        ("王建国", "group_leader", "局党委书记、局长"),
        ("陈志强", "deputy_leader", "局党委委员、副局长"),
        ("赵丽华", "deputy_leader", "局党委委员、副局长"),
        ("孙海涛", "deputy_leader", "局党委委员、副局长"),
        ("李文静", "office_director", "机关党委专职副书记、办公室主任"),
    ]
    # Branch secretaries are members of the leading group; two staff of each of the first two
    # branches form the work team (工作专班).
    for member in (
        Member.objects.in_subtree(root)
        .filter(post__contains="支部书记")
        .exclude(name__in=[s[0] for s in seats])
    ):
        seats.append((member.name, "group_member", member.post))
    staff = [
        m
        for m in Member.objects.in_subtree(root)
        .filter(post__in=("一级科员", "二级主任科员", "一级主任科员"))
        .order_by("sort_order")[:4]
    ]
    seats.append((staff[0].name, "office_member", "办公室成员"))
    for member in staff[1:]:
        seats.append((member.name, "work_team", "工作专班成员"))
    for name, role, title in seats:
        campaign_role_add(campaign=campaign, member=people[name], role=role, title=title)
    ctx.say(f"  学习教育：{campaign.name}（{campaign.code}），领导小组与工作专班 {len(seats)} 人")
