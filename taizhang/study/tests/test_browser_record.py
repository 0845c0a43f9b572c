"""Browser journey: a secretary records a session on one page — two absentees with reasons, an
invitee found by name, three speakers with gists — and sees 参与人次 and 研讨人次 on the detail page.
The same on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from taizhang.core.tests.factories import PASSWORD
from taizhang.study.models import StudyActivity

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("default_types"),
]


def _record_session(page, world) -> None:  # noqa: ANN001
    people = world.people_a
    page.select_option("#id_campaign", str(world.campaign.pk))
    page.select_option("#id_type", label="支部集中学习")
    page.fill("#id_date", "2023-10-12")
    page.fill("#id_start_time", "14:30")
    page.fill("#id_end_time", "16:30")
    page.fill("#id_topic", "学习《习近平著作选读》第一卷")
    page.fill("#id_place", "三楼会议室")
    page.fill("#id_host", people[0].name)
    # Everyone of the branch is listed as present to begin with.
    assert page.locator(".sheet-row").count() == 6
    for member, reason in ((people[1], "出差"), (people[2], "病假")):
        page.click(f"label[for=absent_{member.pk}]")
        page.select_option(f"select[name=reason_{member.pk}]", label=reason)
    page.fill(f"input[name=note_{people[1].pk}]", "赴省厅对接")
    for member in (people[3], people[0], people[5]):
        page.click(f"label[for=speak_{member.pk}]")
        page.fill(f"textarea[name=gist_{member.pk}]", f"{member.name}谈了学习体会")
    # An invitee from branch B, found by name.
    page.fill("[data-sheet-search]", world.people_b[0].name)
    page.click(f"[data-add-member='{world.people_b[0].pk}']")
    page.wait_for_selector(f".sheet-row[data-member='{world.people_b[0].pk}']")
    header = page.locator(".sheet-counts")
    assert "应到 6" in header.inner_text() and "实到 4" in header.inner_text()
    assert "列席 1" in header.inner_text() and "发言 3" in header.inner_text()
    page.click(".sheet-savebar button[type=submit]")
    page.wait_for_url("**/study/*/")


def test_a_secretary_records_a_session_and_sees_the_counts(world, page, login):
    login(page, "t_sec_a", PASSWORD)
    page.click(".panel-study-secretary >> text=记录学习活动")
    page.wait_for_url("**/study/new/**")
    _record_session(page, world)
    assert page.locator("[data-figure=attendance]").inner_text() == "5"  # 4 present + 1 invitee
    assert page.locator("[data-figure=speakers]").inner_text() == "3"
    assert page.locator("[data-figure=expected]").inner_text() == "6"
    assert page.locator("[data-figure=present]").inner_text() == "4"
    absent = page.locator(".absent-list").inner_text()
    assert "出差" in absent and "病假" in absent and "赴省厅对接" in absent
    speeches = page.locator(".speeches").inner_text()
    assert speeches.index(world.people_a[3].name) < speeches.index(world.people_a[0].name)
    activity = StudyActivity.objects.get()
    assert activity.campaign == world.campaign and activity.speeches.count() == 3


def test_recording_works_at_phone_width(world, phone_page, login):
    login(phone_page, "t_sec_a", PASSWORD)
    phone_page.goto("/study/new/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    _record_session(phone_page, world)
    assert phone_page.locator("[data-figure=attendance]").inner_text() == "5"
    assert phone_page.locator("[data-figure=speakers]").inner_text() == "3"
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_member_logs_self_study_and_sees_it(world, page, login):
    login(page, "t_mem_a", PASSWORD)
    page.click(".panel-study-member >> text=记录自学")
    page.fill("#id_date", "2023-10-08")
    page.fill("#id_material", "《习近平著作选读》第一卷 第3篇")
    page.fill("#id_minutes", "50")
    page.select_option("#id_channel", label="原著")
    page.fill("#id_notes", "要把群众满意作为第一标准")
    page.click(".selfstudy-form button")
    page.wait_for_selector(".alert-success")
    assert "要把群众满意作为第一标准" in page.locator(".selfstudy-entries").inner_text()


def test_choosing_another_unit_lists_its_members_asking_before_dropping_changes(world, page, login):
    login(page, "t_admin", PASSWORD)
    page.goto("/study/new/")
    expect(page.locator(".sheet-row")).to_have_count(10)  # the admin starts at the committee: everyone
    page.select_option("#id_org", str(world.branch_b.pk))
    expect(page.locator(".sheet-row")).to_have_count(4)
    page.click(f"label[for=absent_{world.people_b[1].pk}]")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.select_option("#id_org", str(world.branch_a.pk))
    assert page.locator("#id_org").input_value() == str(world.branch_b.pk)  # kept: the change was refused
    assert page.locator(".sheet-row").count() == 4
    page.once("dialog", lambda dialog: dialog.accept())
    page.select_option("#id_org", str(world.branch_a.pk))
    expect(page.locator(".sheet-row")).to_have_count(6)
    assert "应到 6" in page.locator(".sheet-counts").inner_text()
