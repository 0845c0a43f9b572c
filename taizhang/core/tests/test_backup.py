"""Backup and restore (等保 8.1.4.9 a, checklist DJB-BK-01): the drill and the refusals.

The drill runs on whichever database the suite runs on (SQLite file or PostgreSQL): writer threads
record study activities while `taizhang backup` runs; the archive is restored by a separate
`taizhang restore` process into a fresh, empty database (a new SQLite file, or a new PostgreSQL
database), and a third process reads back the row counts and every campaign figure.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, connections
from PIL import Image

from taizhang.core.backup import read_manifest
from taizhang.core.models import Attachment, AuditLog
from taizhang.study import services
from taizhang.study.models import ActivityType, StudyActivity

ROOT = Path(__file__).resolve().parents[3]
TAIZHANG = str(Path(sys.executable).parent / "taizhang")

READ_BACK = """
import json, sys
from datetime import date
import django
django.setup()
from taizhang.core.backup import campaign_figures, table_counts
print(json.dumps({"tables": table_counts(), "figures": campaign_figures(date.fromisoformat(sys.argv[1]))}))
"""


def _png(color: str = "red") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), color).save(out, "PNG")
    return SimpleUploadedFile("签到表.png", out.getvalue(), content_type="image/png")


def _record(world, *, topic: str, uploads=()) -> StudyActivity:  # noqa: ANN001
    return services.activity_create(
        data={
            "org": world.branch_a,
            "campaign": world.campaign,
            "type": ActivityType.objects.get(campaign=None, code="branch_concentrated"),
            "topic": topic,
            "date": date(2023, 10, 12),
        },
        attendance=services.default_attendance(org=world.branch_a),
        uploads=list(uploads),
        actor=world.secretary_a,
    )


class _FreshDatabase:
    """An empty database of the same vendor as the suite's, as a TAIZHANG_DATABASE_URL."""

    def __init__(self, tmp_path: Path) -> None:
        self.vendor = connection.vendor
        s = connection.settings_dict
        if self.vendor == "sqlite":
            self.url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        else:
            self.name = f"{s['NAME']}_restore_{uuid.uuid4().hex[:8]}"
            auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
            self.url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{self.name}"
            self._admin(f'CREATE DATABASE "{self.name}"')

    def _admin(self, sql: str) -> None:
        import psycopg

        s = connection.settings_dict
        with psycopg.connect(
            host=s["HOST"] or "127.0.0.1",
            port=s["PORT"] or 5432,
            user=s["USER"],
            password=s.get("PASSWORD") or None,
            dbname="postgres",
            autocommit=True,
        ) as admin:
            admin.execute(sql)

    def drop(self) -> None:
        if self.vendor == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_backup_under_concurrent_writes_restores_into_an_empty_database_with_the_same_figures(
    world, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    _record(world, topic="备份前的集中学习", uploads=[_png("red"), _png("blue")])
    originals = {
        a.file.name: hashlib.sha256(Path(a.file.path).read_bytes()).hexdigest()
        for a in Attachment.objects.all()
    }
    assert len(originals) == 2

    stop = threading.Event()
    errors: list[BaseException] = []
    written = [0]

    def writer(n: int) -> None:
        try:
            i = 0
            while not stop.is_set():
                _record(world, topic=f"并发写入{n}-{i}")
                written[0] += 1
                i += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while written[0] < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    before = written[0]
    out = io.StringIO()
    call_command("backup", out=str(tmp_path / "backup.tar.gz"), stdout=out)
    during = written[0]
    while written[0] < during + 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert before >= 5 and written[0] > during  # writers ran before, during and after the backup

    archive = tmp_path / "backup.tar.gz"
    manifest = read_manifest(archive)
    assert "备份完成" in out.getvalue()
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["migrations"]["study"] and manifest["migrations"]["core"]
    snapshot_activities = manifest["tables"][StudyActivity._meta.db_table]
    # The snapshot holds the activities of some moment during the backup, not those written after it.
    assert 1 + before <= snapshot_activities < StudyActivity.objects.count()
    assert {f["path"]: f["sha256"] for f in manifest["files"]} == originals
    assert AuditLog.objects.filter(action="other", detail__operation="backup").count() == 1

    fresh = _FreshDatabase(tmp_path)
    try:
        media = tmp_path / "restored-media"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "TAIZHANG_DATABASE_URL": fresh.url,
            "TAIZHANG_MEDIA_ROOT": str(media),
            "TAIZHANG_FIELD_KEY": settings.TAIZHANG_FIELD_KEY,
        }
        restored = _run([TAIZHANG, "restore", str(archive)], env)
        assert restored.returncode == 0, restored.stderr
        assert "恢复完成" in restored.stdout
        read = _run([sys.executable, "-c", READ_BACK, manifest["as_of"]], env)
        assert read.returncode == 0, read.stderr
        back = json.loads(read.stdout)
        # The restore wrote one audit row of its own into the restored database; everything else is equal.
        audit_table = AuditLog._meta.db_table
        assert back["tables"].pop(audit_table) == manifest["tables"].pop(audit_table) + 1
        assert back["tables"] == manifest["tables"]
        assert back["figures"] == manifest["figures"]
        assert back["figures"][world.campaign.code]["study.branch_concentrated"] == snapshot_activities
        for name, digest in originals.items():
            assert hashlib.sha256((media / name).read_bytes()).hexdigest() == digest

        again = _run([TAIZHANG, "restore", str(archive)], env)
        assert again.returncode != 0 and "已有数据" in again.stderr
    finally:
        fresh.drop()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_holding_data_without_force(world, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("backup", out=str(tmp_path), stdout=io.StringIO())
    (archive,) = tmp_path.glob("taizhang-backup-*.tar.gz")
    with pytest.raises(CommandError, match="目标数据库中已有数据"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert AuditLog.objects.filter(detail__operation="restore", success=False).exists()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_an_archive_whose_checksums_do_not_match(world, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    _record(world, topic="有附件的学习", uploads=[_png()])
    archive = tmp_path / "good.tar.gz"
    call_command("backup", out=str(archive), stdout=io.StringIO())
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive, "r:gz") as src, tarfile.open(tampered, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name.startswith("media/"):
                data = data[:-1] + bytes([data[-1] ^ 1])  # one flipped bit in the uploaded file
            dst.addfile(member, io.BytesIO(data))
    with pytest.raises(CommandError, match="校验失败"):
        call_command("restore", str(tampered), "--force", stdout=io.StringIO())
    assert StudyActivity.objects.filter(topic="有附件的学习").exists()  # nothing was touched


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_restore_into_a_migrated_empty_database_and_over_a_filled_one_with_force(world, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    _record(world, topic="迁移后恢复", uploads=[_png()])
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", out=str(archive), stdout=io.StringIO())
    manifest = read_manifest(archive)
    audit_table = AuditLog._meta.db_table
    fresh = _FreshDatabase(tmp_path)
    try:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "TAIZHANG_DATABASE_URL": fresh.url,
            "TAIZHANG_MEDIA_ROOT": str(tmp_path / "restored-media"),
            "TAIZHANG_FIELD_KEY": settings.TAIZHANG_FIELD_KEY,
        }
        # An operator who ran `taizhang migrate` first: tables and migration data, but no users or units.
        assert _run([TAIZHANG, "migrate", "--noinput", "-v0"], env).returncode == 0
        for args in (["restore", str(archive)], ["restore", str(archive), "--force"]):
            done = _run([TAIZHANG, *args], env)
            assert done.returncode == 0, done.stderr
            back = json.loads(_run([sys.executable, "-c", READ_BACK, manifest["as_of"]], env).stdout)
            # --force replaces the database whole: the first restore's audit row is gone with it.
            assert back["tables"].pop(audit_table) == manifest["tables"][audit_table] + 1
            assert back["tables"] == {k: v for k, v in manifest["tables"].items() if k != audit_table}
            assert back["figures"] == manifest["figures"]
    finally:
        fresh.drop()


@pytest.mark.django_db(transaction=True)
def test_with_files_on_object_storage_the_backup_says_so_and_holds_the_database_only(
    world, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    _record(world, topic="有附件的学习", uploads=[_png()])  # a file under MEDIA_ROOT that must not be taken
    settings.TAIZHANG_S3_BUCKET = "taizhang-media"
    out = io.StringIO()
    archive = tmp_path / "db-only.tar.gz"
    call_command("backup", out=str(archive), stdout=out)
    assert "上传的文件在对象存储 taizhang-media 中，不在本备份内" in out.getvalue()
    with tarfile.open(archive, "r:gz") as saved:
        assert not [m for m in saved.getnames() if m.startswith("media/")]
