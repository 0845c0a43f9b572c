"""Issue 16 F1/F2 as properties: random organization trees, random role placements.

For any tree and any placement of roles and member records, an administrator manages exactly the
accounts whose every role and member record lie in his own subtrees (never a superuser) — computed
here independently of the code, from the parent list — and every account action on an account with a
role above or beside him is refused without changing it. Likewise a unit moves only between units he
manages, and never to the top.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from taizhang.accounts import otp, services
from taizhang.accounts.models import RoleAssignment
from taizhang.accounts.selectors import managed_users
from taizhang.core.tests.factories import make_member, make_org, make_user
from taizhang.org.access import placement_errors

ROLES = ("admin", "leader", "secretary", "member")


@dataclass
class Person:
    roles: list[tuple[str, int]]  # (role, unit index)
    member_unit: int | None
    superuser: bool


@st.composite
def placements(draw: st.DrawFn) -> tuple[list[int | None], Person, list[Person]]:
    size = draw(st.integers(min_value=2, max_value=8))
    # parents[i] < i: a forest, listed parents first (a second root now and then).
    parents: list[int | None] = [None]
    for i in range(1, size):
        parent = draw(st.integers(min_value=-1, max_value=i - 1))
        parents.append(None if parent < 0 else parent)
    unit = st.integers(min_value=0, max_value=size - 1)

    def person(admin_units: list[int] | None = None) -> st.SearchStrategy[Person]:
        roles = st.lists(st.tuples(st.sampled_from(ROLES), unit), max_size=3, unique=True)
        return st.builds(
            Person,
            roles=roles.map(lambda r: sorted(set(r) | {("admin", u) for u in (admin_units or [])})),
            member_unit=st.one_of(st.none(), unit),
            superuser=st.just(False) if admin_units else st.sampled_from([False, False, False, True]),
        )

    actor = draw(person(draw(st.lists(unit, min_size=1, max_size=2, unique=True))))
    others = draw(st.lists(person(), min_size=1, max_size=6))
    return parents, actor, others


def _subtree(parents: list[int | None], root: int) -> set[int]:
    inside = {root}
    for i, parent in enumerate(parents):  # parents come first, so one pass is enough
        if parent in inside:
            inside.add(i)
    return inside


def _expected(parents: list[int | None], actor: Person, other: Person) -> bool:
    mine = set().union(*(_subtree(parents, u) for role, u in actor.roles if role == "admin"))
    if other.superuser or (not other.roles and other.member_unit is None):
        return False
    return all(u in mine for _, u in other.roles) and (other.member_unit is None or other.member_unit in mine)


class AccountScopeProperties(HypothesisTestCase):
    def _build(self, parents: list[int | None], people: list[Person]) -> tuple[list, list]:
        units: list = []
        for parent in parents:
            units.append(make_org(parent=units[parent] if parent is not None else None))
        users = []
        for person in people:
            member = make_member(org=units[person.member_unit]) if person.member_unit is not None else None
            users.append(
                make_user(
                    member=member,
                    roles=tuple((role, units[u]) for role, u in person.roles),
                    is_superuser=person.superuser,
                )
            )
        return units, users

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(placements())
    def test_a_lower_admin_never_manages_an_account_above_or_beside_him(self, placement):
        parents, actor_person, others = placement
        units, users = self._build(parents, [actor_person, *others])
        actor = users[0]
        managed = set(managed_users(user=actor).values_list("pk", flat=True))
        for person, user in zip([actor_person, *others], users, strict=True):
            assert (user.pk in managed) == _expected(parents, actor_person, person), (
                parents,
                actor_person,
                person,
            )
        mine = set().union(*(_subtree(parents, u) for role, u in actor_person.roles if role == "admin"))
        some_unit_of_mine = units[min(mine)]
        for person, user in zip(others, users[1:], strict=True):
            above_or_beside = user.is_superuser or any(u not in mine for _, u in person.roles)
            if not above_or_beside:
                continue
            assert user.pk not in managed
            user.refresh_from_db()
            before = (user.password, user.is_active, sorted(user.roles.values_list("org_id", "role")))
            actions = [
                lambda u=user: services.password_reset(user=u, actor=actor),
                lambda u=user: services.user_set_active(user=u, active=False, actor=actor),
                lambda u=user: services.role_grant(user=u, org=some_unit_of_mine, role="leader", actor=actor),
                lambda u=user: otp.reset(user=u, actor=actor),
                *(
                    lambda a=assignment: services.role_revoke(assignment=a, actor=actor)
                    for assignment in RoleAssignment.objects.filter(user=user)
                ),
            ]
            for action in actions:
                with self.assertRaises(PermissionDenied):
                    action()
            user.refresh_from_db()
            assert (user.password, user.is_active, sorted(user.roles.values_list("org_id", "role"))) == before

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(placements(), st.data())
    def test_a_lower_admin_never_moves_a_unit_out_of_his_subtree_or_to_the_top(self, placement, data):
        parents, actor_person, _ = placement
        units, (actor,) = self._build(parents, [actor_person])
        mine = set().union(*(_subtree(parents, u) for role, u in actor_person.roles if role == "admin"))
        moved = data.draw(st.integers(min_value=0, max_value=len(units) - 1))
        target = data.draw(st.one_of(st.none(), st.integers(min_value=0, max_value=len(units) - 1)))
        org = units[moved]
        if target is not None and target in _subtree(parents, moved):
            return  # a cycle: refused for everyone by the service, whatever the placement
        errors = placement_errors(
            actor, org, parent=units[target] if target is not None else None, kind=org.kind
        )
        same_place = target == parents[moved]
        allowed = same_place or (
            target is not None and parents[moved] is not None and parents[moved] in mine and target in mine
        )
        assert (not errors) == allowed, (parents, actor_person.roles, moved, target, errors)
