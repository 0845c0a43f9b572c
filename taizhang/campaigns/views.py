"""Campaign set-up pages: the campaign, its phases, its leading group and work team."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from taizhang.campaigns import services
from taizhang.campaigns.access import get_campaign_for_user, get_rw_campaign_for_user, get_rw_seat_for_user
from taizhang.campaigns.forms import CampaignForm, PhaseFormSet, SeatForm
from taizhang.campaigns.selectors import campaign_roles, campaigns_visible_to, current_phase
from taizhang.core.access import Cap, require, require_any, scope_for


def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = campaigns_visible_to(user=request.user)
    return render(
        request,
        "campaigns/list.html",
        {"campaigns": campaigns, "can_manage": scope_for(request.user).has_any(Cap.MANAGE)},
    )


def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, pk)
    can_manage = scope_for(request.user).can(Cap.MANAGE, campaign.org)
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "phases": campaign.phases.all(),
            "current_phase": current_phase(campaign=campaign),
            "seats": campaign_roles(campaign=campaign),
            "can_manage": can_manage,
            "seat_form": SeatForm(campaign=campaign) if can_manage else None,
        },
    )


def _phase_rows(formset: PhaseFormSet) -> list[dict]:
    return [
        f.cleaned_data
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("name")
    ]


def _edit(request: HttpRequest, campaign, title: str) -> HttpResponse:  # noqa: ANN001
    form = CampaignForm(request.POST or None, instance=campaign, user=request.user)
    initial = [
        {"name": p.name, "start_date": p.start_date, "end_date": p.end_date, "description": p.description}
        for p in (campaign.phases.all() if campaign else [])
    ]
    formset = PhaseFormSet(request.POST or None, initial=initial, prefix="phases")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        require(request.user, Cap.MANAGE, form.cleaned_data["org"])
        try:
            saved = services.campaign_save(
                campaign=campaign, data=form.cleaned_data, phases=_phase_rows(formset), actor=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已保存“{saved.name}”")
            return redirect("campaigns:detail", pk=saved.pk)
    return render(request, "campaigns/form.html", {"form": form, "formset": formset, "title": title})


def campaign_create(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.MANAGE)
    return _edit(request, None, "新建学习教育活动")


def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_rw_campaign_for_user(request.user, pk)
    return _edit(request, campaign, f"编辑：{campaign.name}")


@require_POST
def seat_add(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_rw_campaign_for_user(request.user, pk)
    form = SeatForm(request.POST, campaign=campaign)
    if form.is_valid():
        try:
            services.campaign_role_add(campaign=campaign, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "已添加")
    else:
        messages.error(request, "请从列表中选择人员和职务")
    return redirect("campaigns:detail", pk=campaign.pk)


@require_POST
def seat_remove(request: HttpRequest, pk: int) -> HttpResponse:
    seat = get_rw_seat_for_user(request.user, pk)
    campaign_pk = seat.campaign_id
    services.campaign_role_remove(seat=seat, actor=request.user)
    messages.success(request, "已移除")
    return redirect("campaigns:detail", pk=campaign_pk)


@require_POST
def campaign_switch(request: HttpRequest) -> HttpResponse:
    """Choose which campaign the pages show (kept in the session)."""
    campaign = get_campaign_for_user(request.user, int(request.POST.get("campaign", 0) or 0))
    request.session["campaign_id"] = campaign.pk
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)
