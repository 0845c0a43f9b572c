"""Writes of the reports app: generating a report snapshot, saving a unit's report template, exports.

Ledgers in the background (LedgerExport): the ledger page's "后台生成" button calls ledger_export_request,
which records a QUEUED export (or hands back the one of the same ledger already queued or running), and
ledger_export_start, which enqueues it as a background job (core/jobs.py; reports.tasks.ledger_export) once
the request has committed; `taizhang worker` runs it (ledger_export_job → ledger_export_run). The run writes
the workbook to a temporary file, copies it into the default storage and records rows, size and SHA-256 with
the audit row in one transaction: an export is DONE with its file, or FAILED with a message and no file.
Both files are named after the attempt's job token, so when a worker dies mid-run the stale-job rule
(core/jobs.py) removes what it left (ledger_export_cleanup) and runs the export again, or marks it failed
(ledger_export_give_up) once attempts are used up.
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from taizhang.core import jobs
from taizhang.core.access import Cap, require
from taizhang.core.audit import RequestInfo, audit, current_request
from taizhang.core.filetx import errno_name
from taizhang.core.integrity import stream_sha256
from taizhang.lib.dates import today as local_today
from taizhang.reports import idsets
from taizhang.reports.ledgers import KINDS, ledger_write
from taizhang.reports.models import LedgerExport, Report, ReportTemplate
from taizhang.reports.summary import BuiltReport, report_build

logger = logging.getLogger(__name__)

TEMPLATE_EMPTY = "报告模板不能为空"

EXPORT_DIR = "exports"
EXPORT_KIND_UNKNOWN = "台账种类“{kind}”不存在"
EXPORT_ORG_OUTSIDE = "组织“{org}”不在学习教育活动“{campaign}”的范围内"
EXPORT_FAILED = "生成台账时出错，没有生成文件；请稍后重新生成，仍然失败请联系系统管理员"
EXPORT_STORAGE_FAILED = "保存台账文件失败（{error}），没有生成文件；请联系系统管理员检查存储空间后重新生成"
EXPORT_INTERRUPTED = "生成中断（后台任务进程重启或停止响应，重试后仍未完成），没有生成文件；请重新生成"


def snapshot_figures(built: BuiltReport) -> dict:
    """{key: {"value": v, "count": n, "ids": <idsets text> or None}} — what the report said and the rows
    behind it (ids None: more rows than TAIZHANG_REPORT_FREEZE_IDS_LIMIT, only their count is frozen)."""
    return {
        key: {
            "value": value,
            "count": built.counts.get(key, len(built.ids.get(key, []))),
            "ids": idsets.encode(built.ids[key], presorted=True) if key in built.ids else None,
        }
        for key, value in built.figures.items()
    }


@transaction.atomic
def report_generate(
    *, campaign: Any, org: Any = None, actor: Any = None, as_of: date | None = None, text: str | None = None
) -> Report:
    """Write the summary report and store it with its figures frozen (values and row ids)."""
    scope = org or campaign.org
    built = report_build(campaign=campaign, org=org, as_of=as_of, text=text)
    day = local_today()
    report = Report(
        campaign=campaign,
        org=scope,
        title=built.title[:200],
        figures=snapshot_figures(built),
        as_of=built.as_of,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    report.file.save(f"{campaign.code}-{scope.code}-{day:%Y%m%d}.docx", ContentFile(built.docx), save=False)
    report.save()
    audit(
        "create",
        obj=report,
        user=actor,
        detail={"campaign": campaign.code, "org": scope.code, "as_of": built.as_of.isoformat()},
    )
    return report


@transaction.atomic
def report_template_save(*, org: Any, text: str, actor: Any = None) -> ReportTemplate:
    """Save a unit's own report wording after checking it renders (ValidationError naming the line)."""
    from taizhang.reports.report_text import ReportTextError, render_text
    from taizhang.reports.summary import report_data

    if not (text or "").strip():
        raise ValidationError({"text": TEMPLATE_EMPTY})
    campaign = _any_campaign_for(org)
    try:
        if campaign is not None:
            from taizhang.reports import metrics

            figures = dict.fromkeys(metrics.CATALOG, 0)
            render_text(text, report_data(campaign, org, local_today()), figures, check=True)
        else:
            render_text(text, {}, {}, check=False)
    except ReportTextError as exc:
        raise ValidationError({"text": str(exc)}) from None
    template, created = ReportTemplate.objects.update_or_create(org=org, defaults={"text": text})
    if created:
        template.created_by = actor if getattr(actor, "is_authenticated", False) else None
        template.save(update_fields=["created_by"])
    audit("update", obj=template, user=actor, detail={"org": org.code, "chars": len(text)})
    return template


@transaction.atomic
def report_template_reset(*, org: Any, actor: Any = None) -> None:
    deleted, _ = ReportTemplate.objects.filter(org=org).delete()
    if deleted:
        audit("delete", object_type="reports.ReportTemplate", object_repr=f"{org} 报告模板", user=actor)


def _any_campaign_for(org: Any) -> Any:
    from taizhang.campaigns.models import Campaign

    ancestors = org.ancestor_ids() or [org.pk]
    return (
        Campaign.objects.filter(org_id__in=ancestors).order_by("-start_date").first()
        or Campaign.objects.filter(org__path__startswith=org.path).order_by("-start_date").first()
    )


def export_audit(*, kind: str, campaign: Any, org: Any, actor: Any = None, rows: int | None = None) -> None:
    """Exports are audited (等保): who took which ledger of which unit."""
    audit(
        "export",
        obj=org,
        user=actor,
        detail={"ledger": kind, "campaign": campaign.code, "org": org.code, "rows": rows},
    )


# --- Ledgers generated in the background -------------------------------------------------------------


def ledger_export_request(
    *, kind: str, campaign: Any, org: Any = None, user: Any
) -> tuple[LedgerExport, bool]:
    """A QUEUED export of the ledger for `org`'s subtree (None: the campaign's unit), and whether it is new.

    The same checks as the direct download: a known ledger, a unit inside the campaign, VIEW_INTERNAL over
    it (PermissionDenied, audited). While the same ledger of the same unit is queued or running — whoever
    asked for it — that export is returned instead of starting another (created = False)."""
    if kind not in KINDS:
        raise ValidationError({"kind": EXPORT_KIND_UNKNOWN.format(kind=kind)})
    scope = org or campaign.org
    if not scope.is_under(campaign.org):
        raise ValidationError({"org": EXPORT_ORG_OUTSIDE.format(org=scope.name, campaign=campaign.name)})
    require(user, Cap.VIEW_INTERNAL, scope)
    same = LedgerExport.objects.filter(kind=kind, campaign=campaign, org=scope)
    jobs.recover_pending(same)  # one whose worker died is run again or failed, not waited for
    same = LedgerExport.objects.filter(
        kind=kind, campaign=campaign, org=scope, status__in=LedgerExport.PENDING
    )
    pending = same.first()
    if pending is not None:
        return pending, False
    try:
        with transaction.atomic():
            export = LedgerExport.objects.create(
                kind=kind,
                campaign=campaign,
                org=scope,
                requested_by=user if getattr(user, "is_authenticated", False) else None,
            )
    except IntegrityError:
        # Another request queued the same ledger between our look and our write (the one-pending constraint).
        return same.get(), False
    return export, True


def ledger_export_start(export: LedgerExport) -> None:
    """Run the export as a background job once the current transaction commits."""
    # The job writes the audit row: give it the request's address and id, as the direct download has.
    info = current_request.get()
    request = {"ip": info.ip, "request_id": info.request_id, "path": info.path} if info else None
    jobs.enqueue(export, request=request)


def ledger_export_job(export_pk: int, token: str, request: dict | None = None) -> str:
    """The background task's work (reports.tasks.ledger_export)."""
    token_info = current_request.set(RequestInfo(**request) if request else None)
    try:
        return ledger_export_run(export_pk, token=token).status
    finally:
        current_request.reset(token_info)


def ledger_export_run(export_pk: int, *, token: str = "") -> LedgerExport:
    """Generate a QUEUED export for the attempt holding `token` (the empty token: an export never enqueued,
    run in the foreground). Leaves it DONE (file, rows, size, SHA-256, audited as an export) or FAILED (a
    message for the user, no file); an export this attempt may not run (taken by another, given up) is left
    as it is."""
    claimed = jobs.claim("ledger", export_pk, token)
    export = LedgerExport.objects.select_related("campaign__org", "org", "requested_by").get(pk=export_pk)
    if claimed is None:
        return export
    mine = LedgerExport.objects.filter(pk=export.pk, job_token=token)
    stored = ""
    try:
        rows, stored, size, digest = _export_write(export)
        with transaction.atomic():
            done = mine.filter(status=LedgerExport.Status.RUNNING).update(
                status=LedgerExport.Status.DONE,
                rows=rows,
                file=stored,
                size=size,
                sha256=digest,
                finished_at=timezone.now(),
            )
            if done:
                # The same audit row as the direct download (reports.views.ledger_download).
                export_audit(
                    kind=export.kind,
                    campaign=export.campaign,
                    org=export.org,
                    actor=export.requested_by,
                    rows=rows,
                )
        if not done:  # given up or run again meanwhile: this attempt's file may not stay
            _storage_delete(stored)
    except Exception as exc:
        logger.exception("ledger export %s failed", export.pk)
        if stored:
            _storage_delete(stored)
        message = (
            EXPORT_STORAGE_FAILED.format(error=errno_name(exc)) if isinstance(exc, OSError) else EXPORT_FAILED
        )
        mine.filter(status__in=LedgerExport.PENDING).update(
            status=LedgerExport.Status.FAILED, error=message, finished_at=timezone.now()
        )
    finally:
        jobs.finished(export)
    export.refresh_from_db()
    return export


def _attempt_files(export: LedgerExport) -> tuple[str, str]:
    """(temporary path, storage name) of the export's current attempt: named after its job token, so the
    stale-job rule can find what a killed worker left; a foreground run (no token) gets a random name."""
    key = export.job_token or uuid.uuid4().hex
    temp_dir = settings.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir()
    return os.path.join(temp_dir, f"taizhang-ledger-{export.pk}-{key}.xlsx"), f"{EXPORT_DIR}/{key}.xlsx"


def ledger_export_cleanup(export: LedgerExport) -> None:
    """Remove what a killed attempt left: its temporary workbook (on this machine) and a storage copy it was
    writing (unless the row names it as its finished file)."""
    if not export.job_token:
        return
    path, name = _attempt_files(export)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    if name != export.file.name and default_storage.exists(name):
        _storage_delete(name)


def ledger_export_give_up(export: LedgerExport) -> None:
    LedgerExport.objects.filter(pk=export.pk, status__in=LedgerExport.PENDING).update(
        status=LedgerExport.Status.FAILED, error=EXPORT_INTERRUPTED, finished_at=timezone.now()
    )


def _export_write(export: LedgerExport) -> tuple[int, str, int, str]:
    """Write the ledger to a temporary file, then into the storage: (rows, stored name, size, sha256).

    Never a partial file in the storage: the workbook is complete before the copy starts, and a copy that
    fails half-way is deleted."""
    # The campaign's own unit is written as org=None, exactly as the direct download does (its queries
    # differ: the campaign filter alone scopes them).
    org = None if export.org_id == export.campaign.org_id else export.org
    path, name = _attempt_files(export)
    try:
        rows = ledger_write(export.kind, campaign=export.campaign, org=org, out=path)
        with open(path, "rb") as stream:
            digest = stream_sha256(stream)
        size = os.path.getsize(path)
        try:
            with open(path, "rb") as stream:
                stored = default_storage.save(name, File(stream, name=name))
        except BaseException:
            _storage_delete(name)  # FileSystemStorage leaves what it wrote before the error
            raise
        return rows, stored, size, digest
    finally:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def _storage_delete(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:  # exports_purge sweeps files no row names
        logger.warning("could not delete the export file %s", name)


def ledger_exports_purge(*, days: int) -> tuple[int, int]:
    """Delete exports finished (done or failed) more than `days` days ago, with their files, and files under
    exports/ that no row names and that are as old (left by a process that died between writing a file and
    recording it). Returns (rows deleted, files deleted)."""
    cutoff = timezone.now() - timedelta(days=days)
    jobs.recover_pending(LedgerExport.objects.all())
    old = LedgerExport.objects.exclude(status__in=LedgerExport.PENDING).filter(finished_at__lt=cutoff)
    files = 0
    for name in old.exclude(file="").values_list("file", flat=True):
        _storage_delete(name)
        files += 1
    rows, _ = old.delete()
    files += _sweep_orphans(cutoff)
    return rows, files


def _sweep_orphans(cutoff: Any) -> int:
    try:
        _, names = default_storage.listdir(EXPORT_DIR)
    except (FileNotFoundError, NotImplementedError):
        return 0
    known = set(LedgerExport.objects.exclude(file="").values_list("file", flat=True))
    swept = 0
    for base in names:
        name = f"{EXPORT_DIR}/{base}"
        if name in known:
            continue
        try:
            if default_storage.get_modified_time(name) >= cutoff:
                continue  # possibly an export being recorded right now
        except NotImplementedError:
            return swept
        _storage_delete(name)
        swept += 1
    return swept
