from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from taizhang.accounts.models import User
from taizhang.campaigns.models import Campaign
from taizhang.core.access import Cap, scope_for
from taizhang.org.models import Member, Organization

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_and_prints_the_logins():
    out = StringIO()
    call_command("demo", stdout=out)
    assert Organization.objects.filter(kind="branch").count() == 6
    assert Organization.objects.filter(kind="group").count() == 12
    assert 100 <= Member.objects.count() <= 140
    campaign = Campaign.objects.get(code="zt2023b2")
    assert campaign.roles.filter(role="group_leader").count() == 1
    for username in ("admin", "leader", "secretary", "member"):
        assert username in out.getvalue()
        assert User.objects.get(username=username).check_password("Tz#2023demo")
    counts = (Member.objects.count(), Organization.objects.count(), User.objects.count())
    again = StringIO()
    call_command("demo", stdout=again)
    assert (Member.objects.count(), Organization.objects.count(), User.objects.count()) == counts
    assert "无需重复加载" in again.getvalue()


def test_the_demo_is_deterministic():
    call_command("demo", stdout=StringIO())
    first = list(Member.objects.order_by("sort_order").values_list("name", "post", "org__code"))
    assert first[0][0] == "王建国"
    assert len({name for name, _, _ in first}) == len(
        first
    )  # no duplicate names: import matching stays exact


def test_demo_logins_have_the_scope_their_role_describes():
    call_command("demo", stdout=StringIO())
    secretary = User.objects.get(username="secretary")
    branch_one = Organization.objects.get(code="JDW01")
    branch_two = Organization.objects.get(code="JDW02")
    assert scope_for(secretary).can(Cap.RECORD, branch_one)
    assert not scope_for(secretary).can(Cap.VIEW, branch_two)
    assert scope_for(User.objects.get(username="leader")).can(Cap.REVIEW, branch_two)
    assert not scope_for(User.objects.get(username="member")).can(Cap.RECORD, branch_one)


def test_the_demo_refuses_a_database_with_real_data():
    from taizhang.core.tests.factories import make_org

    make_org(name="真实单位")
    with pytest.raises(CommandError, match="--force"):
        call_command("demo", stdout=StringIO())
