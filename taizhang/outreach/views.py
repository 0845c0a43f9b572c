"""Pages for research topics and visits, public demands and practical matters.

Thin: access → form → service → redirect. Lists default to the current campaign and stay within
the user's scope; every list page issues a bounded number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from taizhang.campaigns.selectors import campaign_for_request
from taizhang.core.access import Cap, require, require_any, scope_for
from taizhang.core.audit import audit
from taizhang.core.selectors import attachments_for, events_for
from taizhang.org.models import Organization
from taizhang.org.selectors import org_choices_for_user
from taizhang.outreach import forms, selectors, services
from taizhang.outreach.access import (
    can_open_visit,
    get_demand_for_user,
    get_matter_for_user,
    get_rw_demand_for_user,
    get_rw_finding_for_user,
    get_rw_matter_for_user,
    get_rw_topic_for_user,
    get_rw_visit_for_user,
    get_topic_for_user,
    get_visit_for_user,
)
from taizhang.outreach.models import Finding, PracticalMatter

PAGE_SIZE = 30


def _filters(form: Any) -> dict[str, Any]:
    return form.cleaned_data if form.is_valid() else {"campaign": forms.ALL}


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _default_org(user: Any) -> Organization | None:
    return org_choices_for_user(user=user, cap=Cap.RECORD).first()


def _error(form: Any, exc: ValidationError) -> None:
    """Attach a service's error to the field it names (when the form has it), else to the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _form_page(
    request: HttpRequest,
    form: Any,
    save: Callable[[dict], Any],
    *,
    success: str | Callable[[Any], str],
    title: str,
    cancel: str,
    unit: bool = False,
    **extra: Any,
) -> HttpResponse:
    """The shape every outreach form page shares. A valid form goes to `save(cleaned_data)`, which
    returns the record to show next; a service's ValidationError lands on the field it names and the
    form is shown again; `unit` first requires the record capability over the form's chosen unit."""
    if form.is_valid():
        if unit:
            require(request.user, Cap.RECORD, form.cleaned_data["org"])
        try:
            saved = save(form.cleaned_data)
        except ValidationError as exc:
            _error(form, exc)
        else:
            messages.success(request, success(saved) if callable(success) else success)
            return redirect(saved)
    return render(request, "outreach/form.html", {"form": form, "title": title, "cancel": cancel, **extra})


# --- Topics ----------------------------------------------------------------------------------


def topic_list(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.VIEW)
    form = forms.TopicFilterForm(forms.filter_data(request, campaign_for_request(request)), user=request.user)
    f = _filters(form)
    qs = selectors.topic_list(user=request.user, campaign=f["campaign"], org=f.get("org"), q=f.get("q", ""))
    return render(
        request,
        "outreach/topic_list.html",
        {"form": form, "page": _page(request, qs), "can_record": scope_for(request.user).has_any(Cap.RECORD)},
    )


def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_topic_for_user(request.user, pk)
    visits = selectors.visit_list(user=request.user, topic=topic)
    return render(
        request,
        "outreach/topic_detail.html",
        {
            "topic": topic,
            "visits": visits,
            "can_record": scope_for(request.user).can(Cap.RECORD, topic.org),
            "events": events_for(topic, limit=20),
        },
    )


def _topic_form(request: HttpRequest, topic: Any, title: str) -> HttpResponse:
    initial = {}
    if topic is None:
        current = campaign_for_request(request)
        initial = {
            "campaign": current.pk if current else None,
            "org": getattr(_default_org(request.user), "pk", None),
        }
    form = forms.TopicForm(request.POST or None, instance=topic, initial=initial, user=request.user)
    return _form_page(
        request,
        form,
        lambda data: services.topic_save(topic=topic, data=data, actor=request.user),
        success=lambda saved: f"已保存调研课题“{saved.title}”",
        title=title,
        cancel=topic.get_absolute_url() if topic else reverse("outreach:topic_list"),
        unit=True,
    )


def topic_create(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.RECORD)
    return _topic_form(request, None, "新建调研课题")


def topic_edit(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_rw_topic_for_user(request.user, pk)
    return _topic_form(request, topic, f"编辑调研课题：{topic.title}")


@require_POST
def topic_delete(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_rw_topic_for_user(request.user, pk)
    try:
        services.topic_delete(topic=topic, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(topic)
    messages.success(request, "已删除调研课题")
    return redirect("outreach:topic_list")


# --- Visits ----------------------------------------------------------------------------------


def visit_list(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.VIEW)
    form = forms.VisitFilterForm(forms.filter_data(request, campaign_for_request(request)), user=request.user)
    f = _filters(form)
    qs = selectors.visit_list(
        user=request.user,
        campaign=f["campaign"],
        org=f.get("org"),
        topic=f.get("topic"),
        date_from=f.get("date_from"),
        date_to=f.get("date_to"),
        q=f.get("q", ""),
    )
    return render(
        request,
        "outreach/visit_list.html",
        {"form": form, "page": _page(request, qs), "can_record": scope_for(request.user).has_any(Cap.RECORD)},
    )


def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, pk)
    scope = scope_for(request.user)
    internal = scope.can(Cap.VIEW_INTERNAL, visit.org)
    findings = selectors.visit_findings(visit=visit)
    return render(
        request,
        "outreach/visit_detail.html",
        {
            "visit": visit,
            "findings": findings,
            # A visit whose findings became problems or matters keeps its links: no delete button.
            "deletable": not any(f.problems.all() or f.matters.all() for f in findings),
            "participants": selectors.visit_participants(visit=visit),
            "demands": visit.demands.order_by("raised_on", "id") if internal else None,
            "can_record": scope.can(Cap.RECORD, visit.org),
            "internal": internal,
            "events": events_for(visit, limit=20),
        },
    )


def _visit_form(request: HttpRequest, visit: Any, title: str) -> HttpResponse:
    initial: dict[str, Any] = {}
    if visit is None:
        initial["org"] = getattr(_default_org(request.user), "pk", None)
        if topic_id := request.GET.get("topic"):
            initial["topic"] = topic_id
    form = forms.VisitForm(request.POST or None, instance=visit, initial=initial, user=request.user)
    finding_initial = [
        {"id": f.pk, "text": f.text, "category": f.category, "linked": f.linked}
        for f in (Finding.objects.filter(visit=visit).annotate_links() if visit else [])
    ]
    formset = forms.FindingFormSet(request.POST or None, initial=finding_initial, prefix="findings")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        require(request.user, Cap.RECORD, data["org"])
        try:
            saved = services.visit_save(
                visit=visit,
                data=data,
                participants=list(data["participants"]),
                findings=forms.finding_rows(formset),
                actor=request.user,
            )
        except ValidationError as exc:
            _error(form, exc)
        else:
            messages.success(request, f"已保存调研“{saved.subject}”")
            return redirect(saved)
    campaign = visit.campaign if visit else campaign_for_request(request)
    return render(
        request,
        "outreach/visit_form.html",
        {
            "form": form,
            "formset": formset,
            "title": title,
            "visit": visit,
            "leader_names": selectors.leader_suggestions(campaign=campaign),
        },
    )


def visit_create(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.RECORD)
    return _visit_form(request, None, "记录调研")


def visit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_rw_visit_for_user(request.user, pk)
    return _visit_form(request, visit, f"编辑调研：{visit.subject}")


@require_POST
def visit_delete(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_rw_visit_for_user(request.user, pk)
    try:
        services.visit_delete(visit=visit, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(visit)
    messages.success(request, "已删除调研记录")
    return redirect("outreach:visit_list")


def finding_to_problem(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_rw_finding_for_user(request.user, pk)
    if request.method == "GET" and finding.problems.exists():
        messages.info(request, "该发现已转入问题清单")
        return redirect(finding)
    form = forms.FindingToProblemForm(request.POST or None, user=request.user, finding=finding)
    if form.is_valid():
        require(request.user, Cap.RECORD, form.cleaned_data["org"])
        try:
            problem = services.finding_to_problem(finding=finding, data=form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            _error(form, exc)
        else:
            messages.success(request, f"已转入问题清单，问题编号 {problem.code}")
            return redirect(finding)
    return render(
        request,
        "outreach/finding_convert.html",
        {"form": form, "finding": finding, "visit": finding.visit, "target": "problem", "title": "转为问题"},
    )


def finding_to_matter(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_rw_finding_for_user(request.user, pk)
    if request.method == "GET" and finding.matters.exists():
        messages.info(request, "该发现已转为办实事")
        return redirect(finding)
    form = forms.MatterForm(
        request.POST or None,
        user=request.user,
        with_campaign=False,
        initial=forms.matter_initial_from_finding(finding),
    )
    if form.is_valid():
        require(request.user, Cap.RECORD, form.cleaned_data["org"])
        try:
            matter = services.finding_to_matter(finding=finding, data=form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            _error(form, exc)
        else:
            messages.success(request, f"已转为办实事“{matter.title}”")
            return redirect(matter)
    return render(
        request,
        "outreach/finding_convert.html",
        {"form": form, "finding": finding, "visit": finding.visit, "target": "matter", "title": "转为办实事"},
    )


# --- Demands ---------------------------------------------------------------------------------


def demand_list(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.VIEW_INTERNAL)
    form = forms.DemandFilterForm(
        forms.filter_data(request, campaign_for_request(request)), user=request.user
    )
    f = _filters(form)
    resolved = {"yes": True, "no": False}.get(f.get("resolved", ""))
    qs = selectors.demand_list(
        user=request.user,
        campaign=f["campaign"],
        org=f.get("org"),
        resolved=resolved,
        channel=f.get("channel", ""),
        date_from=f.get("date_from"),
        date_to=f.get("date_to"),
        q=f.get("q", ""),
    )
    return render(
        request,
        "outreach/demand_list.html",
        {
            "form": form,
            "page": _page(request, qs),
            "counts": selectors.demand_counts(qs),
            "can_record": scope_for(request.user).has_any(Cap.RECORD),
        },
    )


def demand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    demand = get_demand_for_user(request.user, pk)
    can_record = scope_for(request.user).can(Cap.RECORD, demand.org)
    return render(
        request,
        "outreach/demand_detail.html",
        {
            "demand": demand,
            "visit_visible": demand.visit is not None and can_open_visit(request.user, demand.visit),
            "matters": list(demand.matters.select_related("org")),
            "can_record": can_record,
            "respond_form": forms.DemandRespondForm(
                initial={"handler": demand.handler, "response": demand.response}
            )
            if can_record
            else None,
            "events": events_for(demand, limit=30),
        },
    )


def _demand_form(request: HttpRequest, demand: Any, title: str) -> HttpResponse:
    initial: dict[str, Any] = {}
    visit = None
    if demand is None:
        initial["org"] = getattr(_default_org(request.user), "pk", None)
        if visit_id := request.GET.get("visit"):
            visit = get_rw_visit_for_user(request.user, int(visit_id)) if visit_id.isdigit() else None
            if visit:
                initial.update(org=visit.org_id, raised_on=visit.date, channel="field")
    form = forms.DemandForm(request.POST or None, instance=demand, initial=initial, user=request.user)
    return _form_page(
        request,
        form,
        lambda data: services.demand_save(
            demand=demand, data={**data, "visit": visit} if visit is not None else data, actor=request.user
        ),
        success="已保存群众诉求",
        title=title,
        cancel=demand.get_absolute_url() if demand else reverse("outreach:demand_list"),
        unit=True,
        note=f"走访收集，来自调研“{visit.subject}”" if visit else "",
    )


def demand_create(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.RECORD)
    return _demand_form(request, None, "登记群众诉求")


def demand_edit(request: HttpRequest, pk: int) -> HttpResponse:
    demand = get_rw_demand_for_user(request.user, pk)
    return _demand_form(request, demand, "编辑群众诉求")


def demand_respond(request: HttpRequest, pk: int) -> HttpResponse:
    demand = get_rw_demand_for_user(request.user, pk)
    form = forms.DemandRespondForm(
        request.POST or None, initial={"handler": demand.handler, "response": demand.response}
    )
    return _form_page(
        request,
        form,
        lambda data: services.demand_respond(demand=demand, actor=request.user, **data),
        success="已记录办理情况",
        title="记录办理情况",
        cancel=demand.get_absolute_url(),
    )


def demand_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    demand = get_rw_demand_for_user(request.user, pk)
    form = forms.DemandResolveForm(request.POST or None, demand=demand)
    return _form_page(
        request,
        form,
        lambda data: services.demand_resolve(demand=demand, actor=request.user, **data),
        success="已标记为已解决",
        title="标记为已解决",
        cancel=demand.get_absolute_url(),
    )


def demand_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    demand = get_rw_demand_for_user(request.user, pk)
    form = forms.ReasonForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda data: services.demand_reopen(demand=demand, reason=data["reason"], actor=request.user),
        success="已重新打开该诉求",
        title="重新打开诉求",
        cancel=demand.get_absolute_url(),
    )


def demand_to_matter(request: HttpRequest, pk: int) -> HttpResponse:
    demand = get_rw_demand_for_user(request.user, pk)
    if request.method == "GET" and demand.matters.exists():
        messages.info(request, "该诉求已转为办实事")
        return redirect(demand)
    form = forms.MatterForm(
        request.POST or None,
        user=request.user,
        with_campaign=False,
        initial=forms.matter_initial_from_demand(demand),
    )
    return _form_page(
        request,
        form,
        lambda data: services.demand_to_matter(demand=demand, data=data, actor=request.user),
        success=lambda matter: f"已转为办实事“{matter.title}”",
        title="诉求转为办实事",
        cancel=demand.get_absolute_url(),
        unit=True,
        note=f"来源诉求：{demand.content}",
    )


@require_POST
def demand_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the full contact of the person who raised a demand, shown on request and audited."""
    demand = get_demand_for_user(request.user, pk)
    audit("view_pi", obj=demand, detail={"field": "contact"})
    return render(request, "outreach/demand_contact.html", {"demand": demand})


@require_POST
def demand_delete(request: HttpRequest, pk: int) -> HttpResponse:
    demand = get_rw_demand_for_user(request.user, pk)
    try:
        services.demand_delete(demand=demand, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(demand)
    messages.success(request, "已删除该诉求")
    return redirect("outreach:demand_list")


# --- Matters ---------------------------------------------------------------------------------


def matter_list(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.VIEW)
    form = forms.MatterFilterForm(
        forms.filter_data(request, campaign_for_request(request)), user=request.user
    )
    f = _filters(form)
    base = dict(user=request.user, campaign=f["campaign"], org=f.get("org"), q=f.get("q", ""))
    dates = dict(
        date_field=f.get("date_field") or "due_date", date_from=f.get("date_from"), date_to=f.get("date_to")
    )
    qs = selectors.matter_list(**base, **dates, status=f.get("status", ""), light=f.get("light", ""))
    return render(
        request,
        "outreach/matter_list.html",
        {
            "form": form,
            "page": _page(request, qs),
            # The strip above the list counts the campaign, unit and words chosen, before status/light.
            "counts": selectors.matter_counts(selectors.matter_list(**base, **dates)),
            "can_record": scope_for(request.user).has_any(Cap.RECORD),
        },
    )


def matter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    matter = get_matter_for_user(request.user, pk)
    scope = scope_for(request.user)
    can_record = scope.can(Cap.RECORD, matter.org)
    demand_visible = matter.demand is not None and scope.can(Cap.VIEW_INTERNAL, matter.demand.org)
    open_ = matter.status != PracticalMatter.Status.DONE
    return render(
        request,
        "outreach/matter_detail.html",
        {
            "matter": matter,
            "can_record": can_record,
            "demand_visible": demand_visible,
            "visit_visible": matter.visit is not None and can_open_visit(request.user, matter.visit),
            "progress_form": forms.MatterProgressForm(matter=matter) if can_record and open_ else None,
            "events": events_for(matter),
            "attachments": attachments_for(matter),
        },
    )


def _matter_form(request: HttpRequest, matter: Any, title: str) -> HttpResponse:
    initial: dict[str, Any] = {}
    if matter is None:
        current = campaign_for_request(request)
        initial = {
            "campaign": current.pk if current else None,
            "org": getattr(_default_org(request.user), "pk", None),
        }
    form = forms.MatterForm(request.POST or None, instance=matter, initial=initial, user=request.user)

    def save(data: dict) -> Any:
        if matter is None:
            return services.matter_create(data=data, actor=request.user)
        return services.matter_update(matter=matter, data=data, actor=request.user)

    return _form_page(
        request,
        form,
        save,
        success=lambda saved: f"已保存办实事“{saved.title}”",
        title=title,
        cancel=matter.get_absolute_url() if matter else reverse("outreach:matter_list"),
        unit=True,
    )


def matter_create(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.RECORD)
    return _matter_form(request, None, "新增办实事")


def matter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    matter = get_rw_matter_for_user(request.user, pk)
    return _matter_form(request, matter, f"编辑办实事：{matter.title}")


def matter_progress(request: HttpRequest, pk: int) -> HttpResponse:
    matter = get_rw_matter_for_user(request.user, pk)
    form = forms.MatterProgressForm(request.POST or None, request.FILES or None, matter=matter)

    def save(data: dict) -> Any:
        services.matter_progress(
            matter=matter, note=data["note"], status=data["status"], uploads=data["files"], actor=request.user
        )
        return matter  # the service returns its event; the user goes back to the matter

    return _form_page(
        request,
        form,
        save,
        success="已记录推进情况",
        title=f"记录推进情况：{matter.title}",
        cancel=matter.get_absolute_url(),
        upload=True,
    )


def matter_complete(request: HttpRequest, pk: int) -> HttpResponse:
    matter = get_rw_matter_for_user(request.user, pk)
    form = forms.MatterCompleteForm(request.POST or None, request.FILES or None, matter=matter)
    return _form_page(
        request,
        form,
        lambda data: services.matter_complete(
            matter=matter,
            done_on=data["done_on"],
            outcome=data["outcome"],
            beneficiary_count=data["beneficiary_count"],
            beneficiary_unit=data.get("beneficiary_unit") or "",
            uploads=data["files"],
            actor=request.user,
        ),
        success=f"“{matter.title}”已办结",
        title=f"办结：{matter.title}",
        cancel=matter.get_absolute_url(),
        upload=True,
    )


def matter_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    matter = get_rw_matter_for_user(request.user, pk)
    form = forms.ReasonForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda data: services.matter_reopen(matter=matter, reason=data["reason"], actor=request.user),
        success="已重新打开，状态改为推进中",
        title="重新打开办实事",
        cancel=matter.get_absolute_url(),
    )


def matter_attach(request: HttpRequest, pk: int) -> HttpResponse:
    matter = get_rw_matter_for_user(request.user, pk)
    form = forms.AttachForm(request.POST or None, request.FILES or None)

    def save(data: dict) -> Any:
        services.matter_attach(matter=matter, uploads=data["files"], actor=request.user)
        return matter  # the service returns its event; the user goes back to the matter

    return _form_page(
        request,
        form,
        save,
        success="已上传佐证材料",
        title="上传佐证材料",
        cancel=matter.get_absolute_url(),
        upload=True,
    )


@require_POST
def matter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    matter = get_rw_matter_for_user(request.user, pk)
    services.matter_delete(matter=matter, actor=request.user)
    messages.success(request, "已删除该办实事")
    return redirect("outreach:matter_list")


# --- Counts by unit --------------------------------------------------------------------------


def unit_counts(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.VIEW)
    form = forms.CountsFilterForm(
        forms.filter_data(request, campaign_for_request(request)), user=request.user
    )
    f = _filters(form)
    result = selectors.unit_counts(user=request.user, campaign=f["campaign"], org=f.get("org"))
    return render(request, "outreach/unit_counts.html", {"form": form, **result})
