"""taizhang import FILE.xlsx [--dry-run] [--user USERNAME]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from taizhang.imports.errors import ErrorItem
from taizhang.imports.selectors import counts_lines
from taizhang.imports.services import import_workbook


class Command(BaseCommand):
    help = (
        "导入台账工作簿（格式见 DESIGN.md“Import”和模板中的“填表说明”）。先读取并校验全部工作表，"
        "没有任何错误时才在一个事务中写入；有错误时什么也不写入，列出全部错误并以状态码 1 退出。"
        "--dry-run 只校验并列出将新增、更新的记录数。不指定 --user 时按全局管理权限导入。"
        "状态为“已销号”的问题按纸质销号导入，记为本次导入（及 --user 所指用户）的销号。"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="工作簿文件（.xlsx）")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--user", help="以该用户的管理范围导入，并记入其名下")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        user = None
        if options["user"]:
            from taizhang.accounts.models import User

            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"没有用户名为“{options['user']}”的有效用户")
        bar = _Bar(self.stderr)
        run = import_workbook(
            data=path.read_bytes(),
            file_name=path.name,
            user=user,
            dry_run=options["dry_run"],
            on_progress=bar,
            command_line=True,
        )
        bar.finish(failed=run.status == run.Status.FAILED)
        if run.status != run.Status.FAILED:
            for line in counts_lines(run.counts):
                self.stdout.write(line)
        else:
            for item in run.errors:
                self.stderr.write(ErrorItem.from_dict(item).text)
            raise CommandError(f"导入失败：共 {len(run.errors)} 处错误，没有写入任何数据")
        verb = "校验通过（试运行，未写入）" if run.dry_run else "导入完成"
        self.stdout.write(self.style.SUCCESS(f"{verb}：{path.name}（导入记录 #{run.pk}）"))


class _Bar:
    """A one-line progress bar on a terminal; one line per 10 % when the output is a file or pipe."""

    WIDTH = 30

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.last_tenth = -1
        self.shown = False

    def __call__(self, percent: int, label: str) -> None:
        filled = self.WIDTH * percent // 100
        line = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {percent:3d}% {label}"
        if self.tty:
            self.stream.write(f"\r{line}\033[K", ending="")
            self.stream.flush()
            self.shown = True
        elif percent // 10 != self.last_tenth:
            self.last_tenth = percent // 10
            self.stream.write(line)

    def finish(self, *, failed: bool) -> None:
        self.last_tenth = -1
        self(100, "有错误，未写入" if failed else "完成")
        if self.tty:
            self.stream.write("")
