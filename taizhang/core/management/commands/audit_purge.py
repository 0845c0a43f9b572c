"""taizhang audit_purge --before YYYY-MM-DD: delete audit rows older than the date, never younger than 180 days."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from taizhang.core.auditlog import RETENTION_DAYS, PurgeRefused, purge


class Command(BaseCommand):
    help = (
        f"删除指定日期之前的审计日志。审计日志至少保留{RETENTION_DAYS}天（等保三级、网络安全法第二十一条），"
        "日期晚于该期限时拒绝执行。删除前请先导出归档。"
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--before", required=True, help="删除此日期（不含）之前的记录，格式 YYYY-MM-DD")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        try:
            before = date.fromisoformat(options["before"])
        except ValueError:
            raise CommandError(f"日期“{options['before']}”格式不正确，应为 YYYY-MM-DD") from None
        try:
            deleted = purge(before=before)
        except PurgeRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"已删除 {deleted} 条 {before:%Y-%m-%d} 之前的审计日志")
