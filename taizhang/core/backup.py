"""Backup and restore of the whole system: the database and the uploaded files, in one .tar.gz.

Consistency while the app is in use (等保 8.1.4.9 a, security checklist DJB-BK-01): everything that
describes the database — the dump itself, the row count of every table, the migration heads and the
figures of every campaign — is read from ONE database snapshot:

- SQLite: a deferred read transaction on the live database (WAL mode: writers carry on), copied page by
  page with the sqlite3 online-backup API from inside that transaction;
- PostgreSQL: a REPEATABLE READ transaction exports its snapshot, `pg_dump -Fc --snapshot=…` dumps
  exactly that snapshot, and the counts and figures are read in the same transaction.

The uploaded files (MEDIA_ROOT) are added after the snapshot with their SHA-256. Archive layout:

    manifest.json           created_at, vendor, migration heads, tables {name: rows}, figures, files
    database/taizhang.sqlite3  or  database/taizhang.pgdump
    media/<path under MEDIA_ROOT>

Restore refuses a database that holds data (users, units or audit records) unless forced, checks every
checksum before touching anything, restores the database and the files, then recounts every table and
recomputes the figures and compares them with the manifest.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DB_SQLITE = "database/taizhang.sqlite3"
DB_PGDUMP = "database/taizhang.pgdump"
MEDIA_PREFIX = "media/"

Say = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is Chinese first, then English."""


def _quiet(_: str) -> None:
    pass


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _tool(name: str) -> str:
    configured = getattr(settings, f"TAIZHANG_{name.upper()}", "")
    found = configured or shutil.which(name) or f"/usr/bin/{name}"
    if not Path(found).exists():
        raise BackupError(f"找不到 {name}，请安装 PostgreSQL 客户端 ({name} not found)")
    return found


def _pg_args(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    args: list[str] = []
    if settings_dict.get("HOST"):
        args += ["-h", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["-p", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["-U", str(settings_dict["USER"])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


# --- what a snapshot holds ---------------------------------------------------------------------------


def table_counts() -> dict[str, int]:
    """{table: rows} for every table of the database, in the current transaction."""
    with connection.cursor() as cursor:
        names = sorted(t for t in connection.introspection.table_names(cursor) if not t.startswith("sqlite_"))
        counts = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")
            counts[name] = cursor.fetchone()[0]
    return counts


def migration_heads() -> dict[str, list[str]]:
    """{app: [latest applied migrations]} read from django_migrations (the newest per app)."""
    from django.db.migrations.loader import MigrationLoader

    with connection.cursor() as cursor:
        if "django_migrations" not in connection.introspection.table_names(cursor):
            return {}
        cursor.execute("SELECT app, name FROM django_migrations")
        applied = {(app, name) for app, name in cursor.fetchall()}
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    heads: dict[str, list[str]] = {}
    for app, name in sorted(applied):
        node = graph.node_map.get((app, name))
        children = node.children if node is not None else set()
        if not any(child[0] == app and child in applied for child in children):
            heads.setdefault(app, []).append(name)
    return heads


def campaign_figures(as_of: date) -> dict[str, dict[str, Any]]:
    """Every metric of the catalog for every campaign, as of `as_of` (what the dashboards show)."""
    from taizhang.campaigns.models import Campaign
    from taizhang.reports import metrics

    result = {}
    for campaign in Campaign.objects.select_related("org").order_by("pk"):
        result[campaign.code] = metrics.compute(campaign, as_of=as_of)
    return result


def holds_data() -> bool:
    """True when the database has users, units or audit records (a restore would overwrite them)."""
    from taizhang.accounts.models import User
    from taizhang.core.models import AuditLog
    from taizhang.org.models import Organization

    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
    for model in (User, Organization, AuditLog):
        if model._meta.db_table in tables and model._default_manager.exists():
            return True
    return False


@dataclass
class Snapshot:
    vendor: str
    dump: Path
    tables: dict[str, int] = field(default_factory=dict)
    migrations: dict[str, list[str]] = field(default_factory=dict)
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    as_of: date | None = None


def _read_snapshot(snapshot: Snapshot) -> None:
    snapshot.as_of = timezone.localdate()
    snapshot.tables = table_counts()
    snapshot.migrations = migration_heads()
    snapshot.figures = campaign_figures(snapshot.as_of)


@contextlib.contextmanager
def _sqlite_read_transaction() -> Iterator[sqlite3.Connection]:
    """A deferred read transaction on Django's own connection (WAL: it blocks no writer)."""
    if connection.in_atomic_block:
        raise BackupError("备份不能在事务中运行 (backup cannot run inside a transaction)")
    connection.ensure_connection()
    raw = connection.connection
    raw.execute("BEGIN DEFERRED")
    try:
        raw.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # takes the read snapshot now
        yield raw
    finally:
        raw.execute("ROLLBACK")


def _dump_sqlite(snapshot: Snapshot, say: Say) -> None:
    with _sqlite_read_transaction() as raw:
        say("正在复制数据库（SQLite 在线备份） / copying the database (SQLite online backup)…")
        target = sqlite3.connect(snapshot.dump)
        try:
            raw.backup(target)
            check = target.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            target.close()
        if check != "ok":
            raise BackupError(f"备份副本完整性检查失败 (integrity_check of the copy): {check}")
        say("正在统计行数和指标 / counting rows and computing figures…")
        _read_snapshot(snapshot)


def _dump_postgresql(snapshot: Snapshot, say: Say) -> None:
    args, env = _pg_args(connection.settings_dict)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]
        say("正在导出数据库（pg_dump -Fc） / dumping the database (pg_dump -Fc)…")
        command = [
            _tool("pg_dump"),
            "-Fc",
            f"--snapshot={snapshot_id}",
            "-f",
            str(snapshot.dump),
            *args,
            connection.settings_dict["NAME"],
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BackupError(f"pg_dump 失败 (pg_dump failed): {done.stderr.strip()}")
        say("正在统计行数和指标 / counting rows and computing figures…")
        _read_snapshot(snapshot)


# --- backup ------------------------------------------------------------------------------------------


def default_name() -> str:
    return f"taizhang-backup-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"


def resolve_target(out: str | Path | None) -> Path:
    """--out DIR (a generated file name inside it) or --out FILE; default var/backups/."""
    if out is None:
        return Path(settings.VAR_DIR) / "backups" / default_name()
    path = Path(out)
    if path.is_dir() or str(out).endswith(("/", os.sep)) or not path.name.endswith((".tar.gz", ".tgz")):
        return path / default_name()
    return path


def _media_files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            yield Path(dirpath) / name


def backup_create(out: str | Path | None = None, *, say: Say = _quiet) -> tuple[Path, dict]:
    """Write the archive; return its path and the manifest."""
    target = resolve_target(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持的数据库类型 {vendor} (unsupported database vendor)")
    work = Path(tempfile.mkdtemp(prefix="taizhang-backup-"))
    partial = target.with_name(target.name + ".partial")
    try:
        dump_name = DB_SQLITE if vendor == "sqlite" else DB_PGDUMP
        snapshot = Snapshot(vendor=vendor, dump=work / Path(dump_name).name)
        if vendor == "sqlite":
            _dump_sqlite(snapshot, say)
        else:
            _dump_postgresql(snapshot, say)
        say(
            f"数据库快照：{len(snapshot.tables)} 张表，{sum(snapshot.tables.values())} 行 / database snapshot"
        )
        media_root = Path(settings.MEDIA_ROOT)
        if getattr(settings, "TAIZHANG_S3_BUCKET", ""):
            # On object storage the files are not on this machine: the bucket's own versioning and
            # replication keep them; the archive holds the database (whose rows name the files).
            say(
                f"上传的文件在对象存储 {settings.TAIZHANG_S3_BUCKET} 中，不在本备份内，请用存储桶的版本管理或复制备份"
                " / uploaded files are on object storage: back up the bucket separately"
            )
            media_root = Path(tempfile.mkdtemp(prefix="taizhang-no-media-"))
        files = []
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(snapshot.dump, arcname=dump_name)
            say("正在打包上传的文件 / adding the uploaded files…")
            for path in _media_files(media_root):
                try:
                    data = path.read_bytes()  # read once: the checksum is of exactly what is stored
                except FileNotFoundError:  # deleted since the walk (a delete that committed meanwhile)
                    continue
                rel = path.relative_to(media_root).as_posix()
                info = tarfile.TarInfo(MEDIA_PREFIX + rel)
                info.size = len(data)
                info.mtime = int(path.stat().st_mtime) if path.exists() else 0
                archive.addfile(info, io.BytesIO(data))
                files.append({"path": rel, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
            manifest = {
                "format": FORMAT_VERSION,
                "created_at": timezone.now().isoformat(),
                "as_of": snapshot.as_of.isoformat() if snapshot.as_of else None,
                "host": socket.gethostname(),
                "database": {
                    "vendor": vendor,
                    "file": dump_name,
                    "sha256": sha256_file(snapshot.dump),
                    "size": snapshot.dump.stat().st_size,
                },
                "migrations": snapshot.migrations,
                "tables": snapshot.tables,
                "figures": snapshot.figures,
                "files": files,
            }
            body = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            info.mtime = int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(body))
        os.replace(partial, target)
        say(f"已写入备份 {target}（{len(files)} 个文件） / backup written")
        return target, manifest
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)


# --- restore -----------------------------------------------------------------------------------------


def read_manifest(archive_path: str | Path) -> dict:
    with tarfile.open(archive_path, "r:gz") as archive:
        try:
            member = archive.getmember(MANIFEST)
        except KeyError:
            raise BackupError("备份文件中没有 manifest.json，不是台账备份 (not a Taizhang backup)") from None
        return json.loads(archive.extractfile(member).read().decode("utf-8"))


def _extract_verified(archive_path: Path, work: Path, say: Say) -> dict:
    """Unpack into `work` and check every checksum of the manifest; raise on any difference."""
    say("正在校验备份文件 / verifying the archive checksums…")
    with tarfile.open(archive_path, "r:gz") as archive:
        archive.extractall(work, filter="data")  # refuses absolute paths, .. and links out of `work`
    manifest_path = work / MANIFEST
    if not manifest_path.exists():
        raise BackupError("备份文件中没有 manifest.json，不是台账备份 (not a Taizhang backup)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"不支持的备份格式 {manifest.get('format')} (unsupported backup format)")
    db = manifest["database"]
    dump = work / db["file"]
    if not dump.exists() or sha256_file(dump) != db["sha256"]:
        raise BackupError("数据库文件校验失败，备份已损坏 (database dump checksum mismatch)")
    for item in manifest["files"]:
        path = work / (MEDIA_PREFIX + item["path"])
        if not path.exists() or sha256_file(path) != item["sha256"]:
            raise BackupError(f"文件“{item['path']}”校验失败，备份已损坏 (file checksum mismatch)")
    return manifest


def _restore_sqlite(dump: Path) -> None:
    target = connection.settings_dict["NAME"]
    connections.close_all()
    source = sqlite3.connect(dump)
    dest = sqlite3.connect(target, timeout=60)
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()


def _restore_postgresql(dump: Path) -> None:
    settings_dict = connection.settings_dict
    args, env = _pg_args(settings_dict)
    connections.close_all()
    command = [
        _tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        *args,
        "-d",
        settings_dict["NAME"],
        str(dump),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"pg_restore 失败 (pg_restore failed): {done.stderr.strip()}")


@dataclass
class RestoreResult:
    manifest: dict
    tables: dict[str, int]
    figures: dict[str, dict[str, Any]]
    files: int
    differences: list[str]


def restore(archive_path: str | Path, *, force: bool = False, say: Say = _quiet) -> RestoreResult:
    """Bring a backup back into this database and MEDIA_ROOT; compare counts and figures afterwards."""
    archive_path = Path(archive_path)
    if not archive_path.exists():
        raise BackupError(f"找不到备份文件 {archive_path} (backup file not found)")
    if connection.in_atomic_block:
        raise BackupError("恢复不能在事务中运行 (restore cannot run inside a transaction)")
    work = Path(tempfile.mkdtemp(prefix="taizhang-restore-"))
    try:
        manifest = _extract_verified(archive_path, work, say)
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise BackupError(
                f"备份来自 {vendor} 数据库，不能恢复到 {connection.vendor} 数据库 "
                f"(a {vendor} backup cannot be restored into {connection.vendor})"
            )
        if holds_data() and not force:
            raise BackupError(
                "目标数据库中已有数据（用户、组织或审计记录），为防止覆盖已停止；确需覆盖请加 --force "
                "(the database is not empty; use --force to overwrite it)"
            )
        say(f"正在恢复数据库（{vendor}） / restoring the database…")
        dump = work / manifest["database"]["file"]
        if vendor == "sqlite":
            _restore_sqlite(dump)
        else:
            _restore_postgresql(dump)
        say("正在恢复上传的文件 / restoring the uploaded files…")
        media_root = Path(settings.MEDIA_ROOT)
        for item in manifest["files"]:
            destination = media_root / item["path"]
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work / (MEDIA_PREFIX + item["path"]), destination)
        say("正在核对行数和指标 / comparing row counts and figures with the manifest…")
        tables = table_counts()
        as_of = date.fromisoformat(manifest["as_of"]) if manifest.get("as_of") else timezone.localdate()
        figures = campaign_figures(as_of)
        differences = [
            f"{name}: {manifest['tables'].get(name)} → {tables.get(name)}"
            for name in sorted(set(manifest["tables"]) | set(tables))
            if manifest["tables"].get(name) != tables.get(name)
        ]
        differences += [
            f"figures[{code}] differ"
            for code in manifest["figures"]
            if manifest["figures"][code] != figures.get(code)
        ]
        return RestoreResult(manifest, tables, figures, len(manifest["files"]), differences)
    finally:
        shutil.rmtree(work, ignore_errors=True)
