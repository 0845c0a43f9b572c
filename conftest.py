"""Shared fixtures: a small world of named personas, and the ladder assertion for protected views.

The world (built fresh for each test that asks for it):

    committee "局党委" ── branch_a "甲支部" ── group_a "甲支部第一小组"
                     └── branch_b "乙支部"

Personas and what each may do:
    admin        admin role on the committee: everything, everywhere
    leader       leader role on the committee: sees everything, records, signs off rectification
    secretary_a  secretary of branch A: sees and records branch A (and group A) only
    member_a     member role on branch A: sees branch A's campaign records, changes nothing
    secretary_b  secretary of branch B: an outsider to everything in branch A
    nobody       a login without any role: sees nothing
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from taizhang.core.tests.factories import make_campaign, make_member, make_org, make_user


@dataclass
class World:
    committee: Any
    branch_a: Any
    group_a: Any
    branch_b: Any
    campaign: Any
    admin: Any
    leader: Any
    secretary_a: Any
    member_a: Any
    secretary_b: Any
    nobody: Any
    people_a: list
    people_b: list


_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup"}


@pytest.fixture(autouse=True)
def _stored_counts_agree(request: pytest.FixtureRequest) -> Any:
    """After every test that touched the database: each activity's stored counts (参与/应到/实到/列席/研讨,
    study.counts) equal its attendance and speech rows. Whatever a test did through services, views,
    imports or demos, no write path may leave them behind."""
    if not (_DB_FIXTURES & set(request.fixturenames) or request.node.get_closest_marker("django_db")):
        yield
        return
    # Set up after the database fixture, so this check runs before its rollback or flush.
    request.getfixturevalue("_django_db_helper")
    yield
    from taizhang.study import counts

    wrong = list(counts.mismatched().values_list("pk", "topic")[:5])
    assert not wrong, f"stored activity counts differ from the rows: {wrong}"


@pytest.fixture(autouse=True)
def _fresh_job_store() -> Any:
    """Background jobs' progress and cancel requests (core/jobs.py) are kept outside the database, by row id:
    forget them after each test, whose rolled-back rows' ids the next test gets again."""
    yield
    from django.core.cache import caches
    from django.core.cache.backends.filebased import FileBasedCache

    store = caches["jobs"]
    if isinstance(store, FileBasedCache):  # this process's own folder; never FLUSHDB a shared Redis
        store.clear()


@pytest.fixture
def world(db) -> World:  # noqa: ANN001
    from taizhang.study.defaults import ensure_default_activity_types

    # Transactional (browser) tests flush the database afterwards, migration data included.
    ensure_default_activity_types()
    committee = make_org(name="局党委", code="W", kind="committee")
    branch_a = make_org(parent=committee, name="甲支部", code="WA", kind="branch")
    group_a = make_org(parent=branch_a, name="甲支部第一小组", code="WA-1", kind="group")
    branch_b = make_org(parent=committee, name="乙支部", code="WB", kind="branch")
    people_a = [make_member(org=group_a if i % 2 else branch_a, name=f"甲{i}号") for i in range(6)]
    people_b = [make_member(org=branch_b, name=f"乙{i}号") for i in range(4)]
    return World(
        committee=committee,
        branch_a=branch_a,
        group_a=group_a,
        branch_b=branch_b,
        campaign=make_campaign(org=committee, code="wc", name="测试主题教育"),
        admin=make_user(username="t_admin", roles=(("admin", committee),)),
        leader=make_user(username="t_leader", roles=(("leader", committee),)),
        secretary_a=make_user(username="t_sec_a", member=people_a[0], roles=(("secretary", branch_a),)),
        member_a=make_user(username="t_mem_a", member=people_a[1], roles=(("member", branch_a),)),
        secretary_b=make_user(username="t_sec_b", member=people_b[0], roles=(("secretary", branch_b),)),
        nobody=make_user(username="t_nobody"),
        people_a=people_a,
        people_b=people_b,
    )


def _call(client: Client, method: str, url: str, data: dict | None) -> Any:
    return client.post(url, data or {}) if method == "post" else client.get(url)


def assert_ladder(
    url: str,
    *,
    outsider: Any,
    allowed: Any,
    readonly: Any = None,
    method: str = "get",
    data: dict | None = None,
    allowed_status: tuple[int, ...] = (200, 302),
) -> Any:
    """Anonymous → login page; outsider → 404; read-only → 403; allowed → success. Returns the last response."""
    from django.conf import settings
    from django.urls import reverse

    anonymous = _call(Client(), method, url, data)
    assert anonymous.status_code == 302, f"anonymous got {anonymous.status_code} for {url}"
    assert anonymous["Location"].startswith(reverse(settings.LOGIN_URL)), anonymous["Location"]

    client = Client()
    client.force_login(outsider)
    response = _call(client, method, url, data)
    assert response.status_code == 404, f"outsider {outsider} got {response.status_code} for {url}"

    if readonly is not None:
        client = Client()
        client.force_login(readonly)
        response = _call(client, method, url, data)
        assert response.status_code == 403, f"read-only {readonly} got {response.status_code} for {url}"

    client = Client()
    client.force_login(allowed)
    response = _call(client, method, url, data)
    assert response.status_code in allowed_status, f"allowed {allowed} got {response.status_code} for {url}"
    return response


@pytest.fixture
def ladder():
    return assert_ladder


@pytest.fixture
def prod_settings(settings):  # noqa: ANN001
    """The request-facing settings of config.settings.prod (HTTPS behind a proxy, secure cookies, TOTP for
    admin and leader, the middleware chain) for this test; make clients after asking for it, e.g. with
    taizhang.core.tests.prod.sign_in or https_client."""
    from taizhang.core.tests.prod import production_settings

    for key, value in production_settings().items():
        setattr(settings, key, value)
    return settings


# --- Browser tests (Playwright driving Debian's chromium) ---------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_path() -> str | None:
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    import os

    path = _chromium_path()
    if path is None:
        if os.environ.get("TAIZHANG_SKIP_BROWSER") == "1":
            pytest.skip("chromium is not installed and TAIZHANG_SKIP_BROWSER=1")
        pytest.fail("chromium is not installed: run `make test`, which installs it (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):  # noqa: ANN001
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=live_server.url
    )
    context.set_default_timeout(15000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def phone_page(browser, live_server):  # noqa: ANN001
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        base_url=live_server.url,
    )
    context.set_default_timeout(15000)
    tab = context.new_page()
    yield tab
    context.close()


def browser_login(page, username: str, password: str) -> None:  # noqa: ANN001
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def login():
    return browser_login
