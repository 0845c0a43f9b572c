"""Work plan, calendar, 督办 board, study plans and templates. Thin: access → form → service → redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from taizhang.campaigns.models import Phase
from taizhang.campaigns.selectors import campaign_for_request
from taizhang.core.access import Cap, require, require_any, scope_for
from taizhang.core.selectors import attachments_for, events_for
from taizhang.lib.dates import campaign_week, today
from taizhang.plans import matching, selectors, services, supervision
from taizhang.plans.access import (
    can_edit_studyplan,
    get_rw_item_for_user,
    get_rw_studyplan_for_user,
    get_rw_task_for_user,
    get_studyplan_for_user,
    get_task_for_user,
    get_template_for_user,
)
from taizhang.plans.forms import (
    ItemForm,
    ItemMatchForm,
    LinkForm,
    LinkSearchForm,
    StudyPlanEditForm,
    StudyPlanForm,
    TaskCloseForm,
    TaskFilterForm,
    TaskForm,
    TaskNoteForm,
    TaskReopenForm,
    TemplateApplyForm,
    TemplateSaveForm,
)
from taizhang.plans.links import BY_KEY, candidates
from taizhang.plans.models import CampaignTemplate, PlanTaskLink, StudyPlan

NO_CAMPAIGN = "请先在右上角选择一项学习教育活动（或由管理员新建）"


def _errors(request: HttpRequest, exc: ValidationError, form: Any = None) -> None:
    """Show a service's ValidationError on the form when there is one, else as a message."""
    if form is not None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return
    messages.error(request, " ".join(exc.messages))


# --- Tasks ----------------------------------------------------------------------------------------


def task_list(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.VIEW)
    campaign = campaign_for_request(request)
    form = TaskFilterForm(request.GET or None, user=request.user, campaign=campaign)
    filters = form.cleaned_data if form.is_valid() else {}
    day = today()
    qs = selectors.task_list(
        user=request.user,
        campaign=campaign,
        today=day,
        phase=filters.get("phase"),
        kind=filters.get("kind", ""),
        status=filters.get("status", ""),
        light=filters.get("light", ""),
        org=filters.get("org"),
        q=filters.get("q", ""),
        mine=filters.get("mine", False),
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    if campaign is not None:
        for task in page:
            task.week = campaign_week(campaign.start_date, task.planned_start)
    return render(
        request,
        "plans/task_list.html",
        {
            "campaign": campaign,
            "form": form,
            "page": page,
            "counts": selectors.task_counts(qs),
            "can_record": scope_for(request.user).has_any(Cap.RECORD) and campaign is not None,
            "today": day,
        },
    )


def task_create(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.RECORD)
    campaign = campaign_for_request(request)
    if campaign is None:
        messages.error(request, NO_CAMPAIGN)
        return redirect("plans:task_list")
    initial: dict[str, Any] = {}
    for name in ("planned_start", "phase", "org"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    form = TaskForm(request.POST or None, user=request.user, campaign=campaign, initial=initial)
    if form.is_valid():
        require(request.user, Cap.RECORD, form.cleaned_data["org"])
        try:
            task = services.task_create(campaign=campaign, data=form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            _errors(request, exc, form)
        else:
            messages.success(request, f"已新增任务“{task.title}”")
            return redirect("plans:task_detail", pk=task.pk)
    return render(
        request, "plans/task_form.html", {"form": form, "title": "新增工作任务", "campaign": campaign}
    )


def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_task_for_user(request.user, pk)
    day = today()
    scope = scope_for(request.user)
    can_record = scope.can(Cap.RECORD, task.org)
    context: dict[str, Any] = {
        "task": task,
        "light": task.current_light,
        "overdue_days": (day - task.planned_end).days if task.current_light == "red" else 0,
        "week": campaign_week(task.campaign.start_date, task.planned_start) if task.campaign else None,
        "links": selectors.task_links(task, user=request.user),
        "attachments": attachments_for(task),
        "history": selectors.task_history(task),
        "light_history": selectors.light_history(task, today=day),
        "can_record": can_record,
        # A task of a unit above the user's is published to them, its files are not (downloads
        # follow the unit's scope, core.views.attachment_download).
        "can_download": scope.can(Cap.VIEW, task.org),
        "today": day,
    }
    if can_record:
        search = LinkSearchForm(request.GET if "kind" in request.GET else None, initial={"kind": "activity"})
        context.update(
            {
                "search_form": search,
                "close_form": TaskCloseForm(),
                "reopen_form": TaskReopenForm(),
                "note_form": TaskNoteForm(),
                **_candidates_context(request, task, search),
            }
        )
    return render(request, "plans/task_detail.html", context)


def _candidates_context(request: HttpRequest, task: Any, search: LinkSearchForm) -> dict[str, Any]:
    key, q = "activity", ""
    if search.is_bound and search.is_valid():
        key, q = search.cleaned_data["kind"], search.cleaned_data["q"]
    kind = BY_KEY[key]
    linked = set(
        PlanTaskLink.objects.filter(task=task, content_type=kind.content_type()).values_list(
            "object_id", flat=True
        )
    )
    rows = [
        {"obj": obj, "title": kind.title_of(obj), "date": kind.date_of(obj), "extra": kind.extra_of(obj)}
        for obj in candidates(user=request.user, task=task, kind=kind, q=q)
    ]
    return {"candidate_kind": kind, "candidates": rows, "linked_ids": linked, "candidate_q": q}


def task_link_candidates(request: HttpRequest, pk: int) -> HttpResponse:
    """The candidate list alone (htmx swaps it in as the user changes the kind or types a search)."""
    task = get_rw_task_for_user(request.user, pk)
    search = LinkSearchForm(request.GET)
    context = {"task": task, **_candidates_context(request, task, search)}
    return render(request, "plans/task_candidates.html", context)


def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_rw_task_for_user(request.user, pk)
    if task.campaign is None:
        raise Http404("该任务不属于任何学习教育活动")
    form = TaskForm(request.POST or None, instance=task, user=request.user, campaign=task.campaign)
    if form.is_valid():
        require(request.user, Cap.RECORD, form.cleaned_data["org"])
        try:
            services.task_update(task=task, data=form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            _errors(request, exc, form)
        else:
            messages.success(request, "已保存")
            return redirect("plans:task_detail", pk=task.pk)
    return render(
        request,
        "plans/task_form.html",
        {"form": form, "title": f"编辑任务：{task.title}", "task": task, "campaign": task.campaign},
    )


@require_POST
def task_start(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_rw_task_for_user(request.user, pk)
    try:
        services.task_start(task=task, actor=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, "任务已开始")
    return redirect("plans:task_detail", pk=task.pk)


@require_POST
def task_close(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_rw_task_for_user(request.user, pk)
    form = TaskCloseForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.task_close(
                task=task,
                actor=request.user,
                note=form.cleaned_data["note"],
                done_on=form.cleaned_data["done_on"],
                uploads=form.cleaned_data["evidence"],
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, f"任务“{task.title}”已完成")
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("plans:task_detail", pk=task.pk)


@require_POST
def task_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_rw_task_for_user(request.user, pk)
    try:
        services.task_reopen(task=task, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, "任务已重新打开")
    return redirect("plans:task_detail", pk=task.pk)


@require_POST
def task_note(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_rw_task_for_user(request.user, pk)
    form = TaskNoteForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.task_note(
                task=task,
                actor=request.user,
                note=form.cleaned_data["note"],
                uploads=form.cleaned_data["evidence"],
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, "已记录进展")
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect(reverse("plans:task_detail", args=[task.pk]) + "#history")


@require_POST
def task_link(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_rw_task_for_user(request.user, pk)
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择要关联的记录")
        return redirect("plans:task_detail", pk=task.pk)
    kind = BY_KEY[form.cleaned_data["kind"]]
    obj = (
        kind.model._default_manager.within(request.user, kind.view_cap)
        .filter(pk=form.cleaned_data["object_id"])
        .first()
    )
    if obj is None:
        messages.error(request, "没有找到该记录，或您无权查看")
        return redirect("plans:task_detail", pk=task.pk)
    try:
        services.task_link(task=task, obj=obj, actor=request.user, close=form.cleaned_data["close"])
    except ValidationError as exc:
        _errors(request, exc)
    else:
        done = " ，任务已完成" if form.cleaned_data["close"] else ""
        messages.success(request, f"已关联{kind.label}“{kind.title_of(obj)}”{done}")
    return redirect("plans:task_detail", pk=task.pk)


@require_POST
def task_unlink(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    task = get_rw_task_for_user(request.user, pk)
    link = PlanTaskLink.objects.filter(task=task, pk=link_pk).first()
    if link is None:
        raise Http404("没有找到该关联记录")
    status = task.status
    task = services.task_unlink(link=link, actor=request.user)
    if task.status != status:
        messages.warning(request, "已取消关联；任务没有其他关联记录或完成情况，已重新打开")
    else:
        messages.success(request, "已取消关联")
    return redirect("plans:task_detail", pk=task.pk)


@require_POST
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_rw_task_for_user(request.user, pk)
    title = task.title
    services.task_delete(task=task, actor=request.user)
    messages.success(request, f"已删除任务“{title}”")
    return redirect("plans:task_list")


# --- Calendar -------------------------------------------------------------------------------------


def calendar(request: HttpRequest) -> HttpResponse:
    """The plan week by week: campaign weeks as rows, each task on its planned days, phase bands."""
    require_any(request.user, Cap.VIEW)
    campaign = campaign_for_request(request)
    form = TaskFilterForm(request.GET or None, user=request.user, campaign=campaign)
    filters = form.cleaned_data if form.is_valid() else {}
    day = today()
    weeks = []
    if campaign is not None:
        tasks = list(
            selectors.task_list(
                user=request.user,
                campaign=campaign,
                today=day,
                phase=filters.get("phase"),
                kind=filters.get("kind", ""),
                status=filters.get("status", ""),
                light=filters.get("light", ""),
                org=filters.get("org"),
                q=filters.get("q", ""),
                mine=filters.get("mine", False),
            )
        )
        phases = list(Phase.objects.filter(campaign=campaign).order_by("order", "start_date"))
        weeks = selectors.calendar_weeks(campaign=campaign, tasks=tasks, phases=phases, today=day)
        if filters.get("phase"):
            chosen = filters["phase"]
            weeks = [w for w in weeks if w.start <= chosen.end_date and w.end >= chosen.start_date]
    return render(
        request,
        "plans/calendar.html",
        {
            "campaign": campaign,
            "form": form,
            "weeks": weeks,
            "today": day,
            "can_record": campaign is not None and scope_for(request.user).has_any(Cap.RECORD),
        },
    )


# --- 督办 -----------------------------------------------------------------------------------------


SIDE_LIMIT = 30


def _leading(entries: list[dict], show_all: bool, chosen: dict | None) -> list[dict]:
    if show_all or len(entries) <= SIDE_LIMIT:
        return entries
    shown = entries[:SIDE_LIMIT]
    if chosen is not None and chosen not in shown:
        shown.append(chosen)
    return shown


def lights(request: HttpRequest) -> HttpResponse:
    """Every red or yellow item the user may see (tasks, problems, measures, matters), by unit and leader."""
    require_any(request.user, Cap.VIEW)
    campaign = campaign_for_request(request)
    all_campaigns = request.GET.get("all") == "1" or campaign is None
    light = request.GET.get("light", "")
    light = light if light in ("red", "yellow") else ""
    org_id = request.GET.get("org", "")
    leader = request.GET.get("leader", "")
    leader = leader if leader == "none" or leader.isdigit() else ""
    kind_key = request.GET.get("kind", "")
    board = supervision.lights_board(
        user=request.user,
        today=today(),
        campaign=None if all_campaigns else campaign,
        light=light,
        org_id=int(org_id) if org_id.isdigit() else None,
        leader=leader,
        kind_key=kind_key,
    )
    chosen_org = next((o for o in board["by_org"] if str(o["id"]) == org_id), None)
    chosen_leader = next((p for p in board["by_leader"] if str(p["id"] or "none") == leader), None)
    # A city has a thousand units with red or yellow items: the side tables list those with the most
    # (red first) unless the user asks for all of them; the one chosen is always listed.
    show_all = request.GET.get("units") == "all"
    by_org = _leading(board["by_org"], show_all, chosen_org)
    by_leader = _leading(board["by_leader"], show_all, chosen_leader)
    all_query = request.GET.copy()
    all_query["units"] = "all"
    return render(
        request,
        "plans/lights.html",
        {
            "board": board,
            "by_org": by_org,
            "by_leader": by_leader,
            "side_limit": SIDE_LIMIT,
            "all_units_query": all_query.urlencode(),
            "campaign": campaign,
            "all_campaigns": all_campaigns,
            "light": light,
            "kind_key": kind_key,
            "chosen_org": chosen_org,
            "chosen_leader": chosen_leader,
            "filtered": bool(light or chosen_org or chosen_leader or kind_key),
            "today": today(),
        },
    )


# --- Study plans ----------------------------------------------------------------------------------

LEVEL_TABS = (
    (StudyPlan.Level.COMMITTEE, "党委"),
    (StudyPlan.Level.GROUP, "支部（党小组）"),
    (StudyPlan.Level.PERSONAL, "个人"),
)


def studyplan_list(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.VIEW)
    campaign = campaign_for_request(request)
    level = request.GET.get("level", StudyPlan.Level.COMMITTEE)
    if level not in StudyPlan.Level.values:
        level = StudyPlan.Level.COMMITTEE
    day = today()
    qs = selectors.studyplan_list(user=request.user, campaign=campaign, level=level, today=day)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    counts = selectors.studyplan_level_counts(user=request.user, campaign=campaign)
    tabs = [{"level": value, "label": label, "count": counts[value]} for value, label in LEVEL_TABS]
    member_id = getattr(request.user, "member_id", None)
    return render(
        request,
        "plans/studyplan_list.html",
        {
            "campaign": campaign,
            "level": level,
            "tabs": tabs,
            "page": page,
            "today": day,
            "can_create": campaign is not None
            and (scope_for(request.user).has_any(Cap.RECORD) or member_id is not None),
        },
    )


def studyplan_create(request: HttpRequest) -> HttpResponse:
    campaign = campaign_for_request(request)
    member_id = getattr(request.user, "member_id", None)
    if not (scope_for(request.user).has_any(Cap.RECORD) or member_id):
        require_any(request.user, Cap.RECORD)
    if campaign is None:
        messages.error(request, NO_CAMPAIGN)
        return redirect("plans:studyplan_list")
    initial = {"level": request.GET.get("level", StudyPlan.Level.GROUP)}
    if not scope_for(request.user).has_any(Cap.RECORD):
        initial = {"level": StudyPlan.Level.PERSONAL, "member": member_id}
    form = StudyPlanForm(request.POST or None, user=request.user, campaign=campaign, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        member = data.get("member")
        org = member.org if data["level"] == StudyPlan.Level.PERSONAL and member else data.get("org")
        if not (member is not None and member.pk == member_id and data["level"] == StudyPlan.Level.PERSONAL):
            require(request.user, Cap.RECORD, org)
        source = selectors.committee_plan(campaign=campaign) if data.get("copy_committee") else None
        try:
            plan = services.studyplan_create(
                campaign=campaign,
                level=data["level"],
                org=org,
                member=member if data["level"] == StudyPlan.Level.PERSONAL else None,
                title=data.get("title", ""),
                note=data.get("note", ""),
                copy_from=source,
                actor=request.user,
            )
        except ValidationError as exc:
            _errors(request, exc, form)
        else:
            messages.success(request, f"已新建“{plan.title}”")
            return redirect("plans:studyplan_detail", pk=plan.pk)
    return render(
        request, "plans/studyplan_form.html", {"form": form, "title": "新建学习计划", "campaign": campaign}
    )


def studyplan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan against actual: each planned session, and the recorded one that fulfils it (or none)."""
    plan = get_studyplan_for_user(request.user, pk)
    day = today()
    items = selectors.studyplan_items(plan)
    for item in items:
        item.state = matching.item_state(item, day)
        item.actual_url = supervision.url_of(item.activity) if item.activity_id else ""
    can_edit = can_edit_studyplan(request.user, plan)
    return render(
        request,
        "plans/studyplan_detail.html",
        {
            "plan": plan,
            "items": items,
            "counts": selectors.studyplan_counts(plan, today=day),
            "history": events_for(plan, limit=10),
            "can_edit": can_edit,
            "item_form": ItemForm(
                campaign=plan.campaign,
                initial={"form": "self" if plan.level == StudyPlan.Level.PERSONAL else "concentrated"},
            )
            if can_edit
            else None,
            "window": matching.MATCH_WINDOW_DAYS,
            "today": day,
        },
    )


def studyplan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_rw_studyplan_for_user(request.user, pk)
    form = StudyPlanEditForm(request.POST or None, instance=plan)
    if form.is_valid():
        services.studyplan_update(
            plan=plan, title=form.cleaned_data["title"], note=form.cleaned_data["note"], actor=request.user
        )
        messages.success(request, "已保存")
        return redirect("plans:studyplan_detail", pk=plan.pk)
    return render(
        request, "plans/studyplan_form.html", {"form": form, "title": f"编辑：{plan.title}", "plan": plan}
    )


@require_POST
def studyplan_delete(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_rw_studyplan_for_user(request.user, pk)
    level = plan.level
    services.studyplan_delete(plan=plan, actor=request.user)
    messages.success(request, "已删除学习计划")
    return redirect(reverse("plans:studyplan_list") + f"?level={level}")


@require_POST
def studyplan_match(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_rw_studyplan_for_user(request.user, pk)
    result = services.plan_match(plan=plan, actor=request.user)
    messages.success(
        request,
        f"已与实际学习记录比对：{result.matched} / {result.total} 项已开展"
        + (f"，{len(result.changed)} 项对应关系有变化" if result.changed else "，没有变化"),
    )
    return redirect("plans:studyplan_detail", pk=plan.pk)


def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_rw_studyplan_for_user(request.user, pk)
    form = ItemForm(request.POST or None, campaign=plan.campaign)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.item_save(plan=plan, data=form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            _errors(request, exc, form)
        else:
            state = "，已对应到实际学习记录" if item.is_matched else ""
            messages.success(request, f"已添加“{item.topic}”{state}")
            return redirect(reverse("plans:studyplan_detail", args=[plan.pk]) + "#items")
    return render(request, "plans/item_form.html", {"form": form, "plan": plan, "title": "添加计划条目"})


def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_rw_item_for_user(request.user, pk)
    plan = item.plan
    form = ItemForm(request.POST or None, instance=item, campaign=plan.campaign)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_save(plan=plan, item=item, data=form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            _errors(request, exc, form)
        else:
            messages.success(request, "已保存")
            return redirect(reverse("plans:studyplan_detail", args=[plan.pk]) + "#items")
    choices = matching.candidates_for_item(item=item, wide=True)
    return render(
        request,
        "plans/item_form.html",
        {"form": form, "plan": plan, "item": item, "title": f"编辑条目：{item.topic}", "choices": choices},
    )


@require_POST
def item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_rw_item_for_user(request.user, pk)
    plan_pk = item.plan_id
    services.item_delete(item=item, actor=request.user)
    messages.success(request, "已删除条目")
    return redirect(reverse("plans:studyplan_detail", args=[plan_pk]) + "#items")


@require_POST
def item_match(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_rw_item_for_user(request.user, pk)
    form = ItemMatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择对应的学习记录")
        return redirect("plans:item_edit", pk=item.pk)
    kind, record_pk = form.cleaned_data["choice"]
    activity = self_study = None
    if kind == "activity":
        from taizhang.study.models import StudyActivity

        activity = StudyActivity.objects.filter(pk=record_pk).first()
    elif kind == "self":
        from taizhang.study.models import SelfStudy

        self_study = SelfStudy.objects.filter(pk=record_pk).first()
    if kind in ("activity", "self") and activity is None and self_study is None:
        messages.error(request, "没有找到该学习记录")
        return redirect("plans:item_edit", pk=item.pk)
    try:
        services.item_match_set(
            item=item, actor=request.user, activity=activity, self_study=self_study, auto=kind == "auto"
        )
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("plans:item_edit", pk=item.pk)
    messages.success(request, "已更新对应记录")
    return redirect(reverse("plans:studyplan_detail", args=[item.plan_id]) + "#items")


# --- Campaign templates ---------------------------------------------------------------------------


def template_list(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.MANAGE)
    from django.db.models import Q

    from taizhang.core.access import subtree_q

    paths = scope_for(request.user).paths(Cap.MANAGE)
    templates = (
        CampaignTemplate.objects.filter(Q(org__isnull=True) | subtree_q(paths, "org"))
        .select_related("org", "source_campaign", "created_by")
        .order_by("-created_at", "-id")
    )
    form = TemplateSaveForm(user=request.user, initial={"campaign": campaign_for_request(request)})
    return render(request, "plans/template_list.html", {"templates": templates, "form": form})


@require_POST
def template_save(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.MANAGE)
    form = TemplateSaveForm(request.POST, user=request.user)
    if form.is_valid():
        campaign = form.cleaned_data["campaign"]
        require(request.user, Cap.MANAGE, campaign.org)
        try:
            template = services.template_save(
                campaign=campaign,
                name=form.cleaned_data["name"],
                include_featured=form.cleaned_data["include_featured"],
                actor=request.user,
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, f"已保存模板“{template.name}”")
            return redirect("plans:template_detail", pk=template.pk)
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("plans:template_list")


def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_template_for_user(request.user, pk)
    data = template.data
    days = data.get("source", {}).get("days", 150)
    form = TemplateApplyForm(request.POST or None, user=request.user, days=days)
    if request.method == "POST" and form.is_valid():
        require(request.user, Cap.MANAGE, form.cleaned_data["org"])
        try:
            campaign = services.template_apply(template=template, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc, form)
        else:
            request.session["campaign_id"] = campaign.pk
            messages.success(request, f"已按模板新建“{campaign.name}”，所有日期已按新的开始日期顺延")
            return redirect("plans:calendar")
    types = {t.code: t.name for t in _activity_type_names()}
    return render(
        request,
        "plans/template_detail.html",
        {
            "template": template,
            "data": data,
            "form": form,
            "required_types": [types.get(code, code) for code in data.get("required_types", [])],
            "type_names": types,
        },
    )


def _activity_type_names() -> list[Any]:
    from taizhang.study.models import ActivityType

    return list(ActivityType.objects.filter(campaign__isnull=True))


@require_POST
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_template_for_user(request.user, pk)
    if template.org is not None:
        require(request.user, Cap.MANAGE, template.org)
    services.template_delete(template=template, actor=request.user)
    messages.success(request, "已删除模板")
    return redirect("plans:template_list")
