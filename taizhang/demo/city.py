"""The city-scale demo (`taizhang demo --size city [--scale F]`): one city committee, 500 branches.

At scale 1: 500 branches, 1,500 groups, 20,000 members, 100,000 study activities, 2,000,000 attendance
rows, 300,000 speaker rows, 200,000 self-study entries, 10,000 problems, 40,000 measures, 5,000 practical
matters, 2,000 institutions, 3,000 plan tasks — every count exact (below scale 0.01 the few members'
rosters cannot hold 20 attendance rows per activity, so attendance falls short), everything drawn from one seeded
random source (the same database on every run and machine). `--scale 0.01` builds a hundredth (tests).

Written with core.bulk.BulkWriter (executemany on SQLite, COPY on PostgreSQL), ids assigned here so
foreign keys are known without reading back; materialized org paths computed here; ID numbers and
phones encrypted by the model field's own get_prep_value. The invariants the app relies on hold:
attendance status present/absent (absent rows carry a reason, invitees are present), speakers only
among those present, problems numbered WT-001… like problem_next_code, a closed problem's measures done
and its status history in Event rows (the review queue reads the 待审核 event), silent branches with no
activity in the silent window before the campaign's end, lights as light_for gives them today.

It lives in its own tree (root code SW) with its own campaign (CITY_CAMPAIGN) and logins, next to the
bureau demo if that is loaded; it is loaded once (DemoPart "city").
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from taizhang.accounts.models import RoleAssignment, User
from taizhang.campaigns.models import Campaign, CampaignRole, Phase
from taizhang.core.bulk import BulkWriter
from taizhang.core.crypto import digest
from taizhang.core.lights import light_for
from taizhang.core.models import Event
from taizhang.demo.bureau.campaigns import PHASES
from taizhang.demo.loader import DEMO_PASSWORD
from taizhang.demo.models import DemoPart
from taizhang.lib import idcard
from taizhang.lib.names import unique_names
from taizhang.org.models import Member, Organization
from taizhang.outreach.models import Demand, PracticalMatter, ResearchVisit
from taizhang.plans.models import PlanTask
from taizhang.rectification.models import Institution, Measure, Problem
from taizhang.reports.metrics import silent_since
from taizhang.study.models import ActivityType, Attendance, Material, SelfStudy, Speech, StudyActivity

CITY_CAMPAIGN = "zt2023city"
CITY_ROOT_ORG = "SW"
CITY_PART = "city"
START, END = date(2023, 9, 1), date(2024, 1, 31)

# Counts at scale 1.
FULL = {
    "committees": 25,
    "branches": 500,
    "groups": 1_500,
    "members": 20_000,
    "activities": 100_000,
    "attendance": 2_000_000,
    "speeches": 300_000,
    "self_studies": 200_000,
    "problems": 10_000,
    "measures": 40_000,
    "matters": 5_000,
    "institutions": 2_000,
    "tasks": 3_000,
    "visits": 2_000,
    "demands": 3_000,
}

CITY_LOGINS = (
    ("city_admin", "admin", "管理员 · 市直机关工委办公室，管理全市（城市规模演示）"),
    ("city_leader", "leader", "领导 · 市直机关工委书记，审核销号，查看全市"),
    ("city_secretary", "secretary", "支部书记 · 第一个党支部（城市规模演示）"),
    ("city_member", "member", "党员 · 第一个党支部（城市规模演示）"),
)

COMMITTEE_NAMES = (
    "市发展和改革委员会",
    "市教育局",
    "市科学技术局",
    "市工业和信息化局",
    "市公安局",
    "市民政局",
    "市司法局",
    "市财政局",
    "市人力资源和社会保障局",
    "市自然资源和规划局",
    "市生态环境局",
    "市住房和城乡建设局",
    "市交通运输局",
    "市水务局",
    "市农业农村局",
    "市商务局",
    "市文化广电旅游局",
    "市卫生健康委员会",
    "市退役军人事务局",
    "市应急管理局",
    "市审计局",
    "市市场监督管理局",
    "市统计局",
    "市医疗保障局",
    "市行政审批服务局",
)
DEPARTMENTS = ("办公室", "综合处", "政策法规处", "计划财务处", "人事处", "机关党委", "业务一处", "业务二处")
POSTS = ("科员", "一级科员", "四级主任科员", "二级主任科员", "一级主任科员", "副处长", "处长", "调研员")
TOPICS = (
    "学习习近平新时代中国特色社会主义思想",
    "深入学习党的二十大精神",
    "学习《习近平著作选读》",
    "以学铸魂、以学增智",
    "以学正风、以学促干",
    "推动高质量发展的实践要求",
    "践行以人民为中心的发展思想",
    "加强党性修养，锤炼过硬作风",
    "大兴调查研究之风",
    "检视问题、整改落实",
    "全面从严治党新要求",
    "深化“放管服”改革",
)
BOOKS = (
    ("《习近平著作选读》第一卷", True),
    ("《习近平著作选读》第二卷", True),
    ("《习近平新时代中国特色社会主义思想专题摘编》", True),
    ("《习近平新时代中国特色社会主义思想学习纲要（2023年版）》", True),
    ("《论党的自我革命》", False),
    ("《习近平关于调查研究论述摘编》", False),
    ("党的二十大报告", False),
    ("《中国共产党章程》", False),
)
PROBLEM_TEXTS = {
    "theory": ("理论学习不够系统深入，学用结合不紧", "对新思想的学习停留在读原文层面，研讨交流不深"),
    "politics": ("政治判断力有待提升，落实上级决策部署打折扣", "政治敏锐性不强，对意识形态工作重视不够"),
    "ability": ("推动高质量发展的本领不足，创新举措不多", "数字化工作能力不足，业务系统使用不熟练"),
    "responsibility": ("遇到难题推诿扯皮，攻坚克难劲头不足", "担当意识不强，对群众反映的问题跟进不及时"),
    "style": ("调查研究不深入，走访群众不够", "文山会海问题仍然存在，基层负担较重"),
    "integrity": ("廉洁风险防控制度执行不严", "公务接待管理不够规范"),
}
MEASURE_TEXTS = (
    "制定专项学习计划，每月开展一次专题研讨",
    "建立问题台账，明确责任人和完成时限",
    "开展专项检查，形成检查报告",
    "修订完善相关制度，规范工作流程",
    "组织专题培训，提升业务能力",
    "深入基层走访，听取群众意见",
    "建立定期通报机制，压实工作责任",
)
MATTER_TEXTS = (
    "社区适老化改造",
    "企业开办“一窗通办”",
    "老旧小区加装电梯",
    "背街小巷路灯维修",
    "学校周边交通秩序整治",
    "社区食堂建设",
    "政务服务“就近办”",
    "农民工工资清欠",
)
INSTITUTION_TEXTS = ("议事规则", "学习制度", "考核办法", "管理规定", "工作规程", "实施细则")
TASK_TEXTS = (
    "召开动员部署会议",
    "制定主题教育实施方案",
    "举办专题读书班",
    "开展专题调研",
    "召开专题民主生活会",
    "讲授专题党课",
    "开展检视整改",
    "建立问题清单",
    "召开总结大会",
    "开展“我为群众办实事”实践活动",
)
REASONS = ("trip", "sick", "personal", "official", "training", "other")
REASON_WEIGHTS = (30, 20, 15, 20, 10, 5)
AREA = "520102"  # the city's ID-number area code (distinct from the bureau demo's)


def counts(scale: float) -> dict[str, int]:
    wanted = {key: max(1, round(value * scale)) for key, value in FULL.items()}
    wanted["branches"] = max(2, wanted["branches"])
    wanted["groups"] = max(wanted["branches"], wanted["groups"])
    committees = min(wanted["committees"], len(COMMITTEE_NAMES))
    wanted["members"] = max(wanted["members"], 6 * (committees + 1) + 10 * wanted["branches"])
    return wanted


@dataclass
class City:
    """What earlier steps made, for later steps (ids only: nothing here is a model instance)."""

    rng: random.Random
    w: BulkWriter
    n: dict[str, int]
    today: date
    root_id: int = 0
    campaign_id: int = 0
    orgs: dict[int, tuple[str, int, str]] = field(default_factory=dict)  # id -> (kind, parent, path)
    committees: list[int] = field(default_factory=list)
    branches: list[int] = field(default_factory=list)
    groups_of: dict[int, list[int]] = field(default_factory=dict)
    committee_of: dict[int, int] = field(default_factory=dict)  # branch -> committee
    silent: set[int] = field(default_factory=set)
    members_of: dict[int, list[int]] = field(default_factory=dict)  # org -> members directly in it
    member_names: dict[int, str] = field(default_factory=dict)
    member_org: dict[int, int] = field(default_factory=dict)
    leaders_of: dict[int, list[int]] = field(default_factory=dict)  # committee -> its leaders
    types: dict[str, int] = field(default_factory=dict)
    materials: list[tuple[int, str]] = field(default_factory=list)
    phases: list[tuple[int, date, date]] = field(default_factory=list)
    weights: dict[int, float] = field(default_factory=dict)  # branch -> size weight

    def at(self, day: date, hour: int = 9, minute: int = 0) -> Any:
        return self.w.dt(timezone.make_aware(datetime.combine(day, dtime(hour, minute))))

    def day(self, lo: date = START, hi: date = END) -> date:
        return lo + timedelta(days=self.rng.randrange((hi - lo).days + 1))

    def branch_members(self, branch: int) -> list[int]:
        out = list(self.members_of.get(branch, []))
        for group in self.groups_of[branch]:
            out.extend(self.members_of.get(group, []))
        return out


def _split(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """`total` split in proportion to `weights` (each at least `minimum`), summing exactly to `total`."""
    spare = total - minimum * len(weights)
    scale = sum(weights) or 1.0
    raw = [spare * w / scale for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(weights)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: spare - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


def city_loaded() -> bool:
    return DemoPart.objects.filter(name=CITY_PART).exists()


def city_load(*, scale: float = 1.0, out: TextIO | None = None) -> bool:
    """Build the city dataset; False (and nothing written) when it is already loaded."""

    def say(message: str) -> None:
        if out is not None:
            out.write(message + "\n")
            out.flush()

    if city_loaded():
        return False
    if Organization.objects.filter(code=CITY_ROOT_ORG).exists():
        raise ValueError(f"组织编码 {CITY_ROOT_ORG} 已被占用，无法加载城市规模演示数据")
    started = time.monotonic()
    writer = BulkWriter()
    city = City(
        rng=random.Random(f"taizhang-demo-city:{scale}"), w=writer, n=counts(scale), today=date.today()
    )
    steps = (
        ("组织", _orgs),
        ("党员", _members),
        ("学习教育与账号", _campaign),
        ("学习活动、考勤与发言", _study),
        ("个人自学", _self_study),
        ("问题与整改措施", _rectification),
        ("制度", _institutions),
        ("调研、诉求与办实事", _outreach),
        ("工作任务", _tasks),
    )

    with transaction.atomic():
        for label, step in steps:
            step_started = time.monotonic()
            written = step(city)
            say(f"  {label}：{written}（{time.monotonic() - step_started:.1f} 秒）")
        writer.finish()
        DemoPart.objects.create(name=CITY_PART, size="city")
    step_started = time.monotonic()
    writer.analyze()
    say(f"  ANALYZE（{time.monotonic() - step_started:.1f} 秒）")
    say(f"城市规模演示数据已加载（规模 {scale:g}，共 {time.monotonic() - started:.1f} 秒）")
    return True


# --- organizations -----------------------------------------------------------------------------------


def _orgs(city: City) -> str:
    rng, n, w = city.rng, city.n, city.w
    next_id = w.next_id(Organization)
    rows = []

    def add(code: str, name: str, short: str, kind: str, parent: int | None, order: int) -> int:
        nonlocal next_id
        org_id = next_id
        next_id += 1
        parent_path = city.orgs[parent][2] if parent else "/"
        path = f"{parent_path}{org_id}/"
        city.orgs[org_id] = (kind, parent or 0, path)
        rows.append((org_id, code, name, short, kind, parent, path, path.count("/") - 2, order, True))
        return org_id

    city.root_id = add(CITY_ROOT_ORG, "中共市直机关工作委员会", "市直机关工委", "committee", None, 0)
    n_comm = min(n["committees"], len(COMMITTEE_NAMES))
    for c in range(n_comm):
        name = COMMITTEE_NAMES[c]
        city.committees.append(
            add(f"SW{c + 1:02d}", f"中共{name}委员会", f"{name[1:]}党委", "committee", city.root_id, c + 1)
        )
    # Branch sizes vary (log-normal weights); groups per branch follow size.
    branch_comm = _split(n["branches"], [1.0 + rng.random() for _ in city.committees], minimum=1)
    weights = [rng.lognormvariate(0, 0.55) for _ in range(n["branches"])]
    group_counts = _split(n["groups"], weights, minimum=1)
    b = 0
    for c, committee in enumerate(city.committees):
        for k in range(branch_comm[c]):
            code = f"SW{c + 1:02d}{k + 1:03d}"
            branch = add(code, f"第{k + 1}党支部", f"{k + 1}支部", "branch", committee, k + 1)
            city.branches.append(branch)
            city.committee_of[branch] = committee
            city.weights[branch] = weights[b]
            city.groups_of[branch] = [
                add(f"{code}-{g + 1}", f"第{g + 1}党小组", f"{g + 1}小组", "group", branch, g + 1)
                for g in range(group_counts[b])
            ]
            b += 1
    # A few silent branches (no activity in the silent window), never the first (city_secretary's).
    silent_n = max(1, round(len(city.branches) * 0.03))
    city.silent = set(rng.sample(city.branches[1:], min(silent_n, len(city.branches) - 1)))
    fields = (
        "id",
        "code",
        "name",
        "short_name",
        "kind",
        "parent_id",
        "path",
        "depth",
        "sort_order",
        "is_active",
    )
    w.write(Organization, fields, rows)
    return f"{len(rows)} 个组织（{len(city.branches)} 个党支部，{sum(map(len, city.groups_of.values()))} 个党小组）"


# --- members ---------------------------------------------------------------------------------------


def _members(city: City) -> str:
    rng, n, w = city.rng, city.n, city.w
    leaders_per_committee = 6
    direct = leaders_per_committee * (len(city.committees) + 1)
    in_branches = n["members"] - direct
    per_branch = _split(in_branches, [city.weights[b] for b in city.branches], minimum=8)
    placements: list[tuple[int, str]] = []  # (org, post)
    for committee in [city.root_id, *city.committees]:
        for k in range(leaders_per_committee):
            placements.append((committee, "书记" if k == 0 else ("副书记" if k == 1 else "委员")))
    for branch, size in zip(city.branches, per_branch, strict=True):
        groups = city.groups_of[branch]
        for k in range(size):
            post = "支部书记" if k == 0 else ("组织委员" if k == 1 else rng.choice(POSTS))
            placements.append((groups[k % len(groups)], post))
    genders = ["male" if rng.random() < 0.55 else "female" for _ in placements]
    names = unique_names(rng, genders)
    id_field, phone_field = Member._meta.get_field("id_number"), Member._meta.get_field("phone")
    taken = set(Member.objects.exclude(id_digest="").values_list("id_digest", flat=True))
    next_id = w.next_id(Member)
    rows = []
    for i, ((org, post), gender, name) in enumerate(zip(placements, genders, names, strict=True)):
        member_id = next_id + i
        while True:
            born = date(1963, 1, 1) + timedelta(days=rng.randrange(365 * 38))
            seq = rng.randrange(500) * 2 + (1 if gender == "male" else 0)
            number = idcard.make(AREA, born, seq)
            key = digest(number)
            if key not in taken:
                taken.add(key)
                break
        phone = f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
        joined = born + timedelta(days=365 * 22 + rng.randrange(365 * 12))
        joined = min(joined, date(2022, 12, 31))
        category = "probationary" if joined.year == 2022 and rng.random() < 0.5 else "full"
        city.members_of.setdefault(org, []).append(member_id)
        city.member_names[member_id] = name
        city.member_org[member_id] = org
        if city.orgs[org][0] == "committee":
            city.leaders_of.setdefault(org, []).append(member_id)
        rows.append(
            (
                member_id,
                org,
                name,
                gender,
                id_field.get_prep_value(number),
                key,
                phone_field.get_prep_value(phone),
                category,
                w.date(joined),
                post,
                rng.choice(DEPARTMENTS),
                i,
                True,
                "",
            )
        )
    fields = (
        "id",
        "org_id",
        "name",
        "gender",
        "id_number",
        "id_digest",
        "phone",
        "category",
        "joined_on",
        "post",
        "department",
        "sort_order",
        "is_active",
        "note",
    )
    w.write(Member, fields, rows)
    return f"{len(rows)} 名党员"


# --- campaign, phases, leading group, logins ------------------------------------------------------------


def _campaign(city: City) -> str:
    campaign = Campaign.objects.create(
        code=CITY_CAMPAIGN,
        name="2023年第二批主题教育（市直机关）",
        org_id=city.root_id,
        start_date=START,
        end_date=END,
        general_requirement="学思想、强党性、重实践、建新功",
        goal="凝心铸魂筑牢根本、锤炼品格强化忠诚、实干担当促进发展、践行宗旨为民造福、廉洁奉公树立新风",
        description="市直机关各级党组织参加的第二批主题教育（城市规模演示数据）。",
        signature="中共市直机关工作委员会",
    )
    city.campaign_id = campaign.pk
    for i, (name, start, end, description) in enumerate(PHASES):
        phase = Phase.objects.create(
            campaign=campaign, name=name, start_date=start, end_date=end, description=description, order=i
        )
        city.phases.append((phase.pk, start, end))
    seats = []
    root_leaders = city.leaders_of[city.root_id]
    seats.append((root_leaders[0], "group_leader", "市直机关工委书记"))
    seats += [(m, "deputy_leader", "市直机关工委副书记") for m in root_leaders[1:3]]
    seats += [(city.leaders_of[c][0], "group_member", "党委书记") for c in city.committees]
    seats.append((root_leaders[3], "office_director", "工委办公室主任"))
    seats += [(m, "work_team", "工作专班成员") for m in root_leaders[4:]]
    CampaignRole.objects.bulk_create(
        CampaignRole(campaign=campaign, member_id=m, role=role, title=title, order=i)
        for i, (m, role, title) in enumerate(seats)
    )
    city.types = dict(ActivityType.objects.filter(campaign=None).values_list("code", "id"))
    for i, (title, required) in enumerate(BOOKS):
        material = Material.objects.create(campaign=campaign, title=title, required=required, sort_order=i)
        city.materials.append((material.pk, title))
    # Logins: one hash for all four (the password hasher is deliberately slow).
    first_branch = city.branches[0]
    secretary = city.branch_members(first_branch)[0]
    plain_member = city.branch_members(first_branch)[2]
    city.login_members = {secretary, plain_member}  # type: ignore[attr-defined]
    password = make_password(DEMO_PASSWORD)
    people = {
        "city_admin": (root_leaders[3], city.root_id),
        "city_leader": (root_leaders[0], city.root_id),
        "city_secretary": (secretary, first_branch),
        "city_member": (plain_member, first_branch),
    }
    for username, role, _ in CITY_LOGINS:
        member_id, org_id = people[username]
        user = User.objects.create(
            username=username, password=password, member_id=member_id, full_name=city.member_names[member_id]
        )
        RoleAssignment.objects.create(user=user, org_id=org_id, role=role)
        if role != "member":
            RoleAssignment.objects.get_or_create(user=user, org_id=city.member_org[member_id], role="member")
    return f"{campaign.name}（{campaign.code}），领导小组与专班 {len(seats)} 人，{len(CITY_LOGINS)} 个账号"


# --- study: activities, attendance, speakers -------------------------------------------------------------

BRANCH_TYPES = (
    ("branch_concentrated", 30),
    ("theme_party_day", 12),
    ("party_lecture", 8),
    ("seminar", 10),
    ("reading_class", 5),
    ("branch_general_meeting", 6),
    ("branch_committee", 6),
    ("rectification_seminar", 5),
    ("exchange_discussion", 6),
    ("youth_forum", 2),
    ("clean_class", 3),
    ("other", 2),
)
COMMITTEE_TYPES = (("first_topic", 45), ("central_group", 30), ("weekly_meeting", 20), ("reading_class", 5))
SPEAKING = {
    "seminar": 8,
    "rectification_seminar": 8,
    "exchange_discussion": 8,
    "reading_class": 7,
    "youth_forum": 6,
    "central_group": 4,
    "branch_concentrated": 3,
    "theme_party_day": 2,
    "group_meeting": 2,
    "branch_general_meeting": 2,
    "first_topic": 2,
}
TYPE_TITLES = {
    "first_topic": "第一议题：",
    "central_group": "理论学习中心组专题学习：",
    "weekly_meeting": "周例会集体学习：",
    "reading_class": "主题教育读书班：",
    "seminar": "专题研讨：",
    "rectification_seminar": "整改专题研讨：",
    "party_lecture": "专题党课：",
    "theme_party_day": "主题党日：",
    "group_meeting": "党小组学习：",
}


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...], k: int) -> list[str]:
    return rng.choices([o for o, _ in options], weights=[wt for _, wt in options], k=k)


def _study(city: City) -> str:
    rng, n, w = city.rng, city.n, city.w
    quiet_from = silent_since(END) - timedelta(days=1)
    # 1. Where the activities happen: committees ~4 %, branches by size^0.7 (silent ones fewer).
    n_comm = max(1, round(n["activities"] * 0.04))
    n_branch = n["activities"] - n_comm
    branch_weights = [city.weights[b] ** 0.7 * (0.4 if b in city.silent else 1.0) for b in city.branches]
    per_branch = _split(n_branch, branch_weights, minimum=1)
    committee_units = [city.root_id, *city.committees]
    per_committee = _split(n_comm, [1.0] * len(committee_units))
    plan: list[tuple[int, str, list[int], int]] = []  # (org, type code, roster, branch or 0)
    for unit, k in zip(committee_units, per_committee, strict=True):
        roster = city.members_of[unit]
        plan += [(unit, t, roster, 0) for t in _weighted(rng, COMMITTEE_TYPES, k)]
    # Group meetings have small rosters, branch meetings large ones: the share of group meetings is chosen
    # so the rosters add up to a little more than the attendance wanted (then trimmed to the exact count).
    branch_rows = sum(len(city.branch_members(b)) * k for b, k in zip(city.branches, per_branch, strict=True))
    group_rows = sum(
        (len(city.branch_members(b)) / len(city.groups_of[b])) * k
        for b, k in zip(city.branches, per_branch, strict=True)
    )
    comm_rows = sum(len(p[2]) for p in plan)
    want = n["attendance"] * 1.06 - comm_rows
    share_group = min(0.95, max(0.0, (branch_rows - want) / max(1.0, branch_rows - group_rows)))
    for branch, k in zip(city.branches, per_branch, strict=True):
        everyone = city.branch_members(branch)
        groups = city.groups_of[branch]
        for code in _weighted(rng, BRANCH_TYPES, k):
            if rng.random() < share_group:
                group = rng.choice(groups)
                plan.append((group, "group_meeting", city.members_of.get(group, []) or everyone, branch))
            else:
                plan.append((branch, code, everyone, branch))
    rng.shuffle(plan)
    sizes = [len(p[2]) for p in plan]
    total = sum(sizes)
    if total > n["attendance"]:  # not everyone is on every sign-in sheet (joined later, transferred)
        excess = total - n["attendance"]
        cut = _split(excess, [float(s - 1) for s in sizes])
        sizes = [s - c for s, c in zip(sizes, cut, strict=True)]
    # 2. Activities, in date order so ids follow time like real entry.
    dated = []
    for unit, code, roster, branch in plan:
        hi = quiet_from if branch in city.silent else END
        dated.append((city.day(START, hi), unit, code, roster, branch))
    order = sorted(range(len(plan)), key=lambda i: (dated[i][0], i))
    activity_id = w.next_id(StudyActivity)
    attendance_id = w.next_id(Attendance)
    speech_id = w.next_id(Speech)
    weights = [SPEAKING.get(dated[i][2], 1) for i in range(len(plan))]
    speech_plan = _split(n["speeches"], [float(x) for x in weights])
    present_rate = {b: 0.80 + 0.19 * rng.random() for b in city.branches}
    activity_rows: list[tuple] = []
    materials: list[tuple[int, int]] = []
    attendance_rows: list[tuple] = []
    speech_rows: list[tuple] = []
    spare_speeches = 0
    n_att = n_speech = 0
    att_fields = ("id", "activity_id", "member_id", "status", "invited", "reason", "reason_note")
    speech_fields = ("id", "activity_id", "member_id", "gist", "order")

    def flush(final: bool = False) -> None:
        nonlocal attendance_rows, speech_rows
        if len(attendance_rows) >= 200_000 or final:
            w.write(Attendance, att_fields, attendance_rows)
            attendance_rows = []
        if len(speech_rows) >= 100_000 or final:
            w.write(Speech, speech_fields, speech_rows)
            speech_rows = []

    activity_fields = (
        "id",
        "campaign_id",
        "org_id",
        "type_id",
        "topic",
        "date",
        "start_time",
        "end_time",
        "place",
        "host",
        "lead_reader",
        "recorder",
        "minutes",
        "created_at",
        # The stored counts (study.counts), counted here as the rows are made: no recount pass.
        "n_attendance",
        "n_expected",
        "n_present",
        "n_invited",
        "n_speakers",
    )
    for seq, i in enumerate(order):
        day, unit, code, roster, branch = dated[i]
        size = sizes[i]
        rate = present_rate.get(branch, 0.95)
        chosen = rng.sample(roster, size) if size < len(roster) else list(roster)
        invitee = None
        if branch and code in ("party_lecture", "theme_party_day", "seminar") and rng.random() < 0.15:
            invitee = rng.choice(city.leaders_of[city.committee_of[branch]])
            chosen[-1] = invitee
        present: list[int] = []
        invited = int(invitee is not None)
        for member in chosen:
            if member == invitee:
                attendance_rows.append((attendance_id, activity_id, member, "present", True, "", ""))
                present.append(member)
            elif rng.random() < rate:
                attendance_rows.append((attendance_id, activity_id, member, "present", False, "", ""))
                present.append(member)
            else:
                reason = rng.choices(REASONS, weights=REASON_WEIGHTS)[0]
                note = "外出学习" if reason == "other" else ""
                attendance_rows.append((attendance_id, activity_id, member, "absent", False, reason, note))
            attendance_id += 1
        n_att += len(chosen)
        # Speakers: only among those present (leftover quota moves on to later activities).
        quota = speech_plan[i] + spare_speeches
        speakers = min(quota, len(present))
        spare_speeches = quota - speakers
        for k, member in enumerate(rng.sample(present, speakers) if speakers else ()):
            gist = f"结合{rng.choice(TOPICS)}谈体会" if k < 2 else ""
            speech_rows.append((speech_id, activity_id, member, gist, k + 1))
            speech_id += 1
        n_speech += speakers
        host = city.member_names[present[0] if present else chosen[0]]
        reader = city.member_names[rng.choice(present or chosen)]
        topic = f"{TYPE_TITLES.get(code, '')}{rng.choice(TOPICS)}"
        start = dtime(rng.choice((9, 14, 15)), rng.choice((0, 30)))
        end = dtime(start.hour + 2, start.minute)
        activity_rows.append(
            (
                activity_id,
                city.campaign_id,
                unit,
                city.types[code],
                topic,
                w.date(day),
                start.isoformat() if w.vendor == "sqlite" else start,
                end.isoformat() if w.vendor == "sqlite" else end,
                "党员活动室" if code != "central_group" else "机关会议室",
                host,
                reader,
                "",
                f"{host}主持，{reader}领学，与会同志结合工作实际交流了学习体会。" if seq % 4 == 0 else "",
                city.at(day, 18),
                len(present),
                len(chosen) - invited,
                len(present) - invited,
                invited,
                speakers,
            )
        )
        if code != "group_meeting":
            materials.append((activity_id, city.materials[seq % len(city.materials)][0]))
        activity_id += 1
        if len(attendance_rows) >= 200_000:
            # Activities first: attendance rows point at them (foreign keys are checked on SQLite).
            w.write(StudyActivity, activity_fields, activity_rows)
            activity_rows = []
            flush()
    w.write(StudyActivity, activity_fields, activity_rows)
    flush(final=True)
    w.write_m2m(StudyActivity, "materials", materials)
    if spare_speeches:
        raise RuntimeError(f"{spare_speeches} speaker rows could not be placed")
    return f"{len(plan)} 次活动，{n_att} 条考勤，{n_speech} 条发言"


# --- self-study -------------------------------------------------------------------------------------


def _self_study(city: City) -> str:
    rng, n, w = city.rng, city.n, city.w
    members = list(city.member_org)
    weights = [0.0 if rng.random() < 0.08 else rng.lognormvariate(0, 0.6) for _ in members]
    # The demo logins' own records are never empty (their 我的学习 page shows entries at any scale).
    logins = getattr(city, "login_members", set())
    weights = [max(wt, 3.0) if m in logins else wt for m, wt in zip(members, weights, strict=True)]
    per_member = _split(n["self_studies"], weights)
    next_id = w.next_id(SelfStudy)
    channels = ("original", "xuexi", "online", "other")
    rows = []
    for member, k in zip(members, per_member, strict=True):
        org = city.member_org[member]
        for _ in range(k):
            day = city.day()
            material_id, title = rng.choice(city.materials)
            notes = "通过学习，进一步坚定了理想信念。" if rng.random() < 0.3 else ""
            rows.append(
                (
                    next_id,
                    city.campaign_id,
                    member,
                    org,
                    w.date(day),
                    title,
                    material_id,
                    rng.choice((30, 45, 60, 60, 90, 120)),
                    rng.choices(channels, weights=(45, 35, 15, 5))[0],
                    notes,
                    city.at(day, 21),
                )
            )
            next_id += 1
    fields = (
        "id",
        "campaign_id",
        "member_id",
        "org_id",
        "date",
        "material",
        "material_ref_id",
        "minutes",
        "channel",
        "notes",
        "created_at",
    )
    w.write(SelfStudy, fields, rows)
    return f"{len(rows)} 条"


# --- rectification ----------------------------------------------------------------------------------


def _units_weighted(city: City, k: int, committee_share: float = 0.1) -> list[int]:
    """k units: branches by size, some committees."""
    rng = city.rng
    out = []
    branch_weights = [city.weights[b] for b in city.branches]
    for _ in range(k):
        if rng.random() < committee_share:
            out.append(rng.choice(city.committees))
        else:
            out.append(rng.choices(city.branches, weights=branch_weights)[0])
    return out


def _committee_for(city: City, org: int) -> int:
    kind, parent, _ = city.orgs[org]
    if kind == "committee":
        return org
    if kind == "group":
        return city.committee_of[parent]
    return city.committee_of[org]


def _events(city: City, model: Any, rows: list[tuple]) -> None:
    ct = ContentType.objects.get_for_model(model).pk
    next_id = city.w.next_id(Event)
    city.w.write(
        Event,
        ("id", "content_type_id", "object_id", "at", "kind", "from_state", "to_state", "note"),
        ((next_id + i, ct, *row) for i, row in enumerate(rows)),
    )


def _rectification(city: City) -> str:
    rng, n, w = city.rng, city.n, city.w
    categories = list(PROBLEM_TEXTS)
    sources = [s for s, _ in Problem.Source.choices]
    problem_id = w.next_id(Problem)
    measure_id = w.next_id(Measure)
    measures_per = _split(
        n["measures"], [rng.lognormvariate(0, 0.4) for _ in range(n["problems"])], minimum=1
    )
    problems, measures, events = [], [], []
    statuses = ("closed", "submitted", "in_progress", "open")
    for i, org in enumerate(_units_weighted(city, n["problems"])):
        category = categories[i % len(categories)] if i < len(categories) else rng.choice(categories)
        status = rng.choices(statuses, weights=(62, 6, 20, 12))[0]
        kind = rng.choices(("immediate", "deadline", "long_term"), weights=(35, 50, 15))[0]
        found = city.day(date(2023, 10, 20), date(2023, 12, 20))
        if kind == "long_term":
            deadline = date(2024, 6, 30) if rng.random() < 0.7 else date(2024, 1, 15)
        else:
            deadline = found + timedelta(days=rng.choice((7, 15, 30, 45, 60)))
        closed_on = None
        if status == "closed":
            closed_on = min(END, found + timedelta(days=rng.randrange(5, 70)))
        leader = rng.choice(city.leaders_of[_committee_for(city, org)])
        light = light_for(deadline, status == "closed", city.today)
        created = city.at(found, 10)
        problems.append(
            (
                problem_id,
                city.campaign_id,
                org,
                f"WT-{i + 1:03d}",
                category,
                rng.choice(sources),
                rng.choice(PROBLEM_TEXTS[category]),
                "问题得到有效解决，形成长效机制",
                kind,
                leader,
                rng.choice(DEPARTMENTS),
                city.member_names[rng.choice(city.members_of.get(org) or city.branch_members(org))],
                w.date(deadline),
                status,
                w.date(closed_on),
                light,
                created,
            )
        )
        # Status history as Event rows (the review queue reads the 待审核 event's time).
        events.append((problem_id, created, "created", "", "open", ""))
        path = {"open": [], "in_progress": ["in_progress"], "submitted": ["in_progress", "submitted"]}
        steps = path.get(status, ["in_progress", "submitted", "closed"])
        previous, day = "open", found
        for step in steps:
            day = closed_on if step == "closed" else min(END, day + timedelta(days=rng.randrange(1, 10)))
            note = "审核通过，予以销号" if step == "closed" else ""
            events.append((problem_id, city.at(day, 15), "status", previous, step, note))
            previous = step
        for k in range(measures_per[i]):
            m_deadline = min(deadline, found + timedelta(days=rng.choice((7, 15, 30, 45))))
            if status in ("closed", "submitted") or (status == "in_progress" and rng.random() < 0.5):
                m_status = "done"
                done_on = min(closed_on or END, found + timedelta(days=rng.randrange(3, 40)))
            else:
                m_status, done_on = "pending", None
            closed = m_status == "done" or status == "closed"
            measures.append(
                (
                    measure_id,
                    problem_id,
                    MEASURE_TEXTS[(i + k) % len(MEASURE_TEXTS)],
                    city.member_names[leader],
                    w.date(m_deadline),
                    m_status,
                    w.date(done_on),
                    "已按计划推进" if m_status == "done" else "",
                    k,
                    light_for(m_deadline, closed, city.today),
                    created,
                )
            )
            measure_id += 1
        problem_id += 1
    w.write(
        Problem,
        (
            "id",
            "campaign_id",
            "org_id",
            "code",
            "category",
            "source",
            "description",
            "target",
            "rectification_type",
            "responsible_leader_id",
            "responsible_dept",
            "responsible_person",
            "deadline",
            "status",
            "closed_on",
            "light",
            "created_at",
        ),
        problems,
    )
    w.write(
        Measure,
        (
            "id",
            "problem_id",
            "content",
            "owner",
            "deadline",
            "status",
            "done_on",
            "progress",
            "order",
            "light",
            "created_at",
        ),
        measures,
    )
    _events(city, Problem, events)
    city.problems_of = {}  # type: ignore[attr-defined]
    for row in problems:
        city.problems_of.setdefault(row[2], []).append(row[0])  # type: ignore[attr-defined]
    return f"{len(problems)} 个问题，{len(measures)} 条措施，{len(events)} 条动态"


def _institutions(city: City) -> str:
    rng, n, w = city.rng, city.n, city.w
    next_id = w.next_id(Institution)
    rows, links = [], []
    for i, org in enumerate(_units_weighted(city, n["institutions"], committee_share=0.3)):
        kind = "improved" if rng.random() < 0.55 else "new"
        issued = city.day(date(2023, 11, 1), END)
        name = f"{city.orgs[org][0] == 'committee' and '党委' or '党支部'}{rng.choice(INSTITUTION_TEXTS)}"
        rows.append(
            (
                next_id + i,
                city.campaign_id,
                org,
                name,
                kind,
                f"工委发〔2023〕{i + 1}号" if org in city.committees else "",
                w.date(issued),
                "针对检视出的问题，明确工作要求和责任分工。",
                city.at(issued, 11),
            )
        )
        answered = getattr(city, "problems_of", {}).get(org)
        if answered and rng.random() < 0.7:
            links.append((next_id + i, rng.choice(answered)))
    fields = (
        "id",
        "campaign_id",
        "org_id",
        "name",
        "kind",
        "doc_number",
        "issued_on",
        "summary",
        "created_at",
    )
    w.write(Institution, fields, rows)
    w.write_m2m(Institution, "problems", links)
    return f"{len(rows)} 项制度"


# --- outreach ---------------------------------------------------------------------------------------


def _outreach(city: City) -> str:
    rng, n, w = city.rng, city.n, city.w
    visit_id = w.next_id(ResearchVisit)
    visits = []
    for i, org in enumerate(_units_weighted(city, n["visits"], committee_share=0.4)):
        day = city.day(date(2023, 9, 20), date(2023, 12, 31))
        leader = city.member_names[rng.choice(city.leaders_of[_committee_for(city, org)])]
        visits.append(
            (
                visit_id + i,
                city.campaign_id,
                org,
                f"关于{rng.choice(MATTER_TEXTS)}的调研",
                w.date(day),
                "基层服务窗口",
                leader,
                "深入一线了解情况，听取群众意见建议。",
                city.at(day, 17),
            )
        )
    w.write(
        ResearchVisit,
        ("id", "campaign_id", "org_id", "subject", "date", "place", "leader", "summary", "created_at"),
        visits,
    )
    demand_id = w.next_id(Demand)
    demands = []
    channels = [c for c, _ in Demand.Channel.choices]
    for i, org in enumerate(_units_weighted(city, n["demands"])):
        day = city.day(date(2023, 9, 10), date(2024, 1, 10))
        resolved = rng.random() < 0.75
        resolved_on = min(END, day + timedelta(days=rng.randrange(1, 30))) if resolved else None
        demands.append(
            (
                demand_id + i,
                city.campaign_id,
                org,
                rng.choice(channels),
                f"希望解决{rng.choice(MATTER_TEXTS)}问题",
                w.date(day),
                "已转相关处室办理" if resolved else "",
                resolved,
                w.date(resolved_on),
                city.at(day, 10),
            )
        )
    w.write(
        Demand,
        (
            "id",
            "campaign_id",
            "org_id",
            "channel",
            "content",
            "raised_on",
            "response",
            "resolved",
            "resolved_on",
            "created_at",
        ),
        demands,
    )
    matter_id = w.next_id(PracticalMatter)
    matters, events = [], []
    for i, org in enumerate(_units_weighted(city, n["matters"], committee_share=0.2)):
        status = rng.choices(("done", "in_progress", "not_started"), weights=(60, 30, 10))[0]
        start = city.day(date(2023, 9, 15), date(2023, 11, 30))
        due = start + timedelta(days=rng.choice((30, 45, 60, 90, 120)))
        done_on = min(END, start + timedelta(days=rng.randrange(10, 80))) if status == "done" else None
        created = city.at(start, 9)
        matters.append(
            (
                matter_id + i,
                city.campaign_id,
                org,
                f"{rng.choice(MATTER_TEXTS)}（{i + 1}）",
                rng.choice(("辖区居民", "企业群众", "服务对象", "基层职工")),
                rng.randrange(20, 2000),
                city.member_names[rng.choice(city.leaders_of[_committee_for(city, org)])],
                w.date(due),
                status,
                w.date(done_on),
                "已办结，群众满意" if status == "done" else "",
                light_for(due, status == "done", city.today),
                created,
            )
        )
        events.append((matter_id + i, created, "created", "", "not_started", ""))
        if status != "not_started":
            events.append((matter_id + i, city.at(start, 16), "status", "not_started", "in_progress", ""))
        if status == "done":
            events.append((matter_id + i, city.at(done_on, 16), "status", "in_progress", "done", "已办结"))
    w.write(
        PracticalMatter,
        (
            "id",
            "campaign_id",
            "org_id",
            "title",
            "beneficiaries",
            "beneficiary_count",
            "owner",
            "due_date",
            "status",
            "done_on",
            "outcome",
            "light",
            "created_at",
        ),
        matters,
    )
    _events(city, PracticalMatter, events)
    return f"{len(visits)} 次调研，{len(demands)} 条诉求，{len(matters)} 件实事"


# --- work plan --------------------------------------------------------------------------------------


def _tasks(city: City) -> str:
    rng, n, w = city.rng, city.n, city.w
    next_id = w.next_id(PlanTask)
    rows, events = [], []
    for i, org in enumerate(_units_weighted(city, n["tasks"], committee_share=0.3)):
        phase_id, p_start, p_end = city.phases[rng.choices(range(len(city.phases)), weights=(3, 4, 4, 2))[0]]
        start = city.day(p_start, p_end)
        end = min(p_end, start + timedelta(days=rng.choice((3, 7, 14, 21))))
        if end < start:
            end = start
        status = rng.choices(("done", "in_progress", "not_started"), weights=(75, 17, 8))[0]
        done_on = min(END, end + timedelta(days=rng.randrange(-3, 5))) if status == "done" else None
        if done_on is not None and done_on < start:
            done_on = start
        created = city.at(START, 9)
        rows.append(
            (
                next_id + i,
                city.campaign_id,
                phase_id,
                rng.choice(TASK_TEXTS),
                "prescribed" if rng.random() < 0.7 else "featured",
                org,
                rng.choice(city.leaders_of[_committee_for(city, org)]),
                rng.choice(DEPARTMENTS),
                w.date(start),
                w.date(end),
                status,
                w.date(done_on),
                "已按要求完成" if status == "done" else "",
                light_for(end, status == "done", city.today),
                created,
            )
        )
        events.append((next_id + i, created, "created", "", "not_started", ""))
        if status != "not_started":
            events.append((next_id + i, city.at(start, 10), "status", "not_started", "in_progress", ""))
        if status == "done":
            events.append((next_id + i, city.at(done_on, 17), "status", "in_progress", "done", ""))
    fields = (
        "id",
        "campaign_id",
        "phase_id",
        "title",
        "kind",
        "org_id",
        "lead_leader_id",
        "responsible_dept",
        "planned_start",
        "planned_end",
        "status",
        "done_on",
        "closing_note",
        "light",
        "created_at",
    )
    w.write(PlanTask, fields, rows)
    _events(city, PlanTask, events)
    return f"{len(rows)} 项任务"
