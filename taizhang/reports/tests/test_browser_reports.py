"""Journeys: the office looks at the dashboard, follows a figure to its rows, generates the summary report and
downloads it; a secretary reads the dashboard on a phone."""

from __future__ import annotations

import pytest

from taizhang.core.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_follows_a_figure_and_generates_the_report(ledger, page, login):
    login(page, "t_admin", PASSWORD)
    page.goto("/reports/")
    assert page.locator("h1").inner_text() == "数据看板"
    page.wait_for_selector(".chart[data-chart=study_month] canvas")  # ECharts drew from local files
    page.click(".figure-group a[data-metric='study.reading_class']")
    page.wait_for_url("**/reports/rows/**")
    assert page.locator("h1").inner_text() == "读书班期数"
    assert sorted(page.locator("td[data-label=学习活动]").all_inner_texts()) == [
        "第一期读书班",
        "第二期读书班",
    ]

    page.goto("/reports/summary/")
    page.select_option("#id_org", str(ledger.world.branch_a.pk))
    page.click("text=生成 Word 报告")
    page.wait_for_url("**/reports/summary/*/")
    assert "甲支部关于测试主题教育开展情况的报告" in page.locator("h1").inner_text()
    assert "全部数据与现有台账记录一致" in page.content()
    with page.expect_download() as info:
        page.click("text=下载 Word")
    assert info.value.suggested_filename.endswith(".docx")


def test_secretary_reads_the_dashboard_on_a_phone(ledger, phone_page, login):
    login(phone_page, "t_sec_a", PASSWORD)
    phone_page.goto("/reports/")
    assert "甲支部" in phone_page.locator(".unit-picker select").inner_text()
    assert "乙支部" not in phone_page.locator(".unit-picker select").inner_text()
    phone_page.wait_for_selector(".chart canvas")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
