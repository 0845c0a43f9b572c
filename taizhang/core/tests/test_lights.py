from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models import Q
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from taizhang.core.lights import Light, light_case, light_for, lights_refresh
from taizhang.core.models import Event

DATES = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


def test_the_rule_on_the_edges():
    deadline = date(2023, 10, 10)
    assert light_for(deadline, False, date(2023, 10, 6)) == Light.GREEN
    assert light_for(deadline, False, date(2023, 10, 7)) == Light.YELLOW  # 3 days left
    assert light_for(deadline, False, date(2023, 10, 10)) == Light.YELLOW  # due today
    assert light_for(deadline, False, date(2023, 10, 11)) == Light.RED
    assert light_for(None, False, date(2023, 10, 11)) == Light.GREEN
    assert light_for(deadline, True, date(2024, 1, 1)) == Light.DONE


@given(deadline=st.one_of(st.none(), DATES), today=DATES, closed=st.booleans())
def test_closed_items_are_never_red_and_open_items_follow_the_calendar(deadline, today, closed):
    light = light_for(deadline, closed, today)
    if closed:
        assert light == Light.DONE
        return
    assert light != Light.DONE
    if deadline is None:
        assert light == Light.GREEN
    elif today > deadline:
        assert light == Light.RED
    elif deadline - today <= timedelta(days=3):
        assert light == Light.YELLOW
    else:
        assert light == Light.GREEN


@given(deadline=DATES, today=DATES)
def test_lights_only_get_worse_as_time_passes_for_an_open_item(deadline, today):
    order = [Light.GREEN, Light.YELLOW, Light.RED]
    later = today + timedelta(days=1)
    assert order.index(light_for(deadline, False, later)) >= order.index(light_for(deadline, False, today))


class SqlRuleTests(HypothesisTestCase):
    """light_case (SQL) must agree with light_for (Python) on every date."""

    @settings(max_examples=30, deadline=None)
    @given(deadline=st.one_of(st.none(), DATES), today=DATES, done=st.booleans())
    def test_sql_and_python_agree(self, deadline, today, done):
        from taizhang.core.tests.factories import make_org
        from taizhang.outreach.models import PracticalMatter

        org = make_org()
        matter = PracticalMatter.objects.create(
            org=org,
            title="测试",
            due_date=deadline,
            status="done" if done else "in_progress",
            done_on=today if done else None,  # a done matter carries its date (outreach constraint)
        )
        sql = (
            PracticalMatter.objects.filter(pk=matter.pk)
            .annotate(live=light_case("due_date", Q(status="done"), today))
            .values_list("live", flat=True)
            .get()
        )
        assert sql == light_for(deadline, done, today)


@pytest.mark.django_db
def test_refresh_records_each_change_once():
    from taizhang.core.tests.factories import make_org
    from taizhang.outreach.models import PracticalMatter

    org = make_org()
    matter = PracticalMatter.objects.create(org=org, title="修路", due_date=date(2023, 10, 10))
    assert lights_refresh(PracticalMatter, today=date(2023, 10, 1)) == 0  # green, as stored
    assert lights_refresh(PracticalMatter, today=date(2023, 10, 8)) == 1
    assert lights_refresh(PracticalMatter, today=date(2023, 10, 9)) == 0
    assert lights_refresh(PracticalMatter, today=date(2023, 10, 11)) == 1
    matter.refresh_from_db()
    assert matter.light == Light.RED
    changes = list(Event.objects.filter(kind="light").order_by("id").values_list("from_state", "to_state"))
    assert changes == [("green", "yellow"), ("yellow", "red")]
