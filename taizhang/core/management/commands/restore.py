"""taizhang restore FILE [--force]: bring a `taizhang backup` archive back into an empty database."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from taizhang.core.audit import audit
from taizhang.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "从 taizhang backup 生成的备份恢复数据库和上传的文件：先校验清单中的全部校验和，目标数据库已有数据时"
        "拒绝执行（除非加 --force），恢复后逐表核对行数和指标。Restores a backup into an empty database "
        "(--force to overwrite one holding data), verifying checksums first and counts and figures after."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("file", help="备份文件 (.tar.gz)")
        parser.add_argument(
            "--force", action="store_true", help="覆盖已有数据的数据库 (overwrite a database holding data)"
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        say = self.stdout.write
        say(f"开始恢复 {options['file']} / starting the restore")
        began = time.monotonic()
        try:
            result = restore(options["file"], force=options["force"], say=say)
        except BackupError as exc:
            try:
                audit("other", success=False, detail={"operation": "restore", "error": str(exc)[:500]})
            except DatabaseError:  # e.g. an empty database without the audit table yet
                pass
            raise CommandError(str(exc)) from exc
        detail = {
            "operation": "restore",
            "file": str(options["file"]),
            "backup_created_at": result.manifest["created_at"],
            "rows": sum(result.tables.values()),
            "files": result.files,
            "differences": result.differences[:50],
            "seconds": round(time.monotonic() - began, 1),
        }
        # Written after the comparison, into the restored database: it is the restore's own record.
        audit(
            "other",
            object_type="backup",
            object_repr=str(options["file"])[-255:],
            detail=detail,
            success=not result.differences,
        )
        if result.differences:
            raise CommandError(
                "恢复后的数据与备份清单不一致 (restored data differ from the manifest): "
                + "; ".join(result.differences[:20])
            )
        say(
            self.style.SUCCESS(
                f"恢复完成：{len(result.tables)} 张表 {sum(result.tables.values())} 行、{result.files} 个文件，"
                f"用时 {detail['seconds']} 秒，与备份清单一致 / restore complete, counts and figures match the manifest"
            )
        )
        say("如本程序版本更新，请再运行 taizhang migrate / run `taizhang migrate` if the code is newer")
