"""Issue 16 F1: a branch administrator must not take over or lock out the accounts above him.

The bureau as the demo builds it: the committee's leader and administrator are members of branch A (their
Member rows sit there, with a `member` role on branch A), and branch A has its own administrator. Before
the fix that administrator "managed" both committee accounts (a role in, or a member record under, his
subtree was enough): he could reset the leader's password and read the new one, reset their
authenticators, deactivate the committee administrator. The rule now: an administrator manages an
account only when every role it holds, and its member record, lie inside his own subtree, and never a
superuser; anything else is refused and the refusal is audited — in the views, in the services, on
development and on production settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from taizhang.accounts import otp, services
from taizhang.accounts.models import RoleAssignment, User
from taizhang.accounts.selectors import user_list_for_admin
from taizhang.core.models import AuditLog
from taizhang.core.tests.factories import PASSWORD, make_member, make_user
from taizhang.core.tests.prod import enrol, sign_in

pytestmark = pytest.mark.django_db


@dataclass
class Bureau:
    world: Any
    branch_admin: Any  # administrator of branch A
    leader: Any  # the committee's leader, a member of branch A
    admin: Any  # the committee's administrator, a member of branch A


@pytest.fixture
def bureau(world) -> Bureau:  # noqa: ANN001
    for user, name in ((world.leader, "王建国"), (world.admin, "李文静")):
        user.member = make_member(org=world.branch_a, name=name)
        user.save(update_fields=["member"])
        RoleAssignment.objects.create(user=user, org=world.branch_a, role="member")
    branch_admin = make_user(
        username="t_branch_admin",
        member=make_member(org=world.branch_a, name="甲管理员"),
        roles=(("admin", world.branch_a),),
    )
    return Bureau(world=world, branch_admin=branch_admin, leader=world.leader, admin=world.admin)


def _client(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _state(user: User) -> tuple:
    user.refresh_from_db()
    return (
        user.password,
        user.is_active,
        user.must_change_password,
        sorted(RoleAssignment.objects.filter(user=user).values_list("org_id", "role")),
        TOTPDevice.objects.filter(user=user).count(),
    )


def _actions(bureau: Bureau, target: User) -> list[tuple[str, str, dict]]:
    member_role = RoleAssignment.objects.get(user=target, org=bureau.world.branch_a, role="member")
    return [
        ("get", reverse("accounts:user_detail", args=[target.pk]), {}),
        ("post", reverse("accounts:password_reset", args=[target.pk]), {}),
        ("post", reverse("accounts:otp_reset", args=[target.pk]), {}),
        ("post", reverse("accounts:user_set_active", args=[target.pk]), {"active": "0"}),
        (
            "post",
            reverse("accounts:role_grant", args=[target.pk]),
            {"org": bureau.world.branch_a.pk, "role": "secretary"},
        ),
        ("post", reverse("accounts:role_revoke", args=[member_role.pk]), {}),
    ]


@pytest.mark.parametrize("target", ["leader", "admin"])
def test_F1_a_branch_admin_cannot_take_over_or_lock_out_the_committee_accounts(bureau, target):
    victim = getattr(bureau, target)
    enrol(victim)
    before = _state(victim)
    client = _client(bureau.branch_admin)
    for method, url, data in _actions(bureau, victim):
        response = getattr(client, method)(url, data)
        assert response.status_code in (403, 404), f"{method} {url} → {response.status_code}"
        assert "new_password" not in client.session
    assert _state(victim) == before
    # The victim still signs in with the password they know.
    assert (
        Client()
        .post(reverse("accounts:login"), {"username": victim.username, "password": PASSWORD})
        .status_code
        == 302
    )
    denied = AuditLog.objects.filter(action="denied", user=bureau.branch_admin, success=False)
    assert denied.count() >= len(_actions(bureau, victim))


def test_F1_the_account_list_shows_only_accounts_wholly_inside_the_admins_subtree(bureau):
    world = bureau.world
    names = set(user_list_for_admin(user=bureau.branch_admin).values_list("username", flat=True))
    assert names == {"t_branch_admin", "t_sec_a", "t_mem_a"}
    page = _client(bureau.branch_admin).get(reverse("accounts:user_list")).content.decode()
    assert "t_leader" not in page and "t_admin" not in page and "t_sec_a" in page
    # The committee administrator still manages every account of the committee.
    names = set(user_list_for_admin(user=world.admin).values_list("username", flat=True))
    assert {"t_leader", "t_admin", "t_branch_admin", "t_sec_a", "t_sec_b", "t_mem_a"} <= names


def test_F1_an_account_with_a_role_beside_the_admin_is_not_his_to_manage(bureau):
    world = bureau.world
    # A secretary of branch A who is also secretary of branch B: branch A's administrator cannot reset it.
    RoleAssignment.objects.create(user=world.secretary_a, org=world.branch_b, role="secretary")
    response = _client(bureau.branch_admin).post(
        reverse("accounts:password_reset", args=[world.secretary_a.pk])
    )
    assert response.status_code == 403
    assert "上级" in response.content.decode()
    world.secretary_a.refresh_from_db()
    assert world.secretary_a.check_password(PASSWORD)
    # The committee's administrator, above both branches, can.
    response = _client(world.admin).post(reverse("accounts:password_reset", args=[world.secretary_a.pk]))
    assert response.status_code == 302


def test_F1_a_superuser_is_managed_by_no_unit_administrator(bureau):
    world = bureau.world
    root = make_user(
        username="t_root", is_superuser=True, member=make_member(org=world.branch_a, name="运维")
    )
    RoleAssignment.objects.create(user=root, org=world.branch_a, role="member")
    for actor in (bureau.branch_admin, world.admin):
        response = _client(actor).post(reverse("accounts:user_set_active", args=[root.pk]), {"active": "0"})
        assert response.status_code in (403, 404)
    root.refresh_from_db()
    assert root.is_active


def test_F1_the_branch_admin_still_manages_his_own_people(bureau):
    world = bureau.world
    client = _client(bureau.branch_admin)
    response = client.post(reverse("accounts:password_reset", args=[world.secretary_a.pk]))
    assert response.status_code == 302 and client.session.get("new_password")
    response = client.post(
        reverse("accounts:role_grant", args=[world.member_a.pk]),
        {"org": world.group_a.pk, "role": "secretary"},
    )
    assert RoleAssignment.objects.filter(user=world.member_a, org=world.group_a, role="secretary").exists()
    # The committee administrator manages the leader (an account he could have granted himself).
    response = _client(world.admin).post(reverse("accounts:otp_reset", args=[world.leader.pk]))
    assert response.status_code == 302


def test_F1_the_services_refuse_too_and_audit_the_refusal(bureau):
    world = bureau.world
    leader = bureau.leader
    before = _state(leader)
    member_role = RoleAssignment.objects.get(user=leader, org=world.branch_a, role="member")
    calls = [
        lambda: services.password_reset(user=leader, actor=bureau.branch_admin),
        lambda: services.user_set_active(user=leader, active=False, actor=bureau.branch_admin),
        lambda: services.role_grant(
            user=leader, org=world.group_a, role="secretary", actor=bureau.branch_admin
        ),
        lambda: services.role_revoke(assignment=member_role, actor=bureau.branch_admin),
        lambda: otp.reset(user=leader, actor=bureau.branch_admin),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert _state(leader) == before
    assert AuditLog.objects.filter(action="denied", user=bureau.branch_admin).count() == len(calls)
    # A role outside the granting administrator's subtree is refused by the service as well.
    with pytest.raises(PermissionDenied):
        services.role_grant(
            user=world.secretary_a, org=world.branch_b, role="leader", actor=bureau.branch_admin
        )
    # An account for a member outside his subtree.
    with pytest.raises(PermissionDenied):
        services.account_create(username="zhang_b", member=world.people_b[1], actor=bureau.branch_admin)
    assert not User.objects.filter(username="zhang_b").exists()


def test_F1_marking_the_leader_transferred_out_does_not_disable_his_login(bureau):
    leader = bureau.leader
    client = _client(bureau.branch_admin)
    response = client.post(
        reverse("org:member_set_active", args=[leader.member.pk]), {"active": "0"}, follow=True
    )
    assert "上级组织的管理员" in response.content.decode()
    leader.refresh_from_db()
    leader.member.refresh_from_db()
    assert leader.is_active and leader.member.is_active
    assert AuditLog.objects.filter(
        action="denied", user=bureau.branch_admin, object_id=str(leader.pk)
    ).exists()
    # His own people: the member goes, and so does the login.
    member_a = bureau.world.member_a
    client.post(reverse("org:member_set_active", args=[member_a.member.pk]), {"active": "0"})
    member_a.refresh_from_db()
    assert not member_a.is_active


def test_F1_production_settings_refuse_the_takeover_too(bureau, prod_settings):
    leader = bureau.leader
    enrol(bureau.branch_admin)
    before = _state(leader)
    client = sign_in(bureau.branch_admin)  # password and TOTP, over HTTPS behind the proxy
    assert client.get(reverse("accounts:user_list")).status_code == 200
    for method, url, data in _actions(bureau, leader):
        response = getattr(client, method)(url, data)
        assert response.status_code in (403, 404), f"{method} {url} → {response.status_code}"
    assert _state(leader) == before
