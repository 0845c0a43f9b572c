"""Bounded queries: every list page, the dashboard and the home page issue as many SQL queries with 20
records per list as with 2 (the city demo at two small scales). A page whose count grows with the data
has an N+1 (a query per row): fix it with select_related / prefetch_related / annotate."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

# Marked so pytest-django sets up the test database (the module fixture below builds its own data).
pytestmark = pytest.mark.django_db

SMALL, LARGE = 0.0002, 0.002  # 2 vs 20 problems, 20 vs 200 activities, 1 vs 10 matters …

# (url name, the login that sees the page)
PAGES = [
    ("core:home", "city_admin"),
    ("core:home", "city_secretary"),
    ("core:home", "city_member"),
    ("reports:dashboard", "city_admin"),
    ("reports:dashboard", "city_secretary"),
    ("reports:dashboard_charts", "city_admin"),
    ("reports:dashboard_charts", "city_secretary"),
    ("study:activity_list", "city_admin"),
    ("study:selfstudy_list", "city_admin"),
    ("study:my_study", "city_member"),
    ("study:tallies", "city_admin"),
    ("org:tree", "city_admin"),
    ("org:member_list", "city_admin"),
    ("rectification:problem_list", "city_admin"),
    ("rectification:measure_list", "city_admin"),
    ("rectification:institution_list", "city_admin"),
    ("rectification:review_queue", "city_leader"),
    ("rectification:stats", "city_admin"),
    ("outreach:visit_list", "city_admin"),
    ("outreach:demand_list", "city_admin"),
    ("outreach:matter_list", "city_admin"),
    ("outreach:topic_list", "city_admin"),
    ("plans:task_list", "city_admin"),
    ("plans:lights", "city_admin"),
    ("plans:studyplan_list", "city_admin"),
    ("accounts:user_list", "city_admin"),
    ("campaigns:list", "city_admin"),
    ("reports:report_list", "city_admin"),
    ("reports:ledger_list", "city_admin"),
]


def _count_pages() -> dict[tuple[str, str], tuple[int, int]]:
    from taizhang.accounts.models import User

    found: dict[tuple[str, str], tuple[int, int]] = {}
    clients: dict[str, Client] = {}
    for name, username in PAGES:
        client = clients.get(username)
        if client is None:
            client = clients[username] = Client()
            client.force_login(User.objects.get(username=username))
        url = reverse(name)
        client.get(url)  # first visit: per-process caches (content types, the session's campaign)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        found[(name, username)] = (response.status_code, len(ctx.captured_queries))
    return found


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker) -> dict:  # noqa: ANN001
    """{(url name, user): {"small": (status, queries), "large": (status, queries)}}: each size built in a
    transaction rolled back afterwards, so the module's tests share two builds."""
    result: dict = {}
    with django_db_blocker.unblock():
        for label, scale in (("small", SMALL), ("large", LARGE)):
            with transaction.atomic():
                call_command("demo", "--size", "city", "--scale", str(scale), stdout=StringIO())
                for key, value in _count_pages().items():
                    result.setdefault(key, {})[label] = value
                transaction.set_rollback(True)
    return result


@pytest.mark.parametrize(("name", "username"), PAGES, ids=[f"{n}-{u}" for n, u in PAGES])
def test_page_queries_do_not_grow_with_the_data(counts, name, username):
    small, large = counts[(name, username)]["small"], counts[(name, username)]["large"]
    assert small[0] == 200 and large[0] == 200
    assert large[1] == small[1], (
        f"{name} as {username}: {small[1]} queries with the small dataset, {large[1]} with the larger one"
    )


def test_the_larger_dataset_has_ten_times_the_rows_of_the_smaller():
    """The guard means something only if the lists really grow between the two builds."""
    from taizhang.demo.city import counts as sizes

    small, large = sizes(SMALL), sizes(LARGE)
    for key in ("activities", "self_studies", "problems", "measures", "matters", "tasks", "demands"):
        assert large[key] >= 5 * small[key], key
    assert 1 <= small["problems"] and large["problems"] < 50  # both under one page (50 rows)
