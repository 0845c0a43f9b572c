"""Demo part: a year of study (2023-02-01 to 2024-01-31) across the committee and its six branches.

Committee: first-topic study at Party committee meetings (第一议题), monthly central-group study, three
reading classes and a rectification seminar during the campaign, Party lectures. Branches: fortnightly
weekly-meeting study, monthly concentrated study and theme Party days, quarterly Party lectures,
rectification seminars and exchange discussions in the campaign; groups of two branches hold group
meetings. Attendance is realistic (most present, a few absent with reasons, occasional invitees),
speakers have plausible gists, members log self-study with notes.

Activities dated inside the campaign (2023-09-01..2024-01-31) belong to it; the others to none.
The retired cadres' branch (JDW06) holds nothing after mid-December, so at the campaign's end it is
flagged as a silent unit (静默支部). Everything is bulk-inserted and seeded by NAME: deterministic.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType

from taizhang.accounts.models import User
from taizhang.campaigns.models import Campaign
from taizhang.core.models import Event
from taizhang.demo.loader import DEMO_CAMPAIGN, DEMO_ROOT_ORG, DemoContext
from taizhang.org.models import Member, Organization
from taizhang.study import counts
from taizhang.study.models import ActivityType, Attendance, Material, SelfStudy, Speech, StudyActivity

NAME = "study"

YEAR_START = date(2023, 2, 1)
YEAR_END = date(2024, 1, 31)
QUIET_BRANCH = "JDW06"
QUIET_AFTER = date(2023, 12, 15)  # JDW06's last activity is on or before this day
TZ = ZoneInfo("Asia/Shanghai")

REQUIRED_BOOKS = (
    "《习近平著作选读》第一卷",
    "《习近平著作选读》第二卷",
    "《习近平新时代中国特色社会主义思想专题摘编》",
    "《习近平新时代中国特色社会主义思想学习纲要（2023年版）》",
)
CAMPAIGN_BOOKS = ("《习近平关于调查研究论述摘编》", "《论党的自我革命》")
GENERAL_BOOKS = ("《中国共产党章程》", "党的二十大报告", "《中国共产党纪律处分条例》")

COMMITTEE_MEMBERS = ("王建国", "陈志强", "赵丽华", "孙海涛", "李文静")
# The committee member who keeps in touch with each branch (党建联系点); attends its seminars.
CONTACT_LEADER = {
    "JDW01": "孙海涛",
    "JDW02": "赵丽华",
    "JDW03": "陈志强",
    "JDW04": "赵丽华",
    "JDW05": "孙海涛",
    "JDW06": "王建国",
}
PLACES = {
    DEMO_ROOT_ORG: "局机关六楼党委会议室",
    "JDW01": "局机关三楼第一会议室",
    "JDW02": "局机关四楼会议室",
    "JDW03": "局机关五楼会议室",
    "JDW04": "政务服务中心二楼党员活动室",
    "JDW05": "信息中心三楼会议室",
    "JDW06": "离退休干部活动中心",
}
THEME_DAY_PLACES = (
    "济南战役纪念馆",
    "市廉政教育基地",
    "包联社区党群服务中心",
    "市档案馆红色档案展",
    "政务服务大厅（党员先锋岗志愿服务）",
)

FIRST_TOPIC_TOPICS = (
    "传达学习习近平总书记在学习贯彻习近平新时代中国特色社会主义思想主题教育工作会议上的重要讲话精神",
    "传达学习习近平总书记关于优化营商环境的重要论述",
    "传达学习习近平总书记关于调查研究的重要论述",
    "传达学习习近平总书记在中央政治局集体学习时的重要讲话精神",
    "传达学习习近平总书记关于全面从严治党的重要论述",
    "传达学习习近平总书记关于“高效办成一件事”的重要指示精神",
    "传达学习习近平总书记关于数字政府建设的重要论述",
    "传达学习习近平总书记关于党的自我革命的重要思想",
    "传达学习习近平总书记在深入推进黄河流域生态保护和高质量发展座谈会上的重要讲话精神",
    "传达学习习近平总书记关于以学促干、真抓实干的重要论述",
    "传达学习习近平总书记关于统筹发展和安全的重要论述",
    "传达学习习近平总书记关于党风廉政建设的重要论述",
)
CENTRAL_GROUP_TOPICS = (
    "专题学习习近平新时代中国特色社会主义思想的世界观和方法论",
    "专题学习习近平总书记关于党的建设的重要思想",
    "专题学习习近平经济思想，研讨优化营商环境举措",
    "专题学习习近平总书记关于法治政府建设的重要论述",
    "专题学习习近平总书记关于调查研究的重要论述",
    "专题学习《习近平著作选读》第一卷",
    "专题学习《习近平著作选读》第二卷",
    "专题学习习近平总书记关于以人民为中心的发展思想",
    "专题学习习近平总书记关于担当作为的重要论述",
    "专题学习习近平总书记关于全面从严治党的重要论述",
    "专题学习党的二十大精神",
    "专题学习习近平总书记关于数字中国建设的重要论述",
)
READING_CLASSES = (
    (date(2023, 9, 18), "第一期读书班：《习近平著作选读》第一卷专题", REQUIRED_BOOKS[0]),
    (date(2023, 10, 23), "第二期读书班：《习近平新时代中国特色社会主义思想专题摘编》专题", REQUIRED_BOOKS[2]),
    (date(2023, 11, 27), "第三期读书班：《习近平关于调查研究论述摘编》专题", CAMPAIGN_BOOKS[0]),
)
WEEKLY_TOPICS = (
    "学习习近平总书记重要讲话精神和上级会议精神",
    "学习《习近平著作选读》有关篇目",
    "学习《中国共产党章程》第一章、第二章",
    "学习党的二十大报告有关内容",
    "学习习近平总书记关于优化营商环境的重要论述",
    "学习习近平总书记关于调查研究的重要论述",
    "学习《中国共产党纪律处分条例》典型案例",
    "学习习近平总书记关于为民造福的重要论述",
)
CONCENTRATED_TOPICS = (
    "深入学习习近平新时代中国特色社会主义思想的核心要义",
    "学习《习近平著作选读》，交流学思践悟体会",
    "学习习近平总书记关于以人民为中心的发展思想",
    "学习习近平总书记关于调查研究的重要论述，谋划调研课题",
    "学习习近平总书记关于党的自我革命的重要思想",
    "学习习近平总书记关于优化营商环境的重要论述",
    "学习党的二十大精神，结合岗位谈落实",
    "学习习近平总书记关于担当作为的重要论述",
)
THEME_DAY_TOPICS = (
    "重温入党誓词，缴纳党费",
    "参观红色教育基地，接受革命传统教育",
    "开展“党员先锋岗”志愿服务",
    "观看警示教育片，筑牢廉洁防线",
    "走进包联社区，开展“我为群众办实事”实践活动",
    "学习身边先进典型事迹",
)
LECTURE_TOPICS = (
    "以学铸魂、以学增智、以学正风、以学促干",
    "牢记初心使命，做新时代合格党员",
    "深刻把握习近平新时代中国特色社会主义思想的世界观和方法论",
    "坚持人民至上，提升政务服务水平",
)
RECTIFICATION_TOPICS = (
    "对照检视问题清单，研讨整改措施",
    "聚焦群众反映强烈的问题，研讨立行立改举措",
)
EXCHANGE_TOPICS = (
    "主题教育学习心得交流",
    "“以学促干”交流讨论：说体会、谈打算",
)
GROUP_TOPICS = (
    "学习《习近平著作选读》有关篇目并交流体会",
    "学习党的二十大报告，结合处室工作谈落实",
    "学习《中国共产党章程》，开展党员互评",
    "学习习近平总书记关于调查研究的重要论述",
    "学习主题教育应知应会内容",
)

GIST_OPENINGS = (
    "通过学习，深刻认识到",
    "结合本职工作谈了学习体会，认为",
    "联系思想实际谈了认识，指出",
    "围绕学习内容作了交流发言，认为",
    "谈了自己学习原著的收获，认为",
)
GIST_INSIGHTS = (
    "坚持以人民为中心的发展思想是做好审批服务工作的根本遵循",
    "必须把理论学习成果转化为推动工作的实际成效",
    "调查研究是谋事之基、成事之道，要多到窗口一线听意见",
    "要以自我革命精神检视问题，从严从实抓好整改",
    "优化营商环境没有最好只有更好，要持续压缩审批时限",
    "党员干部要在急难险重任务中当先锋、作表率",
    "要把学习贯彻党的二十大精神落实到每一项具体工作中",
    "学习要原原本本、逐篇逐章读原著，学深悟透",
)
GIST_ACTIONS = (
    "下一步将聚焦“高效办成一件事”，推动更多事项“一网通办”。",
    "将带头深入企业和群众中间，把调研成果转化为具体措施。",
    "将对照问题清单抓好本处室整改落实，按期销号。",
    "将坚持每天学习一小时，持续在学懂弄通做实上下功夫。",
    "将把学习成果落实到窗口服务的每一个环节。",
    "将结合信息化建设，推动审批数据多跑路、群众少跑腿。",
)
RETIRED_ACTIONS = (
    "将继续发挥老党员作用，给年轻同志讲好身边的党史故事。",
    "表示退休不褪色，将积极参加社区志愿服务。",
    "将坚持读原著、学原文，做到离岗不离党。",
)
SELF_NOTES = (
    "重读{book}，对“江山就是人民，人民就是江山”有了更深体会，工作中要把群众满意作为第一标准。",
    "学习{book}有关篇目，认识到调查研究要“身入”更要“心至”，准备结合窗口工作做一次专题调研。",
    "通过学习{book}，进一步理解了自我革命的深刻内涵，要经常对照党章党规检视自己。",
    "学习{book}，感到理论学习要持之以恒，下一步将坚持每日学习，做好读书笔记。",
    "今天在学习强国学习了相关文章和视频，对优化营商环境的要求有了更清晰的认识。",
    "结合{book}的学习，梳理了本岗位存在的不足，制定了改进措施。",
)
ABSENCE_NOTES = {
    "trip": ("赴省厅参加业务对接", "外出开展调研", "赴外地学习考察"),
    "official": ("窗口值班", "参加市里专题会议", "陪同上级检查"),
    "sick": ("住院治疗", "身体不适", ""),
    "personal": ("家中有事", "陪同家人就医", ""),
    "training": ("参加市委党校培训班", "参加业务培训", ""),
    "other": (
        "",
        "",
    ),
}
REASON_WEIGHTS = (("trip", 35), ("official", 25), ("sick", 12), ("personal", 13), ("training", 15))
RETIRED_REASON_WEIGHTS = (("sick", 50), ("personal", 40), ("other", 10))


@dataclass
class Plan:
    """One activity to create, before it has a primary key."""

    org: Organization
    type_code: str
    day: date
    start: time
    end: time
    topic: str
    place: str
    roster: list[Member]
    speakers: tuple[int, int]
    absence: float = 0.06
    invitees: list[Member] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)
    other: str = ""


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _mondays(start: date, end: date, every: int) -> list[date]:
    day = start + timedelta(days=(7 - start.weekday()) % 7)
    days = []
    while day <= end:
        # No meetings in the National Day holiday.
        if not (date(2023, 9, 29) <= day <= date(2023, 10, 6)):
            days.append(day)
        day += timedelta(days=7 * every)
    return days


def _month_days(day_of_month: int, *, weekday_shift: bool = True) -> list[date]:
    days = []
    cursor = YEAR_START
    while cursor <= YEAR_END:
        day = cursor.replace(day=day_of_month)
        # A weekend date moves to the following Monday.
        if weekday_shift and day.weekday() >= 5:
            day += timedelta(days=7 - day.weekday())
        days.append(day)
        cursor = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
    return days


def _in(campaign: Campaign, day: date) -> bool:
    return campaign.start_date <= day <= campaign.end_date


def load(ctx: DemoContext) -> None:
    rng = ctx.rng(NAME)
    root = Organization.objects.get(code=DEMO_ROOT_ORG)
    campaign = Campaign.objects.get(code=DEMO_CAMPAIGN)
    types = {t.code: t for t in ActivityType.objects.filter(campaign=None)}

    materials = _materials(campaign)
    people = {
        m.name: m for m in Member.objects.in_subtree(root).select_related("org").order_by("sort_order", "id")
    }
    branches = list(Organization.objects.filter(parent=root, kind="branch").order_by("sort_order", "id"))
    rosters = {
        b.code: [m for m in people.values() if m.is_active and m.org.path.startswith(b.path)]
        for b in branches
    }
    committee = [people[n] for n in COMMITTEE_MEMBERS]
    secretaries = [m for m in people.values() if "支部书记" in m.post and m.name not in COMMITTEE_MEMBERS]
    everyone = [m for m in people.values() if m.is_active]
    users = {u.member_id: u for u in User.objects.filter(member__isnull=False)}
    admin = User.objects.filter(username="admin").first()

    plans: list[Plan] = []

    def book_for(day: date, *, campaign_only: bool = False) -> list[str]:
        if _in(campaign, day):
            return [rng.choice(REQUIRED_BOOKS + (CAMPAIGN_BOOKS if rng.random() < 0.3 else ()))]
        return [] if campaign_only else [rng.choice(GENERAL_BOOKS)]

    # --- the committee ---------------------------------------------------------------------------
    place = PLACES[DEMO_ROOT_ORG]
    for i, day in enumerate(d for d in _month_days(10) + _month_days(24) if d <= YEAR_END):
        plans.append(
            Plan(
                root,
                "first_topic",
                day,
                time(8, 30),
                time(9, 0),
                FIRST_TOPIC_TOPICS[i % len(FIRST_TOPIC_TOPICS)],
                place,
                committee,
                (1, 3),
                absence=0.05,
            )
        )
    for i, day in enumerate(_month_days(16)):
        plans.append(
            Plan(
                root,
                "central_group",
                day,
                time(9, 0),
                time(11, 30),
                CENTRAL_GROUP_TOPICS[i % len(CENTRAL_GROUP_TOPICS)],
                place,
                committee,
                (3, 5),
                absence=0.05,
                materials=book_for(day),
            )
        )
    for day, topic, book in READING_CLASSES:
        plans.append(
            Plan(
                root,
                "reading_class",
                day,
                time(9, 0),
                time(17, 0),
                topic,
                "市委党校第三教室",
                committee + secretaries,
                (7, 10),
                absence=0.04,
                materials=[book],
                other="集中学习三天：原文领读、专家辅导、分组研讨、交流发言",
            )
        )
    plans.append(
        Plan(
            root,
            "party_lecture",
            date(2023, 6, 30),
            time(15, 0),
            time(16, 30),
            "七一专题党课：" + LECTURE_TOPICS[1],
            "局机关一楼报告厅",
            everyone,
            (0, 0),
            absence=0.08,
            materials=[GENERAL_BOOKS[0]],
        )
    )
    plans.append(
        Plan(
            root,
            "party_lecture",
            date(2023, 12, 12),
            time(15, 0),
            time(16, 30),
            "主题教育专题党课：" + LECTURE_TOPICS[0],
            "局机关一楼报告厅",
            everyone,
            (0, 0),
            absence=0.07,
            materials=[REQUIRED_BOOKS[1]],
        )
    )
    plans.append(
        Plan(
            root,
            "rectification_seminar",
            date(2023, 12, 19),
            time(9, 0),
            time(12, 0),
            "领导班子检视整改专题研讨",
            place,
            committee,
            (5, 5),
            absence=0.0,
            materials=[CAMPAIGN_BOOKS[1]],
        )
    )
    plans.append(
        Plan(
            root,
            "exchange_discussion",
            date(2024, 1, 16),
            time(14, 30),
            time(17, 0),
            "主题教育学习成果交流会",
            "局机关一楼报告厅",
            committee + secretaries,
            (6, 8),
            absence=0.05,
            materials=[REQUIRED_BOOKS[0]],
        )
    )
    plans.append(
        Plan(
            root,
            "clean_class",
            date(2023, 11, 8),
            time(15, 0),
            time(16, 0),
            "清风课堂：以案为鉴，守牢廉洁底线",
            "局机关一楼报告厅",
            everyone,
            (0, 0),
            absence=0.08,
            materials=[GENERAL_BOOKS[2]],
        )
    )

    # --- the branches ----------------------------------------------------------------------------
    for index, branch in enumerate(branches):
        plans += _branch_plans(
            rng,
            branch,
            index,
            roster=rosters[branch.code],
            contact=people[CONTACT_LEADER[branch.code]],
            campaign=campaign,
            book_for=book_for,
        )

    for plan in plans:
        plan.materials = [t for t in plan.materials if t]
    plans.sort(key=lambda p: (p.day, p.start, p.org.path, p.type_code))
    _write(ctx, rng, plans, campaign=campaign, types=types, materials=materials, users=users, admin=admin)
    _self_study(rng, campaign, everyone, materials, users)


def _branch_plans(
    rng: random.Random,
    branch: Organization,
    index: int,
    *,
    roster: list[Member],
    contact: Member,
    campaign: Campaign,
    book_for: Callable[[date], list[str]],
) -> list[Plan]:
    code = branch.code
    retired = code == QUIET_BRANCH
    place = PLACES[code]
    last_day = QUIET_AFTER if retired else YEAR_END
    invitable = [] if contact.org.path.startswith(branch.path) else [contact]
    absence = 0.12 if retired else 0.06
    plans: list[Plan] = []

    def add(
        type_code: str,
        day: date,
        start: time,
        end: time,
        topic: str,
        speakers: tuple[int, int],
        **extra: object,
    ) -> None:
        if day > last_day:
            return
        extra.setdefault("absence", absence)
        plans.append(
            Plan(
                branch,
                type_code,
                day,
                start,
                end,
                topic,
                extra.pop("place", place),
                extra.pop("roster", roster),
                speakers,
                **extra,
            )
        )

    if not retired:
        # Fortnightly, the branches alternating weeks.
        for i, day in enumerate(_mondays(YEAR_START + timedelta(days=7 * (index % 2)), YEAR_END, 2)):
            add(
                "weekly_meeting",
                day,
                time(8, 30),
                time(9, 10),
                WEEKLY_TOPICS[(i + index) % len(WEEKLY_TOPICS)],
                (0, 1),
                absence=0.1,
                materials=book_for(day) if rng.random() < 0.5 else [],
            )
    for i, day in enumerate(_month_days(12 + index)):
        add(
            "branch_concentrated",
            day,
            time(14, 30),
            time(16, 30),
            CONCENTRATED_TOPICS[(i + index) % len(CONCENTRATED_TOPICS)],
            (2, 5),
            invitees=invitable if rng.random() < 0.15 else [],
            materials=book_for(day),
        )
    for i, day in enumerate(_month_days(25 - index)):
        add(
            "theme_party_day",
            day,
            time(9, 0),
            time(11, 30),
            "固定主题党日：" + THEME_DAY_TOPICS[(i + index) % len(THEME_DAY_TOPICS)],
            (0, 3),
            place=rng.choice(THEME_DAY_PLACES) if i % 2 else place,
            invitees=invitable if rng.random() < 0.1 else [],
        )
    for quarter, day in enumerate(
        (date(2023, 3, 28), date(2023, 6, 27), date(2023, 9, 26), date(2023, 12, 14))
    ):
        add(
            "party_lecture",
            day + timedelta(days=index % 2),
            time(15, 0),
            time(16, 30),
            ("支部书记讲党课：" if quarter != 2 else "主题教育专题党课：")
            + LECTURE_TOPICS[(quarter + index) % 4],
            (0, 2),
            materials=book_for(day),
        )
    add(
        "rectification_seminar",
        date(2023, 11, 21) + timedelta(days=3 * index),
        time(14, 30),
        time(17, 0),
        RECTIFICATION_TOPICS[index % 2],
        (4, 7),
        invitees=invitable,
        absence=absence / 2,
        materials=book_for(date(2023, 11, 21)),
    )
    add(
        "exchange_discussion",
        (date(2023, 11, 6) if retired else date(2024, 1, 9)) + timedelta(days=index),
        time(14, 30),
        time(16, 30),
        EXCHANGE_TOPICS[index % 2],
        (4, 8),
        materials=book_for(date(2023, 11, 6)),
    )
    if code in ("JDW01", "JDW02", "JDW03"):
        # First-topic study at the branch committee's meetings (支委会第一议题).
        branch_committee = [m for m in roster if "书记" in m.post or "组长" in m.post]
        for i, day in enumerate(d for d in _month_days(5) if _in(campaign, d) and d.month in (10, 12)):
            add(
                "first_topic",
                day,
                time(8, 30),
                time(9, 0),
                FIRST_TOPIC_TOPICS[(i + 3 * index) % 12],
                (1, 2),
                roster=branch_committee,
                absence=0.05,
            )
    if code in ("JDW01", "JDW04"):
        add(
            "reading_class",
            date(2023, 10, 16) + timedelta(days=index),
            time(9, 0),
            time(17, 0),
            f"{branch.short_name}读书班：《习近平著作选读》第二卷专题",
            (5, 8),
            materials=[REQUIRED_BOOKS[1]],
        )
    if code == "JDW05":
        add(
            "youth_forum",
            date(2023, 11, 14),
            time(15, 0),
            time(17, 0),
            "青年干部座谈会：青春建功数字政府",
            (5, 7),
            materials=book_for(date(2023, 11, 14)),
        )
    if code in ("JDW02", "JDW03"):
        add(
            "clean_class",
            date(2023, 10, 19) + timedelta(days=index),
            time(15, 0),
            time(16, 0),
            "清风课堂：学条例、守规矩",
            (0, 2),
            materials=[GENERAL_BOOKS[2]],
        )
    # Group meetings (党小组会) in two branches during the campaign.
    if code in ("JDW01", "JDW04"):
        for group in branch.children.order_by("sort_order"):
            group_roster = [m for m in roster if m.org_id == group.pk]
            number = int(group.code.rsplit("-", 1)[-1])
            for i, day in enumerate(d for d in _month_days(20) if _in(campaign, d)):
                plans.append(
                    Plan(
                        group,
                        "group_meeting",
                        day + timedelta(days=number),
                        time(16, 0),
                        time(17, 0),
                        GROUP_TOPICS[(i + number) % len(GROUP_TOPICS)],
                        place,
                        group_roster,
                        (2, 4),
                        absence=0.05,
                        materials=book_for(day),
                    )
                )
    return plans


def _materials(campaign: Campaign) -> dict[str, Material]:
    rows = [
        Material(campaign=campaign, title=t, required=True, sort_order=i)
        for i, t in enumerate(REQUIRED_BOOKS)
    ]
    rows += [
        Material(campaign=campaign, title=t, required=False, sort_order=10 + i)
        for i, t in enumerate(CAMPAIGN_BOOKS)
    ]
    existing = set(Material.objects.filter(campaign=None).values_list("title", flat=True))
    rows += [
        Material(campaign=None, title=t, required=False, sort_order=20 + i)
        for i, t in enumerate(GENERAL_BOOKS)
        if t not in existing
    ]
    Material.objects.bulk_create(rows)
    return {
        m.title: m
        for m in Material.objects.filter(title__in=REQUIRED_BOOKS + CAMPAIGN_BOOKS + GENERAL_BOOKS).filter(
            campaign__in=[campaign]
        )
    } | {m.title: m for m in Material.objects.filter(campaign=None, title__in=GENERAL_BOOKS)}


def _gist(rng: random.Random, retired: bool) -> str:
    action = rng.choice(RETIRED_ACTIONS if retired else GIST_ACTIONS)
    return f"{rng.choice(GIST_OPENINGS)}{rng.choice(GIST_INSIGHTS)}。{action}"


def _minutes(plan: Plan, host: str, lead: str, speakers: list[str]) -> str:
    studied = "、".join(plan.materials) or "有关学习材料"
    text = f"会议由{host}主持。{lead}领学了{studied}中的有关内容。"
    if speakers:
        text += f"{'、'.join(speakers)}等{len(speakers)}名同志结合思想和工作实际作了交流发言。"
    text += "会议要求：一是持续深化理论学习，做到学思用贯通；二是坚持以学促干，把学习成效体现到推动工作上。"
    return text


def _write(
    ctx: DemoContext,
    rng: random.Random,
    plans: list[Plan],
    *,
    campaign: Campaign,
    types: dict[str, ActivityType],
    materials: dict[str, Material],
    users: dict[int, User],
    admin: User | None,
) -> None:
    activities: list[StudyActivity] = []
    sheets: list[tuple[list[Attendance], list[Speech]]] = []
    for plan in plans:
        retired = plan.org.code.startswith(QUIET_BRANCH)
        roster = list(plan.roster)
        secretary = next((m for m in roster if "支部书记" in m.post), None) or roster[0]
        host = roster[0].name if plan.org.code == DEMO_ROOT_ORG else secretary.name
        others = [m for m in roster if m.name != host] or roster
        lead = rng.choice(others[:6]).name
        recorder = rng.choice(others[-8:]).name
        recorder_user = users.get(secretary.pk) or admin

        attendance: list[Attendance] = []
        for member in roster:
            absent = plan.absence and member.name != host and rng.random() < plan.absence
            if absent:
                reason = _weighted(rng, RETIRED_REASON_WEIGHTS if retired else REASON_WEIGHTS)
                attendance.append(
                    Attendance(
                        member=member,
                        status="absent",
                        reason=reason,
                        reason_note=rng.choice(ABSENCE_NOTES[reason]),
                    )
                )
            else:
                attendance.append(Attendance(member=member, status="present"))
        seen = {m.pk for m in roster}
        for guest in plan.invitees:
            if guest.pk not in seen:
                attendance.append(Attendance(member=guest, status="present", invited=True))
        present = [a.member for a in attendance if a.status == "present"]
        low, high = plan.speakers
        count = min(rng.randint(low, high), len(present))
        speakers = rng.sample(present, count) if count else []
        speeches = [Speech(member=m, gist=_gist(rng, retired), order=i) for i, m in enumerate(speakers)]

        at = datetime.combine(plan.day, plan.end, tzinfo=TZ) + timedelta(hours=2)
        activities.append(
            StudyActivity(
                campaign=campaign if _in(campaign, plan.day) else None,
                org=plan.org,
                type=types[plan.type_code],
                topic=plan.topic,
                date=plan.day,
                start_time=plan.start,
                end_time=plan.end,
                place=plan.place,
                host=host,
                lead_reader=lead,
                recorder=recorder,
                other_materials=plan.other,
                minutes=_minutes(plan, host, lead, [m.name for m in speakers]),
                created_at=at,
                created_by=recorder_user,
            )
        )
        sheets.append((attendance, speeches))

    StudyActivity.objects.bulk_create(activities, batch_size=500)
    rows: list[Attendance] = []
    talks: list[Speech] = []
    links = []
    events = []
    through = StudyActivity.materials.through
    ct = ContentType.objects.get_for_model(StudyActivity)
    for activity, plan, (attendance, speeches) in zip(activities, plans, sheets, strict=True):
        for row in attendance:
            row.activity = activity
        for speech in speeches:
            speech.activity = activity
        rows.extend(attendance)
        talks.extend(speeches)
        for title in plan.materials:
            material = materials.get(title)
            if material is not None and (material.campaign_id is None or activity.campaign_id):
                links.append(through(studyactivity=activity, material=material))
        expected = sum(1 for a in attendance if not a.invited)
        present = sum(1 for a in attendance if a.status == "present" and not a.invited)
        events.append(
            Event(
                content_type=ct,
                object_id=activity.pk,
                at=activity.created_at,
                actor=activity.created_by,
                kind=Event.Kind.CREATED,
                data={
                    "counts": f"应到{expected} 实到{present} 列席{len(attendance) - expected} 研讨{len(speeches)}",
                    "topic": activity.topic,
                },
            )
        )
    Attendance.objects.bulk_create(rows, batch_size=2000)
    Speech.objects.bulk_create(talks, batch_size=2000)
    counts.refresh(a.pk for a in activities)
    through.objects.bulk_create(links, batch_size=2000)
    Event.objects.bulk_create(events, batch_size=2000)
    in_campaign = sum(1 for a in activities if a.campaign_id)
    ctx.say(
        f"  学习：学习活动 {len(activities)} 次（学习教育期间 {in_campaign} 次），考勤 {len(rows)} 人次，"
        f"研讨发言 {len(talks)} 人次"
    )


def _self_study(
    rng: random.Random,
    campaign: Campaign,
    members: list[Member],
    materials: dict[str, Material],
    users: dict[int, User],
) -> None:
    entries: list[SelfStudy] = []
    span = (campaign.end_date - campaign.start_date).days
    books = [materials[t] for t in REQUIRED_BOOKS + CAMPAIGN_BOOKS]
    for member in members:
        retired = member.org.code.startswith(QUIET_BRANCH)
        count = rng.randint(1, 4) if retired else rng.randint(3, 9)
        days = sorted(campaign.start_date + timedelta(days=rng.randint(0, span)) for _ in range(count))
        # A few members also logged study before the campaign (under no campaign).
        if rng.random() < 0.3:
            days.insert(0, date(2023, rng.randint(3, 8), rng.randint(1, 28)))
        for day in days:
            channel = _weighted(rng, (("original", 55), ("xuexi", 30), ("online", 15)))
            book = rng.choice(books)
            inside = _in(campaign, day)
            if channel == "xuexi":
                title = rng.choice(
                    ("学习强国：每日学习", "学习强国：重要活动视频专集", "学习强国：理论专栏文章")
                )
                ref = None
            elif channel == "online":
                title = rng.choice(("网上党校专题课程", "干部网络学院：主题教育专题班"))
                ref = None
            else:
                title = f"{book.title} 第{rng.randint(1, 30)}篇" if inside else "《中国共产党章程》"
                ref = book if inside else None
            note = rng.choice(SELF_NOTES).format(book=book.title) if rng.random() < 0.65 else ""
            entries.append(
                SelfStudy(
                    campaign=campaign if inside else None,
                    member=member,
                    org=member.org,
                    date=day,
                    material=title,
                    material_ref=ref,
                    minutes=rng.choice((30, 40, 45, 60, 60, 90, 120)),
                    channel=channel,
                    notes=note,
                    created_by=users.get(member.pk),
                )
            )
    SelfStudy.objects.bulk_create(entries, batch_size=2000)
