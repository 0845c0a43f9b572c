from __future__ import annotations

import importlib

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from taizhang.core import auditlog, pickers
from taizhang.core.access import Cap, deny, get_object_in_scope, require_any, scope_for
from taizhang.core.audit import audit
from taizhang.core.forms import AuditFilterForm
from taizhang.core.integrity import file_intact, integrity_refused
from taizhang.core.models import Attachment
from taizhang.core.selectors import audit_search

# Apps that contribute panels to the home page, in display order. A module that does not exist
# yet is skipped; each exposes home_panels(request, campaign) -> list[dict(template, context)].
HOME_PANEL_MODULES = (
    "taizhang.campaigns.panels",
    "taizhang.plans.panels",
    "taizhang.rectification.panels",
    "taizhang.study.panels",
    "taizhang.outreach.panels",
    "taizhang.reports.panels",
    "taizhang.org.panels",
)


def _panels(request: HttpRequest, campaign) -> list[dict]:  # noqa: ANN001
    panels: list[dict] = []
    for name in HOME_PANEL_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        panels.extend(module.home_panels(request, campaign))
    return panels


def home(request: HttpRequest) -> HttpResponse:
    from taizhang.campaigns.selectors import campaign_for_request

    campaign = campaign_for_request(request)
    scope = scope_for(request.user)
    return render(
        request,
        "core/home.html",
        {"campaign": campaign, "panels": _panels(request, campaign), "roles": scope.role_names},
    )


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Stream an uploaded file after checking that the user may see the record it belongs to."""
    attachment = get_object_or_404(Attachment.objects.select_related("content_type"), pk=pk)
    model = attachment.content_type.model_class()
    visible_to = getattr(model, "visible_to", None)
    if visible_to is not None:
        # The owner's own visibility rule when it is wider than its unit's scope (a committee task
        # is read by the branches below it): whoever may open the record may open its files.
        if not visible_to(request.user).filter(pk=attachment.object_id).exists():
            deny(request.user, obj=attachment, reason="attachment owner outside scope", status=404)
            raise Http404("没有找到该记录，或您无权查看")
    else:
        cap = getattr(model, "scope_view_cap", Cap.VIEW)
        owner_qs = model._default_manager.all()
        get_object_in_scope(request.user, owner_qs, view=cap, pk=attachment.object_id)
    inline = request.GET.get("inline") == "1" and attachment.is_image
    if not file_intact(attachment.file, attachment.sha256):
        # A file whose bytes no longer match the digest taken at upload is not handed out as evidence.
        return integrity_refused(
            request,
            obj=attachment,
            detail={"name": attachment.original_name},
            message=f"附件“{attachment.original_name}”与上传时的校验值不一致，可能已被改动，请联系管理员。",
        )
    audit("download", obj=attachment, detail={"name": attachment.original_name})
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.mime_type,
    )
    # User content never runs as a page of ours, even if a browser sniffs it as HTML.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit log, filtered and paginated; read-only (the application offers no edit or delete)."""
    auditlog.require_audit_reader(request.user)
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = audit_search(filters) if (form.is_valid() or not request.GET) else audit_search({}).none()
    if request.GET.get("format") == "xlsx":
        content, _ = auditlog.export_workbook(qs, filters=filters)
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = content_disposition_header(True, f"审计日志-{stamp}.xlsx")
        return response
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"form": form, "page": page})


@require_GET
def pick(request: HttpRequest, kind: str) -> HttpResponse:
    """htmx: at most PICK_LIMIT matches for a search picker, only from the user's scope."""
    spec = pickers.KINDS.get(kind)
    if spec is None:
        raise Http404("没有这种选择器")
    require_any(request.user, spec.cap)
    q = request.GET.get("q", "")
    results, more = pickers.pick(user=request.user, kind=kind, q=q, params=request.GET.dict())
    return render(
        request, "core/widgets/picker_results.html", {"results": results, "more": more, "q": q.strip()}
    )
