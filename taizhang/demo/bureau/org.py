"""Demo part: a bureau Party committee with 6 branches, 12 groups and about 120 members."""

from __future__ import annotations

from datetime import date

from taizhang.demo.loader import DEMO_ROOT_ORG, DemoContext
from taizhang.lib import idcard
from taizhang.lib.names import unique_names
from taizhang.org.models import Member, Organization
from taizhang.org.services import MEMBER_FIELDS, member_create, org_create

NAME = "org"

BUREAU = "市行政审批服务局党委"

# (code, branch name, short name, [(group suffix, group name, department)])
BRANCHES = (
    ("JDW01", "机关第一党支部", "机关一支部", (("1", "第一党小组", "办公室"), ("2", "第二党小组", "人事处"))),
    (
        "JDW02",
        "机关第二党支部",
        "机关二支部",
        (("1", "第一党小组", "政策法规处"), ("2", "第二党小组", "行政审批一处")),
    ),
    (
        "JDW03",
        "机关第三党支部",
        "机关三支部",
        (("1", "第一党小组", "行政审批二处"), ("2", "第二党小组", "行政审批三处")),
    ),
    (
        "JDW04",
        "政务服务中心党支部",
        "政务服务中心支部",
        (("1", "综合窗口党小组", "政务服务中心"), ("2", "企业服务党小组", "政务服务中心")),
    ),
    (
        "JDW05",
        "信息中心党支部",
        "信息中心支部",
        (("1", "第一党小组", "信息中心"), ("2", "第二党小组", "信息中心")),
    ),
    (
        "JDW06",
        "离退休干部党支部",
        "离退休支部",
        (("1", "第一党小组", "离退休干部"), ("2", "第二党小组", "离退休干部")),
    ),
)

# People the other demo parts refer to by name: (name, gender, group code, post, department).
KEY_PEOPLE = (
    ("王建国", "male", "JDW01-1", "局党委书记、局长", "局领导"),
    ("陈志强", "male", "JDW02-1", "局党委委员、副局长", "局领导"),
    ("赵丽华", "female", "JDW03-1", "局党委委员、副局长", "局领导"),
    ("孙海涛", "male", "JDW04-1", "局党委委员、副局长", "局领导"),
    ("李文静", "female", "JDW01-1", "机关党委专职副书记、办公室主任", "办公室"),
    ("张伟", "male", "JDW01-2", "人事处处长、机关第一党支部书记", "人事处"),
    ("刘芳", "female", "JDW01-2", "一级科员", "人事处"),
    ("周明", "male", "JDW02-1", "政策法规处处长、机关第二党支部书记", "政策法规处"),
)

POSTS = (
    "四级调研员",
    "一级主任科员",
    "二级主任科员",
    "三级主任科员",
    "四级主任科员",
    "一级科员",
    "二级科员",
    "科员",
)
BRANCH_POSTS = ("支部书记", "组织委员", "宣传委员", "纪检委员")


def _id_number(rng, born: date, gender: str, serial: int) -> str:  # noqa: ANN001
    area = rng.choice(("370102", "370103", "370104", "370105", "370112", "370181"))
    seq = serial % 500 * 2 + (1 if gender == "male" else 0)
    return idcard.make(area, born, seq % 1000)


def load(ctx: DemoContext) -> None:
    rng = ctx.rng(NAME)
    root = org_create(code=DEMO_ROOT_ORG, name=BUREAU, short_name="局党委", kind="committee", parent=None)
    groups: dict[str, Organization] = {}
    branches: dict[str, Organization] = {}
    for order, (code, name, short, group_specs) in enumerate(BRANCHES):
        branch = org_create(
            code=code, name=name, short_name=short, kind="branch", parent=root, sort_order=order
        )
        branches[code] = branch
        for suffix, group_name, _ in group_specs:
            group = org_create(
                code=f"{code}-{suffix}",
                name=f"{name}{group_name}",
                short_name=f"{short}{group_name}",
                kind="group",
                parent=branch,
                sort_order=int(suffix),
            )
            groups[group.code] = group

    members: list[Member] = []
    serial = 0

    def add(
        name: str, gender: str, group: Organization, post: str, department: str, *, retired: bool = False
    ) -> None:
        nonlocal serial
        serial += 1
        age = rng.randint(62, 80) if retired else rng.randint(24, 58)
        born = date(2023 - age, rng.randint(1, 12), rng.randint(1, 28))
        joined_year = min(born.year + rng.randint(20, 30), 2022)
        probationary = not retired and rng.random() < 0.08
        members.append(
            Member(
                org=group,
                name=name,
                gender=gender,
                id_number=_id_number(rng, born, gender, serial),
                phone=f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                category="probationary" if probationary else "full",
                joined_on=date(2023, rng.randint(1, 6), rng.randint(1, 28))
                if probationary
                else date(joined_year, rng.randint(1, 12), rng.randint(1, 28)),
                post=post,
                department=department,
                sort_order=serial,
            )
        )

    key_names = {p[0] for p in KEY_PEOPLE}
    for name, gender, group_code, post, department in KEY_PEOPLE:
        add(name, gender, groups[group_code], post, department)

    # Fill each group to 8-12 members with realistic posts; the first of each branch's others
    # take the branch committee posts (支部委员).
    for code, _, _, group_specs in BRANCHES:
        retired = code == "JDW06"
        for suffix, _, department in group_specs:
            group = groups[f"{code}-{suffix}"]
            present = sum(1 for m in members if m.org is group)
            count = rng.randint(8, 12) - present
            genders = ["male" if rng.random() < 0.55 else "female" for _ in range(count)]
            names = [
                n
                for n in unique_names(rng, genders * 2)
                if n not in key_names and n not in {m.name for m in members}
            ]
            for i, gender in enumerate(genders):
                post = "退休干部" if retired else rng.choice(POSTS)
                if (
                    i == 0
                    and suffix == "1"
                    and not any(m.org.parent_id == group.parent_id and "书记" in m.post for m in members)
                ):
                    post = f"{department}副处长、支部书记" if not retired else "支部书记"
                elif i == 0:
                    post = ("党小组组长、" + post) if not retired else "党小组组长"
                add(names[i], gender, group, post, department, retired=retired)
    for member in members:
        member_create(data={field: getattr(member, field) for field in MEMBER_FIELDS})
    ctx.cache["branches"] = branches
    ctx.say(f"  组织：1个党委，{len(branches)}个党支部，{len(groups)}个党小组；党员 {len(members)} 人")
