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

        from django.core import checks

        checks.register(object_storage_check, checks.Tags.files)


def object_storage_check(app_configs, **kwargs):  # noqa: ANN001, ANN003, ANN201
    """TAIZHANG_S3_BUCKET needs boto3 (the s3 extra): say so at start-up, not at the first upload."""
    from django.conf import settings
    from django.core import checks

    if not getattr(settings, "TAIZHANG_S3_BUCKET", ""):
        return []
    try:
        import boto3  # noqa: F401
    except ImportError:
        return [
            checks.Error(
                "已设置 TAIZHANG_S3_BUCKET（上传文件存放到对象存储），但没有安装 boto3",
                hint='安装对象存储支持：pip install "taizhang[s3]"（django-storages[s3]）',
                id="taizhang.E001",
            )
        ]
    return []
