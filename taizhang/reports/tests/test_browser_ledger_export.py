"""Journey: the office asks for the study ledger in the background, watches it finish without reloading the
page, and downloads a workbook that opens."""

from __future__ import annotations

from io import BytesIO

import pytest
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from taizhang.core.tests.factories import PASSWORD
from taizhang.core.tests.tasks import use_tasks_backend
from taizhang.reports.ledgers import ledger_filename, ledger_rows_count

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_generates_the_study_ledger_in_the_background_and_downloads_it(ledger, page, login, settings):
    use_tasks_backend(settings, "database")  # queued in the database, as on the server
    settings.TAIZHANG_LEDGER_BACKGROUND_ROWS = 1
    world = ledger.world
    login(page, "t_admin", PASSWORD)
    page.goto("/reports/ledgers/")
    page.click("form.ledger-background[data-kind=study] button")
    page.wait_for_selector("text=已开始后台生成局党委学习台账")
    # No worker has taken it yet: the journey sees the list change by itself once one does, rather than a page
    # that happened to load after the work was done.
    pending = page.locator("tr.ledger-export[data-kind=study]")
    assert pending.get_attribute("data-status") == "queued"
    assert pending.locator(".export-status").inner_text() == "排队中"
    assert page.locator("#ledger-exports").get_attribute("hx-trigger") == "every 2s"

    page.evaluate("window.stillTheSamePage = true")
    task = DBTaskResult.objects.get(status="READY")
    task.task.call(*task.args_kwargs["args"], **task.args_kwargs["kwargs"])  # what `taizhang worker` does
    page.wait_for_selector("tr.ledger-export[data-kind=study][data-status=done]", timeout=30000)
    assert page.evaluate("window.stillTheSamePage") is True  # the list refreshed, not the page
    assert page.locator("tr.ledger-export[data-kind=study] .export-status").inner_text() == "已完成"
    assert page.locator("#ledger-exports").get_attribute("hx-trigger") is None  # polling stopped

    with page.expect_download() as info:
        page.click("tr.ledger-export[data-kind=study] .export-download")
    download = info.value
    assert download.suggested_filename == ledger_filename("study", world.campaign, None)
    sheet = load_workbook(BytesIO(download.path().read_bytes())).active
    assert sheet.title == "学习台账" and sheet["A1"].value == "局党委学习台账"
    assert [c.value for c in sheet[3]][:3] == ["序号", "学习日期", "时间"]
    assert sheet.max_row - 6 == ledger_rows_count("study", campaign=world.campaign) > 0
