"""Background jobs: the one place where imports and big ledgers meet Django's task framework (django-tasks).

A job is a row the user sees (an ImportRun, a LedgerExport) whose model carries core.models.BackgroundJob;
its app registers a JobKind in AppConfig.ready: the task that runs it, the row's queued and pending states,
how to give it up and which partial files an attempt may leave. The task itself is a django-tasks task taking
(pk, token); where it runs is settings.TASKS: the database backend and `taizhang worker` by default, RQ on
Redis (TAIZHANG_TASKS_BACKEND=rq), or the immediate backend (the tests: inside the request).

    enqueue(row)                 a new token; the task is handed to the backend once the transaction commits
    claim(kind, pk, token)       the task's first step: only the attempt holding the row's token runs it, once
    report(row, percent, label)  progress, which is also the heartbeat; Reporter raises JobCancelled on request
    recover(row) / recover_all() THE stale-job rule, for every kind (below)

Progress, heartbeats and cancel requests live in the "jobs" cache (files under TAIZHANG_JOBS_DIR, or Redis),
not in the database: while an import writes, SQLite lets no other connection write, and PostgreSQL would
not show the import's own updates before it commits.

The stale-job rule. A pending row is lost when
- it is claimed by a process on this machine that no longer exists (a worker killed mid-job: noticed at once),
- or its process has not reported for TAIZHANG_JOB_STALE_SECONDS (a machine that died),
- or it is queued but its task will never run (the backend has it finished or has lost it; or it was never
  handed over, e.g. Redis was unreachable, ENQUEUE_GRACE after the row was made).
A lost row has the partial files of its attempt removed; it is then queued again with a new token while
attempts < TAIZHANG_JOB_ATTEMPTS, else given up (failed, with a message saying it was interrupted). The old
attempt's token is void, so if its process still runs after all, it can neither claim nor record anything.
`taizhang worker` applies the rule when it starts (a restarted worker picks up what its predecessor left);
the pages that show a pending job apply it to the rows they show.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.exceptions import TaskResultDoesNotExist

logger = logging.getLogger(__name__)

HOST = socket.gethostname()
# A queued row without a task id has had this long for its enqueue (after its transaction committed).
ENQUEUE_GRACE = timedelta(seconds=60)
# How long progress and cancel requests are kept in the cache (a job long finished needs neither).
STATE_TTL = 24 * 3600
# A job queued this long without a worker taking it: its page says the worker may not be running.
WAITING_HINT_AFTER = timedelta(seconds=60)

LOST_GONE = "worker_gone"
LOST_SILENT = "worker_silent"
LOST_ENDED = "task_ended"
LOST_NEVER_SENT = "never_enqueued"


class JobCancelled(Exception):  # noqa: N818 (a request, not an error)
    """Raised inside a running job when its user asked to cancel it; `by` says who (cancel_request)."""

    def __init__(self, by: dict) -> None:
        super().__init__("cancelled")
        self.by = by


class JobLost(Exception):  # noqa: N818
    """This attempt no longer owns its row (the stale-job rule gave it to a new attempt, or gave it up):
    whatever it was about to record must not be written."""


@dataclass(frozen=True)
class JobKind:
    name: str  # "import", "ledger"
    model: type[models.Model]
    task: Any  # a django_tasks Task taking (pk, token, **extra)
    pending: dict  # filter of rows not finished (queued or running)
    queued: dict  # fields of a row waiting for a worker: the claim requires them, a requeue sets them
    created: str  # the field holding when the row was made
    give_up: Callable[[Any], None]  # record the row as failed (interrupted): the rule calls it last
    cleanup: Callable[[Any], None] = field(default=lambda row: None)  # remove an attempt's partial files
    on_claim: Callable[[datetime], dict] = field(default=lambda now: {})  # fields a claim sets besides ours


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    KINDS[kind.name] = kind


def kind_of(row: Any) -> JobKind:
    """The kind of a job row (or of its model)."""
    model = row if isinstance(row, type) else type(row)
    for kind in KINDS.values():
        if issubclass(model, kind.model):
            return kind
    raise LookupError(f"{model.__name__} is not a registered job kind")


def worker_id() -> str:
    """This process, as recorded on the rows it claims (RQ forks a process per job: asked each time)."""
    return f"{HOST}:{os.getpid()}"


# --- Enqueue and claim --------------------------------------------------------------------------------


def enqueue(row: Any, **extra: Any) -> None:
    """Give the row a new token and hand its task to the backend once the current transaction commits.

    The immediate backend (tests, trials without a worker) runs the task right here, inside the caller's
    transaction, as the request used to. A failed hand-over leaves the row queued without a task id; the
    stale-job rule hands it over again."""
    kind = kind_of(row)
    token = uuid.uuid4().hex
    kind.model.objects.filter(pk=row.pk).update(job_token=token, task_id="", worker="", claimed_at=None)
    row.job_token, row.task_id, row.worker, row.claimed_at = token, "", "", None
    _send(kind, row.pk, token, extra)


def _send(kind: JobKind, pk: int, token: str, extra: dict) -> None:
    task = kind.task.using(queue_name=settings.TAIZHANG_TASKS_QUEUE)

    def send() -> None:
        try:
            result = task.enqueue(pk, token, **extra)
        except Exception:
            logger.exception("could not enqueue %s job %s; it stays queued and is sent again", kind.name, pk)
            return
        kind.model.objects.filter(pk=pk, job_token=token).update(task_id=result.id[:64])

    if isinstance(task.get_backend(), ImmediateBackend):
        send()
    else:
        # The worker must find the row committed; on Redis it may start before this request ends.
        transaction.on_commit(send)


def claim(kind_name: str, pk: int, token: str) -> Any | None:
    """The row for this attempt to run, now marked as running in this process; None when it is not this
    attempt's to run (cancelled, finished, given to a newer attempt, or claimed already)."""
    kind = KINDS[kind_name]
    now = timezone.now()
    claimed = kind.model.objects.filter(pk=pk, job_token=token, worker="", **kind.queued).update(
        worker=worker_id(), claimed_at=now, attempts=F("attempts") + 1, **kind.on_claim(now)
    )
    if not claimed:
        logger.info("%s job %s: not claimed by this attempt", kind_name, pk)
        return None
    row = kind.model.objects.get(pk=pk)
    report(row, 0, "开始处理")
    return row


# --- Progress (the heartbeat) and cancel requests ------------------------------------------------------


def _cache() -> Any:
    return caches["jobs"]


def _key(row: Any, what: str) -> str:
    # With the row's creation time: a row id used again (a database restored, a test rolled back) must not
    # find an old row's cancel request.
    kind = kind_of(row)
    made = getattr(row, kind.created)
    return f"taizhang:job:{kind.name}:{row.pk}:{made.timestamp():.6f}:{what}"


def report(row: Any, percent: int, label: str) -> None:
    """Publish a running job's progress; its time is the job's heartbeat."""
    _cache().set(_key(row, "progress"), {"percent": percent, "label": label, "at": time.time()}, STATE_TTL)


def progress(row: Any) -> dict | None:
    """{"percent", "label", "at"} of the last report, or None."""
    return _cache().get(_key(row, "progress"))


def finished(row: Any) -> None:
    """Forget a finished job's progress and cancel request."""
    _cache().delete_many([_key(row, "progress"), _key(row, "cancel")])


def cancel_request(row: Any, user: Any) -> None:
    """Ask a job to stop: the job sees it at its next progress report (Reporter)."""
    by = {"user_id": getattr(user, "pk", None), "at": time.time()}
    _cache().set(_key(row, "cancel"), by, STATE_TTL)


def cancel_requested(row: Any) -> dict | None:
    return _cache().get(_key(row, "cancel"))


class Reporter:
    """The on_progress callback of a running job: reports progress (and so the heartbeat) and, for a
    cancellable job, raises JobCancelled once a cancel was requested. Callers rate-limit their calls
    (imports.engine.Progress: every 0.3 s and at each sheet)."""

    def __init__(self, row: Any, *, cancellable: bool = False) -> None:
        self.row = row
        self.cancellable = cancellable

    def __call__(self, percent: int, label: str) -> None:
        if self.cancellable and (by := cancel_requested(self.row)) is not None:
            raise JobCancelled(by)
        report(self.row, percent, label)


def waiting_for_worker(row: Any) -> bool:
    """Queued for longer than WAITING_HINT_AFTER and no worker has taken it: `taizhang worker` may be down
    (the job is not lost: it runs once a worker starts)."""
    kind = kind_of(row)
    queued = not row.worker and all(getattr(row, name) == value for name, value in kind.queued.items())
    return queued and timezone.now() - getattr(row, kind.created) > WAITING_HINT_AFTER


# --- The stale-job rule ----------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, under another user
        return True
    return True


def _task_state(task_id: str) -> str | None:
    """The backend's status of a task ("READY", "RUNNING", "SUCCESSFUL", "FAILED"), "MISSING" when the
    backend no longer knows it, None when it cannot tell (the immediate backend; Redis unreachable)."""
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if not backend.supports_get_result:
        return None
    try:
        return str(backend.get_result(task_id).status)
    except TaskResultDoesNotExist:
        return "MISSING"
    except Exception:
        logger.warning("could not ask the task backend about task %s", task_id, exc_info=True)
        return None


def lost_reason(row: Any, *, now: datetime | None = None) -> str | None:
    """Why a pending row will never finish by itself, or None while it may still (the rule above)."""
    kind = kind_of(row)
    now = now or timezone.now()
    if not row.worker:
        if not row.task_id:
            return LOST_NEVER_SENT if now - getattr(row, kind.created) > ENQUEUE_GRACE else None
        if _task_state(row.task_id) in ("SUCCESSFUL", "FAILED", "MISSING"):
            return LOST_ENDED
        return None  # waiting for a worker: a stopped worker delays a job, it does not lose it
    host, _, pid = row.worker.rpartition(":")
    if host == HOST and pid.isdigit() and not _alive(int(pid)):
        return LOST_GONE
    last = progress(row)
    beat = datetime.fromtimestamp(last["at"], tz=UTC) if last else row.claimed_at
    if beat is None or now - beat > timedelta(seconds=settings.TAIZHANG_JOB_STALE_SECONDS):
        return LOST_SILENT
    return None


def recover(row: Any) -> Any:
    """Apply the stale-job rule to one row (a page showing it); returns the row as it is now."""
    recover_pending(kind_of(row).model.objects.filter(pk=row.pk))
    row.refresh_from_db()
    return row


def recover_pending(rows: models.QuerySet) -> int:
    """Apply the rule to the pending rows of a queryset of one kind (a page's list); how many were lost."""
    kind = kind_of(rows.model)
    lost = 0
    for row in rows.filter(**kind.pending):
        if reason := lost_reason(row):
            _handle_lost(kind, row, reason)
            lost += 1
    return lost


def recover_all() -> int:
    """Apply the rule to every pending job of every kind (`taizhang worker` at start, the daily purge)."""
    return sum(recover_pending(kind.model.objects.all()) for kind in KINDS.values())


def _handle_lost(kind: JobKind, row: Any, reason: str) -> None:
    # A task that ended without claiming its row counts as an attempt (a task that cannot start must not
    # be sent for ever); one never handed over does not.
    attempts = row.attempts + (1 if reason == LOST_ENDED else 0)
    retry = reason == LOST_NEVER_SENT or attempts < settings.TAIZHANG_JOB_ATTEMPTS
    new_token = uuid.uuid4().hex
    # Take the row from the lost attempt first: from here its process, should it still run, owns nothing.
    owned = kind.model.objects.filter(pk=row.pk, job_token=row.job_token, worker=row.worker, **kind.pending)
    fields = {"job_token": new_token, "task_id": "", "worker": "", "claimed_at": None, "attempts": attempts}
    if retry:
        fields.update(kind.queued)
    if not owned.update(**fields):
        return  # someone else (a page, a worker starting) handled it meanwhile
    logger.warning(
        "%s job %s lost (%s, worker %s, attempt %s): %s",
        kind.name,
        row.pk,
        reason,
        row.worker or "-",
        row.attempts,
        "queued again" if retry else "given up",
    )
    kind.cleanup(row)  # the lost attempt's files: row still holds its token
    _close_task(row.task_id, reason)
    _cache().delete(_key(row, "progress"))
    row.refresh_from_db()
    if retry:
        _send(kind, row.pk, new_token, {})
    else:
        kind.give_up(row)
        finished(row)


def _close_task(task_id: str, reason: str) -> None:
    """The database backend keeps a killed worker's task RUNNING for ever: record it as failed."""
    if not task_id:
        return
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        return
    try:
        uuid.UUID(task_id)
    except ValueError:
        return
    DBTaskResult.objects.filter(id=task_id, status__in=["READY", "RUNNING"]).update(
        status="FAILED",
        finished_at=timezone.now(),
        exception_class_path=f"{JobLost.__module__}.{JobLost.__qualname__}",
        traceback=f"taizhang: the job was lost ({reason}) and handed to the stale-job rule (core/jobs.py)",
    )
