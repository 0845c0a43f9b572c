"""Problem list, problem page and its closed loop, measures and evidence, institutions.

Thin: access → form → service → redirect. A transition that lost a race (or came from a stale page)
answers 409 with the problem page as it is now and the reason; see services._transition.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from taizhang.campaigns.selectors import campaign_for_request
from taizhang.core.access import Cap, require, require_any, scope_for
from taizhang.core.selectors import attachments_for
from taizhang.outreach.access import can_open_visit
from taizhang.rectification import selectors, services
from taizhang.rectification.access import (
    get_institution_for_user,
    get_problem_for_user,
    get_review_problem_for_user,
    get_rw_evidence_for_user,
    get_rw_institution_for_user,
    get_rw_measure_for_user,
    get_rw_problem_for_user,
    problem_permissions,
)
from taizhang.rectification.forms import (
    EvidenceForm,
    InstitutionFilterForm,
    InstitutionForm,
    MeasureCompleteForm,
    MeasureFilterForm,
    MeasureForm,
    MeasureUndoForm,
    NoteForm,
    ProblemFilterForm,
    ProblemForm,
    TransitionForm,
)
from taizhang.rectification.models import Institution, Problem
from taizhang.rectification.services import TRANSITIONS, Conflict, RectificationError
from taizhang.study.access import can_open_activity

PAGE_SIZE = 50


def _error_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _add_errors(form: Any, exc: ValidationError, field: str | None = None) -> None:
    """Put a service's ValidationError on the form: per field when it names one the form has."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = name if name in form.fields else field
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(field, exc)


def _posted(request: HttpRequest, *, files: bool = False) -> tuple:
    """Bind a form on every POST, even an empty one (so a blank submit shows "required", not a blank form)."""
    if request.method != "POST":
        return (None, None) if files else (None,)
    return (request.POST, request.FILES) if files else (request.POST,)


def _own_unit_id(user: Any) -> int | None:
    """The unit a recorder works for, when there is exactly one (the usual branch secretary): the
    forms start with it chosen."""
    from taizhang.org.models import Organization

    paths = scope_for(user).paths(Cap.RECORD)
    if len(paths) != 1 or paths == ("/",):
        return None
    return Organization.objects.filter(path=paths[0]).values_list("pk", flat=True).first()


def _next_url(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
        return candidate
    return default


# --- lists ---------------------------------------------------------------------------------------


def problem_list(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.VIEW_INTERNAL)
    campaign = campaign_for_request(request)
    form = ProblemFilterForm(
        request.GET or None,
        user=request.user,
        leaders=selectors.leader_choices(user=request.user, campaign=campaign),
    )
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.ProblemFilters(
        q=(data.get("q") or "").strip(),
        status=data.get("status", ""),
        category=data.get("category", ""),
        source=data.get("source", ""),
        rectification_type=data.get("rectification_type", ""),
        org=data.get("org"),
        leader=data.get("leader"),
        light=data.get("light", ""),
    )
    qs = selectors.problem_list(user=request.user, campaign=campaign, filters=filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    scope = scope_for(request.user)
    org = filters.org
    return render(
        request,
        "rectification/problem_list.html",
        {
            "form": form,
            "page": page,
            "campaign": campaign,
            "figures": selectors.problem_figures(user=request.user, campaign=campaign, org=org),
            "figure_org": org,
            "org_param": f"org={org.pk}&" if org else "",
            "filtered": any(v for k, v in data.items() if k != "page"),
            "can_record": scope.has_any(Cap.RECORD),
            "can_review": scope.has_any(Cap.REVIEW),
        },
    )


def review_queue(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.REVIEW)
    rows = list(selectors.review_queue(user=request.user)[:200])
    return render(request, "rectification/review_queue.html", {"rows": rows})


def measure_list(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.VIEW_INTERNAL)
    campaign = campaign_for_request(request)
    form = MeasureFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.measure_list(
        user=request.user,
        campaign=campaign,
        status=data.get("status", ""),
        light=data.get("light", ""),
        org=data.get("org"),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "rectification/measure_list.html", {"form": form, "page": page, "campaign": campaign}
    )


def stats(request: HttpRequest) -> HttpResponse:
    """Rates by unit (each row counts its subtree) and open / overdue problems by responsible leader."""
    require_any(request.user, Cap.VIEW_INTERNAL)
    campaign = campaign_for_request(request)
    parent = None
    if org_id := request.GET.get("org"):
        from taizhang.org.access import get_org_for_user

        try:
            parent = get_org_for_user(request.user, int(org_id))
        except ValueError:
            raise Http404 from None
    units = selectors.unit_rows(user=request.user, campaign=campaign, parent=parent)
    scope_org = units["parent"]
    return render(
        request,
        "rectification/stats.html",
        {
            "campaign": campaign,
            "units": units,
            "figures": selectors.problem_figures(user=request.user, campaign=campaign, org=parent),
            "leaders": selectors.leader_rows(user=request.user, campaign=campaign, org=parent),
            "scope_org": scope_org,
            "org_param": f"org={parent.pk}&" if parent else "",
        },
    )


# --- one problem ---------------------------------------------------------------------------------


def _detail(request: HttpRequest, problem: Problem, *, status: int = 200, **forms: Any) -> HttpResponse:
    measures = selectors.problem_measures(problem)
    perms = problem_permissions(request.user, problem)
    check = services.evidence_check(problem)
    institutions = list(problem.institutions.select_related("org").order_by("-issued_on", "-id"))
    history = selectors.problem_history(problem, measures)
    # The reviewer's last word stays on top while the problem is being fixed after a return.
    last_status = next((e for e in history if e.kind == "status" and e.measure_number is None), None)
    last_return = (
        last_status
        if last_status
        and last_status.data.get("action") == "return"
        and problem.status == Problem.Status.IN_PROGRESS
        else None
    )
    context = {
        "problem": problem,
        "perms": perms,
        "measures": measures,
        "check": check,
        "history": history,
        "last_return": last_return,
        "files": attachments_for(problem),
        "institutions": institutions,
        "note_form": forms.get("note_form") or NoteForm(),
        "sign_off_form": forms.get("sign_off_form") or TransitionForm(initial={"version": problem.version}),
        "return_form": forms.get("return_form")
        or TransitionForm(
            initial={"version": problem.version}, note_label="退回意见", note_required=True, prefix="return"
        ),
        "steps": _steps(problem),
        # The record it was found in may belong to a unit above (a committee visit): named, linked only if it opens.
        "activity_visible": problem.activity is not None
        and can_open_activity(request.user, problem.activity),
        "visit_visible": problem.visit is not None and can_open_visit(request.user, problem.visit),
    }
    return render(request, "rectification/problem_detail.html", context, status=status)


def _steps(problem: Problem) -> list[dict]:
    order = [s.value for s in Problem.Status]
    here = order.index(problem.status)
    return [
        {"label": s.label, "value": s.value, "done": i < here, "current": i == here}
        for i, s in enumerate(Problem.Status)
    ]


def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_problem_for_user(request.user, pk))


def problem_create(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.RECORD)
    campaign = campaign_for_request(request)
    initial = {}
    if org_id := request.GET.get("org") or _own_unit_id(request.user):
        initial["org"] = org_id
    for name in ("activity", "visit"):
        if value := request.GET.get(name):
            initial[name] = value
            initial["source"] = Problem.Source.MEETING if name == "activity" else Problem.Source.RESEARCH
    form = ProblemForm(*_posted(request), user=request.user, campaign=campaign, initial=initial)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        require(request.user, Cap.RECORD, data["org"])
        try:
            problem = services.problem_create(
                campaign=campaign,
                org=data.pop("org"),
                category=data.pop("category"),
                source=data.pop("source"),
                description=data.pop("description"),
                code=data.pop("code"),
                deadline=data.pop("deadline"),
                actor=request.user,
                **data,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"已登记问题 {problem.code}，请继续制定整改措施")
            return redirect("rectification:measure_create", pk=problem.pk)
    return render(request, "rectification/problem_form.html", {"form": form, "title": "登记问题"})


def problem_edit(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_rw_problem_for_user(request.user, pk)
    if not problem.is_editable:
        messages.error(request, services._locked_message(problem))
        return redirect(problem)
    form = ProblemForm(*_posted(request), instance=problem, user=request.user, campaign=problem.campaign)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version", None)
        if not data.get("code"):
            data.pop("code", None)
        try:
            services.problem_update(problem=problem, data=data, actor=request.user, expected_version=version)
        except Conflict as exc:
            form.add_error(None, exc)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect(problem)
    return render(
        request,
        "rectification/problem_form.html",
        {"form": form, "title": f"编辑问题 {problem.code}", "problem": problem},
    )


@require_POST
def problem_delete(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_rw_problem_for_user(request.user, pk)
    try:
        services.problem_delete(problem=problem, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("rectification:problem_detail", pk=pk)
    messages.success(request, f"已删除问题 {problem.code}")
    return redirect("rectification:problem_list")


TRANSITION_PAGES = {
    "start": {"title": "开始整改", "note_label": "说明", "help": "问题转入“整改中”，开始落实整改措施。"},
    "submit": {
        "title": "申请销号",
        "note_label": "销号说明",
        "help": "提交审核领导审核。所有措施都已完成并上传佐证材料时可直接提交；否则须写明理由。",
    },
    "sign_off": {
        "title": "审核通过并销号",
        "note_label": "审核意见",
        "help": "确认整改到位后销号；销号后问题锁定，不能再修改。",
    },
    "return": {
        "title": "退回整改",
        "note_label": "退回意见",
        "help": "写明需要补充或改进的地方，问题退回“整改中”。",
    },
    "reopen": {
        "title": "重新打开",
        "note_label": "重新打开的理由",
        "help": "已销号的问题重新转入“整改中”；此操作记入动态和审计日志。",
    },
}


def problem_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """GET: the action's page (what it does, what is missing, the reason field); POST: do it."""
    t = TRANSITIONS[action]
    getter = get_review_problem_for_user if t.cap == Cap.REVIEW else get_rw_problem_for_user
    problem = getter(request.user, pk)
    page = TRANSITION_PAGES[action]
    # The reason is required by the service, after it has checked the state and the page's version.
    form = TransitionForm(
        *_posted(request),
        initial={"version": problem.version},
        note_label=page["note_label"],
        prefix="return" if action == "return" and "return-version" in request.POST else None,
    )
    if t.reason:
        form.fields["note"].widget.attrs["required"] = True
    if request.method == "POST" and form.is_valid():
        try:
            services.problem_transition(
                problem=problem,
                action=action,
                actor=request.user,
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
        except Conflict as exc:
            messages.error(request, _error_text(exc))
            fresh = get_problem_for_user(request.user, pk)
            return _detail(request, fresh, status=409)
        except RectificationError as exc:
            if problem.status != t.source:
                messages.error(request, _error_text(exc))
                return _detail(request, problem, status=409)
            _add_errors(form, exc, field="note")
        else:
            messages.success(request, f"{problem.code}：已{t.label}")
            return redirect(_next_url(request, reverse("rectification:problem_detail", args=[pk])))
    return render(
        request,
        "rectification/transition.html",
        {
            "problem": problem,
            "form": form,
            "action": action,
            "page": page,
            "transition": t,
            "check": services.evidence_check(problem),
            "wrong_state": problem.status != t.source,
            "next": request.GET.get("next", ""),
        },
    )


@require_POST
def problem_note(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_rw_problem_for_user(request.user, pk)
    form = NoteForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.problem_note(
                problem=problem,
                actor=request.user,
                note=form.cleaned_data["note"],
                files=form.cleaned_data["files"],
            )
        except RectificationError as exc:
            form.add_error(None, exc)
        except ValidationError as exc:
            _add_errors(form, exc, field="files")
        else:
            messages.success(request, "已记录进展")
            return redirect(reverse("rectification:problem_detail", args=[pk]) + "#history")
    return _detail(request, problem, note_form=form)


# --- measures and evidence -----------------------------------------------------------------------


def _measure_page(
    request: HttpRequest, problem: Problem, form: Any, title: str, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "rectification/measure_form.html",
        {"problem": problem, "form": form, "title": title, **extra},
    )


def measure_create(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_rw_problem_for_user(request.user, pk)
    if not problem.is_editable:
        messages.error(request, services._locked_message(problem))
        return redirect(problem)
    form = MeasureForm(*_posted(request), initial={"deadline": problem.deadline})
    if form.is_valid():
        try:
            services.measure_create(problem=problem, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "已添加整改措施")
            if "add_another" in request.POST:
                return redirect("rectification:measure_create", pk=pk)
            return redirect(problem)
    existing = list(problem.measures.order_by("order", "id"))
    return _measure_page(request, problem, form, "添加整改措施", existing=existing, add_another=True)


def measure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_rw_measure_for_user(request.user, pk)
    problem = measure.problem
    if not problem.is_editable:
        messages.error(request, services._locked_message(problem))
        return redirect(problem)
    form = MeasureForm(*_posted(request), instance=measure)
    if form.is_valid():
        try:
            services.measure_update(measure=measure, data=form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect(measure)
    return _measure_page(request, problem, form, "编辑整改措施", measure=measure)


def measure_complete(request: HttpRequest, pk: int) -> HttpResponse:
    from taizhang.lib.dates import today

    measure = get_rw_measure_for_user(request.user, pk)
    problem = measure.problem
    if not problem.is_editable:
        messages.error(request, services._locked_message(problem))
        return redirect(problem)
    form = MeasureCompleteForm(*_posted(request, files=True), initial={"done_on": today()})
    if form.is_valid():
        try:
            services.measure_complete(measure=measure, actor=request.user, **form.cleaned_data)
        except RectificationError as exc:
            _add_errors(form, exc)
        except ValidationError as exc:
            _add_errors(form, exc, field="files")
        else:
            messages.success(request, "已标记为完成")
            return redirect(measure)
    return _measure_page(request, problem, form, "完成整改措施", measure=measure, multipart=True)


def measure_undo(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_rw_measure_for_user(request.user, pk)
    problem = measure.problem
    if not problem.is_editable:
        messages.error(request, services._locked_message(problem))
        return redirect(problem)
    form = MeasureUndoForm(*_posted(request))
    if form.is_valid():
        try:
            services.measure_reopen(measure=measure, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc, field="reason")
        else:
            messages.success(request, "已改回未完成")
            return redirect(measure)
    return _measure_page(request, problem, form, "改回未完成", measure=measure)


@require_POST
def measure_delete(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_rw_measure_for_user(request.user, pk)
    problem = measure.problem
    try:
        services.measure_delete(measure=measure, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "已删除整改措施")
    return redirect(problem)


def measure_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_rw_measure_for_user(request.user, pk)
    problem = measure.problem
    if not problem.is_editable:
        messages.error(request, services._locked_message(problem))
        return redirect(problem)
    form = EvidenceForm(*_posted(request, files=True))
    if form.is_valid():
        try:
            services.evidence_add(
                measure=measure,
                files=form.cleaned_data["files"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except RectificationError as exc:
            _add_errors(form, exc)
        except ValidationError as exc:
            _add_errors(form, exc, field="files")
        else:
            messages.success(request, "已上传佐证材料")
            return redirect(measure)
    return _measure_page(request, problem, form, "上传佐证材料", measure=measure, multipart=True)


@require_POST
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment, problem = get_rw_evidence_for_user(request.user, pk)
    try:
        services.evidence_delete(attachment=attachment, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"已删除材料“{attachment.original_name}”")
    return redirect(problem)


# --- institutions --------------------------------------------------------------------------------


def institution_list(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.VIEW)
    campaign = campaign_for_request(request)
    form = InstitutionFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.institution_list(
        user=request.user,
        campaign=campaign,
        kind=data.get("kind", ""),
        org=data.get("org"),
        q=(data.get("q") or "").strip(),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    org = data.get("org")
    return render(
        request,
        "rectification/institution_list.html",
        {
            "form": form,
            "page": page,
            "campaign": campaign,
            "figures": selectors.institution_figures(user=request.user, campaign=campaign, org=org),
            "org_param": f"org={org.pk}&" if org else "",
            "can_record": scope_for(request.user).has_any(Cap.RECORD),
        },
    )


def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_institution_for_user(request.user, pk)
    scope = scope_for(request.user)
    # Members see the institution; the problems behind it are internal records.
    problems = institution.problems.within(request.user, Cap.VIEW_INTERNAL).select_related("org")
    measures = institution.measures.within(request.user, Cap.VIEW_INTERNAL).select_related("problem")
    return render(
        request,
        "rectification/institution_detail.html",
        {
            "institution": institution,
            "problems": list(problems.order_by("code")),
            "measures": list(measures.order_by("problem__code", "order")),
            "files": attachments_for(institution),
            "can_edit": scope.can(Cap.RECORD, institution.org),
        },
    )


def _institution_form(request: HttpRequest, institution: Institution | None, title: str) -> HttpResponse:
    campaign = institution.campaign if institution else campaign_for_request(request)
    initial = {}
    if institution is None:
        if own := _own_unit_id(request.user):
            initial["org"] = own
        if problem_id := request.GET.get("problem"):
            initial["problems"] = [problem_id]
    form = InstitutionForm(
        *_posted(request, files=True),
        instance=institution,
        user=request.user,
        campaign=campaign,
        initial=initial,
    )
    if form.is_valid():
        data = dict(form.cleaned_data)
        files = data.pop("files", [])
        try:
            saved = services.institution_save(
                institution=institution, data=data, actor=request.user, campaign=campaign, files=files
            )
        except ValidationError as exc:
            _add_errors(form, exc, field="files")
        else:
            messages.success(request, f"已保存制度《{saved.name}》")
            return redirect(saved)
    return render(
        request,
        "rectification/institution_form.html",
        {"form": form, "title": title, "institution": institution},
    )


def institution_create(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.RECORD)
    return _institution_form(request, None, "登记制度")


def institution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_rw_institution_for_user(request.user, pk)
    return _institution_form(request, institution, f"编辑制度：{institution.name}")


@require_POST
def institution_delete(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_rw_institution_for_user(request.user, pk)
    services.institution_delete(institution=institution, actor=request.user)
    messages.success(request, f"已删除制度《{institution.name}》")
    return redirect("rectification:institution_list")
