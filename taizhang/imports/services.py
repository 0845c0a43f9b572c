"""Running an import: the ImportRun row, the stored files, the one transaction and the audit log.

Background work (the web UI): the upload view stores the file and creates a RUNNING ImportRun, then
`import_start` runs `import_execute` in a thread of the web process once the request's transaction has
committed. The thread checks the workbook and, for a confirmed import, writes it inside ONE
transaction together with the run's final status and the audit row. Progress cannot go through the
database while that transaction holds SQLite's single write lock, so the thread publishes it to a small
JSON file next to the uploaded file (progress.py), which the page polls through htmx. A process that
dies mid-import leaves its transaction uncommitted (nothing written) and a RUNNING row whose progress
file has gone stale; run_refresh_stale marks it interrupted. The command line runs the same function
in the foreground with a text progress bar.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone

from taizhang.core.access import ROLE_CAPS, Cap, scope_for
from taizhang.core.audit import audit
from taizhang.core.uploads import safe_name
from taizhang.imports import messages as msg
from taizhang.imports import progress as progress_store
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
    """A RUNNING run with its file stored (so a background thread, or a later confirm, can read it)."""
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
    """Do the work of a RUNNING run; always leaves it PREVIEW, DONE or FAILED (never half-written)."""
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
            run.save(update_fields=["status", "counts", "finished_at"])
            _audit(run, user)
            return run
        return _write(run, checked, progress)
    except Exception:
        logger.exception("import run %s failed", run.pk)
        errors = Errors()
        errors.add(INTERNAL_ERROR)
        _finish_failed(run, errors, counts={})
        raise


def _write(run: ImportRun, checked: Checked, progress: Progress) -> ImportRun:
    try:
        with transaction.atomic():
            write_checked(checked, progress=progress)
            run.status = ImportRun.Status.DONE
            run.counts = checked.counts
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "counts", "finished_at"])
            _audit(run, run.user)
    except DatabaseError:
        # Checked against the database as it was; someone changed it before we wrote (a unique key
        # taken meanwhile, a unit deleted). The transaction is rolled back: nothing was written.
        logger.warning("import run %s: write conflict", run.pk, exc_info=True)
        run.refresh_from_db()
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
        run.failed_name = default_storage.save(
            f"{STORAGE_DIR}/{uuid.uuid4().hex}-failed.xlsx", ContentFile(failed_rows_workbook(errors))
        )
    run.save(update_fields=["status", "errors", "counts", "finished_at", "failed_name"])
    _audit(run, run.user, success=False, error_count=len(errors))
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
    if error_count:
        detail["errors"] = error_count
        detail["first_errors"] = [ErrorItem.from_dict(e).text for e in run.errors[:5]]
    audit("import", obj=run, detail=detail, success=success, user=user)


def _drop_stored(run: ImportRun) -> None:
    """The uploaded file is kept only while a preview may still be confirmed."""
    if run.stored_name and run.status in (ImportRun.Status.DONE, ImportRun.Status.FAILED):
        still_needed = ImportRun.objects.filter(
            stored_name=run.stored_name, status=ImportRun.Status.RUNNING
        ).exclude(pk=run.pk)
        if not still_needed.exists():
            default_storage.delete(run.stored_name)


# --- background execution -------------------------------------------------------------------------


def import_start(run: ImportRun) -> None:
    """Run the import after the current transaction commits: in a thread (web) or inline (tests)."""
    if getattr(settings, "TAIZHANG_IMPORT_BACKGROUND", True):
        transaction.on_commit(
            lambda: threading.Thread(
                target=_thread_main, args=(run.pk,), name=f"taizhang-import-{run.pk}", daemon=True
            ).start()
        )
    else:
        _run_by_pk(run.pk)


def _thread_main(run_pk: int) -> None:
    close_old_connections()
    try:
        _run_by_pk(run_pk)
    except Exception:  # already logged and recorded on the run
        pass
    finally:
        connection.close()


def _run_by_pk(run_pk: int) -> None:
    run = ImportRun.objects.select_related("user").get(pk=run_pk)
    try:
        import_execute(run, on_progress=lambda percent, label: progress_store.write(run.pk, percent, label))
    finally:
        progress_store.clear(run.pk)


def run_refresh_stale(run: ImportRun, *, stale_seconds: int = 300) -> ImportRun:
    """A RUNNING run whose worker stopped reporting (a restarted process) is marked interrupted."""
    if run.status != ImportRun.Status.RUNNING:
        return run
    age = progress_store.age(run.pk)
    started = (timezone.now() - run.started_at).total_seconds()
    if (age is None and started > stale_seconds) or (age is not None and age > stale_seconds):
        errors = Errors()
        errors.add(msg.INTERRUPTED)
        _finish_failed(run, errors, counts=run.counts)
        progress_store.clear(run.pk)
    return run


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
