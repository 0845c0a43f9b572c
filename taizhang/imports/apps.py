from __future__ import annotations

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "taizhang.imports"
    label = "imports"
    verbose_name = "数据导入"

    def ready(self) -> None:
        from taizhang.core import jobs
        from taizhang.imports import services, tasks
        from taizhang.imports.models import ImportRun

        running = ImportRun.Status.RUNNING
        jobs.register(
            jobs.JobKind(
                name="import",
                model=ImportRun,
                task=tasks.import_run,
                # Queued and running are both RUNNING (处理中); a worker's claim is what tells them apart.
                pending={"status": running},
                queued={"status": running},
                created="started_at",
                give_up=services.run_give_up,
                cleanup=services.run_cleanup,
            )
        )
