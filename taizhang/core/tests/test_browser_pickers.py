"""In a real browser: choosing a member with the search picker and saving the form."""

from __future__ import annotations

import pytest

from taizhang.core.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_secretary_picks_the_responsible_leader_of_a_problem_by_name(world, page, login, monkeypatch):
    from taizhang.core.widgets import SelectOrPicker
    from taizhang.rectification.models import Problem

    # No leading group: every member in scope may be chosen; past the limit that is a search picker.
    monkeypatch.setattr(SelectOrPicker, "limit", 3)
    leader = world.people_a[4]
    login(page, "t_sec_a", PASSWORD)
    page.goto(f"/rectification/problems/new/?campaign={world.campaign.pk}")
    page.select_option("#id_category", "style")
    page.select_option("#id_source", "meeting")
    page.fill("#id_description", "学习研讨流于形式，联系实际不够")
    page.fill("#id_deadline", "2099-12-31")

    page.click("label[for=id_responsible_leader_q]")  # the label leads to the search box
    page.keyboard.type("甲")
    page.wait_for_selector(f"[data-picker-value='{leader.pk}']")
    # Only branch A's people are offered to branch A's secretary.
    results = page.locator(".picker-results").first.inner_text()
    assert all(p.name not in results for p in world.people_b)
    page.click(f"[data-picker-value='{leader.pk}']")
    assert leader.name in page.locator(".picker-chip").first.inner_text()
    assert page.input_value("#id_responsible_leader") == str(leader.pk)

    page.click("button:has-text('登记并添加措施')")
    page.wait_for_url(lambda url: "/new/" not in url or "/measures/" in url)
    problem = Problem.objects.get(description="学习研讨流于形式，联系实际不够")
    assert problem.responsible_leader == leader

    # On the edit page the choice is shown as a chip; removing it and saving clears it.
    page.goto(f"/rectification/problems/{problem.pk}/edit/")
    assert leader.name in page.locator(".picker-chip").first.inner_text()
    page.click(".picker-chip .picker-remove")
    assert page.input_value("#id_responsible_leader") == ""
    page.click("button:has-text('保存')")
    page.wait_for_url(f"**/rectification/problems/{problem.pk}/")
    problem.refresh_from_db()
    assert problem.responsible_leader is None


def test_an_administrator_of_many_units_picks_the_unit_of_an_activity_and_gets_its_roster(
    world, page, login, monkeypatch
):
    """Past OrgSelectOrPicker.limit units the activity's unit is a search picker; choosing a unit
    reloads the attendance sheet, and refusing to drop edits puts the previous unit back."""
    from playwright.sync_api import expect

    from taizhang.core.widgets import OrgSelectOrPicker

    monkeypatch.setattr(OrgSelectOrPicker, "limit", 2)
    login(page, "t_admin", PASSWORD)
    page.goto("/study/new/")
    expect(page.locator(".sheet-row")).to_have_count(10)  # the committee: everyone
    page.fill("#id_org_q", "乙支部")
    page.click(f"[data-picker-value='{world.branch_b.pk}']")
    expect(page.locator(".sheet-row")).to_have_count(4)
    page.click(f"label[for=absent_{world.people_b[1].pk}]")

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.fill("#id_org_q", "甲支部")
    page.click(f"[data-picker-value='{world.branch_a.pk}']")
    assert page.input_value("#id_org") == str(world.branch_b.pk)  # kept: the change was refused
    assert "乙支部" in page.locator(".picker-chip").first.inner_text()
    assert page.locator(".sheet-row").count() == 4

    page.once("dialog", lambda dialog: dialog.accept())
    page.fill("#id_org_q", "甲支部")
    page.click(f"[data-picker-value='{world.branch_a.pk}']")
    expect(page.locator(".sheet-row")).to_have_count(6)
