"""taizhang worker: runs background jobs (imports, big ledgers) — the task backend's own worker, after the
stale-job rule has dealt with what a previous worker left behind (core/jobs.py)."""

from __future__ import annotations

from argparse import BooleanOptionalAction

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

from taizhang.core import jobs


class Command(BaseCommand):
    help = (
        "运行后台任务（数据导入、后台生成台账）。启动时先处理上一个进程中断的任务（重新排队，或超过重试次数时"
        "标记失败并删除未完成的文件），然后持续从队列（TAIZHANG_TASKS_QUEUE）取任务执行。默认使用数据库队列"
        "（django-tasks-db 的 db_worker）；TAIZHANG_TASKS_BACKEND=rq 时运行 RQ 的 worker（Redis）。"
        "按 Ctrl-C 或发送 SIGTERM：做完手头的任务后退出。"
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--burst", action="store_true", help="处理完队列中已有的任务后退出")
        parser.add_argument("--max-tasks", type=int, default=None, help="执行这么多个任务后退出")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="队列为空时每隔几秒查看一次（数据库队列；默认 1）"
        )
        parser.add_argument(
            "--reload",
            action=BooleanOptionalAction,
            default=False,
            help="代码改动后自动重启（开发用；make run 打开）。生产环境不要用：重启会打断正在执行的任务",
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        kind = type(backend).__module__.split(".")[0]
        if kind not in ("django_tasks_db", "django_tasks_rq"):
            raise CommandError(
                f"当前任务后端（TAIZHANG_TASKS_BACKEND={settings.TAIZHANG_TASKS_BACKEND}）在请求中直接执行任务，"
                "不需要 taizhang worker；请设置 TAIZHANG_TASKS_BACKEND=database 或 rq"
            )
        lost = jobs.recover_all()
        if lost:
            self.stdout.write(f"已处理 {lost} 个中断的后台任务（重新排队或标记失败）")
        queue = settings.TAIZHANG_TASKS_QUEUE
        verbosity = options["verbosity"]
        if kind == "django_tasks_db":
            call_command(
                "db_worker",
                queue_name=queue,
                interval=options["interval"],
                batch=options["burst"],
                max_tasks=options["max_tasks"],
                reload=options["reload"],
                startup_delay=False,
                worker_id=jobs.worker_id()[-64:],
                verbosity=verbosity,
            )
        else:
            if options["reload"]:
                raise CommandError("RQ 的 worker 不支持 --reload")
            call_command(
                "rqworker",
                queue,
                job_class="django_tasks_rq.Job",
                burst=options["burst"],
                max_jobs=options["max_tasks"],
                verbosity=verbosity,
            )
