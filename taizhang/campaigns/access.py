from __future__ import annotations

from typing import Any

from django.http import Http404

from taizhang.campaigns.models import Campaign, CampaignRole
from taizhang.campaigns.selectors import campaigns_visible_to
from taizhang.core.access import Cap, deny, require


def get_campaign_for_user(user: Any, pk: int) -> Campaign:
    """A campaign the user takes part in or oversees, or 404."""
    try:
        return campaigns_visible_to(user=user).get(pk=pk)
    except Campaign.DoesNotExist:
        deny(user, reason=f"campaign {pk} not visible", status=404)
        raise Http404("没有找到该学习教育活动") from None


def get_rw_campaign_for_user(user: Any, pk: int) -> Campaign:
    """A campaign the user may set up (admin over the running unit): 404 if not visible, 403 if read-only."""
    campaign = get_campaign_for_user(user, pk)
    require(user, Cap.MANAGE, campaign.org)
    return campaign


def get_rw_seat_for_user(user: Any, pk: int) -> CampaignRole:
    seat = CampaignRole.objects.select_related("member").filter(pk=pk).first()
    if seat is None:
        raise Http404("没有找到该记录")
    get_rw_campaign_for_user(user, seat.campaign_id)
    return seat
