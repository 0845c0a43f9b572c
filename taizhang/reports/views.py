"""Pages of the reports app: dashboard, the rows behind any figure, summary reports, ledgers."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.campaigns.access import get_campaign_for_user
from taizhang.campaigns.selectors import campaign_for_request
from taizhang.core import jobs
from taizhang.core.access import Cap, get_object_in_scope, require, require_any, scope_for
from taizhang.core.audit import audit
from taizhang.core.integrity import file_intact, integrity_refused
from taizhang.org.models import Organization
from taizhang.reports import metrics, selectors, services
from taizhang.reports.forms import GenerateForm, TemplateForm, TemplateUnitForm
from taizhang.reports.ledgers import KINDS, ledger_filename, ledger_write
from taizhang.reports.models import LedgerExport, Report
from taizhang.reports.report_text import ReportTextError

ROWS_PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_UNIT = "您在本学习教育活动中没有可查看的组织"


def _campaign(request: HttpRequest) -> Any:
    """?campaign=<id> when given (checked), else the campaign the user is looking at."""
    raw = request.GET.get("campaign") or request.POST.get("campaign")
    if raw:
        try:
            return get_campaign_for_user(request.user, int(raw))
        except ValueError:
            raise Http404("没有找到该学习教育活动") from None
    return campaign_for_request(request)


def _campaign_and_unit(request: HttpRequest) -> tuple[Any, Any]:
    """The campaign and unit asked for, for views that need both: 404 without a campaign."""
    campaign = _campaign(request)  # 404 first: an outsider must not learn the campaign exists
    require_any(request.user, Cap.VIEW_INTERNAL)
    if campaign is None:
        raise Http404("没有学习教育活动")
    return campaign, _unit(request, campaign)


def _unit(
    request: HttpRequest, campaign: Any, *, need: str = Cap.VIEW_INTERNAL, raw: str | None = None
) -> Any:
    """The unit asked for (?org=<id>): 404 outside the user's view or the campaign, 403 without `need`.
    Without ?org: the campaign's unit when the user may see it (returned as None), else the user's
    highest unit inside the campaign."""
    raw = raw if raw is not None else (request.GET.get("org") or request.POST.get("org"))
    if raw:
        try:
            pk = int(raw)
        except ValueError:
            raise Http404("没有找到该组织") from None
        org = get_object_in_scope(request.user, Organization.objects.all(), view=Cap.VIEW, need=need, pk=pk)
        if not org.is_under(campaign.org):
            raise Http404("该组织不在本学习教育活动范围内")
        return None if org.pk == campaign.org_id else org
    if scope_for(request.user).can(need, campaign.org):
        return None
    org = selectors.default_unit(user=request.user, campaign=campaign)
    if org is None:
        raise Http404(NO_UNIT)
    return org


def _no_campaign(request: HttpRequest, title: str) -> HttpResponse:
    return render(request, "reports/no_campaign.html", {"title": title})


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)  # 404 first: an outsider must not learn the campaign exists
    require_any(request.user, Cap.VIEW_INTERNAL)
    if campaign is None:
        return _no_campaign(request, "数据看板")
    org = _unit(request, campaign)
    as_of = metrics.default_as_of(campaign)
    data = selectors.dashboard(campaign=campaign, org=org, as_of=as_of)
    scope_org = org or campaign.org
    return render(
        request,
        "reports/dashboard.html",
        {
            "campaign": campaign,
            "org": org,
            "scope_org": scope_org,
            "as_of": as_of,
            "units": selectors.dashboard_units(user=request.user, campaign=campaign),
            "silent_days": metrics.silent_since(as_of),
            "charts_url": f"{reverse('reports:dashboard_charts')}?campaign={campaign.pk}&org={scope_org.pk}",
            **data,
        },
    )


@require_GET
def dashboard_charts(request: HttpRequest) -> JsonResponse:
    """The dashboard's chart data (JSON), fetched by the page once its figures are on screen: the seven
    breakdowns cost as much as the rest of the page at city scale, and the figures need not wait."""
    campaign, org = _campaign_and_unit(request)
    charts = selectors.dashboard_charts(campaign=campaign, org=org, as_of=metrics.default_as_of(campaign))
    response = JsonResponse(charts, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-store"
    return response


def _row_link(obj: Any, link_field: str) -> str:
    target = getattr(obj, link_field, None) if link_field else obj
    if target is None:
        return ""
    if hasattr(target, "get_absolute_url"):
        return target.get_absolute_url()
    if isinstance(target, Organization):
        return reverse("org:detail", args=[target.pk])
    return ""


def _row_items(page: Any, source: metrics.Source) -> list[dict]:
    items = []
    for obj in page:
        linked = getattr(obj, source.link_field, None) if source.link_field else None
        items.append(
            {
                "pk": obj.pk,
                "date": getattr(obj, "row_date", None),
                "unit": getattr(obj, "row_unit", ""),
                "title": getattr(obj, "row_title", "") or str(obj),
                "detail": str(linked) if linked is not None else "",
                "url": _row_link(obj, source.link_field),
                "last_activity": getattr(obj, "last_activity", None),
            }
        )
    return items


@require_GET
def metric_rows(request: HttpRequest) -> HttpResponse:
    """The rows behind any figure: ?key=&campaign=[&org=][&by=month|type|status&group=]."""
    key = request.GET.get("key", "")
    if key not in metrics.CATALOG:
        raise Http404("没有该指标")
    raw_campaign = request.GET.get("campaign")
    if not raw_campaign:
        raise Http404("没有指定学习教育活动")
    campaign = _campaign(request)
    metric = metrics.get(key)
    source = metrics.source_of(key)
    need = getattr(source.model_class, "scope_view_cap", Cap.VIEW)
    org = _unit(request, campaign, need=need)
    if org is None:
        require(request.user, need, campaign.org)
    as_of = metrics.default_as_of(campaign)
    by = request.GET.get("by", "")
    group = request.GET.get("group", "")
    try:
        if key == "units.silent":
            qs = metrics.silent_units(campaign, org, as_of=as_of).annotate(
                row_unit=F("name"), row_title=F("name")
            )
        else:
            qs = metrics.rows_for_display(key, campaign, org, as_of=as_of, by=by, group=group)
    except (ValueError, TypeError):
        raise Http404("无法按该分组查看") from None
    paginator = Paginator(qs, ROWS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    value = metrics.compute(campaign, org, keys=[key], as_of=as_of)[key]
    group_label = ""
    if by and group:
        group_label = metrics.group_label(key, by, _group_value(by, group))
    return render(
        request,
        "reports/metric_rows.html",
        {
            "campaign": campaign,
            "org": org,
            "scope_org": org or campaign.org,
            "metric": metric,
            "value": value,
            "group_label": group_label,
            "by": by,
            "page": page,
            "items": _row_items(page, source),
            "has_date": bool(source.date_field),
            "date_label": metrics.field_label(source, source.date_field) if source.date_field else "",
            "has_detail": bool(source.link_field),
            "model_name": source.model_class._meta.verbose_name,
            "is_ratio": metric.is_ratio,
            "numerator": metrics.get(metric.numerator) if metric.is_ratio else None,
            "as_of": as_of,
            "querystring": request.GET.copy(),
        },
    )


def _group_value(by: str, group: str) -> Any:
    if by == "month":
        try:
            year, month = (int(p) for p in group.split("-")[:2])
            return date(year, month, 1)
        except ValueError:
            return group
    return group


# --- Summary reports ---------------------------------------------------------------------------------


@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)  # 404 first: an outsider must not learn the campaign exists
    require_any(request.user, Cap.VIEW_INTERNAL)
    if campaign is None:
        return _no_campaign(request, "总结报告")
    reports = Paginator(selectors.reports_for_user(user=request.user, campaign=campaign), 20)
    units = selectors.dashboard_units(user=request.user, campaign=campaign)
    return render(
        request,
        "reports/report_list.html",
        {
            "campaign": campaign,
            "page": reports.get_page(request.GET.get("page")),
            "form": GenerateForm(units=units, campaign=campaign),
            "can_edit_template": scope_for(request.user).has_any(Cap.MANAGE),
        },
    )


@require_POST
def report_generate(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)  # 404 first: an outsider must not learn the campaign exists
    require_any(request.user, Cap.VIEW_INTERNAL)
    if campaign is None:
        raise Http404("没有学习教育活动")
    units = selectors.dashboard_units(user=request.user, campaign=campaign)
    form = GenerateForm(request.POST, units=units, campaign=campaign)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect(f"{reverse('reports:report_list')}?campaign={campaign.pk}")
    org = _unit(request, campaign, raw=str(form.cleaned_data["org"].pk))
    try:
        report = services.report_generate(
            campaign=campaign,
            org=org,
            actor=request.user,
            as_of=form.cleaned_data.get("as_of"),
            issued_on=form.cleaned_data.get("issued_on"),
            with_appendix=form.cleaned_data["appendix"],
            with_charts=form.cleaned_data["charts"],
        )
    except ReportTextError as exc:
        messages.error(request, f"报告模板有误，请先修改模板：{exc}")
        return redirect(f"{reverse('reports:report_list')}?campaign={campaign.pk}")
    messages.success(request, f"已生成《{report.title}》（{report.fit_note}）")
    return redirect("reports:report_detail", pk=report.pk)


def _report(request: HttpRequest, pk: int) -> Report:
    return get_object_in_scope(
        request.user,
        Report.objects.select_related("campaign__org", "org", "created_by"),
        view=Cap.VIEW,
        need=Cap.VIEW_INTERNAL,
        pk=pk,
    )


@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    drift = selectors.report_drift(report)
    groups = [
        {"label": label, "rows": [row for row in drift if row["group"] == code]}
        for code, label in metrics.GROUP_LABELS.items()
    ]
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "campaign": report.campaign,
            "org": selectors.report_scope_org(report),
            "groups": groups,
            "changed": [row for row in drift if row["changed"]],
        },
    )


@require_GET
def report_drift_rows(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    report = _report(request, pk)
    if key not in report.figures or key not in metrics.CATALOG:
        raise Http404("该报告没有这项数据")
    drift = selectors.report_drift_rows(report, key)
    source = metrics.source_of(key)
    frozen = report.figures[key]
    now = metrics.compute(
        report.campaign, selectors.report_scope_org(report), keys=[key], as_of=report.as_of
    )[key]
    return render(
        request,
        "reports/report_drift.html",
        {
            "report": report,
            "metric": metrics.get(key),
            "then": frozen.get("value"),
            "now": now,
            "added": drift["added"],
            "removed": drift["removed"],
            "added_items": _row_items(drift["added_rows"], source),
            "removed_items": _row_items(drift["removed_rows"], source),
            "missing_removed": max(0, min(len(drift["removed"]), 200) - len(drift["removed_rows"])),
            "has_date": bool(source.date_field),
            "not_frozen": drift.get("not_frozen", False),
            "frozen_count": frozen.get("count"),
        },
    )


@require_GET
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    report = _report(request, pk)
    audit("export", obj=report, detail={"kind": "report", "org": report.org.code})
    response = FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=f"{report.title}.docx",
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def report_template(request: HttpRequest) -> HttpResponse:
    """A unit's own wording of the summary report (admins of the unit). ?org=<id>, default the user's top unit."""
    raw = request.GET.get("org") or request.POST.get("org")
    if not raw:
        require_any(request.user, Cap.MANAGE)
    if raw:
        try:
            pk = int(raw)
        except ValueError:
            raise Http404("没有找到该组织") from None
        org = get_object_in_scope(
            request.user, Organization.objects.all(), view=Cap.VIEW, need=Cap.MANAGE, pk=pk
        )
    else:
        org = Organization.objects.within(request.user, Cap.MANAGE).order_by("depth", "path").first()
        if org is None:
            raise Http404("没有可管理的组织")
    from taizhang.reports.models import ReportTemplate
    from taizhang.reports.report_text import default_template_text
    from taizhang.reports.summary import template_text_for

    own = ReportTemplate.objects.filter(org=org).first()
    if request.method == "POST" and request.POST.get("action") == "reset":
        services.report_template_reset(org=org, actor=request.user)
        messages.success(request, "已恢复为默认模板")
        return redirect(f"{reverse('reports:report_template')}?org={org.pk}")
    form = TemplateForm(request.POST or None, initial={"text": own.text if own else template_text_for(org)})
    if request.method == "POST" and form.is_valid():
        try:
            services.report_template_save(org=org, text=form.cleaned_data["text"], actor=request.user)
        except ValidationError as exc:
            for message in exc.message_dict.get("text", exc.messages):
                form.add_error("text", message)
        else:
            messages.success(request, f"已保存{org.name}的报告模板")
            return redirect(f"{reverse('reports:report_template')}?org={org.pk}")
    return render(
        request,
        "reports/report_template.html",
        {
            "org": org,
            "own": own,
            "form": form,
            "catalog": metrics.catalog_rows(),
            "default_text": default_template_text(),
            "unit_form": TemplateUnitForm(
                initial={"org": org.pk},
                units=Organization.objects.within(request.user, Cap.MANAGE).exclude(kind="group"),
            ),
        },
    )


# --- Ledgers -----------------------------------------------------------------------------------------


def _ledger_list_url(campaign: Any, org: Any) -> str:
    return f"{reverse('reports:ledger_list')}?campaign={campaign.pk}&org={(org or campaign.org).pk}"


def _exports_context(request: HttpRequest, campaign: Any, org: Any) -> dict:
    """The ledger page's list of background exports; it polls itself while any is queued or running."""
    # An export whose worker died is run again or failed, not waited for (core/jobs.py).
    jobs.recover_pending(LedgerExport.objects.filter(campaign=campaign))
    exports = selectors.ledger_exports_for_page(
        user=request.user, campaign=campaign, scope_org=org or campaign.org
    )
    for export in exports:
        export.waiting = jobs.waiting_for_worker(export)
    return {
        "campaign": campaign,
        "scope_org": org or campaign.org,
        "exports": exports,
        "pending": any(e.is_pending for e in exports),
    }


@require_GET
def ledger_list(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)  # 404 first: an outsider must not learn the campaign exists
    require_any(request.user, Cap.VIEW_INTERNAL)
    if campaign is None:
        return _no_campaign(request, "台账导出")
    org = _unit(request, campaign)
    counts = selectors.ledger_row_counts(campaign=campaign, org=org)
    threshold = settings.TAIZHANG_LEDGER_BACKGROUND_ROWS
    ledgers = [
        {"kind": kind, "rows": counts[code], "background": counts[code] >= threshold}
        for code, kind in KINDS.items()
    ]
    return render(
        request,
        "reports/ledger_list.html",
        {
            **_exports_context(request, campaign, org),
            "org": org,
            "units": selectors.dashboard_units(user=request.user, campaign=campaign),
            "ledgers": ledgers,
            "any_background": any(ledger["background"] for ledger in ledgers),
        },
    )


@require_GET
def ledger_exports(request: HttpRequest) -> HttpResponse:
    """The list of background exports alone: polled by htmx from the ledger page while one is pending."""
    campaign, org = _campaign_and_unit(request)
    return render(request, "reports/ledger_exports.html", _exports_context(request, campaign, org))


@require_POST
def ledger_export_request(request: HttpRequest, kind: str) -> HttpResponse:
    """后台生成: queue the ledger (or join the same one already being generated) and go back to the page."""
    if kind not in KINDS:
        raise Http404("没有该台账")
    campaign, org = _campaign_and_unit(request)
    try:
        export, created = services.ledger_export_request(
            kind=kind, campaign=campaign, org=org, user=request.user
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(_ledger_list_url(campaign, org))
    title = f"{export.org.name}{export.get_kind_display()}"
    if created:
        services.ledger_export_start(export)
        messages.success(request, f"已开始后台生成{title}，完成后可在下方“后台生成记录”中下载")
    else:
        who = export.requested_by.display_name if export.requested_by else "其他用户"
        messages.info(
            request,
            f"{title}正在生成（{who}于{timezone.localtime(export.requested_at):%H:%M}提交），"
            "完成后可在下方“后台生成记录”中下载",
        )
    return redirect(_ledger_list_url(campaign, org))


def _export(request: HttpRequest, pk: int) -> LedgerExport:
    """An export of a unit the user may see internal records of now (404 / 403). Asking for it gives no
    lasting right: whoever lost the unit's role since no longer gets its ledger."""
    queryset = LedgerExport.objects.select_related("campaign__org", "org")
    return get_object_in_scope(request.user, queryset, view=Cap.VIEW, need=Cap.VIEW_INTERNAL, pk=pk)


@require_GET
def ledger_export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = _export(request, pk)
    if export.status != LedgerExport.Status.DONE or not export.file:
        raise Http404("该台账尚未生成完成")
    org = None if export.org_id == export.campaign.org_id else export.org
    filename = ledger_filename(export.kind, export.campaign, org)
    detail = {
        "ledger": export.kind,
        "campaign": export.campaign.code,
        "org": export.org.code,
        "rows": export.rows,
    }
    try:
        intact = file_intact(export.file, export.sha256)
    except FileNotFoundError:
        raise Http404("台账文件已被清理，请重新生成") from None
    if not intact:
        # 等保 8.1.4.7: a generated ledger changed on disk is not handed out as the record's ledger.
        return integrity_refused(
            request,
            obj=export,
            detail=detail,
            message=f"台账文件“{filename}”与生成时的校验值不一致，可能已被改动，请重新生成或联系管理员。",
        )
    audit("download", obj=export, detail=detail)
    response = FileResponse(export.file.open("rb"), as_attachment=True, filename=filename, content_type=XLSX)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def ledger_download(request: HttpRequest, kind: str) -> FileResponse:
    if kind not in KINDS:
        raise Http404("没有该台账")
    campaign, org = _campaign_and_unit(request)
    expected = selectors.ledger_rows_count(kind, campaign=campaign, org=org)
    if expected >= settings.TAIZHANG_LEDGER_BACKGROUND_ROWS:
        # A bookmarked link to a city-sized ledger must not hold a web worker for half a minute.
        messages.info(
            request,
            f"{KINDS[kind].title}约 {expected} 行，请点击“后台生成”，生成完成后在“后台生成记录”中下载",
        )
        return redirect(_ledger_list_url(campaign, org))
    buffer = BytesIO()
    rows = ledger_write(kind, campaign=campaign, org=org, out=buffer)
    services.export_audit(
        kind=kind, campaign=campaign, org=org or campaign.org, actor=request.user, rows=rows
    )
    buffer.seek(0)
    response = FileResponse(
        buffer,
        as_attachment=True,
        filename=ledger_filename(kind, campaign, org),
        content_type=XLSX,
    )
    response["Cache-Control"] = "private, no-store"
    return response
