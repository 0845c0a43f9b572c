"""Cancelling a running import from its run page (issue 16, F5): its user or an administrator over it asks,
the job stops at its next row or sheet, everything it wrote is rolled back, and the run shows 已取消."""

from __future__ import annotations

from unittest import mock

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from taizhang.core import jobs
from taizhang.core.models import AuditLog
from taizhang.core.tests.factories import PASSWORD, make_user
from taizhang.core.tests.tasks import use_tasks_backend
from taizhang.imports import tasks
from taizhang.imports.models import ImportRun
from taizhang.imports.services import import_start, run_create
from taizhang.imports.tests.conftest import workbook
from taizhang.imports.views import CANCEL_ASKED, CANCEL_DONE, CANCEL_REQUESTED, CANCEL_TOO_LATE
from taizhang.org.models import Member, Organization
from taizhang.study.models import StudyActivity

SHEETS = {
    "组织": [["WN", "新支部", "W", "党支部"], ["WN-1", "新支部第一小组", "WN", "党小组"]],
    "党员": [
        ["新一", "WN", "男", "", "", "正式党员", "", "", ""],
        ["新二", "WN-1", "女", "", "", "", "", "", ""],
    ],
    "学习活动": [
        ["2023-09-05", "WN", "支部集中学习", f"第{i}次学习", "", "", "新一、新二", "", "新一", "", ""]
        for i in range(20)
    ],
}
# Rows that say nothing about what an import wrote (who did what, the runs themselves, the task queue).
NOT_DATA = {"core.AuditLog", "imports.ImportRun", "sessions.Session", "django_tasks_database.DBTaskResult"}


def _snapshot() -> dict[str, int]:
    """Row counts of every table an import could touch."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.label not in NOT_DATA
        and model._meta.app_label not in ("axes", "otp_totp", "otp_static")
    }


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _cancel_when(label_start: str, by) -> mock._patch:  # noqa: ANN001
    """Patch the job's progress reports: once one starts with `label_start`, `by` asks to cancel."""
    real_report = jobs.report
    seen: list[str] = []

    def report(row, percent, label):  # noqa: ANN001
        real_report(row, percent, label)
        seen.append(label)
        if label.startswith(label_start) and jobs.cancel_requested(row) is None:
            jobs.cancel_request(row, by)

    patcher = mock.patch("taizhang.core.jobs.report", side_effect=report)
    patcher.seen = seen
    return patcher


def test_cancelling_mid_run_leaves_the_database_unchanged(world):
    run = run_create(user=world.admin, file_name="a.xlsx", data=workbook(SHEETS), dry_run=False)
    before = _snapshot()
    written_when_cancelled: list[bool] = []
    real_cancel = jobs.cancel_request

    def cancel(row, user):  # noqa: ANN001
        # The request comes while the job writes its second sheet: its first sheet is in the database then.
        written_when_cancelled.append(Organization.objects.filter(code="WN").exists())
        real_cancel(row, user)

    patcher = _cancel_when("写入：党员", world.admin)
    with patcher, mock.patch("taizhang.core.jobs.cancel_request", side_effect=cancel):
        import_start(run)  # the test settings' immediate backend runs the job right here
    run.refresh_from_db()
    assert written_when_cancelled == [True]
    assert run.status == ImportRun.Status.CANCELLED and run.cancelled_by == world.admin
    assert not any(label.startswith("写入：学习活动") for label in patcher.seen)  # stopped at the next sheet
    assert _snapshot() == before
    assert not Organization.objects.filter(code__startswith="WN").exists()
    assert not Member.objects.filter(name__startswith="新").exists() and not StudyActivity.objects.exists()
    row = AuditLog.objects.get(action="import", object_id=str(run.pk))
    assert row.success is False and row.detail["status"] == "cancelled"
    assert row.detail["cancelled_by"] == world.admin.username
    assert not default_storage.exists(run.stored_name)  # nothing left to confirm: the upload is gone
    page = _client(world.admin).get(reverse("imports:run", args=[run.pk])).content.decode()
    assert "已取消" in page and "没有写入任何数据" in page and "取消导入" not in page


def test_a_preview_is_cancelled_while_it_checks(world):
    run = run_create(user=world.admin, file_name="a.xlsx", data=workbook(SHEETS), dry_run=True)
    patcher = _cancel_when("读取和校验：组织", world.admin)
    with patcher:
        import_start(run)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.CANCELLED and run.counts == {}
    assert not any(label.startswith("读取和校验：学习活动") for label in patcher.seen)


def test_a_cancelled_import_leaves_its_preview_confirmable(world):
    admin = _client(world.admin)
    preview = run_create(user=world.admin, file_name="a.xlsx", data=workbook(SHEETS), dry_run=True)
    import_start(preview)
    preview.refresh_from_db()
    assert preview.status == ImportRun.Status.PREVIEW
    with _cancel_when("写入", world.admin):
        admin.post(reverse("imports:confirm", args=[preview.pk]))
    cancelled = preview.imports.get()
    assert cancelled.status == ImportRun.Status.CANCELLED and default_storage.exists(preview.stored_name)
    page = admin.get(reverse("imports:run", args=[preview.pk])).content.decode()
    assert "确认导入" in page
    admin.post(reverse("imports:confirm", args=[preview.pk]))
    assert preview.imports.exclude(pk=cancelled.pk).get().status == ImportRun.Status.DONE
    assert Organization.objects.filter(code="WN").exists()


def _running(world, **fields) -> ImportRun:  # noqa: ANN001, ANN003
    run = run_create(user=world.admin, file_name="a.xlsx", data=workbook(SHEETS), dry_run=False)
    ImportRun.objects.filter(pk=run.pk).update(job_token="t" * 32, **fields)
    run.refresh_from_db()
    return run


def test_the_cancel_button_follows_the_ladder(world, ladder):
    run = _running(world)  # queued: no worker has it, so the allowed request cancels it at once
    other_admin = make_user(username="t_admin2", roles=(("admin", world.committee),))
    response = ladder(
        reverse("imports:cancel", args=[run.pk]),
        outsider=world.secretary_b,
        allowed=other_admin,
        method="post",
    )
    assert response["Location"] == reverse("imports:run", args=[run.pk])
    run.refresh_from_db()
    assert run.status == ImportRun.Status.CANCELLED and run.cancelled_by == other_admin
    # Who may not see a run may not cancel it either: the leader does not manage, a branch's
    # administrator does not manage the committee's runs.
    branch_admin = make_user(username="t_admin_a", roles=(("admin", world.branch_a),))
    for user in (world.leader, world.member_a, branch_admin):
        other = _running(world)
        assert _client(user).post(reverse("imports:cancel", args=[other.pk])).status_code == 404
        other.refresh_from_db()
        assert other.status == ImportRun.Status.RUNNING and jobs.cancel_requested(other) is None


def test_the_get_of_the_cancel_url_changes_nothing(world):
    run = _running(world)
    assert _client(world.admin).get(reverse("imports:cancel", args=[run.pk])).status_code == 405
    run.refresh_from_db()
    assert run.status == ImportRun.Status.RUNNING


def test_a_queued_import_is_cancelled_at_once_and_its_task_then_runs_nothing(world, settings):
    use_tasks_backend(settings, "database")
    run = run_create(user=world.admin, file_name="a.xlsx", data=workbook(SHEETS), dry_run=False)
    import_start(run)  # queued until a worker takes it
    response = _client(world.admin).post(reverse("imports:cancel", args=[run.pk]), follow=True)
    assert CANCEL_DONE in response.content.decode()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.CANCELLED
    assert tasks.import_run.call(run.pk, run.job_token) == "not claimed"
    assert not Organization.objects.filter(code="WN").exists()


def test_a_running_import_sees_the_request_at_its_next_report(world):
    run = _running(world, worker=jobs.worker_id(), claimed_at=timezone.now())  # this process is on it
    response = _client(world.admin).post(reverse("imports:cancel", args=[run.pk]), follow=True)
    page = response.content.decode()
    assert CANCEL_REQUESTED in page and CANCEL_ASKED in page  # the message, and the progress label
    run.refresh_from_db()
    assert run.status == ImportRun.Status.RUNNING and jobs.cancel_requested(run)["user_id"] == world.admin.pk
    progress = _client(world.admin).get(reverse("imports:progress", args=[run.pk])).content.decode()
    assert CANCEL_ASKED in progress
    with pytest.raises(jobs.JobCancelled):
        jobs.Reporter(run, cancellable=True)(10, "写入：组织")


def test_a_finished_import_cannot_be_cancelled(world):
    run = _running(world)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.DONE)
    response = _client(world.admin).post(reverse("imports:cancel", args=[run.pk]), follow=True)
    assert CANCEL_TOO_LATE in response.content.decode()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE and jobs.cancel_requested(run) is None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_cancels_a_waiting_import_from_its_run_page(world, page, login, settings, tmp_path):
    use_tasks_backend(settings, "database")  # no worker runs here: the upload waits in the queue
    login(page, "t_admin", PASSWORD)
    page.goto("/imports/")
    upload = tmp_path / "台账.xlsx"
    upload.write_bytes(workbook(SHEETS))
    page.set_input_files("input[type=file]", str(upload))
    page.click(".upload-submit")
    page.wait_for_selector(".run-progress")
    assert "排队中" in page.inner_text(".run-progress")
    page.click("form.cancel-import button")
    page.wait_for_selector(".run-verdict")
    assert "已取消" in page.inner_text(".run-verdict") and "没有写入任何数据" in page.inner_text(
        ".run-verdict"
    )
    assert page.inner_text(".run-status") == "已取消"
    assert ImportRun.objects.get().status == ImportRun.Status.CANCELLED
    assert not Organization.objects.filter(code="WN").exists()
