"""Organization tree and member roster pages. Thin: access → form → service → redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from taizhang.core.access import Cap, require, require_any, scope_for
from taizhang.core.audit import audit
from taizhang.lib.urls import pk_url
from taizhang.org import services
from taizhang.org.access import (
    get_member_for_user,
    get_org_for_user,
    get_rw_member_for_user,
    get_rw_org_for_user,
)
from taizhang.org.forms import MemberFilterForm, MemberForm, OrganizationForm
from taizhang.org.selectors import member_list, org_list_for_user


def org_tree(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.VIEW_INTERNAL)
    orgs = list(org_list_for_user(user=request.user))
    base = min((o.depth for o in orgs), default=0)
    detail_url = pk_url("org:detail")
    for org in orgs:
        # Prepared here as text: a city has 2,000 units, and per-row reverse() and number localization in
        # the template cost more than the rest of the page.
        org.indent = f"{0.5 + 1.5 * (org.depth - base):g}"
        org.url = detail_url(org.pk)
        org.members_shown = str(org.member_count)
    scope = scope_for(request.user)
    return render(
        request,
        "org/tree.html",
        {"orgs": orgs, "base_depth": base, "can_manage": scope.has_any(Cap.MANAGE)},
    )


def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk)
    children = org.children.order_by("sort_order", "id")
    members = Paginator(member_list(user=request.user, org=org), 50).get_page(request.GET.get("page"))
    scope = scope_for(request.user)
    return render(
        request,
        "org/detail.html",
        {
            "org": org,
            "children": children,
            "members": members,
            "roles": org.roles.select_related("user").order_by("role", "user__username"),
            "can_manage": scope.can(Cap.MANAGE, org),
            # A branch secretary's own branch sits under the committee, which they may not open.
            "parent_visible": org.parent is not None and scope.can(Cap.VIEW_INTERNAL, org.parent),
        },
    )


def org_create(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.MANAGE)
    initial = {}
    if parent_id := request.GET.get("parent"):
        initial["parent"] = parent_id
    form = OrganizationForm(request.POST or None, user=request.user, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        require(request.user, Cap.MANAGE, data["parent"])
        try:
            org = services.org_create(
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                parent=data["parent"],
                short_name=data["short_name"],
                sort_order=data["sort_order"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已新建组织“{org.name}”")
            return redirect("org:detail", pk=org.pk)
    return render(request, "org/form.html", {"form": form, "title": "新建组织"})


def org_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_rw_org_for_user(request.user, pk)
    form = OrganizationForm(request.POST or None, instance=org, user=request.user)
    if form.is_valid():
        try:
            services.org_update(org=org, data=form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "已保存")
            return redirect("org:detail", pk=org.pk)
    return render(request, "org/form.html", {"form": form, "title": f"编辑组织：{org.name}", "org": org})


@require_POST
def org_delete(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_rw_org_for_user(request.user, pk)
    parent_id = org.parent_id
    try:
        services.org_delete(org=org, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("org:detail", pk=pk)
    messages.success(request, "已删除")
    return redirect("org:detail", pk=parent_id) if parent_id else redirect("org:tree")


def member_index(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.VIEW_INTERNAL)
    form = MemberFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = member_list(
        user=request.user,
        org=filters.get("org"),
        q=filters.get("q", ""),
        category=filters.get("category", ""),
        active=None if filters.get("inactive") else True,
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "org/member_list.html",
        {"form": form, "page": page, "can_manage": scope_for(request.user).has_any(Cap.MANAGE)},
    )


def member_detail(request: HttpRequest, pk: int, *, reveal: bool = False) -> HttpResponse:
    member = get_member_for_user(request.user, pk)
    scope = scope_for(request.user)
    try:
        account = member.user
    except ObjectDoesNotExist:
        account = None
    response = render(
        request,
        "org/member_detail.html",
        {
            "member": member,
            "can_manage": scope.can(Cap.MANAGE, member.org),
            "account": account,
            "revealed": reveal,
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def member_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """“显示完整”: the full ID number and phone, for administrators of the member's unit, audited (PI-03)."""
    member = get_rw_member_for_user(request.user, pk)  # 404 outsider, 403 without the manage capability
    audit("view_pi", obj=member, detail={"fields": ["id_number", "phone"]})
    return member_detail(request, pk, reveal=True)


def member_create(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.MANAGE)
    initial = {}
    if org_id := request.GET.get("org"):
        initial["org"] = org_id
    form = MemberForm(request.POST or None, user=request.user, initial=initial)
    if form.is_valid():
        require(request.user, Cap.MANAGE, form.cleaned_data["org"])
        try:
            member = services.member_create(data=form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已新增党员“{member.name}”")
            return redirect("org:member_detail", pk=member.pk)
    return render(request, "org/member_form.html", {"form": form, "title": "新增党员"})


def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_rw_member_for_user(request.user, pk)
    form = MemberForm(request.POST or None, instance=member, user=request.user)
    if form.is_valid():
        require(request.user, Cap.MANAGE, form.cleaned_data["org"])
        try:
            services.member_update(member=member, data=form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "已保存")
            return redirect("org:member_detail", pk=member.pk)
    return render(
        request, "org/member_form.html", {"form": form, "title": f"编辑党员：{member.name}", "member": member}
    )


@require_POST
def member_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_rw_member_for_user(request.user, pk)
    active = request.POST.get("active") == "1"
    # A login above the user (issue 16 F1) raises PermissionDenied: a 403 page that says why.
    try:
        services.member_set_active(member=member, active=active, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("org:member_detail", pk=member.pk)
    messages.success(request, f"已将“{member.name}”{'恢复在册' if active else '标记为转出'}")
    return redirect("org:member_detail", pk=member.pk)
