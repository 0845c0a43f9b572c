"""Issue 16 F2: a branch administrator must not lift his branch out of the committee.

Before the fix, `POST /org/<branch>/edit/` with an empty 上级组织 and 组织类型=党委 made the branch a
top-level unit: it left the committee's oversight and its administrator could read the whole audit log.
Now a unit is moved only by someone who manages both where it is and where it goes, never to the top
without global management, and its kind is changed only by someone holding a role above it — refused
with a Chinese message in the form and in the service, and audited.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from taizhang.core.models import AuditLog
from taizhang.core.tests.factories import make_member, make_org, make_user
from taizhang.core.tests.prod import enrol, sign_in
from taizhang.org import services
from taizhang.org.models import Organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch_admin(world):  # noqa: ANN001
    return make_user(
        username="t_branch_admin",
        member=make_member(org=world.branch_a, name="甲管理员"),
        roles=(("admin", world.branch_a),),
    )


def _form(org: Organization, **changes: object) -> dict:
    data = {
        "parent": org.parent_id or "",
        "kind": org.kind,
        "code": org.code,
        "name": org.name,
        "short_name": org.short_name,
        "sort_order": org.sort_order,
        "is_active": "on",
    }
    data.update(changes)
    return data


def _where(org: Organization) -> tuple:
    org.refresh_from_db()
    return org.parent_id, org.path, org.kind


def _client(user) -> Client:  # noqa: ANN001
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


ATTACKS = {
    "to the top as a committee": lambda w: {"parent": "", "kind": "committee"},
    "a committee where it stands": lambda w: {"kind": "committee"},
    "under a sibling branch": lambda w: {"parent": w.branch_b.pk},
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_F2_a_branch_admin_cannot_lift_his_branch_out_of_the_committee(world, branch_admin, attack):
    before = _where(world.branch_a)
    client = _client(branch_admin)
    assert client.get(reverse("core:audit_list")).status_code == 403
    response = client.post(
        reverse("org:edit", args=[world.branch_a.pk]), _form(world.branch_a, **ATTACKS[attack](world))
    )
    assert response.status_code in (200, 403)
    assert _where(world.branch_a) == before
    if response.status_code == 200:
        page = response.content.decode()
        assert "is-invalid" in page or "alert-danger" in page
    assert client.get(reverse("core:audit_list")).status_code == 403
    # The group under the branch did not move either.
    assert _where(world.group_a)[1].startswith(world.committee.path)


def test_F2_the_messages_say_why_in_chinese(world, branch_admin):
    client = _client(branch_admin)
    page = client.post(
        reverse("org:edit", args=[world.branch_a.pk]), _form(world.branch_a, parent="", kind="committee")
    ).content.decode()
    assert "全局管理权限" in page
    page = client.post(
        reverse("org:edit", args=[world.branch_a.pk]), _form(world.branch_a, kind="committee")
    ).content.decode()
    assert "上级组织的管理员" in page


def test_F2_the_service_refuses_and_audits(world, branch_admin):
    before = _where(world.branch_a)
    for data, field in (
        ({"parent": None, "kind": "committee"}, "parent"),
        ({"kind": "committee"}, "kind"),
        ({"parent": world.branch_b}, "parent"),
    ):
        with pytest.raises(ValidationError) as refused:
            services.org_update(org=world.branch_a, data=data, actor=branch_admin)
        assert field in refused.value.message_dict
        world.branch_a.refresh_from_db()
    assert _where(world.branch_a) == before
    assert (
        AuditLog.objects.filter(action="denied", user=branch_admin, object_id=str(world.branch_a.pk)).count()
        == 3
    )
    # Creating a unit at the top, or under a unit he does not manage, is refused by the service too.
    for parent in (None, world.branch_b):
        with pytest.raises(ValidationError):
            services.org_create(code="X1", name="新党委", kind="committee", parent=parent, actor=branch_admin)
    assert not Organization.objects.filter(code="X1").exists()


def test_F2_moves_inside_the_admins_subtree_still_work(world, branch_admin):
    # Branch A's administrator edits a unit under his branch.
    second = make_org(parent=world.branch_a, name="甲支部第二小组", code="WA-2", kind="group")
    services.org_update(org=second, data={"name": "甲支部第二党小组"}, actor=branch_admin)
    # The committee administrator moves group A from branch A to branch B, and renames his committee.
    services.org_update(org=world.group_a, data={"parent": world.branch_b}, actor=world.admin)
    assert _where(world.group_a)[1] == f"{world.branch_b.path}{world.group_a.pk}/"
    response = _client(world.admin).post(
        reverse("org:edit", args=[world.committee.pk]), _form(world.committee, name="局机关党委")
    )
    assert response.status_code == 302
    world.committee.refresh_from_db()
    assert world.committee.name == "局机关党委" and world.committee.parent_id is None
    # A superuser (the operator) may set up a second top-level committee.
    root = make_user(username="t_root", is_superuser=True)
    top = services.org_create(code="W9", name="第二党委", kind="committee", parent=None, actor=root)
    assert top.parent_id is None and top.path == f"/{top.pk}/"


def test_F2_production_settings_refuse_it_too(world, branch_admin, prod_settings):
    enrol(branch_admin)
    before = _where(world.branch_a)
    client = sign_in(branch_admin)
    response = client.post(
        reverse("org:edit", args=[world.branch_a.pk]), _form(world.branch_a, parent="", kind="committee")
    )
    assert response.status_code in (200, 403)
    assert _where(world.branch_a) == before
    assert client.get(reverse("core:audit_list")).status_code == 403
