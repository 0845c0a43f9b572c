from __future__ import annotations

from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "taizhang.rectification"
    label = "rectification"
    verbose_name = "问题整改"
