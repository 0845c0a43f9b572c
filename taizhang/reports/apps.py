from __future__ import annotations

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "taizhang.reports"
    label = "reports"
    verbose_name = "数据与报告"

    def ready(self) -> None:
        from taizhang.core import jobs
        from taizhang.reports import services, tasks
        from taizhang.reports.models import LedgerExport

        status = LedgerExport.Status
        jobs.register(
            jobs.JobKind(
                name="ledger",
                model=LedgerExport,
                task=tasks.ledger_export,
                pending={"status__in": LedgerExport.PENDING},
                queued={"status": status.QUEUED, "started_at": None},
                created="requested_at",
                give_up=services.ledger_export_give_up,
                cleanup=services.ledger_export_cleanup,
                on_claim=lambda now: {"status": status.RUNNING, "started_at": now},
            )
        )
