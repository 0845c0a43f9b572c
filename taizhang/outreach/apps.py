from __future__ import annotations

from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "taizhang.outreach"
    label = "outreach"
    verbose_name = "服务群众"
