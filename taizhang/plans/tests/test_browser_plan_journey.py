"""The plan journey in a browser: a secretary puts a task due within three days on the plan (yellow),
links the study activity that fulfils it, and sees it turn to done."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from taizhang.core.tests.factories import PASSWORD, make_campaign
from taizhang.plans.models import PlanTask
from taizhang.plans.tests.conftest import make_activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_yellow_task_is_closed_by_linking_an_activity(world, types, page, login):
    today = date.today()
    running = make_campaign(
        org=world.committee,
        code="now",
        name="正在开展的学习教育",
        start_date=today - timedelta(days=30),
        end_date=today + timedelta(days=60),
    )
    make_activity(world, types, campaign=running, date=today - timedelta(days=1), topic="学习新修订的党章")
    make_activity(world, types, campaign=running, date=today - timedelta(days=8), topic="交流调研体会")

    login(page, "t_sec_a", PASSWORD)
    page.goto("/plans/calendar/")
    page.click("text=新增任务")
    page.fill("#id_title", "支部集中学习党章")
    page.select_option("#id_org", str(world.branch_a.pk))
    page.fill("#id_planned_start", (today + timedelta(days=1)).isoformat())
    page.fill("#id_planned_end", (today + timedelta(days=2)).isoformat())
    expect(page.locator("#week-hint")).to_contain_text("计划时间：第")
    page.click(".task-form button[type=submit]")

    page.wait_for_url("**/plans/tasks/*/")
    assert page.locator("h1").inner_text() == "支部集中学习党章"
    assert page.locator(".task-light [data-light]").get_attribute("data-light") == "yellow"
    assert page.locator("[data-status]").first.get_attribute("data-status") == "not_started"

    assert page.locator(".candidate").count() == 2
    page.fill("#id_q", "党章")  # the list narrows as the secretary types
    expect(page.locator(".candidate")).to_have_count(1)
    candidate = page.locator(".candidate", has_text="学习新修订的党章")
    candidate.locator("button", has_text="关联并完成").click()

    # Wait on what the user waits for (the reloaded page), not on a load event that may already
    # have fired before the click's navigation started (flaked on a loaded machine).
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "done")
    expect(page.locator(".task-light")).to_have_count(0)  # done: no light any more
    expect(page.locator(".task-links")).to_contain_text("学习新修订的党章")
    history = page.locator(".light-history").inner_text()
    assert "黄灯" in history and "已完成" in history
    task = PlanTask.objects.get(title="支部集中学习党章")
    assert (task.status, task.light, task.done_on) == ("done", "done", today - timedelta(days=1))

    # The calendar now shows the task as done, and the 督办 list no longer carries it.
    page.goto("/plans/calendar/")
    assert page.locator(".cal-task.light-done", has_text="支部集中学习党章").count() >= 1
    page.goto("/plans/lights/")
    assert "支部集中学习党章" not in page.locator(".board-items").inner_text()


def test_the_calendar_reads_as_a_list_on_a_phone(world, types, phone_page, login):
    today = date.today()
    running = make_campaign(
        org=world.committee,
        code="now",
        name="正在开展的学习教育",
        start_date=today - timedelta(days=10),
        end_date=today + timedelta(days=30),
    )
    PlanTask.objects.create(
        campaign=running,
        org=world.branch_a,
        title="本周读书班",
        planned_start=today,
        planned_end=today + timedelta(days=1),
    )
    login(phone_page, "t_sec_a", PASSWORD)
    phone_page.goto("/plans/calendar/")
    task = phone_page.locator(".cal-task", has_text="本周读书班").first
    assert task.locator(".cal-task-date").is_visible()  # on a phone each task says its own days
    assert not phone_page.locator(".cal-days").first.is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
