"""The administrator's journey: download the template, upload a workbook with a mistake, read the error,
download the failed rows, upload the corrected workbook, confirm, and find the records."""

from __future__ import annotations

import io

import openpyxl
import pytest

from taizhang.core.tests.factories import PASSWORD
from taizhang.imports.tests.conftest import workbook
from taizhang.org.models import Member, Organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sheets(present: str) -> dict:
    return {
        "组织": [["WC", "丙支部", "W", "党支部"]],
        "党员": [
            ["丙一", "WC", "男", "", "", "", "", "支部书记", ""],
            ["丙二", "WC", "女", "", "", "", "", "", ""],
        ],
        "学习活动": [
            ["2023-11-01", "WC", "主题党日", "重温入党誓词", "", "丙一", present, "", "丙一", "", ""]
        ],
    }


def test_admin_imports_a_workbook_after_fixing_the_error(world, page, login, tmp_path):
    # The test settings' immediate task backend runs the import inside the upload's request; the worker
    # process is tested in core/tests/test_worker.py.
    login(page, "t_admin", PASSWORD)
    page.click("text=管理")
    page.click("text=数据导入")
    page.wait_for_url("**/imports/")

    with page.expect_download() as download:
        page.click(".template-download")
    template = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert template.sheetnames[:3] == ["填表说明", "组织", "党员"]

    bad = tmp_path / "台账.xlsx"
    bad.write_bytes(workbook(_sheets("丙一、丙三")))
    page.set_input_files("input[type=file]", str(bad))
    page.click(".upload-submit")
    page.wait_for_selector(".run-verdict", timeout=60000)
    assert "没有写入任何数据" in page.inner_text(".run-verdict")
    assert page.inner_text(".error-table tbody").count("“丙三”不是“丙支部”及其下级组织的党员") == 1
    assert "参加人员" in page.inner_text(".error-table tbody")
    assert not Organization.objects.filter(code="WC").exists()

    with page.expect_download() as download:
        page.click(".failed-download")
    failed = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    ws = failed["学习活动"]
    header = [c.value for c in ws[1]]
    assert "失败原因" in ws.cell(row=1, column=header.index("失败原因") + 1).value
    assert "丙三" in ws.cell(row=2, column=header.index("失败原因") + 1).value

    page.click(".reupload")
    good = tmp_path / "台账（改正）.xlsx"
    good.write_bytes(workbook(_sheets("丙一、丙二")))
    page.set_input_files("input[type=file]", str(good))
    page.click(".upload-submit")
    page.wait_for_selector(".run-verdict", timeout=60000)
    assert "校验通过" in page.inner_text(".run-verdict"), page.inner_text("main")
    assert page.inner_text("tr[data-sheet=学习活动] .count-created") == "1"
    assert not Organization.objects.filter(code="WC").exists()  # a preview writes nothing

    page.click(".confirm-import")
    page.wait_for_selector(".run-verdict:has-text('导入完成')", timeout=60000)
    assert page.inner_text("tr[data-sheet=党员] .count-created") == "2"
    assert Member.objects.filter(org__code="WC").count() == 2

    page.click("text=管理")
    page.click("text=组织架构")
    assert page.locator("text=丙支部").count() >= 1
    page.goto("/imports/")
    assert page.locator(".run-table tbody tr").count() == 3
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280


def test_the_import_page_fits_a_phone(world, phone_page, login):
    login(phone_page, "t_admin", PASSWORD)
    phone_page.goto("/imports/")
    assert phone_page.locator(".upload-submit").is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390


def test_template_bytes_are_a_real_workbook():
    # Guard against a template that only Excel could open: openpyxl reads every sheet's header.
    from taizhang.imports.template import template_workbook

    book = openpyxl.load_workbook(io.BytesIO(template_workbook(activity_types=["支部集中学习"])))
    assert "组织编码*" in [c.value for c in book["组织"][4]]
