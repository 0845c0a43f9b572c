"""The first journey: a branch secretary logs in, sees the home page and their own roster, and cannot
open a member of another branch."""

from __future__ import annotations

import pytest

from taizhang.core.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretary_sees_own_branch_and_not_another(world, page, login):
    login(page, "t_sec_a", PASSWORD)
    assert page.locator("h1").first.inner_text().startswith("您好")
    assert page.locator(".panel-campaign").inner_text().count("测试主题教育") == 1

    page.click("text=管理")
    page.click("text=党员名册")
    page.wait_for_url("**/org/members/")
    names = page.locator(".member-table tbody td[data-label=姓名]").all_inner_texts()
    assert sorted(n.strip() for n in names) == sorted(m.name for m in world.people_a)

    page.click(f"text={world.people_a[2].name}")
    assert page.locator("h1").inner_text().startswith(world.people_a[2].name)

    response = page.goto(f"/org/members/{world.people_b[1].pk}/")
    assert response.status == 404
    assert "页面不存在" in page.content()


def test_the_home_page_works_at_phone_width(world, phone_page, login):
    login(phone_page, "t_sec_a", PASSWORD)
    phone_page.click(".navbar-toggler")
    phone_page.click("text=管理")
    assert phone_page.locator("text=党员名册").is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
