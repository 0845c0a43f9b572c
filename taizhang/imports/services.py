"""Running an import: the ImportRun row, the stored files, the one transaction and the audit log.

Background work (the web UI): the upload view stores the file and creates a RUNNING ImportRun, then
`import_start` enqueues it as a background job (core/jobs.py; imports.tasks.import_run) once the request's
transaction has committed, and `taizhang worker` runs it (`import_job`). The job checks the workbook and, for
a confirmed import, writes it inside ONE transaction together with the run's final status and the audit row.
Progress goes to the job store (core/jobs.py, not the database: the write holds SQLite's single write lock),
which the page polls through htmx; the same reports let the job see a cancel request (run_cancel), upon which
it rolls back and the run shows 已取消. A worker that dies mid-import leaves its transaction uncommitted
(nothing written); the stale-job rule in core/jobs.py runs the import again or marks it interrupted. The
command line runs the same import_execute in the foreground with a text progress bar.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, OperationalError, transaction
from django.utils import timezone

from taizhang.core import jobs
from taizhang.core.access import ROLE_CAPS, Cap, scope_for
from taizhang.core.audit import audit
from taizhang.core.uploads import safe_name
from taizhang.imports import messages as msg
from taizhang.imports.engine import Checked, Progress, check_workbook, write_checked
from taizhang.imports.errors import ErrorItem, Errors
from taizhang.imports.failed import failed_rows_workbook
from taizhang.imports.models import ImportRun

logger = logging.getLogger(__name__)

STORAGE_DIR = "imports"
INTERNAL_ERROR = "导入时发生内部错误，没有写入任何数据；请联系系统管理员"
MAX_ERRORS_KEPT = 5000  # on the run row; the failed-rows workbook keeps every one


def _scope_org_id(user: Any) -> int | None:
    """The top unit the user manages, which decides who else may see the run (ImportRun.org)."""
    if user is None or getattr(user, "is_superuser", False):
        return None
    managed = [
        (path, org_id) for role, path, org_id in scope_for(user).roles if Cap.MANAGE in ROLE_CAPS[role]
    ]
    return min(managed, key=lambda item: len(item[0]))[1] if managed else None


def run_create(
    *, user: Any, file_name: str, data: bytes, dry_run: bool, preview_of: ImportRun | None = None
) -> ImportRun:
    """A RUNNING run with its file stored (so the background job, or a later confirm, can read it)."""
    stored = preview_of.stored_name if preview_of is not None else ""
    if not stored:
        stored = default_storage.save(f"{STORAGE_DIR}/{uuid.uuid4().hex}.xlsx", ContentFile(data))
    return ImportRun.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        org_id=_scope_org_id(user),
        file_name=safe_name(file_name),
        sha256=hashlib.sha256(data).hexdigest(),
        status=ImportRun.Status.RUNNING,
        dry_run=dry_run,
        stored_name=stored,
        preview_of=preview_of,
    )


def import_workbook(
    *,
    data: bytes,
    file_name: str,
    user: Any = None,
    dry_run: bool = False,
    on_progress: Callable[[int, str], None] | None = None,
    command_line: bool = False,
) -> ImportRun:
    """Check (and unless dry_run, write) a workbook in the foreground: the command line and tests.

    `command_line` is for `taizhang import` only (see check_workbook)."""
    run = ImportRun.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        org_id=_scope_org_id(user),
        file_name=safe_name(file_name),
        sha256=hashlib.sha256(data).hexdigest(),
        status=ImportRun.Status.RUNNING,
        dry_run=dry_run,
    )
    return import_execute(run, data=data, on_progress=on_progress, command_line=command_line)


def import_execute(
    run: ImportRun,
    *,
    data: bytes | None = None,
    on_progress: Callable[[int, str], None] | None = None,
    command_line: bool = False,
) -> ImportRun:
    """Do the work of a RUNNING run; always leaves it PREVIEW, DONE, FAILED or CANCELLED (never half-written).

    `on_progress` may raise jobs.JobCancelled (a background job asked to stop): everything is rolled back."""
    user = run.user
    try:
        if data is None:
            with default_storage.open(run.stored_name, "rb") as stream:
                data = stream.read()
        progress = Progress(on_progress)
        checked = check_workbook(
            data,
            file_name=run.file_name,
            user=user,
            progress=progress,
            run_id=run.pk,
            command_line=command_line,
        )
        if checked.errors:
            return _finish_failed(run, checked.errors, counts=checked.counts)
        if run.dry_run:
            run.status = ImportRun.Status.PREVIEW
            run.counts = checked.counts
            run.finished_at = timezone.now()
            _record(run, ["status", "counts", "finished_at"])
            _audit(run, user)
            return run
        return _write(run, checked, progress)
    except jobs.JobCancelled as cancelled:
        return _finish_cancelled(run, by_id=cancelled.by.get("user_id"))
    except jobs.JobLost:
        # The stale-job rule gave this run to another attempt (or gave it up): nothing of ours is written.
        logger.warning("import run %s: taken from this attempt, nothing written", run.pk)
        run.refresh_from_db()
        return run
    except Exception:
        logger.exception("import run %s failed", run.pk)
        errors = Errors()
        errors.add(INTERNAL_ERROR)
        try:
            _finish_failed(run, errors, counts={})
        except jobs.JobLost:
            pass
        raise


def _record(run: ImportRun, fields: list[str], **only_if: Any) -> None:
    """Save the run's outcome, only while this attempt still owns the run (its job token; core/jobs.py)."""
    updated = ImportRun.objects.filter(
        pk=run.pk, status=ImportRun.Status.RUNNING, job_token=run.job_token, **only_if
    ).update(**{name: getattr(run, name) for name in fields})
    if not updated:
        raise jobs.JobLost(run.pk)


def _write(run: ImportRun, checked: Checked, progress: Progress) -> ImportRun:
    try:
        with transaction.atomic():
            write_checked(checked, progress=progress)
            run.status = ImportRun.Status.DONE
            run.counts = checked.counts
            run.finished_at = timezone.now()
            _record(run, ["status", "counts", "finished_at"])  # JobLost rolls the whole import back
            _audit(run, run.user)
    except DatabaseError:
        # Checked against the database as it was; someone changed it before we wrote (a unique key
        # taken meanwhile, a unit deleted). The transaction is rolled back: nothing was written.
        logger.warning("import run %s: write conflict", run.pk, exc_info=True)
        run.status = ImportRun.Status.RUNNING
        errors = Errors()
        errors.add(msg.WRITE_CONFLICT)
        return _finish_failed(run, errors, counts=checked.counts)
    _drop_stored(run)
    return run


def _finish_failed(run: ImportRun, errors: Errors, *, counts: dict) -> ImportRun:
    run.status = ImportRun.Status.FAILED
    run.errors = [e.as_dict() for e in errors.sorted()[:MAX_ERRORS_KEPT]]
    run.counts = counts
    run.finished_at = timezone.now()
    if errors.failed_rows or len(errors) > 1:
        run.failed_name = default_storage.save(_failed_name(run), ContentFile(failed_rows_workbook(errors)))
    try:
        _record(run, ["status", "errors", "counts", "finished_at", "failed_name"])
    except jobs.JobLost:
        if run.failed_name:
            default_storage.delete(run.failed_name)
        raise
    _audit(run, run.user, success=False, error_count=len(errors))
    _drop_stored(run)
    return run


def _failed_name(run: ImportRun) -> str:
    """The failed-rows workbook's name: for a background attempt, named after its token, so the stale-job
    rule can remove what a worker killed while saving it left behind (run_cleanup)."""
    return f"{STORAGE_DIR}/{run.job_token or uuid.uuid4().hex}-failed.xlsx"


def _finish_cancelled(run: ImportRun, *, by_id: int | None, **only_if: Any) -> ImportRun:
    """Rolled back (or never started) on its user's request: nothing written, the run says 已取消."""
    run.status = ImportRun.Status.CANCELLED
    run.finished_at = timezone.now()
    run.cancelled_by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    _record(run, ["status", "finished_at", "cancelled_by"], **only_if)
    _audit(run, run.user, success=False)
    _drop_stored(run)
    return run


def _audit(run: ImportRun, user: Any, *, success: bool = True, error_count: int = 0) -> None:
    detail = {
        "file": run.file_name,
        "sha256": run.sha256,
        "dry_run": run.dry_run,
        "status": run.status,
        "counts": {k: v for k, v in run.counts.items() if not k.startswith("_")},
    }
    if run.status == ImportRun.Status.CANCELLED:
        detail["cancelled_by"] = getattr(run.cancelled_by, "username", "")
    if error_count:
        detail["errors"] = error_count
        detail["first_errors"] = [ErrorItem.from_dict(e).text for e in run.errors[:5]]
    audit("import", obj=run, detail=detail, success=success, user=user)


def _drop_stored(run: ImportRun) -> None:
    """The uploaded file is kept only while a preview may still be confirmed (also after a cancelled import
    of it: the user may confirm it again)."""
    if run.status == ImportRun.Status.CANCELLED and run.preview_of_id:
        return
    if run.stored_name and run.status in (
        ImportRun.Status.DONE,
        ImportRun.Status.FAILED,
        ImportRun.Status.CANCELLED,
    ):
        still_needed = ImportRun.objects.filter(
            stored_name=run.stored_name, status=ImportRun.Status.RUNNING
        ).exclude(pk=run.pk)
        if not still_needed.exists():
            default_storage.delete(run.stored_name)


# --- background execution (core/jobs.py) ---------------------------------------------------------------


def import_start(run: ImportRun) -> None:
    """Run the import as a background job once the current transaction commits."""
    jobs.enqueue(run)


def import_job(run_pk: int, token: str) -> str:
    """The background task's work (imports.tasks.import_run): claim the run for this attempt, then check (and
    write) it, reporting progress and stopping at a cancel request."""
    run = jobs.claim("import", run_pk, token)
    if run is None:
        return "not claimed"
    run = ImportRun.objects.select_related("user").get(pk=run.pk)
    try:
        import_execute(run, on_progress=jobs.Reporter(run, cancellable=True))
    finally:
        jobs.finished(run)
    return run.status


def run_give_up(run: ImportRun) -> None:
    """The stale-job rule's last word on a run whose workers kept dying: failed, interrupted."""
    errors = Errors()
    errors.add(msg.INTERRUPTED)
    _finish_failed(run, errors, counts=run.counts)


def run_cleanup(run: ImportRun) -> None:
    """What a killed attempt may have left: its failed-rows workbook, saved but not yet recorded."""
    if run.job_token:
        name = f"{STORAGE_DIR}/{run.job_token}-failed.xlsx"
        if name != run.failed_name and default_storage.exists(name):
            default_storage.delete(name)


def run_cancel(*, run: ImportRun, user: Any) -> bool:
    """Ask a RUNNING run to stop (its user or an administrator over it, from the run page). A run no worker
    has taken yet is cancelled at once; a running one rolls back at its next progress report (between rows
    and sheets). False when the run has finished already."""
    if run.status != ImportRun.Status.RUNNING:
        return False
    jobs.cancel_request(run, user)
    try:
        with transaction.atomic():
            # Queued (no worker): nobody will see the request, so cancel it here; the claim and this update
            # are both conditional on no worker, so exactly one of them happens.
            queued = ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.RUNNING, worker="").first()
            if queued is not None:
                queued.user = run.user
                _finish_cancelled(queued, by_id=getattr(user, "pk", None), worker="")
                jobs.finished(queued)
    except (jobs.JobLost, OperationalError):
        pass  # a worker took it meanwhile (it will see the request), or the database is busy: same
    return True


def run_confirm(*, preview: ImportRun, user: Any) -> ImportRun:
    """Start the real import of a previewed file (checked again: the database may have changed)."""
    with default_storage.open(preview.stored_name, "rb") as stream:
        data = stream.read()
    run = run_create(user=user, file_name=preview.file_name, data=data, dry_run=False, preview_of=preview)
    import_start(run)
    return run


def runs_sweep(*, older_than_hours: int = 24) -> int:
    """Forget the files of previews nobody confirmed (the rows stay, for the audit trail)."""
    cutoff = timezone.now() - timezone.timedelta(hours=older_than_hours)
    stale = ImportRun.objects.filter(status=ImportRun.Status.PREVIEW, finished_at__lt=cutoff).exclude(
        stored_name=""
    )
    count = 0
    for run in stale:
        if not ImportRun.objects.filter(
            stored_name=run.stored_name, status=ImportRun.Status.RUNNING
        ).exists():
            default_storage.delete(run.stored_name)
        ImportRun.objects.filter(stored_name=run.stored_name, status=ImportRun.Status.PREVIEW).update(
            stored_name=""
        )
        count += 1
    return count
