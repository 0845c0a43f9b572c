"""Study pages: activities (list, record on one page, detail, edit, delete, attachments), a member's
own study and self-study log, the secretaries' self-study list, tallies and the campaign catalog.

Thin: access → form → service → redirect. The attendance sheet's small htmx endpoints (roster,
one row, member search) return fragments of the recording page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from taizhang.campaigns.access import get_campaign_for_user
from taizhang.campaigns.selectors import campaign_for_request
from taizhang.core.access import Cap, require, require_any, scope_for
from taizhang.core.paging import page_by_ids
from taizhang.lib.dates import today
from taizhang.org.models import Member, Organization
from taizhang.org.selectors import org_choices_for_user
from taizhang.study import selectors, services
from taizhang.study.access import (
    get_activity_for_user,
    get_rw_activity_for_user,
    get_rw_attachment_for_user,
    get_rw_material_for_user,
    get_rw_type_for_user,
    get_selfstudy_for_user,
    require_catalog_manager,
)
from taizhang.study.forms import (
    ALL,
    ActivityFilterForm,
    ActivityForm,
    ActivityTypeForm,
    MaterialForm,
    MultipleFileField,
    SelfStudyFilterForm,
    SelfStudyForm,
    SelfStudyForMemberForm,
    Sheet,
    TalliesForm,
    campaign_from_choice,
    sheet_from_activity,
    sheet_from_post,
    sheet_rows_for,
)
from taizhang.study.models import ActivityType, Attendance, Material, SelfStudy

# Above this many members, a unit's sheet starts empty (a committee's whole roster is rarely the
# attendance of one meeting; the recorder adds people by name instead).
ROSTER_PREFILL_LIMIT = 200
SEARCH_LIMIT = 15
FORM_SHEET_FIELDS = ("attendance", "speeches")


def _campaign_choice(request: HttpRequest) -> str:
    campaign = campaign_for_request(request)
    default = str(campaign.pk) if campaign else ALL
    return request.GET.get("campaign", default) or ALL


# --- activities: list, detail ---------------------------------------------------------------------


def activity_list(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.VIEW)
    choice = _campaign_choice(request)
    form = ActivityFilterForm(request.GET or None, user=request.user, initial={"campaign": choice})
    filters = form.cleaned_data if form.is_valid() else {}
    filtered, campaign = campaign_from_choice(choice, request.user)
    qs = selectors.activity_list(
        user=request.user,
        campaign=campaign,
        org=filters.get("org"),
        type=filters.get("type"),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        q=filters.get("q", ""),
    )
    if filtered and campaign is None:
        qs = qs.filter(campaign=None)
    # The header figures and the number of activities in one pass over the activities' stored counts.
    totals = qs.aggregate(
        activities=Count("id"),
        attendance=Coalesce(Sum("n_attendance"), 0),
        speakers=Coalesce(Sum("n_speakers"), 0),
    )
    page = page_by_ids(qs, request.GET.get("page"), 30, count=totals["activities"])
    current = campaign_for_request(request)
    return render(
        request,
        "study/activity_list.html",
        {
            "form": form,
            "page": page,
            "totals": totals,
            "can_record": scope_for(request.user).has_any(Cap.RECORD),
            "catalog_campaign": current
            if current and scope_for(request.user).can(Cap.MANAGE, current.org)
            else None,
        },
    )


def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_activity_for_user(request.user, pk)
    can_record = scope_for(request.user).can(Cap.RECORD, activity.org)
    return render(
        request,
        "study/activity_detail.html",
        {
            "activity": activity,
            "sheet": selectors.activity_sheet(activity=activity),
            "rate": selectors.rate(activity.n_present, activity.n_expected),
            "can_record": can_record,
            "upload_field": MultipleFileField(required=False) if can_record else None,
        },
    )


# --- activities: record and edit on one page -------------------------------------------------------


def _default_org(request: HttpRequest) -> Organization | None:
    choices = org_choices_for_user(user=request.user, cap=Cap.RECORD)
    wanted = request.GET.get("org")
    if wanted and wanted.isdigit():
        chosen = choices.filter(pk=int(wanted)).first()
        if chosen is not None:
            return chosen
    # A secretary's own unit rather than the top of a wider scope.
    return choices.filter(pk__in=scope_for(request.user).org_ids("secretary")).first() or choices.first()


def _prefill(org: Organization | None) -> tuple[list, str]:
    if org is None:
        return [], ""
    rows = services.default_attendance(org=org, limit=ROSTER_PREFILL_LIMIT + 1)
    if len(rows) > ROSTER_PREFILL_LIMIT:
        total = Member.objects.in_subtree(org).active().count()
        return [], f"“{org.name}”共有 {total} 名党员，名单未自动列出，请搜索姓名逐个添加。"
    return sheet_rows_for([r.member for r in rows], org=org), ""


def _show_errors(form: ActivityForm, sheet: Sheet, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        if field in FORM_SHEET_FIELDS:
            sheet.errors.extend(errors)
        elif field in form.fields:
            form.add_error(field, errors)
        else:
            form.add_error(None, errors)


def _sheet_page(
    request: HttpRequest,
    form: ActivityForm,
    sheet: Sheet,
    *,
    title: str,
    activity: Any = None,
    hint: str = "",
) -> HttpResponse:
    org = form.cleaned_data.get("org") if form.is_bound and hasattr(form, "cleaned_data") else None
    if org is None:
        org = activity.org if activity else form.initial.get("org")
    errors = [*form.non_field_errors(), *sheet.errors]
    for name, field_errors in form.errors.items():
        if name != "__all__":
            errors.extend(field_errors)
    if form.is_bound and request.FILES and errors:
        errors.append("附件：表单未保存，请重新选择要上传的附件")
    return render(
        request,
        "study/activity_form.html",
        {
            "form": form,
            "sheet": sheet,
            "rows": sheet.rows,
            "org": org,
            "title": title,
            "activity": activity,
            "all_errors": errors,
            "roster_hint": hint,
            "reasons": Attendance.Reason.choices,
        },
    )


def activity_create(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.RECORD)
    campaign = campaign_for_request(request)
    org = _default_org(request)
    initial: dict[str, Any] = {
        "org": org,
        "date": today(),
        "recorder": request.user.display_name,
        "type": ActivityType.objects.filter(campaign=None, code="branch_concentrated").first(),
    }
    if campaign is not None and campaign.contains(today()):
        initial["campaign"] = campaign
    form = ActivityForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST":
        sheet = sheet_from_post(request.POST)
        if form.is_valid():
            require(request.user, Cap.RECORD, form.cleaned_data["org"])
            if not sheet.errors:
                try:
                    activity = services.activity_create(
                        data=form.data_for_service(),
                        attendance=sheet.attendance(),
                        speeches=sheet.speeches(),
                        materials=form.cleaned_data["materials"],
                        uploads=form.cleaned_data["attachments"],
                        actor=request.user,
                    )
                except ValidationError as exc:
                    _show_errors(form, sheet, exc)
                else:
                    messages.success(request, f"已记录“{activity.topic}”")
                    return redirect("study:activity_detail", pk=activity.pk)
        return _sheet_page(request, form, sheet, title="记录学习活动")
    rows, hint = _prefill(org)
    return _sheet_page(request, form, Sheet(rows=rows, errors=[]), title="记录学习活动", hint=hint)


def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_rw_activity_for_user(request.user, pk)
    form = ActivityForm(request.POST or None, request.FILES or None, instance=activity, user=request.user)
    title = f"编辑学习活动：{activity.topic}"
    if request.method == "POST":
        sheet = sheet_from_post(request.POST)
        if form.is_valid():
            require(request.user, Cap.RECORD, form.cleaned_data["org"])
            if not sheet.errors:
                try:
                    services.activity_update(
                        activity=activity,
                        data=form.data_for_service(),
                        attendance=sheet.attendance(),
                        speeches=sheet.speeches(),
                        materials=form.cleaned_data["materials"],
                        uploads=form.cleaned_data["attachments"],
                        actor=request.user,
                    )
                except ValidationError as exc:
                    _show_errors(form, sheet, exc)
                else:
                    messages.success(request, "已保存")
                    return redirect("study:activity_detail", pk=activity.pk)
        activity.refresh_from_db()
        return _sheet_page(request, form, sheet, title=title, activity=activity)
    return _sheet_page(request, form, sheet_from_activity(activity), title=title, activity=activity)


@require_POST
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_rw_activity_for_user(request.user, pk)
    topic = activity.topic
    services.activity_delete(activity=activity, actor=request.user)
    messages.success(request, f"已删除“{topic}”")
    return redirect("study:activity_list")


@require_POST
def activity_attachments_add(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_rw_activity_for_user(request.user, pk)
    field = MultipleFileField(required=False)
    try:
        uploads = field.clean(request.FILES.getlist("attachments"))
        if not uploads:
            raise ValidationError("附件：请选择要上传的文件")
        services.activity_attachments_add(activity=activity, uploads=uploads, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"已上传 {len(uploads)} 个附件")
    return redirect("study:activity_detail", pk=activity.pk)


@require_POST
def activity_attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    activity, attachment = get_rw_attachment_for_user(request.user, pk)
    services.activity_attachment_remove(activity=activity, attachment=attachment, actor=request.user)
    messages.success(request, f"已删除附件“{attachment.original_name}”")
    return redirect("study:activity_detail", pk=activity.pk)


# --- the attendance sheet's fragments (htmx) -----------------------------------------------------------


def _record_org(request: HttpRequest) -> Organization:
    raw = request.GET.get("org", "")
    org = Organization.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if org is None:
        raise Http404("没有找到该组织")
    require(request.user, Cap.RECORD, org)
    return org


def _tree_root(org: Organization) -> Organization:
    ids = org.ancestor_ids()
    return Organization.objects.get(pk=ids[0]) if ids and ids[0] != org.pk else org


@require_GET
def roster(request: HttpRequest) -> HttpResponse:
    """The sheet for a unit: everyone (subtree), the unit's own members only, or empty."""
    org = _record_org(request)
    mode = request.GET.get("mode", "all")
    hint = ""
    if mode == "own":
        members = list(
            Member.objects.filter(org=org).active().select_related("org").order_by("sort_order", "id")
        )
        rows = sheet_rows_for(members, org=org)
    elif mode == "none":
        rows = []
    else:
        rows, hint = _prefill(org)
    return render(
        request,
        "study/sheet_rows.html",
        {"rows": rows, "reasons": Attendance.Reason.choices, "roster_hint": hint, "org": org},
    )


@require_GET
def roster_row(request: HttpRequest) -> HttpResponse:
    """One row for a member added by name; outside the unit's subtree it is an invitee (列席)."""
    org = _record_org(request)
    raw = request.GET.get("member", "")
    root = _tree_root(org)
    member = (
        Member.objects.in_subtree(root).select_related("org").filter(pk=int(raw)).first()
        if raw.isdigit()
        else None
    )
    if member is None:
        raise Http404("没有找到该党员")
    return render(
        request,
        "study/sheet_rows.html",
        {"rows": sheet_rows_for([member], org=org), "reasons": Attendance.Reason.choices, "org": org},
    )


@require_GET
def member_search(request: HttpRequest) -> HttpResponse:
    """Members of the whole organization tree by name (names, units and posts only), to add to a sheet."""
    org = _record_org(request)
    q = " ".join(request.GET.get("q", "").split())[:20]
    members: list[Member] = []
    if q:
        members = list(
            Member.objects.in_subtree(_tree_root(org))
            .active()
            .filter(name__icontains=q)
            .select_related("org")
            .only("id", "name", "post", "org__name", "org__short_name", "org__path")
            .order_by("name", "id")[:SEARCH_LIMIT]
        )
    for member in members:
        member.invitee = not member.org.is_under(org)
    return render(request, "study/sheet_search.html", {"members": members, "q": q, "org": org})


# --- a member's own study --------------------------------------------------------------------------------


def my_study(request: HttpRequest) -> HttpResponse:
    member = getattr(request.user, "member", None)
    campaign = campaign_for_request(request)
    scope_all = request.GET.get("scope") == "all"
    shown_campaign = None if scope_all else campaign
    form = SelfStudyForm(
        request.POST or None,
        campaigns=[campaign] if campaign else None,
        initial={"date": today(), "minutes": 30, "channel": SelfStudy.Channel.ORIGINAL},
    )
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.selfstudy_create(member=member, data=form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"已记录自学“{entry.material}”，{entry.minutes} 分钟")
            return redirect("study:my_study")
    show = request.GET.get("show", "")
    show = show if show in selectors.MY_ATTENDANCE_SHOWS else ""
    context: dict[str, Any] = {
        "form": form,
        "member": member,
        "campaign": campaign,
        "scope_all": scope_all,
        "show": show,
        "show_label": selectors.MY_ATTENDANCE_SHOWS.get(show, ""),
    }
    if member is not None:
        context["summary"] = selectors.my_summary(member=member, campaign=shown_campaign)
        context["attendance"] = Paginator(
            selectors.my_attendance(member=member, campaign=shown_campaign, show=show), 15
        ).get_page(request.GET.get("apage"))
        entries = SelfStudy.objects.filter(member=member).select_related("campaign")
        if shown_campaign is not None:
            entries = entries.filter(campaign=shown_campaign)
        context["entries"] = Paginator(entries.order_by("-date", "-id"), 10).get_page(
            request.GET.get("spage")
        )
    return render(request, "study/my_study.html", context)


def _form_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def selfstudy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_selfstudy_for_user(request.user, pk, write=True)
    form = SelfStudyForm(
        request.POST or None, instance=entry, campaigns=[entry.campaign] if entry.campaign else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.selfstudy_update(entry=entry, data=form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect(_selfstudy_back(request, entry))
    return render(request, "study/selfstudy_form.html", {"form": form, "entry": entry})


@require_POST
def selfstudy_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_selfstudy_for_user(request.user, pk, write=True)
    back = _selfstudy_back(request, entry)
    services.selfstudy_delete(entry=entry, actor=request.user)
    messages.success(request, "已删除")
    return redirect(back)


def _selfstudy_back(request: HttpRequest, entry: SelfStudy) -> str:
    from django.urls import reverse

    own = entry.member_id == getattr(request.user, "member_id", None)
    return reverse("study:my_study") if own else reverse("study:selfstudy_list")


def selfstudy_create_for(request: HttpRequest) -> HttpResponse:
    """Log self-study on a member's behalf (secretaries for members of their units)."""
    require_any(request.user, Cap.RECORD)
    campaign = campaign_for_request(request)
    form = SelfStudyForMemberForm(
        request.POST or None,
        user=request.user,
        campaigns=[campaign] if campaign else None,
        initial={"date": today(), "minutes": 30, "channel": SelfStudy.Channel.ORIGINAL},
    )
    if request.method == "POST" and form.is_valid():
        member = form.cleaned_data["member"]
        require(request.user, Cap.RECORD, member.org)
        try:
            services.selfstudy_create(member=member, data=form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"已为{member.name}记录自学")
            return redirect("study:selfstudy_list")
    return render(request, "study/selfstudy_form.html", {"form": form, "entry": None})


def selfstudy_list(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.VIEW_INTERNAL)
    choice = _campaign_choice(request)
    form = SelfStudyFilterForm(request.GET or None, user=request.user, initial={"campaign": choice})
    filters = form.cleaned_data if form.is_valid() else {}
    filtered, campaign = campaign_from_choice(choice, request.user)
    qs = selectors.selfstudy_list(
        user=request.user,
        campaign=campaign,
        org=filters.get("org"),
        q=filters.get("q", ""),
        channel=filters.get("channel", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    if filtered and campaign is None:
        qs = qs.filter(campaign=None)
    return render(
        request,
        "study/selfstudy_list.html",
        {
            "form": form,
            "page": Paginator(qs, 30).get_page(request.GET.get("page")),
            "totals": selectors.selfstudy_totals(qs),
            "can_record": scope_for(request.user).has_any(Cap.RECORD),
        },
    )


# --- tallies ---------------------------------------------------------------------------------------------


def tallies(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.VIEW_INTERNAL)
    choice = _campaign_choice(request)
    default_org = (
        org_choices_for_user(user=request.user, cap=Cap.VIEW_INTERNAL)
        .exclude(kind=Organization.Kind.GROUP)
        .first()
    )
    if default_org is None:
        raise Http404("没有可统计的组织")
    form = TalliesForm(
        request.GET or None, user=request.user, initial={"campaign": choice, "org": default_org}
    )
    filters = form.cleaned_data if form.is_valid() else {}
    _, campaign = campaign_from_choice(choice, request.user)
    org = filters.get("org") or default_org
    as_of = filters.get("as_of") or selectors.as_of_for(campaign, today())
    kwargs = {"campaign": campaign, "org": org, "date_to": as_of}
    tallied = selectors.tallies_all(**kwargs)  # one pass over the attendance rows for every table below
    units, types, months = tallied["units"], tallied["types"], tallied["months"]
    # The type columns of the per-unit table: the types used at all in this view, in catalog order.
    columns = [t["type"] for t in types if t["activities"]]
    for row in units:
        row["type_counts"] = [(t.name, row["by_type"].get(t.code, 0)) for t in columns]
    peak = max((m["activities"] for m in months), default=0)
    return render(
        request,
        "study/tallies.html",
        {
            "form": form,
            "campaign": campaign,
            "org": org,
            "as_of": as_of,
            # Every activity count links to the activity list showing exactly the activities counted.
            "rows_base": f"{reverse('study:activity_list')}?{urlencode({'campaign': choice, 'date_to': as_of})}",
            "total": tallied["total"],
            "units": units,
            "columns": columns,
            "types": types,
            "months": months,
            "peak": peak,
            "quarters": tallied["quarters"],
            "silent": selectors.silent_units(org=org, today=as_of),
            "silent_days": settings.TAIZHANG_SILENT_DAYS,  # the window silent_units judges by
        },
    )


# --- the campaign's catalog: materials and its own activity types ---------------------------------------


def catalog(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, pk)
    require_catalog_manager(request.user, campaign)
    materials = (
        Material.objects.filter(Q(campaign=campaign) | Q(campaign=None))
        .annotate(used=Count("activities"))
        .order_by("campaign_id", "-required", "sort_order", "id")
    )
    types = (
        ActivityType.objects.filter(Q(campaign=campaign) | Q(campaign=None))
        .annotate(used=Count("activities", filter=Q(activities__campaign=campaign)))
        .order_by("campaign_id", "sort_order", "id")
    )
    return render(
        request,
        "study/catalog.html",
        {
            "campaign": campaign,
            "materials": materials,
            "types": types,
            "material_form": MaterialForm(),
            "type_form": ActivityTypeForm(),
        },
    )


def _catalog_redirect(campaign_pk: int) -> HttpResponse:
    return redirect("study:catalog", pk=campaign_pk)


@require_POST
def material_add(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, pk)
    require_catalog_manager(request.user, campaign)
    form = MaterialForm(request.POST)
    if form.is_valid():
        try:
            services.material_create(campaign=campaign, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"已添加书目“{form.cleaned_data['title']}”")
    else:
        messages.error(request, "书目：请填写书目名称（200字以内）")
    return _catalog_redirect(campaign.pk)


@require_POST
def material_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    material = get_rw_material_for_user(request.user, pk)
    services.material_update(
        material=material, title=material.title, required=not material.required, actor=request.user
    )
    messages.success(request, f"已将“{material.title}”{'设为必读' if material.required else '取消必读'}")
    return _catalog_redirect(material.campaign_id)


@require_POST
def material_delete(request: HttpRequest, pk: int) -> HttpResponse:
    material = get_rw_material_for_user(request.user, pk)
    campaign_pk = material.campaign_id
    try:
        services.material_delete(material=material, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "已删除")
    return _catalog_redirect(campaign_pk)


@require_POST
def type_add(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, pk)
    require_catalog_manager(request.user, campaign)
    form = ActivityTypeForm(request.POST)
    if form.is_valid():
        try:
            services.activity_type_create(
                campaign=campaign, name=form.cleaned_data["name"], actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"已添加活动类型“{form.cleaned_data['name']}”")
    else:
        messages.error(request, "名称：请填写活动类型名称（50字以内）")
    return _catalog_redirect(campaign.pk)


@require_POST
def type_delete(request: HttpRequest, pk: int) -> HttpResponse:
    kind = get_rw_type_for_user(request.user, pk)
    campaign_pk = kind.campaign_id
    try:
        services.activity_type_delete(kind=kind, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "已删除")
    return _catalog_redirect(campaign_pk)
