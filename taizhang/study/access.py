"""Getting one study record for a user: the object, or 404 (not visible) / 403 (read-only).

activity     view: anyone with VIEW over its unit (members see their unit's activities)
             change: RECORD over its unit (secretary, leader, admin)
self-study   view: the member it belongs to, or VIEW_INTERNAL over its unit (secretaries and up)
             change: the member it belongs to, or RECORD over its unit
catalog      MANAGE over the campaign's unit (the committee office)
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from taizhang.core.access import Cap, deny, get_object_in_scope, require, scope_for
from taizhang.core.models import Attachment
from taizhang.study.models import ActivityType, Material, SelfStudy, StudyActivity


def get_activity_for_user(user: Any, pk: int) -> StudyActivity:
    """Visible through scope, or because the user's member took part in it (a branch member at a
    committee lecture, an invitee at another branch's seminar: their own history links here)."""
    qs = StudyActivity.objects.select_related("org", "type", "campaign")
    member_id = _own_member_id(user)
    if member_id is not None:
        attended = qs.filter(pk=pk, attendances__member_id=member_id).first()
        if attended is not None:
            return attended
    return get_object_in_scope(user, qs, view=Cap.VIEW, pk=pk)


def can_open_activity(user: Any, activity: StudyActivity) -> bool:
    """Whether activity_detail would open for the user (a link to it is worth showing)."""
    if scope_for(user).can(Cap.VIEW, activity.org):
        return True
    member_id = _own_member_id(user)
    return member_id is not None and activity.attendances.filter(member_id=member_id).exists()


def get_rw_activity_for_user(user: Any, pk: int) -> StudyActivity:
    return get_object_in_scope(
        user,
        StudyActivity.objects.select_related("org", "type", "campaign"),
        view=Cap.VIEW,
        need=Cap.RECORD,
        pk=pk,
    )


def get_rw_attachment_for_user(user: Any, pk: int) -> tuple[StudyActivity, Attachment]:
    """An attachment of a study activity the user may change; 404 for anything else."""
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(StudyActivity)
    attachment = Attachment.objects.filter(pk=pk, content_type=ct).first()
    if attachment is None:
        raise Http404("没有找到该附件")
    return get_rw_activity_for_user(user, attachment.object_id), attachment


def _own_member_id(user: Any) -> int | None:
    return getattr(user, "member_id", None) if getattr(user, "is_authenticated", False) else None


def get_selfstudy_for_user(user: Any, pk: int, *, write: bool = False) -> SelfStudy:
    """One's own entry always; someone else's through scope (VIEW_INTERNAL to see, RECORD to change)."""
    entry = SelfStudy.objects.select_related("member", "org").filter(pk=pk).first()
    if entry is None:
        raise Http404("没有找到该记录")
    if entry.member_id is not None and entry.member_id == _own_member_id(user):
        return entry
    return get_object_in_scope(
        user,
        SelfStudy.objects.select_related("member", "org"),
        view=Cap.VIEW_INTERNAL,
        need=Cap.RECORD if write else None,
        pk=pk,
    )


def require_catalog_manager(user: Any, campaign: Any) -> None:
    """The campaign's catalog (materials, its own activity types) belongs to the committee office."""
    require(user, Cap.MANAGE, campaign.org)


def get_rw_material_for_user(user: Any, pk: int) -> Material:
    material = Material.objects.select_related("campaign__org").filter(pk=pk).first()
    if material is None or material.campaign is None:
        raise Http404("没有找到该书目")
    _require_campaign_visible(user, material.campaign)
    require_catalog_manager(user, material.campaign)
    return material


def get_rw_type_for_user(user: Any, pk: int) -> ActivityType:
    kind = ActivityType.objects.select_related("campaign__org").filter(pk=pk).first()
    if kind is None or kind.campaign is None:
        raise Http404("没有找到该活动类型")
    _require_campaign_visible(user, kind.campaign)
    require_catalog_manager(user, kind.campaign)
    return kind


def _require_campaign_visible(user: Any, campaign: Any) -> None:
    from taizhang.campaigns.selectors import campaigns_visible_to

    if not campaigns_visible_to(user=user).filter(pk=campaign.pk).exists():
        deny(user, reason=f"campaign {campaign.pk} not visible", status=404)
        raise Http404("没有找到该学习教育活动")


def can_record(user: Any, org: Any) -> bool:
    return scope_for(user).can(Cap.RECORD, org)
