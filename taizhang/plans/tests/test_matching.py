"""Plan against actual: which planned study sessions happened."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from taizhang.core.tests.factories import make_campaign
from taizhang.plans import services
from taizhang.plans.matching import MATCH_WINDOW_DAYS, Candidate, ItemSpec, assign, compatible
from taizhang.plans.tests.conftest import make_activity, make_item, make_plan

BASE = date(2023, 10, 1)
FORMS = st.sampled_from(["concentrated", "seminar", "lecture", "reading", "other"])
CODES = st.sampled_from(
    ["branch_concentrated", "seminar", "party_lecture", "reading_class", "theme_party_day"]
)


@settings(max_examples=200, deadline=None)
@given(
    items=st.lists(st.tuples(st.integers(0, 90), FORMS), max_size=12),
    records=st.lists(st.tuples(st.integers(0, 90), CODES, st.booleans()), max_size=20),
)
def test_assignment_is_one_to_one_within_the_window_and_by_type(items, records):
    specs = [ItemSpec(id=i, planned_date=BASE + timedelta(days=d), form=f) for i, (d, f) in enumerate(items)]
    candidates = [
        Candidate(id=i, date=BASE + timedelta(days=d), type_code=c, exact_org=e)
        for i, (d, c, e) in enumerate(records)
    ]
    result = assign(specs, candidates)
    used = [c.key for c in result.values()]
    assert len(used) == len(set(used)), "one record fulfils at most one item"
    by_id = {s.id: s for s in specs}
    for item_id, candidate in result.items():
        item = by_id[item_id]
        assert abs((candidate.date - item.planned_date).days) <= MATCH_WINDOW_DAYS
        assert compatible(item, candidate)
    # Maximal: no unmatched item could still take an unused compatible record in its window.
    free = [c for c in candidates if c.key not in set(used)]
    for spec in specs:
        if spec.id not in result:
            assert not any(
                compatible(spec, c) and abs((c.date - spec.planned_date).days) <= MATCH_WINDOW_DAYS
                for c in free
            )


def test_the_nearest_session_wins_and_the_unit_itself_comes_first():
    items = [ItemSpec(1, date(2023, 10, 10), "concentrated"), ItemSpec(2, date(2023, 10, 17), "concentrated")]
    records = [
        Candidate(10, date(2023, 10, 11), "branch_concentrated", exact_org=False),
        Candidate(11, date(2023, 10, 16), "branch_concentrated"),
        Candidate(12, date(2023, 10, 12), "branch_concentrated"),
    ]
    result = assign(items, records)
    assert {k: v.id for k, v in result.items()} == {1: 12, 2: 11}


def test_forms_stand_for_their_types():
    lecture = ItemSpec(1, BASE, "lecture")
    assert compatible(lecture, Candidate(1, BASE, "party_lecture"))
    assert not compatible(lecture, Candidate(1, BASE, "branch_concentrated"))
    typed = ItemSpec(1, BASE, "concentrated", type_code="theme_party_day")
    assert compatible(typed, Candidate(1, BASE, "theme_party_day"))
    assert not compatible(typed, Candidate(1, BASE, "branch_concentrated"))
    self_item = ItemSpec(1, BASE, "self")
    assert compatible(self_item, Candidate(1, BASE, is_self=True))
    assert not compatible(self_item, Candidate(1, BASE, "branch_concentrated"))
    assert not compatible(ItemSpec(1, BASE, "other"), Candidate(1, BASE, is_self=True))


pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_a_branch_plan_matches_its_own_subtree_and_campaign(world, types):
    plan = make_plan(world, org=world.branch_a)
    first = make_item(plan, date(2023, 10, 10))
    second = make_item(plan, date(2023, 10, 24))
    third = make_item(plan, date(2023, 11, 7))
    held = make_activity(world, types, date=date(2023, 10, 12))
    by_group = make_activity(world, types, org=world.group_a, date=date(2023, 10, 25))
    make_activity(world, types, org=world.branch_b, date=date(2023, 11, 7))  # another branch
    make_activity(world, types, date=date(2023, 11, 7), campaign=make_campaign(org=world.committee))
    result = services.plan_match(plan=plan)
    assert (result.matched, result.total) == (2, 3)
    first.refresh_from_db(), second.refresh_from_db(), third.refresh_from_db()
    assert (first.activity, second.activity, third.activity) == (held, by_group, None)
    plan.refresh_from_db()
    assert plan.matched_at is not None


@pytestmark_db
def test_a_session_far_from_the_planned_day_does_not_count(world, types):
    plan = make_plan(world, org=world.branch_a)
    item = make_item(plan, date(2023, 10, 10))
    make_activity(world, types, date=date(2023, 10, 10) + timedelta(days=MATCH_WINDOW_DAYS + 1))
    services.plan_match(plan=plan)
    item.refresh_from_db()
    assert item.activity is None


@pytestmark_db
def test_one_session_fulfils_one_item_and_the_database_agrees(world, types):
    from django.db import IntegrityError, transaction

    plan = make_plan(world, org=world.branch_a)
    a = make_item(plan, date(2023, 10, 10))
    b = make_item(plan, date(2023, 10, 11))
    only = make_activity(world, types, date=date(2023, 10, 11))
    services.plan_match(plan=plan)
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.activity, b.activity) == (None, only)
    a.activity = only
    with pytest.raises(IntegrityError), transaction.atomic():
        a.save()


@pytestmark_db
def test_the_type_of_an_item_decides_over_its_form(world, types):
    plan = make_plan(world, org=world.branch_a)
    party_day = make_item(plan, date(2023, 10, 10), activity_type=types["theme_party_day"])
    make_activity(world, types, date=date(2023, 10, 10))  # a concentrated study, not a party day
    services.plan_match(plan=plan)
    party_day.refresh_from_db()
    assert party_day.activity is None
    held = make_activity(world, types, code="theme_party_day", date=date(2023, 10, 13))
    services.plan_match(plan=plan)
    party_day.refresh_from_db()
    assert party_day.activity == held


@pytestmark_db
def test_a_personal_plan_counts_what_the_member_attended_and_self_study(world, types):
    from taizhang.study.models import Attendance, SelfStudy
    from taizhang.study.services import activity_counts_refresh

    member = world.people_a[1]
    plan = make_plan(world, level="personal", member=member)
    session = make_item(plan, date(2023, 10, 10))
    reading = make_item(plan, date(2023, 10, 20), form="self", topic="自学选读")
    attended = make_activity(world, types, date=date(2023, 10, 11))
    Attendance.objects.create(activity=attended, member=member, status="present")
    missed = make_activity(world, types, date=date(2023, 10, 10))
    Attendance.objects.create(activity=missed, member=member, status="absent")
    activity_counts_refresh()
    study = SelfStudy.objects.create(
        campaign=world.campaign,
        member=member,
        org=member.org,
        date=date(2023, 10, 21),
        material="选读",
        minutes=60,
    )
    SelfStudy.objects.create(
        campaign=world.campaign,
        member=world.people_a[3],
        org=member.org,
        date=date(2023, 10, 20),
        material="x",
        minutes=30,
    )
    services.plan_match(plan=plan)
    session.refresh_from_db(), reading.refresh_from_db()
    assert session.activity == attended
    assert (reading.activity, reading.self_study) == (None, study)


@pytestmark_db
def test_a_hand_picked_match_survives_rematching(world, types):
    plan = make_plan(world, org=world.branch_a)
    item = make_item(plan, date(2023, 10, 10))
    near = make_activity(world, types, date=date(2023, 10, 10), topic="就近的")
    chosen = make_activity(world, types, date=date(2023, 11, 20), topic="实际对应的")
    services.plan_match(plan=plan)
    item.refresh_from_db()
    assert item.activity == near
    services.item_match_set(item=item, actor=world.secretary_a, activity=chosen)
    services.plan_match(plan=plan)
    item.refresh_from_db()
    assert (item.activity, item.match_manual) == (chosen, True)
    services.item_match_set(item=item, actor=world.secretary_a, auto=True)
    item.refresh_from_db()
    assert (item.activity, item.match_manual) == (near, False)


@pytestmark_db
def test_an_incompatible_record_cannot_be_picked_by_hand(world, types):
    plan = make_plan(world, org=world.branch_a)
    item = make_item(plan, date(2023, 10, 10), form="lecture")
    concentrated = make_activity(world, types, date=date(2023, 10, 10))
    with pytest.raises(ValidationError, match="不符"):
        services.item_match_set(item=item, actor=world.secretary_a, activity=concentrated)


@pytestmark_db
def test_adding_an_item_matches_it_at_once(world, types):
    plan = make_plan(world, org=world.branch_a)
    held = make_activity(world, types, code="party_lecture", date=date(2023, 11, 9))
    item = services.item_save(
        plan=plan,
        data={
            "topic": "支部书记讲党课",
            "planned_date": date(2023, 11, 8),
            "form": "lecture",
            "material": "",
        },
        actor=world.secretary_a,
    )
    assert item.activity == held


@pytestmark_db
def test_an_item_outside_the_campaign_is_refused(world):
    plan = make_plan(world, org=world.branch_a)
    with pytest.raises(ValidationError) as caught:
        services.item_save(
            plan=plan,
            data={"topic": "x", "planned_date": date(2024, 5, 1), "form": "other"},
            actor=world.admin,
        )
    assert "planned_date" in caught.value.message_dict


@pytestmark_db
def test_the_daily_command_rematches_every_plan(world, types):
    from io import StringIO

    from django.core.management import call_command

    plan = make_plan(world, org=world.branch_a)
    item = make_item(plan, date(2023, 10, 10))
    held = make_activity(world, types, date=date(2023, 10, 9))
    out = StringIO()
    call_command("plan_match", "--campaign", world.campaign.code, stdout=out)
    item.refresh_from_db()
    assert item.activity == held
    assert "1 份计划" in out.getvalue()
