"""The import's background task: enqueued by core.jobs.enqueue (services.import_start), run by `taizhang worker`."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from taizhang.imports import services


@task(queue_name=settings.TAIZHANG_TASKS_QUEUE)
def import_run(run_pk: int, token: str) -> str:
    return services.import_job(run_pk, token)
