"""Demo part: one login per role, linked to the demo's key people."""

from __future__ import annotations

from taizhang.accounts.models import RoleAssignment
from taizhang.accounts.services import account_create, role_grant
from taizhang.demo.loader import DEMO_PASSWORD, DEMO_ROOT_ORG, DemoContext
from taizhang.org.models import Member, Organization

NAME = "accounts"

# (username, member name, role, organization code, description printed by `taizhang demo`)
ACCOUNTS = (
    (
        "admin",
        "李文静",
        "admin",
        DEMO_ROOT_ORG,
        "管理员 · 李文静（机关党委专职副书记、办公室主任），管理全局",
    ),
    ("leader", "王建国", "leader", DEMO_ROOT_ORG, "领导 · 王建国（局党委书记、局长），审核销号，查看全局"),
    ("secretary", "张伟", "secretary", "JDW01", "支部书记 · 张伟（机关第一党支部），记录本支部活动"),
    ("member", "刘芳", "member", "JDW01", "党员 · 刘芳（机关第一党支部），查看活动、记录个人自学"),
    ("secretary2", "周明", "secretary", "JDW02", "支部书记 · 周明（机关第二党支部），只能看到本支部"),
)
DEMO_LOGINS = tuple((username, description) for username, _, _, _, description in ACCOUNTS)


def load(ctx: DemoContext) -> None:
    for username, member_name, role, org_code, _ in ACCOUNTS:
        org = Organization.objects.get(code=org_code)
        member = Member.objects.in_subtree(Organization.objects.get(code=DEMO_ROOT_ORG)).get(name=member_name)
        user, _ = account_create(
            username=username, member=member, full_name=member.name, password=DEMO_PASSWORD, must_change=False
        )
        role_grant(user=user, org=org, role=role)
        own_unit = member.org.parent or member.org
        if (
            role != "member"
            and not RoleAssignment.objects.filter(user=user, org=own_unit, role="member").exists()
        ):
            # Everyone is also a member of their own unit (own attendance, self-study).
            role_grant(user=user, org=own_unit, role="member")
    # Leaders also take part in the work of the whole bureau as members of the committee.
    ctx.say(f"  账号：{len(ACCOUNTS)} 个演示账号")
