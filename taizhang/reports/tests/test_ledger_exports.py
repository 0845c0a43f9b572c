"""Ledgers generated in the background: the same workbook and audit row as the direct download, one export
per ledger at a time, a failure that leaves a message and no file, the background job, and exports whose
worker died (core/jobs.py; the real worker process killed mid-export is in core/tests/test_worker.py)."""

from __future__ import annotations

import os
from datetime import timedelta
from io import BytesIO
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from taizhang.core import jobs
from taizhang.core.audit import RequestInfo, current_request
from taizhang.core.integrity import stream_sha256
from taizhang.core.models import AuditLog
from taizhang.core.tests.tasks import use_tasks_backend
from taizhang.reports import services
from taizhang.reports.ledgers import KINDS, ledger_rows_count, ledger_write
from taizhang.reports.models import LedgerExport

pytestmark = pytest.mark.django_db

Status = LedgerExport.Status
DEAD_PID = 2**22 + 12345  # above Linux's pid_max: never a live process


def _cells(data: bytes) -> list[list]:
    return [[c.value for c in row] for row in load_workbook(BytesIO(data)).active.iter_rows()]


def _stored_files() -> set[str]:
    # The test media folder is shared by the tests of one worker: compare before and after.
    try:
        return set(default_storage.listdir(services.EXPORT_DIR)[1])
    except FileNotFoundError:
        return set()


def _direct_download(user, kind: str, campaign, org) -> bytes:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    url = f"{reverse('reports:ledger_download', args=[kind])}?campaign={campaign.pk}&org={org.pk}"
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("unit", ["committee", "branch_a"])
def test_an_export_run_inline_equals_the_direct_download_and_is_audited_the_same_way(ledger, unit):
    world = ledger.world
    org = getattr(world, unit)
    export, created = services.ledger_export_request(
        kind="study", campaign=world.campaign, org=None if org == world.committee else org, user=world.admin
    )
    assert created and export.status == Status.QUEUED and export.org == org
    export = services.ledger_export_run(export.pk)

    assert export.status == Status.DONE and export.error == ""
    assert export.requested_at <= export.started_at <= export.finished_at
    with export.file.open("rb") as stream:
        data = stream.read()
    assert export.file.name.startswith("exports/") and "学习台账" not in export.file.name
    assert export.size == len(data) and export.sha256 == stream_sha256(BytesIO(data))
    assert _cells(data) == _cells(_direct_download(world.admin, "study", world.campaign, org))
    assert export.rows == ledger_rows_count("study", campaign=world.campaign, org=org) > 0

    background, direct = AuditLog.objects.filter(action="export").order_by("id")
    for field in ("user_id", "object_type", "object_id", "detail"):
        assert getattr(background, field) == getattr(direct, field), field
    assert background.detail["rows"] == export.rows


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_row_count_the_page_decides_by_is_the_ledgers_row_count(ledger, kind, tmp_path):
    world = ledger.world
    for org in (None, world.branch_a, world.group_a):
        written = ledger_write(kind, campaign=world.campaign, org=org, out=str(tmp_path / f"{kind}.xlsx"))
        assert ledger_rows_count(kind, campaign=world.campaign, org=org) == written


def test_a_second_request_for_a_ledger_being_generated_gets_that_export(ledger):
    world = ledger.world
    first, created = services.ledger_export_request(
        kind="problems", campaign=world.campaign, org=world.branch_a, user=world.admin
    )
    again, created_again = services.ledger_export_request(
        kind="problems", campaign=world.campaign, org=world.branch_a, user=world.secretary_a
    )
    assert created and not created_again and again.pk == first.pk
    assert again.requested_by == world.admin  # the first requester's export, not a new one

    # Another ledger, or another unit, is another export.
    other_kind, made = services.ledger_export_request(
        kind="study", campaign=world.campaign, org=world.branch_a, user=world.admin
    )
    other_unit, made_too = services.ledger_export_request(
        kind="problems", campaign=world.campaign, org=world.branch_b, user=world.admin
    )
    assert made and made_too and len({first.pk, other_kind.pk, other_unit.pk}) == 3

    # Once finished, asking again starts a new one.
    services.ledger_export_run(first.pk)
    fresh, created = services.ledger_export_request(
        kind="problems", campaign=world.campaign, org=world.branch_a, user=world.admin
    )
    assert created and fresh.pk != first.pk


def test_two_requests_racing_past_the_check_still_make_one_export(ledger):
    """The partial unique constraint, not only the look before the write, keeps one pending export."""
    world = ledger.world
    first, _ = services.ledger_export_request(
        kind="problems", campaign=world.campaign, org=world.branch_a, user=world.admin
    )
    real_filter = LedgerExport.objects.filter

    def blind_first(*args, **kwargs):  # noqa: ANN002, ANN003
        qs = real_filter(*args, **kwargs)
        if kwargs.get("status__in") == LedgerExport.PENDING and "kind" in kwargs:
            qs.first = lambda: None  # the other request's row is not seen yet
        return qs

    with mock.patch.object(LedgerExport.objects, "filter", side_effect=blind_first):
        again, created = services.ledger_export_request(
            kind="problems", campaign=world.campaign, org=world.branch_a, user=world.leader
        )
    assert not created and again.pk == first.pk
    assert LedgerExport.objects.count() == 1


def test_a_request_is_checked_like_the_direct_download(ledger):
    world = ledger.world
    with pytest.raises(ValidationError) as unknown:
        services.ledger_export_request(kind="nope", campaign=world.campaign, user=world.admin)
    assert unknown.value.message_dict == {"kind": [services.EXPORT_KIND_UNKNOWN.format(kind="nope")]}

    from taizhang.core.tests.factories import make_org

    elsewhere = make_org(name="外单位", code="X", kind="committee")
    with pytest.raises(ValidationError) as outside:
        services.ledger_export_request(kind="study", campaign=world.campaign, org=elsewhere, user=world.admin)
    assert "外单位" in outside.value.message_dict["org"][0]

    with pytest.raises(PermissionDenied):  # VIEW only: a member may not take the unit's ledgers
        services.ledger_export_request(
            kind="study", campaign=world.campaign, org=world.branch_a, user=world.member_a
        )
    with pytest.raises(PermissionDenied):
        services.ledger_export_request(
            kind="study", campaign=world.campaign, org=world.branch_a, user=world.secretary_b
        )
    assert not LedgerExport.objects.exists()
    assert AuditLog.objects.filter(action="denied").count() == 2


def test_a_failed_export_says_why_in_chinese_and_leaves_no_file(ledger):
    world = ledger.world
    export, _ = services.ledger_export_request(kind="study", campaign=world.campaign, user=world.admin)
    before = _stored_files()

    def half_then_fail(kind, *, campaign, org=None, out, today=None):  # noqa: ANN001, ANN202
        with open(out, "wb") as stream:
            stream.write(b"PK\x03\x04 half a workbook")
        raise RuntimeError("connection lost")

    with mock.patch("taizhang.reports.services.ledger_write", side_effect=half_then_fail):
        export = services.ledger_export_run(export.pk)
    assert export.status == Status.FAILED and export.error == services.EXPORT_FAILED
    assert "Traceback" not in export.error and "connection lost" not in export.error
    assert not export.file and export.rows is None and export.finished_at is not None
    assert _stored_files() == before
    assert not AuditLog.objects.filter(action="export").exists()


def test_a_storage_that_fails_half_way_leaves_no_part_of_the_file(ledger):
    import errno

    world = ledger.world
    export, _ = services.ledger_export_request(kind="problems", campaign=world.campaign, user=world.admin)
    before = _stored_files()
    real_save = default_storage.save

    def disk_full(name, content, max_length=None):  # noqa: ANN001, ANN202
        from django.core.files.base import ContentFile

        real_save(name, ContentFile(content.read(100)))  # what a full disk leaves behind
        raise OSError(errno.ENOSPC, "No space left on device")

    with mock.patch.object(default_storage, "save", side_effect=disk_full):
        export = services.ledger_export_run(export.pk)
    assert export.status == Status.FAILED
    assert export.error == services.EXPORT_STORAGE_FAILED.format(error="ENOSPC")
    assert _stored_files() == before


@pytest.mark.django_db(transaction=True)
def test_an_export_is_enqueued_once_the_request_has_committed_and_a_worker_runs_it(ledger, settings):
    use_tasks_backend(settings, "database")
    world = ledger.world
    export, _ = services.ledger_export_request(kind="matters", campaign=world.campaign, user=world.admin)
    info = RequestInfo(user=world.admin, ip="10.1.2.3", request_id="req-1", path="/reports/ledgers/")
    token = current_request.set(info)
    try:
        with transaction.atomic():
            services.ledger_export_start(export)
            assert not DBTaskResult.objects.exists()  # not before the row it reads is committed
    finally:
        current_request.reset(token)
    task = DBTaskResult.objects.get()
    export.refresh_from_db()
    assert export.status == Status.QUEUED and export.task_id == str(task.id)
    task.task.call(*task.args_kwargs["args"], **task.args_kwargs["kwargs"])  # what `taizhang worker` does

    export.refresh_from_db()
    assert export.status == Status.DONE and export.rows == 3 and export.attempts == 1
    # The job's audit row names the address and request that asked for the export.
    row = AuditLog.objects.get(action="export")
    assert (row.user, row.ip, row.request_id, row.detail["ledger"]) == (
        world.admin,
        "10.1.2.3",
        "req-1",
        "matters",
    )


def _killed(export: LedgerExport, *, attempts: int) -> tuple[str, str]:
    """Make the export look as a worker killed while writing it leaves it: claimed by a process that is
    gone, with its temporary workbook and half its storage copy on disk. Returns their names."""
    LedgerExport.objects.filter(pk=export.pk).update(
        status=Status.RUNNING,
        job_token="k" * 32,
        worker=f"{jobs.HOST}:{DEAD_PID}",
        attempts=attempts,
        claimed_at=timezone.now(),
    )
    export.refresh_from_db()
    path, name = services._attempt_files(export)
    with open(path, "wb") as stream:
        stream.write(b"PK half a workbook")
    default_storage.save(name, ContentFile(b"PK half a copy"))
    return path, name


def test_an_export_whose_worker_died_is_run_again_without_its_partial_files(ledger):
    world = ledger.world
    export, _ = services.ledger_export_request(kind="matters", campaign=world.campaign, user=world.admin)
    path, name = _killed(export, attempts=1)
    # The ledger page applies the stale-job rule: the export is run again (the test backend: at once).
    client = Client()
    client.force_login(world.admin)
    client.get(reverse("reports:ledger_exports"), {"campaign": world.campaign.pk})
    export.refresh_from_db()
    assert export.status == Status.DONE and export.attempts == 2 and export.rows == 3
    assert not os.path.exists(path) and not default_storage.exists(name)
    assert default_storage.exists(export.file.name)


def test_an_export_whose_worker_died_twice_is_failed_and_can_be_asked_for_again(ledger):
    world = ledger.world
    export, _ = services.ledger_export_request(kind="study", campaign=world.campaign, user=world.admin)
    path, name = _killed(export, attempts=2)
    before = _stored_files() - {name.rsplit("/", 1)[1]}
    again, created = services.ledger_export_request(kind="study", campaign=world.campaign, user=world.admin)
    export.refresh_from_db()
    assert created and again.pk != export.pk
    assert export.status == Status.FAILED and export.error == services.EXPORT_INTERRUPTED
    assert not os.path.exists(path) and _stored_files() - {again.file.name.rsplit("/", 1)[-1]} == before

    assert services.ledger_export_run(export.pk).status == Status.FAILED  # not run once failed


def test_an_export_given_to_another_attempt_while_it_ran_keeps_no_file(ledger):
    world = ledger.world
    export, _ = services.ledger_export_request(kind="study", campaign=world.campaign, user=world.admin)
    before = _stored_files()
    real_write = services._export_write

    def slow_write(export):  # noqa: ANN001, ANN202
        written = real_write(export)
        # Meanwhile the stale-job rule took it for lost (a machine that stopped reporting) and gave it up.
        LedgerExport.objects.filter(pk=export.pk).update(
            job_token="a newer attempt", status=Status.FAILED, error=services.EXPORT_INTERRUPTED
        )
        return written

    with mock.patch("taizhang.reports.services._export_write", side_effect=slow_write):
        export = services.ledger_export_run(export.pk)
    assert export.status == Status.FAILED and export.error == services.EXPORT_INTERRUPTED
    assert _stored_files() == before and not AuditLog.objects.filter(action="export").exists()


@pytest.mark.django_db(transaction=True)
def test_an_export_nobody_takes_says_the_worker_may_be_down(ledger, settings):
    use_tasks_backend(settings, "dummy")  # handed to the queue, and no worker will come
    world = ledger.world
    export, _ = services.ledger_export_request(kind="study", campaign=world.campaign, user=world.admin)
    services.ledger_export_start(export)
    export.refresh_from_db()
    assert export.task_id
    client = Client()
    client.force_login(world.admin)
    url = reverse("reports:ledger_exports")
    assert "taizhang worker" not in client.get(url, {"campaign": world.campaign.pk}).content.decode()
    LedgerExport.objects.filter(pk=export.pk).update(requested_at=timezone.now() - timedelta(hours=1))
    listing = client.get(url, {"campaign": world.campaign.pk}).content.decode()
    assert "排队中" in listing and "检查后台任务服务（taizhang worker）" in listing
    export.refresh_from_db()
    assert export.status == Status.QUEUED and export.attempts == 0  # waiting, not lost
