from __future__ import annotations

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "taizhang.imports"
    label = "imports"
    verbose_name = "数据导入"
