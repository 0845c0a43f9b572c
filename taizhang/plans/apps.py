from __future__ import annotations

from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "taizhang.plans"
    label = "plans"
    verbose_name = "工作计划"
