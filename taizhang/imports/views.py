"""Import pages (administrators): template, upload → preview → confirm, progress, errors, failed rows;
and the export that list pages link to ("导出 Excel"). Thin: access → form → service → redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from taizhang.campaigns.models import Campaign
from taizhang.campaigns.selectors import campaign_for_request, campaigns_visible_to
from taizhang.core import jobs
from taizhang.core.access import Cap, get_object_in_scope, require_any
from taizhang.imports import exporters, services
from taizhang.imports.access import get_run_for_user
from taizhang.imports.errors import ErrorItem
from taizhang.imports.forms import ExportForm, UploadForm
from taizhang.imports.models import ImportRun
from taizhang.imports.selectors import activity_type_names, counts_rows, run_list
from taizhang.imports.template import template_workbook
from taizhang.lib.dates import today
from taizhang.org.models import Organization

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_SHOWN = 500
CONFIRM_GONE = "该预览已确认导入过，或上传的文件已过期，请重新上传"
# A confirmed import that ended like this wrote nothing: its preview may be confirmed again.
IMPORT_NOT_TAKEN = (ImportRun.Status.FAILED, ImportRun.Status.CANCELLED)


def _xlsx(data: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    return response


def index(request: HttpRequest, form: UploadForm | None = None) -> HttpResponse:
    require_any(request.user, Cap.MANAGE)
    page = Paginator(run_list(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "imports/index.html", {"form": form or UploadForm(), "page": page})


def template_download(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.MANAGE)
    data = template_workbook(activity_types=activity_type_names(user=request.user))
    return _xlsx(data, "台账导入模板.xlsx")


@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.MANAGE)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return index(request, form)
    upload_file = form.cleaned_data["file"]
    services.runs_sweep()
    run = services.run_create(
        user=request.user, file_name=upload_file.name, data=upload_file.read(), dry_run=True
    )
    services.import_start(run)
    return redirect("imports:run", pk=run.pk)


QUEUED = {"percent": 0, "label": "排队中"}
CANCEL_DONE = "已取消导入，没有写入任何数据"
CANCEL_ASKED = "正在取消导入……"  # the progress label once asked
CANCEL_REQUESTED = "已请求取消：导入会在当前这一行处理完后停止，不会写入任何数据"
CANCEL_TOO_LATE = "该导入已经结束，无法取消"


def _progress(run: ImportRun) -> dict:
    if jobs.cancel_requested(run) is not None:
        return {**(jobs.progress(run) or QUEUED), "label": CANCEL_ASKED}
    return jobs.progress(run) or QUEUED


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = jobs.recover(get_run_for_user(request.user, pk))
    errors = [ErrorItem.from_dict(e) for e in run.errors[:ERRORS_SHOWN]]
    confirmed = run.imports.exclude(status__in=IMPORT_NOT_TAKEN).order_by("-id").first()
    return render(
        request,
        "imports/run.html",
        {
            "run": run,
            "rows": counts_rows(run.counts),
            "ignored": run.counts.get("_ignored", []),
            "errors": errors,
            "more_errors": max(len(run.errors) - ERRORS_SHOWN, 0),
            "progress": _progress(run) if not run.is_finished else None,
            "waiting": not run.is_finished and jobs.waiting_for_worker(run),
            "confirmed": confirmed,
            "can_confirm": run.status == ImportRun.Status.PREVIEW
            and bool(run.stored_name)
            and confirmed is None,
        },
    )


def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by htmx while the run works; once it is finished the page reloads to show the outcome."""
    run = jobs.recover(get_run_for_user(request.user, pk))
    if run.is_finished:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    return render(
        request,
        "imports/run_progress.html",
        {"run": run, "progress": _progress(run), "waiting": jobs.waiting_for_worker(run)},
    )


@require_POST
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """取消导入: the run's user or an administrator over it (whoever may see the run) stops it; nothing is
    written. A run no worker has started yet is cancelled at once, a running one at its next row."""
    run = get_run_for_user(request.user, pk)
    if not services.run_cancel(run=run, user=request.user):
        messages.info(request, CANCEL_TOO_LATE)
    else:
        run.refresh_from_db()
        messages.success(
            request, CANCEL_DONE if run.status == ImportRun.Status.CANCELLED else CANCEL_REQUESTED
        )
    return redirect("imports:run", pk=run.pk)


@require_POST
def run_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    preview = get_run_for_user(request.user, pk)
    already = preview.imports.exclude(status__in=IMPORT_NOT_TAKEN).exists()
    if preview.status != ImportRun.Status.PREVIEW or not preview.stored_name or already:
        messages.error(request, CONFIRM_GONE)
        return redirect("imports:run", pk=preview.pk)
    if not default_storage.exists(preview.stored_name):
        messages.error(request, CONFIRM_GONE)
        return redirect("imports:run", pk=preview.pk)
    run = services.run_confirm(preview=preview, user=request.user)
    return redirect("imports:run", pk=run.pk)


def failed_download(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run_for_user(request.user, pk)
    if not run.failed_name or not default_storage.exists(run.failed_name):
        raise Http404("没有失败行文件")
    with default_storage.open(run.failed_name, "rb") as stream:
        data = stream.read()
    stem = run.file_name.rsplit(".", 1)[0]
    return _xlsx(data, f"{stem}-失败行.xlsx")


def export(request: HttpRequest) -> HttpResponse:
    """The records behind a list page as the import workbook: ?sheet=问题清单&status=open …"""
    require_any(request.user, Cap.VIEW_INTERNAL)
    form = ExportForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(
            "导出参数有误：" + "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items())
        )
    data = form.cleaned_data
    names = [
        n for value in request.GET.getlist("sheet") for n in value.replace("，", ",").split(",") if n.strip()
    ]
    try:
        specs = exporters.resolve_sheets(n.strip() for n in names)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    campaign = _export_campaign(request, data["campaign"])
    org = None
    if data["org"]:
        org = get_object_in_scope(
            request.user, Organization.objects.all(), view=Cap.VIEW_INTERNAL, pk=data["org"]
        )
    filters = {k: data[k] for k in ExportForm.FILTERS}
    content = exporters.export_workbook(
        user=request.user,
        campaign=campaign,
        org=org,
        sheets=[s.key for s in specs],
        filters=filters,
        personal=data["personal"],
    )
    return _xlsx(content, exporters.export_file_name(campaign=campaign, specs=specs, today=today()))


def _export_campaign(request: HttpRequest, value: str) -> Campaign | None:
    """An id or code the user may see; "all" for every campaign; empty for the page's current one."""
    if value == "all":
        return None
    if not value:
        return campaign_for_request(request)
    visible = campaigns_visible_to(user=request.user)
    found = visible.filter(pk=int(value)).first() if value.isdigit() else visible.filter(code=value).first()
    if found is None:
        raise Http404("没有找到该学习教育活动，或您无权查看")
    return found
