from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from taizhang.core.access import Cap, get_object_in_scope, scope_for
from taizhang.core.models import AuditLog
from taizhang.org.models import Member, Organization

pytestmark = pytest.mark.django_db


def test_a_role_covers_the_whole_subtree(world):
    scope = scope_for(world.secretary_a)
    assert scope.can(Cap.RECORD, world.branch_a)
    assert scope.can(Cap.RECORD, world.group_a)
    assert not scope.can(Cap.RECORD, world.branch_b)
    assert not scope.can(Cap.RECORD, world.committee)


def test_capabilities_follow_the_role_table(world):
    assert scope_for(world.member_a).can(Cap.VIEW, world.branch_a)
    assert not scope_for(world.member_a).can(Cap.VIEW_INTERNAL, world.branch_a)
    assert not scope_for(world.member_a).can(Cap.RECORD, world.branch_a)
    assert scope_for(world.leader).can(Cap.REVIEW, world.group_a)
    assert not scope_for(world.admin).can(Cap.REVIEW, world.group_a)
    assert scope_for(world.admin).can(Cap.MANAGE, world.branch_b)
    assert not scope_for(world.leader).can(Cap.MANAGE, world.branch_b)
    assert not scope_for(world.nobody).has_any(Cap.VIEW)


def test_within_filters_a_queryset_by_subtree(world):
    visible = set(Member.objects.within(world.secretary_a, Cap.VIEW_INTERNAL).values_list("name", flat=True))
    assert visible == {m.name for m in world.people_a}
    assert Member.objects.within(world.member_a, Cap.VIEW_INTERNAL).count() == 0
    assert Member.objects.within(world.admin, Cap.VIEW_INTERNAL).count() == 10


def test_within_does_not_confuse_sibling_paths(world, django_assert_num_queries):
    # "/1/2/" must not match "/1/23/": paths end with a slash.
    from taizhang.core.tests.factories import make_org

    while True:
        sibling = make_org(parent=world.committee, kind="branch")
        if str(sibling.pk).startswith(str(world.branch_a.pk)) and sibling.pk != world.branch_a.pk:
            break
    assert not Organization.objects.within(world.secretary_a, Cap.VIEW).filter(pk=sibling.pk).exists()


def test_get_object_in_scope_answers_404_to_outsiders_and_logs_it(world):
    member = world.people_a[2]
    with pytest.raises(Http404):
        get_object_in_scope(world.secretary_b, Member.objects.all(), view=Cap.VIEW_INTERNAL, pk=member.pk)
    denial = AuditLog.objects.get(action="denied")
    assert denial.user == world.secretary_b
    assert denial.success is False


def test_get_object_in_scope_answers_403_to_read_only_users(world):
    member = world.people_a[2]
    with pytest.raises(PermissionDenied):
        get_object_in_scope(
            world.secretary_a, Member.objects.all(), view=Cap.VIEW_INTERNAL, need=Cap.MANAGE, pk=member.pk
        )
    assert (
        get_object_in_scope(
            world.admin, Member.objects.all(), view=Cap.VIEW_INTERNAL, need=Cap.MANAGE, pk=member.pk
        )
        == member
    )


def test_scope_is_loaded_once_per_request(world, django_assert_num_queries):
    user = world.secretary_a
    scope_for(user)
    with django_assert_num_queries(0):
        scope_for(user).paths(Cap.VIEW)


def test_the_administrator_of_the_only_top_unit_reads_without_a_subtree_filter(world):
    # The whole tree is theirs: no path condition (a city-wide list reads its rows in index order) ...
    sql = str(Member.objects.within(world.admin, Cap.VIEW_INTERNAL).query)
    assert "LIKE" not in sql
    assert Member.objects.within(world.admin, Cap.VIEW_INTERNAL).count() == 10
    # ... a branch secretary keeps the filter ...
    assert "LIKE" in str(Member.objects.within(world.secretary_a, Cap.VIEW_INTERNAL).query)
    # ... and once a second top-level unit exists, the administrator of the first does not see it.
    from taizhang.core.access import forget_scope
    from taizhang.core.tests.factories import make_member, make_org

    other = make_org(name="另一个党委", code="OTHER", kind="committee")
    stranger = make_member(org=other, name="外单位党员")
    forget_scope(world.admin)
    visible = Member.objects.within(world.admin, Cap.VIEW_INTERNAL)
    assert "LIKE" in str(visible.query)
    assert stranger not in visible and visible.count() == 10
