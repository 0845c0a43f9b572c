"""The confirm-and-save journey in a browser: upload a draft, correct one choice, download, save as a
template, fill again from the template."""

from __future__ import annotations

from datetime import date

import pytest

from taizhang.core.tests.factories import PASSWORD
from taizhang.rectification.models import Problem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DRAFT = "二、检视整改\n共查摆问题X个，已销号X个，整改率X%。\n撰写调研报告X篇。\n"


def _problems(world) -> None:  # noqa: ANN001
    for i, status in enumerate(["closed", "open", "open", "closed"]):
        Problem.objects.create(
            campaign=world.campaign,
            org=world.branch_a,
            code=f"B{i}",
            category="style",
            source="meeting",
            description=f"问题{i}",
            status=status,
            deadline=date(2024, 1, 31),
            closed_on=date(2023, 12, 1) if status == "closed" else None,
        )


def test_upload_correct_download_save_and_fill_again(world, page, login, tmp_path):
    _problems(world)
    draft = tmp_path / "支部总结.txt"
    draft.write_text(DRAFT, encoding="utf-8")

    login(page, "t_sec_a", PASSWORD)
    page.click("text=数据与报告")
    page.click("text=填写我的文稿")
    page.wait_for_url("**/reports/fill/")
    page.set_input_files("input[type=file]", str(draft))
    page.click("button:has-text('识别并填写')")
    page.wait_for_url("**/reports/fill/drafts/*/")

    rows = page.locator("tr.fill-row")
    assert rows.count() == 4
    assert page.locator("tr.fill-row.table-warning").count() == 1
    assert "未匹配 1" in page.locator("#fill-summary").inner_text()
    assert "50.0" in rows.nth(2).inner_text()

    # Correct the refused blank: the row updates in place with the figure.
    last = rows.nth(3)
    last.locator("select").select_option("problems.closed")
    page.wait_for_selector("#fill-row-3:not(.table-warning)")
    assert page.locator("tr.fill-row").count() == 4  # the row was replaced in place, not the page nested
    assert page.locator("h1").count() == 1
    assert "未匹配" not in page.locator("#fill-summary").inner_text()  # the counts follow
    assert "已更正" in page.locator("#fill-row-3 .fill-confidence").inner_text()
    assert page.locator("#fill-row-3 .fill-value").inner_text().startswith("2")

    page.reload()  # the choice was saved
    assert page.locator("#fill-row-3 select").input_value() == "problems.closed"
    with page.expect_download() as info:
        page.click("a.fill-download")
    filled = info.value.path().read_text(encoding="utf-8")
    assert filled == "二、检视整改\n共查摆问题4个，已销号2个，整改率50.0%。\n撰写调研报告2篇。\n"
    assert info.value.suggested_filename == "支部总结（已填写）.txt"

    page.fill("#id_name", "支部总结模板")
    page.click("button:has-text('保存为模板')")
    page.wait_for_url("**/reports/fill/templates/*/")
    assert "已保存为模板" in page.content()

    page.goto("/reports/fill/")
    page.click("text=支部总结模板")
    with page.expect_download() as again:
        page.click("button.fill-template-download")
    assert again.value.path().read_text(encoding="utf-8") == filled


def test_the_review_page_works_at_phone_width(world, phone_page, login, tmp_path):
    draft = tmp_path / "a.txt"
    draft.write_text("共查摆问题X个，整改率X%。\n", encoding="utf-8")
    login(phone_page, "t_sec_a", PASSWORD)
    phone_page.goto("/reports/fill/")
    phone_page.set_input_files("input[type=file]", str(draft))
    phone_page.click("button:has-text('识别并填写')")
    phone_page.wait_for_url("**/reports/fill/drafts/*/")
    assert phone_page.locator("tr.fill-row select").first.is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
