"""The import pages: who may open them, and the upload → preview → confirm → result journey."""

from __future__ import annotations

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from taizhang.core import jobs
from taizhang.core.models import AuditLog
from taizhang.imports.models import ImportRun
from taizhang.imports.tests.conftest import workbook
from taizhang.study.models import Attendance, StudyActivity


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, data: bytes, name: str = "台账.xlsx"):
    return client.post(reverse("imports:upload"), {"file": SimpleUploadedFile(name, data)})


GOOD = {
    "学习活动": [
        [
            "2023-09-05",
            "WA",
            "支部集中学习",
            "学习二十大报告",
            "会议室",
            "甲0号",
            "全体",
            "甲2号（出差）",
            "甲0号",
            "",
            "",
        ],
    ]
}
BAD = {
    "学习活动": [
        ["2023-09-05", "WA", "支部集中学习", "学习二十大报告", "", "", "甲0号、张三", "", "", "", ""],
    ]
}


def test_the_index_is_for_administrators_only(world):
    url = reverse("imports:index")
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    for user in (world.nobody, world.secretary_a, world.leader, world.member_a):
        assert _client(user).get(url).status_code == 403, user
    response = _client(world.admin).get(url)
    assert response.status_code == 200
    assert "下载导入模板" in response.content.decode()


def test_the_template_downloads_as_a_workbook(world):
    response = _client(world.admin).get(reverse("imports:template"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "填表说明"
    assert _client(world.secretary_a).get(reverse("imports:template")).status_code == 403


def test_upload_previews_then_confirm_imports(world):
    client = _client(world.admin)
    response = _upload(client, workbook(GOOD))
    preview = ImportRun.objects.get()
    assert response["Location"] == reverse("imports:run", args=[preview.pk])
    assert preview.status == ImportRun.Status.PREVIEW and preview.dry_run
    assert StudyActivity.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert "校验通过" in page and "确认导入" in page

    response = client.post(reverse("imports:confirm", args=[preview.pk]))
    run = ImportRun.objects.exclude(pk=preview.pk).get()
    assert run.status == ImportRun.Status.DONE and run.preview_of == preview
    assert StudyActivity.objects.count() == 1
    assert Attendance.objects.filter(status="present").count() == 5
    page = client.get(response["Location"]).content.decode()
    assert "导入完成" in page
    # Confirming the same preview twice does nothing more.
    client.post(reverse("imports:confirm", args=[preview.pk]))
    assert StudyActivity.objects.count() == 1
    assert ImportRun.objects.count() == 2
    assert AuditLog.objects.filter(action="import", success=True).count() == 2


def test_a_failed_upload_names_the_error_and_offers_the_failed_rows(world):
    client = _client(world.admin)
    response = _upload(client, workbook(BAD))
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    page = client.get(response["Location"]).content.decode()
    assert "没有写入任何数据" in page
    assert "“张三”不是“甲支部”及其下级组织的党员" in page
    failed = client.get(reverse("imports:failed", args=[run.pk]))
    assert failed.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(failed.content))
    ws = book["学习活动"]
    header = [c.value for c in ws[1]]
    assert "失败原因" in header
    reason = ws.cell(row=2, column=header.index("失败原因") + 1).value
    assert "“参加人员”：“张三”不是“甲支部”及其下级组织的党员" in reason
    assert AuditLog.objects.filter(action="import", success=False).count() == 1


def test_run_pages_follow_the_ladder(world, ladder):
    run = ImportRun.objects.create(
        user=world.admin, org=world.committee, file_name="a.xlsx", sha256="0", status="failed", failed_name=""
    )
    for name in ("imports:run", "imports:progress"):
        ladder(reverse(name, args=[run.pk]), outsider=world.secretary_b, allowed=world.admin)
    ladder(
        reverse("imports:confirm", args=[run.pk]),
        outsider=world.secretary_b,
        allowed=world.admin,
        method="post",
    )


def test_the_failed_rows_download_follows_the_ladder(world, ladder):
    client = _client(world.admin)
    _upload(client, workbook(BAD))
    run = ImportRun.objects.get()
    response = ladder(
        reverse("imports:failed", args=[run.pk]), outsider=world.secretary_b, allowed=world.admin
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_upload_and_template_need_an_administrator(world):
    for url in (reverse("imports:template"), reverse("imports:upload")):
        assert Client().get(url).status_code == 302
        assert _client(world.leader).post(url).status_code == 403


def test_the_upload_refuses_what_is_not_a_workbook(world):
    client = _client(world.admin)
    response = _upload(client, b"hello", name="notes.txt")
    assert response.status_code == 200
    assert "请上传 Excel 工作簿" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_progress_asks_the_page_to_reload_when_finished(world):
    client = _client(world.admin)
    _upload(client, workbook(GOOD))
    run = ImportRun.objects.get()
    response = client.get(reverse("imports:progress", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"


def test_a_running_run_shows_a_progress_bar(world):
    run = ImportRun.objects.create(
        user=world.admin, org=world.committee, file_name="a.xlsx", sha256="0", status="running"
    )
    jobs.report(run, 42, "读取和校验：学习活动")
    page = _client(world.admin).get(reverse("imports:run", args=[run.pk])).content.decode()
    assert "42%" in page and "读取和校验：学习活动" in page and 'hx-trigger="every 1s"' in page
    assert "取消导入" in page


def test_the_history_list_costs_the_same_queries_whatever_its_length(world, django_assert_max_num_queries):
    client = _client(world.admin)
    for i in range(3):
        ImportRun.objects.create(
            user=world.admin, org=world.committee, file_name=f"{i}.xlsx", sha256="0", status="done"
        )
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("imports:index"))
    for i in range(30):
        ImportRun.objects.create(
            user=world.admin, org=world.committee, file_name=f"b{i}.xlsx", sha256="0", status="done"
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("imports:index"))
