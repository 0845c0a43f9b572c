"""The background ledger's task: enqueued by core.jobs.enqueue (services.ledger_export_start), run by
`taizhang worker`."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from taizhang.reports import services


@task(queue_name=settings.TAIZHANG_TASKS_QUEUE)
def ledger_export(export_pk: int, token: str, request: dict | None = None) -> str:
    return services.ledger_export_job(export_pk, token, request)
