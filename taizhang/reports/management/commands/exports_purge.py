"""taizhang exports_purge [--days 7]: delete ledgers generated in the background, and their files, once old."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from taizhang.reports.services import ledger_exports_purge


class Command(BaseCommand):
    help = (
        "删除后台生成的台账：完成（已完成或失败）超过 --days 天的导出记录及其文件，以及 exports/ 下"
        "没有任何记录对应、且同样超过期限的文件（进程在保存文件后、记录前中断时留下）。排队中和生成中的"
        "导出不会删除。导出本身已记入审计日志，审计日志不受影响。建议每天运行。"
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--days", type=int, default=7, help="保留天数（默认 7，至少 1）")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        days = options["days"]
        if days < 1:
            # A file younger than a day may be one a running export is about to record.
            raise CommandError(f"保留天数“{days}”不正确，至少为 1 天")
        rows, files = ledger_exports_purge(days=days)
        self.stdout.write(f"已删除 {rows} 个 {days} 天前完成的台账导出，文件 {files} 个")
