from __future__ import annotations

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "taizhang.campaigns"
    label = "campaigns"
    verbose_name = "学习教育活动"
