"""The web UI's imports run in a thread and report progress through a file; a stale run is closed."""

from __future__ import annotations

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from taizhang.imports import messages as msg
from taizhang.imports import progress
from taizhang.imports.models import ImportRun
from taizhang.imports.services import import_start, run_create, run_refresh_stale
from taizhang.imports.tests.conftest import workbook
from taizhang.org.models import Organization


@pytest.mark.django_db(transaction=True)
def test_an_import_runs_in_a_background_thread(world, settings):
    settings.TAIZHANG_IMPORT_BACKGROUND = True
    seen: list[tuple[int, str]] = []
    original = progress.write

    def spy(run_pk, percent, label):  # noqa: ANN001
        seen.append((percent, label))
        original(run_pk, percent, label)

    started: list[threading.Thread] = []
    real_thread = threading.Thread

    def thread(*args, **kwargs):  # noqa: ANN002, ANN003
        started.append(real_thread(*args, **kwargs))
        return started[-1]

    progress.write = spy
    try:
        data = workbook({"组织": [["WN", "新支部", "W", "党支部"]]})
        run = run_create(user=world.admin, file_name="a.xlsx", data=data, dry_run=False)
        with mock.patch("taizhang.imports.services.threading.Thread", side_effect=thread):
            import_start(run)
        assert started and started[0].name == f"taizhang-import-{run.pk}"
        started[0].join(timeout=60)
    finally:
        progress.write = original
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert Organization.objects.filter(code="WN", parent=world.committee).exists()
    assert seen and seen[0][1].startswith("读取和校验") and any(label.startswith("写入") for _, label in seen)
    assert progress.read(run.pk) is None  # cleared once finished


def test_a_run_whose_worker_went_silent_is_marked_interrupted(world):
    run = ImportRun.objects.create(
        user=world.admin, org=world.committee, file_name="a.xlsx", sha256="0", status="running"
    )
    ImportRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(minutes=10))
    run.refresh_from_db()
    run_refresh_stale(run)
    assert run.status == ImportRun.Status.FAILED
    assert run.errors[0]["message"] == msg.INTERRUPTED


def test_a_run_that_reports_is_left_running(world):
    run = ImportRun.objects.create(
        user=world.admin, org=world.committee, file_name="a.xlsx", sha256="0", status="running"
    )
    ImportRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(minutes=10))
    run.refresh_from_db()
    progress.write(run.pk, 30, "写入：学习活动")
    try:
        assert run_refresh_stale(run).status == ImportRun.Status.RUNNING
    finally:
        progress.clear(run.pk)
