from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "taizhang.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        # openpyxl only parses safely when defusedxml is importable; refuse to run otherwise
        # (security checklist ASVS-1.5.1: XXE / billion laughs in uploaded workbooks).
        import openpyxl.xml

        if not openpyxl.xml.DEFUSEDXML:
            raise RuntimeError("defusedxml must be installed so openpyxl parses uploads safely")
