from __future__ import annotations

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "taizhang.reports"
    label = "reports"
    verbose_name = "数据与报告"
