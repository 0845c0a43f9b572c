"""The web UI's imports are background jobs (core/jobs.py): enqueued once the upload has committed, run by a
worker with progress in the job store; a run whose worker died is run again, or marked interrupted.

The real worker process, killed with SIGKILL, is in core/tests/test_worker.py; these run the task in-process."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from taizhang.core import jobs
from taizhang.core.tests.tasks import use_tasks_backend
from taizhang.imports import messages as msg
from taizhang.imports import services
from taizhang.imports.models import ImportRun
from taizhang.imports.services import import_start, run_create
from taizhang.imports.tests.conftest import workbook
from taizhang.org.models import Organization

NEW_BRANCH = {"组织": [["WN", "新支部", "W", "党支部"]]}
DEAD_PID = 2**22 + 12345  # above Linux's pid_max default range: never a live process


def _run(world, *, dry_run: bool = False, **fields) -> ImportRun:  # noqa: ANN001, ANN003
    run = run_create(user=world.admin, file_name="a.xlsx", data=workbook(NEW_BRANCH), dry_run=dry_run)
    if fields:
        ImportRun.objects.filter(pk=run.pk).update(**fields)
        run.refresh_from_db()
    return run


def _page(world, run: ImportRun) -> str:  # noqa: ANN001
    client = Client()
    client.force_login(world.admin)
    return client.get(reverse("imports:run", args=[run.pk])).content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_import_is_enqueued_once_the_upload_has_committed_and_a_worker_runs_it(world, settings):
    use_tasks_backend(settings, "database")
    seen: list[tuple[int, str]] = []
    real_report = jobs.report

    def spy(row, percent, label):  # noqa: ANN001
        seen.append((percent, label))
        real_report(row, percent, label)

    with transaction.atomic():
        run = _run(world)
        import_start(run)
        assert not DBTaskResult.objects.exists()  # not before the run it reads is committed
    task = DBTaskResult.objects.get()
    run.refresh_from_db()
    assert task.status == "READY" and task.queue_name == settings.TAIZHANG_TASKS_QUEUE
    assert task.args_kwargs["args"] == [run.pk, run.job_token] and run.task_id == str(task.id)
    assert "排队中" in _page(world, run)

    with mock.patch("taizhang.core.jobs.report", side_effect=spy):
        task.task.call(*task.args_kwargs["args"])  # what the worker does with it
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE and run.attempts == 1 and run.worker == jobs.worker_id()
    assert Organization.objects.filter(code="WN", parent=world.committee).exists()
    assert seen[0] == (0, "开始处理") and any(label.startswith("读取和校验") for _, label in seen)
    assert any(label.startswith("写入") for _, label in seen)
    assert jobs.progress(run) is None  # forgotten once finished
    assert task.task.call(*task.args_kwargs["args"]) == "not claimed"  # a second delivery runs nothing


def test_a_run_whose_worker_died_is_run_again(world):
    run = _run(world, worker=f"{jobs.HOST}:{DEAD_PID}", attempts=1, claimed_at=timezone.now())
    _page(world, run)  # the page applies the stale-job rule; the test backend runs the new attempt at once
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE and run.attempts == 2
    assert Organization.objects.filter(code="WN").count() == 1


def test_a_run_whose_worker_died_twice_is_marked_interrupted_and_its_files_removed(world):
    run = _run(world, job_token="a" * 32, worker=f"{jobs.HOST}:{DEAD_PID}", attempts=2)
    stored = run.stored_name
    # What the killed worker left: a failed-rows workbook saved under its attempt's name, not yet recorded.
    partial = default_storage.save(f"imports/{'a' * 32}-failed.xlsx", default_storage.open(stored))
    page = _page(world, run)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED and run.errors[0]["message"] == msg.INTERRUPTED
    assert msg.INTERRUPTED in page
    assert not default_storage.exists(partial) and not default_storage.exists(stored)
    assert not Organization.objects.filter(code="WN").exists()


def test_a_silent_worker_elsewhere_is_lost_only_after_the_stale_time(world, settings):
    claimed = timezone.now() - timedelta(seconds=settings.TAIZHANG_JOB_STALE_SECONDS + 60)
    run = _run(world, worker="another-machine:1", attempts=2, claimed_at=claimed)
    jobs.report(run, 40, "写入：组织")  # it reported just now: alive, however long ago it started
    assert jobs.recover(run).status == ImportRun.Status.RUNNING
    jobs.finished(run)  # no report since it was claimed, longer ago than the stale time
    assert jobs.recover(run).status == ImportRun.Status.FAILED


@pytest.mark.django_db(transaction=True)
def test_a_queued_run_waits_for_a_worker_however_long(world, settings):
    use_tasks_backend(settings, "database")
    run = _run(world)
    import_start(run)
    assert "taizhang worker" not in _page(world, run)  # just queued: no word about the worker yet
    ImportRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(days=1))
    run.refresh_from_db()
    assert jobs.lost_reason(run) is None  # READY at the backend: a stopped worker delays, it does not lose
    page = _page(world, run)
    assert "排队中" in page and "检查后台任务服务（taizhang worker）是否在运行" in page
    DBTaskResult.objects.update(status="FAILED")  # the task ended without ever taking the run
    assert jobs.lost_reason(run) == jobs.LOST_ENDED


def test_a_run_never_handed_to_the_backend_is_sent_again(world):
    run = _run(world, started_at=timezone.now() - jobs.ENQUEUE_GRACE - timedelta(seconds=1))
    assert run.task_id == "" and jobs.lost_reason(run) == jobs.LOST_NEVER_SENT
    assert jobs.recover(run).status == ImportRun.Status.DONE and run.attempts == 1


def test_an_attempt_that_lost_its_run_writes_nothing(world):
    run = _run(world, job_token="mine")
    real_check = services.check_workbook

    def taken_meanwhile(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        checked = real_check(*args, **kwargs)
        # While it checked, the stale-job rule gave the run to a newer attempt.
        ImportRun.objects.filter(pk=run.pk).update(job_token="a newer attempt")
        return checked

    before = Organization.objects.filter(code="WN").count()
    with mock.patch("taizhang.imports.services.check_workbook", side_effect=taken_meanwhile):
        services.import_execute(run)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.RUNNING and run.job_token == "a newer attempt"
    assert Organization.objects.filter(code="WN").count() == before  # its writes were rolled back
