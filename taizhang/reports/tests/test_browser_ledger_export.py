"""Journey: the office asks for the study ledger in the background, watches it finish without reloading the
page, and downloads a workbook that opens."""

from __future__ import annotations

import threading
from io import BytesIO
from unittest import mock

import pytest
from openpyxl import load_workbook

from taizhang.core.tests.factories import PASSWORD
from taizhang.reports import services
from taizhang.reports.ledgers import ledger_filename, ledger_rows_count

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_generates_the_study_ledger_in_the_background_and_downloads_it(ledger, page, login, settings):
    settings.TAIZHANG_LEDGER_BACKGROUND = True  # a real thread, as on the server
    settings.TAIZHANG_LEDGER_BACKGROUND_ROWS = 1
    world = ledger.world
    # The thread waits at the start of the ledger until the page has shown it pending, so the journey sees
    # the list change by itself rather than a page that happened to load after the work was done.
    release = threading.Event()
    real_write = services.ledger_write

    def held_write(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        release.wait(timeout=60)
        return real_write(*args, **kwargs)

    with mock.patch("taizhang.reports.services.ledger_write", side_effect=held_write):
        try:
            login(page, "t_admin", PASSWORD)
            page.goto("/reports/ledgers/")
            page.click("form.ledger-background[data-kind=study] button")
            page.wait_for_selector("text=已开始后台生成局党委学习台账")
            pending = page.locator("tr.ledger-export[data-kind=study]")
            assert pending.get_attribute("data-status") in ("queued", "running")
            assert pending.locator(".export-status").inner_text() in ("排队中", "生成中")
            assert page.locator("#ledger-exports").get_attribute("hx-trigger") == "every 2s"

            page.evaluate("window.stillTheSamePage = true")
            release.set()
            page.wait_for_selector("tr.ledger-export[data-kind=study][data-status=done]", timeout=30000)
            assert page.evaluate("window.stillTheSamePage") is True  # the list refreshed, not the page
            assert page.locator("tr.ledger-export[data-kind=study] .export-status").inner_text() == "已完成"
            assert page.locator("#ledger-exports").get_attribute("hx-trigger") is None  # polling stopped

            with page.expect_download() as info:
                page.click("tr.ledger-export[data-kind=study] .export-download")
        finally:
            release.set()
            for started in threading.enumerate():
                if started.name.startswith("taizhang-ledger-"):  # done with the database before it is flushed
                    started.join(timeout=60)
    download = info.value
    assert download.suggested_filename == ledger_filename("study", world.campaign, None)
    sheet = load_workbook(BytesIO(download.path().read_bytes())).active
    assert sheet.title == "学习台账" and sheet["A1"].value == "局党委学习台账"
    assert [c.value for c in sheet[3]][:3] == ["序号", "学习日期", "时间"]
    assert sheet.max_row - 6 == ledger_rows_count("study", campaign=world.campaign) > 0
