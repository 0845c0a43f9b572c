"""The review journey in a browser: a secretary submits a problem with evidence, the leader returns it
with a reason, the secretary fixes it, the leader signs it off."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from taizhang.core.tests.factories import PASSWORD
from taizhang.rectification import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _png(color: str) -> dict:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), color).save(out, "PNG")
    return {"name": f"整改照片-{color}.png", "mimeType": "image/png", "buffer": out.getvalue()}


@pytest.fixture
def problem(world):  # noqa: ANN001
    problem = services.problem_create(
        campaign=world.campaign,
        org=world.branch_a,
        category="style",
        source="questionnaire",
        description="会议多、文件多，基层负担重",
        deadline=date(2099, 12, 31),
        actor=world.secretary_a,
    )
    services.measure_create(
        problem=problem, content="精简会议，合并同类会议", owner="张三", actor=world.secretary_a
    )
    return problem


def test_submit_return_fix_and_sign_off(world, problem, page, browser, live_server, login):
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "t_sec_a", PASSWORD)

    # The secretary finds the problem on the list, starts work, completes the measure with a photo.
    page.click("text=整改")
    page.click("text=问题清单")
    page.click(f"text={problem.code}")
    page.click("button:has-text('开始整改')")
    assert page.locator(".problem-title .status-badge").inner_text() == "整改中"
    page.click("text=标记完成")
    page.fill("#id_progress", "已合并周例会和专题会")
    page.set_input_files("#id_files", [_png("red")])
    page.click("button:has-text('保存')")
    assert "整改照片-red.png" in page.locator(".measure .evidence").inner_text()
    page.click("text=申请销号")
    assert "全部 1 项措施已完成" in page.locator(".evidence-check").inner_text()
    page.click("form button:has-text('申请销号')")
    assert page.locator(".problem-title .status-badge").inner_text() == "待审核"

    # The leader finds it in 待我审核 and returns it with a reason.
    leader_context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    leader = leader_context.new_page()
    leader.on("dialog", lambda dialog: dialog.accept())
    login(leader, "t_leader", PASSWORD)
    leader.click("text=整改")
    leader.click("text=待我审核")
    assert leader.locator(".review-count").inner_text() == "1"
    leader.click(".review-table a:has-text('审核')")
    leader.fill("#id_return-note", "请补充会议精简前后的对比材料")
    leader.click("button:has-text('退回整改')")
    assert leader.locator(".problem-title .status-badge").inner_text() == "整改中"

    # The secretary sees the reason, adds the missing evidence and submits again.
    page.reload()
    assert "请补充会议精简前后的对比材料" in page.locator(".last-return").inner_text()
    page.click("text=上传佐证")
    page.set_input_files("#id_files", [_png("blue")])
    page.click("button:has-text('保存')")
    assert "整改照片-blue.png" in page.locator(".measure .evidence").inner_text()
    page.click("text=申请销号")
    page.fill("#id_note", "已补充对比材料")
    page.click("form button:has-text('申请销号')")
    assert page.locator(".problem-title .status-badge").inner_text() == "待审核"

    # The leader signs it off; the problem is locked and its history tells the whole story.
    leader.goto("/rectification/review/")
    leader.click(".review-table a:has-text('审核')")
    leader.fill(".sign-off-form textarea", "整改到位，同意销号")
    leader.click("button:has-text('审核通过并销号')")
    assert leader.locator(".problem-title .status-badge").inner_text() == "已销号"
    assert "记录已锁定" in leader.content()
    history = leader.locator("#history").inner_text()
    for words in (
        "审核通过并销号",
        "整改到位，同意销号",
        "退回",
        "请补充会议精简前后的对比材料",
        "申请销号",
        "开始整改",
    ):
        assert words in history
    leader.goto("/rectification/review/")
    assert leader.locator(".review-count").inner_text() == "0"
    leader_context.close()

    page.reload()
    assert page.locator(".problem-actions a, .problem-actions button").count() == 0
    assert page.locator(".note-form").count() == 0


def test_the_review_card_fits_a_phone(world, problem, phone_page, login):
    services.problem_start(problem=problem, actor=world.secretary_a)
    problem.refresh_from_db()
    services.problem_submit(problem=problem, actor=world.secretary_a, note="立行立改，现场核验")
    login(phone_page, "t_leader", PASSWORD)
    phone_page.goto(problem.get_absolute_url())
    assert phone_page.locator(".review-card").is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.goto("/rectification/problems/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
