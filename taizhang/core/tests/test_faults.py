"""Behaviour under faults (checklist §6 reliability): the database going away mid-request, a full disk
during an upload, and SQLite under concurrent writers."""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, connections
from django.test import Client
from django.urls import reverse
from PIL import Image

from taizhang.core.backup import table_counts
from taizhang.core.models import Attachment, AuditLog
from taizhang.rectification import services as rect_services
from taizhang.rectification.models import Problem
from taizhang.rectification.tests.conftest import submitted_problem
from taizhang.study import services as study_services
from taizhang.study.models import ActivityType, Attendance, StudyActivity
from taizhang.study.tests.test_activity_views import _sheet_post


def _png(name: str = "签到表.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (32, 20), "white").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _client(user) -> Client:  # noqa: ANN001
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _files(root: str) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()]


def _kill_connection() -> None:
    """Really lose the database connection: close SQLite's handle, or have PostgreSQL terminate the
    backend (as a restart or a failover would)."""
    if connection.vendor == "sqlite":
        connection.connection.close()
        return
    import psycopg

    s = connection.settings_dict
    pid = connection.connection.info.backend_pid
    with psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"],
        password=s.get("PASSWORD") or None,
        dbname=s["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


# --- (a) the database going away mid-request -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["operational_error", "connection_killed"])
def test_the_database_going_away_mid_request_gives_an_error_page_and_no_partial_writes(
    world, settings, tmp_path, monkeypatch, how
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    client = _client(world.secretary_a)
    before = table_counts()
    real_audit = study_services.audit

    def database_gone(*args, **kwargs):  # noqa: ANN002, ANN003
        # Reached after the activity, its attendance rows, its event and its attachment were written
        # inside the service's transaction.
        assert StudyActivity.objects.exists() and Attachment.objects.exists()
        if how == "operational_error":
            raise OperationalError("server closed the connection unexpectedly")
        _kill_connection()
        return real_audit(*args, **kwargs)  # the next write meets the dead connection

    monkeypatch.setattr(study_services, "audit", database_gone)
    data = _sheet_post(world, attachments=[_png()])
    response = client.post(reverse("study:activity_create"), data)
    connection.close()  # the test client keeps Django from recycling a broken connection itself

    assert response.status_code == 500
    html = response.content.decode()
    assert "系统错误" in html and "请求编号" in html
    for leak in ("Traceback", "OperationalError", "closed", "Error", 'File "'):
        assert leak not in html
    assert table_counts() == before  # every row of the request rolled back
    assert _files(settings.MEDIA_ROOT) == []  # and the uploaded file went with it

    monkeypatch.setattr(study_services, "audit", real_audit)
    again = client.post(reverse("study:activity_create"), _sheet_post(world, attachments=[_png()]))
    assert again.status_code == 302  # the next request gets a fresh connection and succeeds
    assert StudyActivity.objects.count() == 1 and len(_files(settings.MEDIA_ROOT)) == 1


# --- (b) a full disk during an upload ----------------------------------------------------------------


def _disk_fills_up(monkeypatch) -> None:  # noqa: ANN001
    """The storage writes the first 100 bytes, then the device is full (ENOSPC)."""

    def chunks(self, chunk_size=None):  # noqa: ANN001, ANN202
        self.seek(0)
        yield self.read(100)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ContentFile, "chunks", chunks)


@pytest.mark.django_db
def test_a_full_disk_during_upload_leaves_no_orphan_row_no_partial_file_and_says_so(
    world, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    _disk_fills_up(monkeypatch)
    client = _client(world.secretary_a)

    response = client.post(
        reverse("study:activity_create"), _sheet_post(world, attachments=[_png("会议照片.png")])
    )
    assert response.status_code == 200  # the form again, with the message, nothing lost from it
    html = response.content.decode()
    assert "服务器存储空间已满" in html and "会议照片.png" in html
    assert StudyActivity.objects.count() == 0 and Attendance.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert _files(settings.MEDIA_ROOT) == []
    failed = AuditLog.objects.get(detail__operation="upload", success=False)  # the attempt is on record
    assert failed.detail == {"operation": "upload", "name": "会议照片.png", "error": "ENOSPC"}
    assert failed.user == world.secretary_a

    monkeypatch.undo()
    activity = study_services.activity_create(
        data={
            "org": world.branch_a,
            "campaign": world.campaign,
            "type": ActivityType.objects.get(campaign=None, code="branch_concentrated"),
            "topic": "补传照片",
            "date": date(2023, 10, 12),
        },
        attendance=study_services.default_attendance(org=world.branch_a),
        actor=world.secretary_a,
    )
    _disk_fills_up(monkeypatch)
    response = client.post(
        reverse("study:activity_attachments_add", args=[activity.pk]), {"attachments": [_png("补传.png")]}
    )
    page = client.get(response["Location"]).content.decode()
    assert "服务器存储空间已满" in page and "补传.png" in page  # and the app keeps serving
    assert Attachment.objects.count() == 0
    assert _files(settings.MEDIA_ROOT) == []


# --- (c) SQLite under concurrent writers -------------------------------------------------------------


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions_and_a_busy_timeout():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings")
    options = connection.settings_dict["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fail_with_database_is_locked(world):
    threads_n, writes = 8, 25
    activity_type = ActivityType.objects.get(campaign=None, code="branch_concentrated")
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads_n)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(writes):
                org = world.branch_a if n % 2 else world.branch_b
                study_services.activity_create(
                    data={
                        "org": org,
                        "campaign": world.campaign,
                        "type": activity_type,
                        "topic": f"并发{n}-{i}",
                        "date": date(2023, 10, 12),
                    },
                    attendance=study_services.default_attendance(org=org),
                    actor=world.admin,
                )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert errors == []
    assert StudyActivity.objects.count() == threads_n * writes
    assert (
        AuditLog.objects.filter(action="create", object_type="study.StudyActivity").count()
        == threads_n * writes
    )


# --- (d) the worker killed in the middle of a workflow transition ------------------------------------

CRASH_SIGN_OFF = """
import os, signal, sys
import django
django.setup()
from taizhang.accounts.models import User
from taizhang.rectification import services
from taizhang.rectification.models import Problem

def killed(*args, **kwargs):  # the status row is updated, its event and lights written: now die
    os.kill(os.getpid(), signal.SIGKILL)

services.audit = killed
services.problem_sign_off(problem=Problem.objects.get(pk=int(sys.argv[1])), actor=User.objects.get(pk=int(sys.argv[2])))
"""


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_sign_off_leaves_the_item_in_its_old_state(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    problem = submitted_problem(world)
    before = table_counts()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "TAIZHANG_DATABASE_URL": _database_url(),
        "TAIZHANG_MEDIA_ROOT": settings.MEDIA_ROOT,
        "TAIZHANG_FIELD_KEY": settings.TAIZHANG_FIELD_KEY,
    }
    crashed = subprocess.run(
        [sys.executable, "-c", CRASH_SIGN_OFF, str(problem.pk), str(world.leader.pk)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert crashed.returncode == -9, crashed.stderr  # really killed, mid-transaction

    stored = Problem.objects.get(pk=problem.pk)
    assert (stored.status, stored.version, stored.closed_by) == ("submitted", problem.version, None)
    assert table_counts() == before  # no status event, no light change, no audit row: the old state whole
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA integrity_check")
            assert cursor.fetchone()[0] == "ok"
    # After the restart the leader signs off normally.
    rect_services.problem_sign_off(problem=stored, actor=world.leader)
    assert Problem.objects.get(pk=problem.pk).status == "closed"
