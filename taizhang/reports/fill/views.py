"""Pages of the draft filler: upload → review and correct → download / save as template → fill again.

Thin: access → form → service → redirect (or a file). Every page needs Cap.VIEW_INTERNAL.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from taizhang.campaigns.selectors import campaign_for_request
from taizhang.core.access import Cap, require, require_any, scope_for
from taizhang.reports import metrics
from taizhang.reports.fill import services
from taizhang.reports.fill.access import get_draft_for_user, get_rw_template_for_user, get_template_for_user
from taizhang.reports.fill.documents import kind_of
from taizhang.reports.fill.forms import ChoicesForm, DraftUploadForm, ScopeForm, TemplateSaveForm
from taizhang.reports.fill.selectors import fill_templates_for_user, metric_menu
from taizhang.reports.models import FillDraft


def _file_response(export: services.Export) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(True, export.filename)
    # A user's draft never runs as a page of ours, even if a browser sniffs it as HTML.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _start_page(request: HttpRequest, form: DraftUploadForm, status: int = 200) -> HttpResponse:
    drafts = FillDraft.objects.filter(created_by=request.user).select_related("campaign", "org")[:5]
    return render(
        request,
        "reports/fill_start.html",
        {"form": form, "templates": fill_templates_for_user(user=request.user), "drafts": drafts},
        status=status,
    )


@require_GET
def fill_start(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.VIEW_INTERNAL)
    form = DraftUploadForm(user=request.user, campaign=campaign_for_request(request))
    return _start_page(request, form)


@require_POST
def fill_upload(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.VIEW_INTERNAL)
    form = DraftUploadForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        require(request.user, Cap.VIEW_INTERNAL, data["org"])
        try:
            draft = services.fill_draft_create(
                checked=data["file"], campaign=data["campaign"], org=data["org"], actor=request.user
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect("reports:fill_review", pk=draft.pk)
    return _start_page(request, form, status=400)


def _review_rows(draft: FillDraft) -> tuple[list[dict], list[dict]]:
    values = services.values_for(draft.campaign, draft.org)
    return services.rows_with_values(draft.rows, values), metric_menu(values)


@require_GET
def fill_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The table of blanks, REVIEW_PAGE_SIZE to a page (the counts above it are the whole draft's)."""
    draft = get_draft_for_user(request.user, pk)
    rows, menu = _review_rows(draft)
    page = Paginator(rows, services.REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    name = draft.template.name if draft.template else PurePosixPath(draft.source_name).stem
    return render(
        request,
        "reports/fill_review.html",
        {
            **_summary(draft, rows),
            "rows": page.object_list,
            "page": page,
            "metric_menu": menu,
            "save_form": TemplateSaveForm(initial={"name": name}),
        },
    )


def _summary(draft: FillDraft, rows: list[dict]) -> dict:
    return {
        "draft": draft,
        "kind": kind_of(draft.source_name),
        "counts": {
            "total": len(rows),
            "matched": sum(1 for r in rows if r["matched"]),
            "unmatched": sum(1 for r in rows if not r["matched"]),
            "missing": sum(1 for r in rows if r["missing_value"]),
        },
    }


@require_POST
def fill_choose(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the chosen metric of the posted blanks (the whole table, or one row changed in place)."""
    draft = get_draft_for_user(request.user, pk)
    data = request.POST
    trigger = request.htmx.trigger_name if request.htmx else None
    if trigger and trigger.startswith("key_"):
        data = {trigger: request.POST.get(trigger, "")}  # one row changed in place: only that one
    form = ChoicesForm(data, rows=draft.rows)
    if not form.is_valid():
        messages.error(request, "所选指标不存在，请重新选择")
        return redirect("reports:fill_review", pk=draft.pk)
    services.fill_draft_choose(draft=draft, choices=form.choices(), actor=request.user)
    if request.htmx and len(form.indexes) == 1:
        rows, menu = _review_rows(draft)
        row = next(r for r in rows if r["index"] == form.indexes[0])
        # The row in place, and the counts above the table out of band.
        context = {**_summary(draft, rows), "row": row, "metric_menu": menu, "oob": True}
        return render(request, "reports/fill_review_row.html", context)
    messages.success(request, "已保存您的选择")
    page = request.POST.get("page", "")
    url = reverse("reports:fill_review", args=[draft.pk])
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


@require_GET
def fill_download(request: HttpRequest, pk: int) -> HttpResponse:
    draft = get_draft_for_user(request.user, pk)
    return _file_response(services.fill_draft_export(draft=draft, actor=request.user))


@require_GET
def fill_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    draft = get_draft_for_user(request.user, pk)
    return _file_response(services.fill_draft_checklist(draft=draft, actor=request.user))


@require_POST
def fill_template_save(request: HttpRequest, pk: int) -> HttpResponse:
    draft = get_draft_for_user(request.user, pk)
    if draft.template is not None:
        get_rw_template_for_user(request.user, draft.template.pk)
    form = TemplateSaveForm(request.POST)
    if form.is_valid():
        template = services.fill_template_save(
            draft=draft, name=form.cleaned_data["name"], actor=request.user
        )
        messages.success(request, f"已保存为模板“{template.name}”，下次可直接选用")
        return redirect("reports:fill_template_detail", pk=template.pk)
    messages.error(request, services.TEMPLATE_NAME_REQUIRED)
    return redirect("reports:fill_review", pk=draft.pk)


def _template_page(request: HttpRequest, template, form: ScopeForm, status: int = 200) -> HttpResponse:  # noqa: ANN001
    mapping = [
        {**entry, "label": metrics.CATALOG[entry["key"]].label if entry.get("key") in metrics.CATALOG else ""}
        for entry in template.mapping
    ]
    return render(
        request,
        "reports/fill_template.html",
        {
            "template": template,
            "mapping": mapping,
            "form": form,
            "unmatched": sum(1 for e in mapping if not e["label"]),
            "can_change": scope_for(request.user).can(Cap.VIEW_INTERNAL, template.org),
        },
        status=status,
    )


@require_GET
def fill_template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_template_for_user(request.user, pk)
    form = ScopeForm(user=request.user, campaign=campaign_for_request(request))
    return _template_page(request, template, form)


@require_POST
def fill_template_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Fill a saved template for the chosen campaign and unit, without asking."""
    template = get_template_for_user(request.user, pk)
    form = ScopeForm(request.POST, user=request.user)
    if not form.is_valid():
        return _template_page(request, template, form, status=400)
    require(request.user, Cap.VIEW_INTERNAL, form.cleaned_data["org"])
    export, _ = services.fill_template_export(template=template, actor=request.user, **form.cleaned_data)
    return _file_response(export)


@require_POST
def fill_template_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the template as a new draft, its saved choices in place, to check and change them."""
    template = get_template_for_user(request.user, pk)
    form = ScopeForm(request.POST, user=request.user)
    if not form.is_valid():
        return _template_page(request, template, form, status=400)
    require(request.user, Cap.VIEW_INTERNAL, form.cleaned_data["org"])
    draft = services.fill_template_reopen(
        template=template,
        actor=request.user,
        link=scope_for(request.user).can(Cap.VIEW_INTERNAL, template.org),
        **form.cleaned_data,
    )
    return redirect("reports:fill_review", pk=draft.pk)


@require_POST
def fill_template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_rw_template_for_user(request.user, pk)
    services.fill_template_delete(template=template, actor=request.user)
    messages.success(request, f"已删除模板“{template.name}”")
    return redirect("reports:fill_start")
