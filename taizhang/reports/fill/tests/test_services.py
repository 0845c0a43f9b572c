"""The filler's services against the hand-counted ledger: upload checks, drafts, choices, templates, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from taizhang.core.models import AuditLog
from taizhang.core.tests.factories import make_campaign
from taizhang.reports.fill import services
from taizhang.reports.fill.documents import UNMATCHED_MARK
from taizhang.reports.fill.tests.conftest import OWN_DRAFT, OWN_DRAFT_KEYS, OWN_DRAFT_VALUES, docx_bytes
from taizhang.reports.models import FillDraft, FillTemplate

pytestmark = pytest.mark.django_db

FILLED_OWN_DRAFT = """学习教育开展情况汇报
一、抓实理论学习
局机关坚持每周例会集体学习，本期共学习1次；“第一议题”学习1次。
举办专题读书班2期，参加学习8人次，交流发言3人次。
二、抓好检视整改
共梳理问题清单问题5个，已整改到位2个，整改完成率为40.0%。
制定整改措施5条，已完成4条。
修订完善制度1项，新建制度2项。
另撰写调研报告【未匹配】X篇。
"""


def upload(text: str = OWN_DRAFT, name: str = "汇报.txt", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))


def create(world, text: str = OWN_DRAFT, org=None, actor=None):  # noqa: ANN001, ANN201
    checked = services.draft_file_check(upload(text))
    return services.fill_draft_create(
        checked=checked, campaign=world.campaign, org=org or world.committee, actor=actor or world.admin
    )


# --- upload checks ---------------------------------------------------------------------------------


def test_a_real_docx_passes_the_upload_check():
    data = docx_bytes(lambda d: d.add_paragraph("查摆问题X个"))
    checked = services.draft_file_check(SimpleUploadedFile("汇报.docx", data))
    assert (checked.kind, checked.name, checked.data) == ("docx", "汇报.docx", data)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("汇报.docx", "查摆问题X个".encode(), "类型不被接受"),  # text dressed as .docx
        ("汇报.txt", b"%PDF-1.7 ...", "只能上传"),  # a PDF dressed as text
        ("汇报.doc", b"\xd0\xcf\x11\xe0", "另存为 .docx"),
        ("汇报.xlsx", b"PK\x03\x04", "只能上传"),
        ("汇报.txt", b"\x00\x01\x02", "不是 UTF-8 或 GB18030"),
    ],
)
def test_an_upload_that_is_not_a_draft_is_refused(name, data, message):
    with pytest.raises(ValidationError) as exc:
        services.draft_file_check(SimpleUploadedFile(name, data))
    assert message in exc.value.messages[0]


def test_an_oversized_draft_is_refused(monkeypatch):
    monkeypatch.setattr(services, "DRAFT_MAX_BYTES", 100)
    with pytest.raises(ValidationError, match="超过大小限制"):
        services.draft_file_check(upload("查摆问题X个。" * 20))


def test_a_gb18030_draft_is_accepted():
    checked = services.draft_file_check(upload(name="汇报.txt", encoding="gb18030"))
    assert checked.kind == "txt"


# --- drafts ----------------------------------------------------------------------------------------


def test_a_draft_keeps_every_decision_and_fills_with_the_ledger_figures(ledger):
    world = ledger.world
    draft = create(world)
    assert [r["auto_key"] for r in draft.rows] == OWN_DRAFT_KEYS
    assert draft.debris_removed == 2
    export = services.fill_draft_export(draft=draft, actor=world.admin)
    assert export.content.decode() == FILLED_OWN_DRAFT
    assert export.filename == "汇报（已填写）.txt"
    rows = services.rows_with_values(draft.rows, services.values_for(world.campaign, world.committee))
    assert [r["shown"] if r["matched"] else None for r in rows] == OWN_DRAFT_VALUES
    logged = AuditLog.objects.filter(action="export", object_id=str(draft.pk)).get()
    assert logged.detail["unmatched"] == 1 and logged.detail["campaign"] == world.campaign.code
    assert AuditLog.objects.filter(action="create", object_type="reports.FillDraft").exists()


def test_a_unit_outside_the_campaign_is_refused(world):
    other = make_campaign(org=world.branch_b, code="bb")
    checked = services.draft_file_check(upload())
    with pytest.raises(ValidationError, match="不在"):
        services.fill_draft_create(checked=checked, campaign=other, org=world.branch_a, actor=world.admin)
    assert not FillDraft.objects.exists()


def test_a_draft_without_blanks_is_refused(world):
    with pytest.raises(ValidationError, match="没有找到待填写的空格"):
        create(world, text="本文没有数字需要填写。")


def test_a_correction_is_kept_and_used(ledger):
    world = ledger.world
    draft = create(world)
    last = len(draft.rows) - 1  # the refused 篇 blank
    services.fill_draft_choose(
        draft=draft, choices={0: "study.activities", last: "research.visits"}, actor=world.admin
    )
    draft.refresh_from_db()
    assert draft.rows[0]["key"] == "study.activities" and draft.rows[0]["auto_key"] == "study.weekly_meeting"
    content = services.fill_draft_export(draft=draft, actor=world.admin).content.decode()
    assert "本期共学习4次" in content  # all four activities of the campaign
    assert "另撰写调研报告2篇" in content
    assert UNMATCHED_MARK not in content


def test_an_unknown_metric_is_refused(world):
    draft = create(world)
    with pytest.raises(ValidationError, match="第 2 个空格"):
        services.fill_draft_choose(draft=draft, choices={1: "no.such"}, actor=world.admin)


def test_old_drafts_of_the_user_are_purged_on_the_next_upload(world):
    old = create(world)
    FillDraft.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    create(world)
    assert list(FillDraft.objects.values_list("pk", flat=True)) != [old.pk]
    assert not FillDraft.objects.filter(pk=old.pk).exists()


# --- templates -------------------------------------------------------------------------------------


def test_a_saved_template_fills_again_without_asking_for_another_unit_and_campaign(ledger):
    world = ledger.world
    draft = create(world)
    services.fill_draft_choose(draft=draft, choices={0: "study.activities"}, actor=world.admin)
    template = services.fill_template_save(draft=draft, name="总结汇报模板", actor=world.admin)
    assert template.org == world.committee
    assert [e["key"] for e in template.mapping] == ["study.activities", *OWN_DRAFT_KEYS[1:]]

    export, rows = services.fill_template_export(
        template=template, campaign=world.campaign, org=world.branch_a, actor=world.admin
    )
    text = export.content.decode()
    assert "本期共学习3次" in text  # branch A's activities, by the corrected choice
    assert "已整改到位1个，整改完成率为25.0%" in text  # branch A: 1 of 4 closed
    assert rows[0]["corrected"] is True

    empty = make_campaign(org=world.committee, code="next")
    text = services.fill_template_export(
        template=template, campaign=empty, org=world.committee, actor=world.admin
    )[0].content.decode()
    assert "本期共学习0次" in text and "整改完成率为—%" in text
    assert AuditLog.objects.filter(action="export", object_type="reports.FillTemplate").count() == 2


def test_saving_a_reopened_template_updates_it(world):
    draft = create(world)
    template = services.fill_template_save(draft=draft, name="模板", actor=world.admin)
    again = services.fill_template_reopen(
        template=template, campaign=world.campaign, org=world.committee, actor=world.admin
    )
    assert again.template == template
    assert all(r["confirmed"] for r in again.rows)
    services.fill_draft_choose(draft=again, choices={2: None}, actor=world.admin)
    services.fill_template_save(draft=again, name="模板（修订）", actor=world.admin)
    template.refresh_from_db()
    assert FillTemplate.objects.count() == 1
    assert (template.name, template.mapping[2]["key"]) == ("模板（修订）", None)


def test_a_unit_below_reopens_a_template_into_its_own_copy(world):
    template = services.fill_template_save(draft=create(world), name="局模板", actor=world.admin)
    draft = services.fill_template_reopen(
        template=template, campaign=world.campaign, org=world.branch_a, actor=world.secretary_a, link=False
    )
    copy = services.fill_template_save(draft=draft, name="支部模板", actor=world.secretary_a)
    assert copy != template and copy.org == world.branch_a


def test_a_template_survives_its_draft_and_goes_with_its_file(world):
    draft = create(world)
    template = services.fill_template_save(draft=draft, name="模板", actor=world.admin)
    name = template.file.name
    draft.delete()
    assert template.file.storage.exists(name)
    services.fill_template_delete(template=template, actor=world.admin)
    assert not FillTemplate.objects.exists()
    assert AuditLog.objects.filter(action="delete", object_type="reports.FillTemplate").exists()
