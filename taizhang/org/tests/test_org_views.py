from __future__ import annotations

import pytest
from django.urls import reverse

from taizhang.core.models import AuditLog
from taizhang.org.models import Organization

pytestmark = pytest.mark.django_db


def test_org_detail_ladder(world, ladder):
    ladder(
        reverse("org:detail", args=[world.branch_a.pk]), outsider=world.secretary_b, allowed=world.secretary_a
    )


def test_org_edit_ladder(world, ladder):
    ladder(
        reverse("org:edit", args=[world.branch_a.pk]),
        outsider=world.secretary_b,
        readonly=world.secretary_a,
        allowed=world.admin,
    )


def test_the_tree_shows_only_the_users_subtree(world, client):
    client.force_login(world.secretary_a)
    html = client.get(reverse("org:tree")).content.decode()
    assert "甲支部" in html and "甲支部第一小组" in html
    assert "乙支部" not in html and "局党委" not in html


def test_a_member_role_cannot_open_the_tree(world, client):
    client.force_login(world.member_a)
    assert client.get(reverse("org:tree")).status_code == 403


def test_admin_creates_a_branch_and_a_group_under_it(world, client):
    client.force_login(world.admin)
    response = client.post(
        reverse("org:create"),
        {
            "parent": world.committee.pk,
            "kind": "branch",
            "code": "WC",
            "name": "丙支部",
            "sort_order": 3,
            "is_active": "on",
        },
    )
    branch = Organization.objects.get(code="WC")
    assert response.status_code == 302
    assert branch.path == f"{world.committee.path}{branch.pk}/"
    client.post(
        reverse("org:create"),
        {
            "parent": branch.pk,
            "kind": "group",
            "code": "WC-1",
            "name": "丙支部小组",
            "sort_order": 1,
            "is_active": "on",
        },
    )
    assert Organization.objects.get(code="WC-1").path.startswith(branch.path)
    assert AuditLog.objects.filter(action="create", object_type="org.Organization").count() == 2


def test_a_group_cannot_hold_a_branch(world, client):
    client.force_login(world.admin)
    response = client.post(
        reverse("org:create"),
        {"parent": world.group_a.pk, "kind": "branch", "code": "X1", "name": "错误支部", "sort_order": 0},
    )
    assert response.status_code == 200
    assert not Organization.objects.filter(code="X1").exists()


def test_moving_a_branch_moves_its_subtree(world, client):
    other = Organization.objects.create(code="W2", name="另一党委", kind="committee")
    other.path = f"/{other.pk}/"
    other.save()
    client.force_login(world.admin)
    # The admin's scope is the first committee only: moving under a unit outside it is refused.
    response = client.post(
        reverse("org:edit", args=[world.branch_a.pk]),
        {"parent": other.pk, "kind": "branch", "code": "WA", "name": "甲支部", "sort_order": 0},
    )
    assert response.status_code == 200
    world.branch_a.refresh_from_db()
    assert world.branch_a.parent_id == world.committee.pk

    from taizhang.org.services import org_update

    org_update(org=world.branch_a, data={"parent": other})
    world.group_a.refresh_from_db()
    assert world.group_a.path == f"/{other.pk}/{world.branch_a.pk}/{world.group_a.pk}/"
    assert world.group_a.depth == 2


def test_a_unit_cannot_move_under_its_own_child(world):
    from django.core.exceptions import ValidationError

    from taizhang.org.services import org_update

    with pytest.raises(ValidationError):
        org_update(org=world.branch_a, data={"parent": world.group_a, "kind": "branch"})


def test_a_unit_with_members_cannot_be_deleted(world, client):
    client.force_login(world.admin)
    client.post(reverse("org:delete", args=[world.branch_b.pk]))
    assert Organization.objects.filter(pk=world.branch_b.pk).exists()
    empty = Organization.objects.create(code="E", name="空支部", kind="branch", parent=world.committee)
    empty.path = f"{world.committee.path}{empty.pk}/"
    empty.save()
    client.post(reverse("org:delete", args=[empty.pk]))
    assert not Organization.objects.filter(pk=empty.pk).exists()


def test_the_breadcrumb_links_the_parent_only_when_it_opens(world, client):
    committee_url = reverse("org:detail", args=[world.committee.pk])
    branch_url = reverse("org:detail", args=[world.branch_a.pk])
    client.force_login(world.secretary_a)
    assert client.get(committee_url).status_code == 404
    page = client.get(branch_url).content.decode()
    assert "局党委" in page and committee_url not in page  # named, not a link that answers 404
    group_page = client.get(reverse("org:detail", args=[world.group_a.pk])).content.decode()
    assert branch_url in group_page  # the secretary's own branch is a link from its group
    client.force_login(world.admin)
    assert committee_url in client.get(branch_url).content.decode()
