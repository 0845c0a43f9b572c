"""The serving-the-masses journey: a branch secretary records a visit with a finding, turns the
finding into a practical matter, moves it forward, closes it with evidence and sees it done."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from taizhang.core.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (181, 18, 27)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_finding_becomes_a_matter_that_is_done_with_evidence(world, page, login):
    login(page, "t_sec_a", PASSWORD)
    page.click(".panel-outreach >> text=记录调研")
    page.wait_for_url("**/outreach/visits/new/")
    page.fill("#id_subject", "到结对社区走访")
    page.fill("#id_date", "2023-10-16")
    page.fill("#id_place", "明湖社区")
    page.fill("#id_leader", world.people_a[0].name)
    # Participants are found by name with the search picker (the unit's subtree only).
    page.fill("#id_participants_q", world.people_a[2].name)
    page.click(f"[data-picker-value='{world.people_a[2].pk}']")
    page.fill("#id_participants_q", world.people_a[3].name)
    page.wait_for_selector(f"[data-picker-value='{world.people_a[3].pk}']")
    page.press("#id_participants_q", "Enter")  # picks the only match instead of submitting
    chips = page.locator("#participants-box .picker-chip")
    assert chips.count() == 2
    page.fill("#id_participants_q", world.people_b[1].name)  # another branch: nobody found
    page.locator("#participants-box .picker-results", has_text="没有找到").wait_for()
    page.fill("#id_participants_q", "")
    page.fill("#id_participants_text", "社区网格员2名")
    page.fill("#id_findings-0-text", "社区老年人不了解医保备案的办理渠道")
    page.click("button.add-finding")
    page.fill("#id_findings-2-text", "居民反映小区周边停车难")
    page.click("button:has-text('保存')")

    page.wait_for_url("**/outreach/visits/*/")
    assert page.locator(".finding").count() == 2
    participants = page.locator(".visit-participants").inner_text()
    assert world.people_a[2].name in participants and "社区网格员2名" in participants

    page.locator(".finding").first.locator("text=转为办实事").click()
    page.wait_for_url("**/findings/*/matter/")
    assert page.input_value("#id_title").startswith("社区老年人不了解医保备案")
    page.fill("#id_title", "进社区开展医保政策宣讲")
    page.fill("#id_beneficiaries", "结对社区老年居民")
    page.fill("#id_due_date", "2023-11-30")
    page.click("button:has-text('转为办实事')")

    page.wait_for_url("**/outreach/matters/*/")
    assert "社区老年人不了解医保备案" in page.locator(".matter-source").inner_text()
    page.fill("#id_note", "与社区约定11月3日开展第一场宣讲")
    page.select_option("#id_status", "in_progress")
    page.click(".progress-form button:has-text('保存')")
    expect(page.locator("h1")).to_contain_text("推进中")  # waits for the reloaded page

    page.click("text=办结")
    page.wait_for_url("**/complete/")
    page.fill("#id_done_on", "2023-11-25")
    page.fill("#id_outcome", "开展宣讲3场，现场帮办医保备案46件，惠及居民320人")
    page.fill("#id_beneficiary_count", "320")
    page.set_input_files(
        "#id_files", files=[{"name": "宣讲现场.png", "mimeType": "image/png", "buffer": _png()}]
    )
    page.click("button:has-text('保存')")

    page.wait_for_url("**/outreach/matters/*/")
    assert "已办结" in page.locator("h1").inner_text()
    assert "宣讲现场.png" in page.locator(".matter-files").inner_text()
    assert "惠及居民320人" in page.locator(".matter-outcome").inner_text()

    page.goto("/outreach/matters/?status=done")
    row = page.locator(".matter-table tbody tr", has_text="进社区开展医保政策宣讲")
    assert row.count() == 1
    assert "已办结" in row.inner_text() and "320 人" in row.inner_text()

    page.goto("/outreach/visits/")
    page.click("text=到结对社区走访")
    assert "已转为办实事" in page.locator(".finding").first.inner_text()


def test_outreach_pages_fit_a_phone(world, phone_page, login):
    from datetime import date

    from taizhang.outreach.tests.conftest import make_demand, make_matter, make_visit

    visit = make_visit(world, findings=("窗口排队时间长，高峰期超过四十分钟，群众反映强烈",))
    matter = make_matter(world, title="推行午间不打烊、周六预约办服务", due_date=date(2023, 10, 1))
    make_demand(world)
    login(phone_page, "t_sec_a", PASSWORD)
    for url in (
        "/outreach/visits/",
        visit.get_absolute_url(),
        "/outreach/visits/new/",
        "/outreach/matters/",
        matter.get_absolute_url(),
        "/outreach/demands/",
        "/outreach/counts/",
    ):
        phone_page.goto(url)
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390, url
