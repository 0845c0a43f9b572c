"""Home panels by role, and the figures agreeing with the metric catalog and with the rows behind them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.lib.dates import today
from taizhang.rectification import selectors, services
from taizhang.rectification.tests.conftest import make_problem, submitted_problem
from taizhang.reports import metrics

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def spread(world):  # noqa: ANN001
    """Problems in both branches and on the committee, in several states, one overdue in each branch."""
    make_problem(world, deadline=today() - timedelta(days=2))
    make_problem(world, org=world.branch_b, actor=world.admin, deadline=today() - timedelta(days=9))
    make_problem(world, org=world.committee, actor=world.admin)
    waiting = submitted_problem(world)
    closed = submitted_problem(world)
    services.problem_sign_off(problem=closed, actor=world.leader)
    return waiting


def test_a_leader_sees_the_review_queue_and_overdue_problems(world, spread):
    html = client_for(world.leader).get(reverse("core:home")).content.decode()
    assert "panel-review" in html
    panel = html[html.index("panel-review") :]
    assert 'review-count">1<' in panel
    assert panel.count('badge text-bg-danger">超期') == 2


def test_a_secretary_sees_their_units_open_problems(world, spread):
    response = client_for(world.secretary_a).get(reverse("core:home"))
    html = response.content.decode()
    assert "panel-unit" in html and "panel-review" not in html
    [panel] = [p for p in response.context["panels"] if p["template"] == "rectification/panel_unit.html"]
    counts = panel["context"]["counts"]
    assert (counts["open"], counts["submitted"], counts["overdue"], counts["total"]) == (1, 1, 1, 3)
    assert all(p.org_id == world.branch_a.pk for p in panel["context"]["open_items"])


def test_members_get_no_rectification_panel(world, spread):
    response = client_for(world.member_a).get(reverse("core:home"))
    assert "panel-rectification" not in response.content.decode()


@pytest.mark.parametrize("who", ["leader", "secretary_a", "secretary_b"])
def test_the_page_figures_are_the_catalogs(world, spread, who):
    user = getattr(world, who)
    figures = selectors.problem_figures(user=user, campaign=world.campaign)
    unit = selectors.scope_unit(user)
    catalog = metrics.compute(world.campaign, unit)
    for name, key in selectors.FIGURE_KEYS.items():
        assert figures[name] == catalog[key], (name, key)


def test_each_figure_opens_exactly_the_catalogs_rows(world, spread):
    client = client_for(world.leader)
    url = reverse("rectification:problem_list")
    for params, key in (
        ({"status": "closed"}, "problems.closed"),
        ({"light": "red"}, "problems.overdue"),
        ({}, "problems.total"),
    ):
        listed = sorted(p.pk for p in client.get(url, params).context["page"])
        assert listed == metrics.ids(key, world.campaign), key
    for params, key in (({"status": "done"}, "measures.done"), ({}, "measures.total")):
        listed = sorted(
            m.pk for m in client.get(reverse("rectification:measure_list"), params).context["page"]
        )
        assert listed == metrics.ids(key, world.campaign), key


def test_unit_rows_are_the_catalogs_breakdown(world, spread):
    units = selectors.unit_rows(user=world.leader, campaign=world.campaign)
    rows = {u.code: u for u in units["rows"]}
    assert (rows["WA"].total, rows["WA"].closed, rows["WA"].overdue, str(rows["WA"].rate)) == (
        3,
        1,
        1,
        "33.3",
    )
    assert (rows["WB"].total, rows["WB"].overdue) == (1, 1)
    assert units["own"]["total"] == 1  # the committee's own problem (本级)


def test_rate_is_rounded_half_up_to_one_decimal():
    assert str(selectors.rate(2, 3)) == "66.7"
    assert str(selectors.rate(1, 8)) == "12.5"
    assert str(selectors.rate(1001, 2000)) == "50.1"  # 50.05 → 50.1, not banker's 50.0
    assert selectors.rate(0, 0) is None
