"""tallies_all (one pass, the tallies page) gives exactly what the separate tally functions give."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from taizhang.campaigns.models import Campaign
from taizhang.core.demo_city import CITY_CAMPAIGN
from taizhang.org.models import Organization
from taizhang.study import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(db):  # noqa: ANN001
    call_command("demo", "--size", "city", "--scale", "0.002", stdout=StringIO())
    return Campaign.objects.select_related("org").get(code=CITY_CAMPAIGN)


def _separately(**kwargs) -> dict:
    return {
        "total": selectors.tallies_total(**kwargs),
        "units": selectors.tallies_by_unit(**kwargs),
        "types": selectors.tallies_by_type(**kwargs),
        "months": selectors.tallies_by_month(**kwargs),
        "quarters": selectors.tallies_by_quarter(**kwargs),
    }


@pytest.mark.parametrize("date_to", [None, date(2023, 11, 15)])
def test_one_pass_equals_the_separate_tallies(campaign, date_to):
    root = campaign.org
    committee = root.children.order_by("sort_order").first()
    branch = committee.children.order_by("sort_order").first()
    for org in (root, committee, branch):
        for scope_campaign in (campaign, None):
            kwargs = {"campaign": scope_campaign, "org": org, "date_to": date_to}
            together = selectors.tallies_all(**kwargs)
            assert together == _separately(**kwargs), (org.code, scope_campaign)
    assert together["total"]["activities"] > 0


def test_the_tallies_page_shows_the_one_pass_figures(campaign, client):
    from django.urls import reverse

    from taizhang.accounts.models import User

    client.force_login(User.objects.get(username="city_admin"))
    page = client.get(reverse("study:tallies"))
    assert page.status_code == 200
    total = selectors.tallies_all(
        campaign=campaign, org=Organization.objects.get(code="SW"), date_to=page.context["as_of"]
    )
    assert page.context["total"] == total["total"]
    assert str(total["total"]["activities"]) in page.content.decode()
