"""Writes for campaigns, their phases and their leading group / work team."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from taizhang.campaigns.models import Campaign, CampaignRole, Phase
from taizhang.core.audit import audit
from taizhang.org.models import Member

PHASE_OUTSIDE = "阶段“{name}”的起止日期须在学习教育活动期间（{start} 至 {end}）内"
ROLE_MEMBER_OUTSIDE = "“{name}”不在组织单位“{org}”及其下级组织中"
ROLE_EXISTS = "“{name}”已担任“{role}”"

CAMPAIGN_FIELDS = (
    "code",
    "name",
    "org",
    "start_date",
    "end_date",
    "general_requirement",
    "goal",
    "description",
    "signature",
)


def _check_phases(campaign: Campaign, phases: list[dict[str, Any]]) -> None:
    for phase in phases:
        if phase["start_date"] < campaign.start_date or phase["end_date"] > campaign.end_date:
            raise ValidationError(
                PHASE_OUTSIDE.format(name=phase["name"], start=campaign.start_date, end=campaign.end_date)
            )
        if phase["start_date"] > phase["end_date"]:
            raise ValidationError(f"阶段“{phase['name']}”的结束日期不能早于开始日期")


@transaction.atomic
def campaign_save(
    *,
    campaign: Campaign | None,
    data: dict[str, Any],
    phases: list[dict[str, Any]] | None = None,
    actor: Any = None,
) -> Campaign:
    """Create or update a campaign; `phases` (name, start_date, end_date, description) replaces the list."""
    creating = campaign is None
    campaign = campaign or Campaign(created_by=actor if getattr(actor, "is_authenticated", False) else None)
    for field in CAMPAIGN_FIELDS:
        if field in data:
            setattr(campaign, field, data[field])
    campaign.full_clean()
    if phases is not None:
        _check_phases(campaign, phases)
    campaign.save()
    if phases is not None:
        campaign.phases.all().delete()
        Phase.objects.bulk_create(
            [
                Phase(
                    campaign=campaign,
                    order=index,
                    name=p["name"],
                    start_date=p["start_date"],
                    end_date=p["end_date"],
                    description=p.get("description", ""),
                )
                for index, p in enumerate(phases)
            ]
        )
    audit("create" if creating else "update", obj=campaign, user=actor)
    return campaign


@transaction.atomic
def campaign_role_add(
    *, campaign: Campaign, member: Member, role: str, title: str = "", actor: Any = None
) -> CampaignRole:
    if not member.org.is_under(campaign.org):
        raise ValidationError(ROLE_MEMBER_OUTSIDE.format(name=member.name, org=campaign.org.name))
    if CampaignRole.objects.filter(campaign=campaign, member=member, role=role).exists():
        raise ValidationError(ROLE_EXISTS.format(name=member.name, role=CampaignRole.Role(role).label))
    order = campaign.roles.count()
    seat = CampaignRole.objects.create(campaign=campaign, member=member, role=role, title=title, order=order)
    audit("update", obj=campaign, user=actor, detail={"role_add": role, "member": member.pk})
    return seat


@transaction.atomic
def campaign_role_remove(*, seat: CampaignRole, actor: Any = None) -> None:
    campaign = seat.campaign
    detail = {"role_remove": seat.role, "member": seat.member_id}
    seat.delete()
    audit("update", obj=campaign, user=actor, detail=detail)
