"""taizhang backup [--out DIR|FILE]: database + uploaded files into one .tar.gz, while the app runs."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from taizhang.core.audit import audit
from taizhang.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "备份数据库（SQLite 在线备份 / PostgreSQL pg_dump）和上传的文件，写成一个带清单的 .tar.gz；"
        "系统运行中也可执行。Backs up the database and the uploaded files into one .tar.gz with a "
        "manifest (row counts, migration heads, figures, file checksums); safe while the app is in use."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument(
            "--out",
            help="目录（自动命名）或 .tar.gz 文件名；默认 var/backups/ (a directory or a .tar.gz file)",
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        say = self.stdout.write
        say("开始备份 / starting the backup")
        began = time.monotonic()
        try:
            path, manifest = backup_create(options.get("out"), say=say)
        except BackupError as exc:
            try:
                audit("other", success=False, detail={"operation": "backup", "error": str(exc)[:500]})
            except DatabaseError:  # e.g. an empty database without the audit table yet
                pass
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        audit(
            "other",
            object_type="backup",
            object_repr=path.name,
            detail={
                "operation": "backup",
                "file": str(path),
                "vendor": manifest["database"]["vendor"],
                "rows": rows,
                "files": len(manifest["files"]),
                "seconds": round(time.monotonic() - began, 1),
            },
        )
        say(
            self.style.SUCCESS(
                f"备份完成：{path}（{len(manifest['tables'])} 张表 {rows} 行，{len(manifest['files'])} 个文件，用时 {time.monotonic() - began:.1f} 秒）"
                " / backup complete"
            )
        )
