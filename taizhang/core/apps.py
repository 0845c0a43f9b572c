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
        from django.db.models.signals import post_migrate

        checks.register(object_storage_check, checks.Tags.files)
        post_migrate.connect(sqlite_statistics_after_migrate, dispatch_uid="taizhang-sqlite-statistics")


_ANALYZED_PLANS: set[int] = set()


def sqlite_statistics_after_migrate(sender, using="default", plan=None, **kwargs):  # noqa: ANN001, ANN003, ANN201
    """On SQLite, a migration that changes a table's columns rebuilds the table, and the rebuilt table has
    lost its planner statistics: a database that had them (ANALYZE ran, as the city demo does) then plans
    a branch's activities as a scan of the whole campaign. Recount them once per migrate run when any
    table lacks them."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite" or not plan or id(plan) in _ANALYZED_PLANS:
        return
    _ANALYZED_PLANS.add(id(plan))
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return  # never analyzed: SQLite's defaults, as before
        cursor.execute(
            "SELECT COUNT(*) FROM sqlite_master m WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
            " AND NOT EXISTS (SELECT 1 FROM sqlite_stat1 s WHERE s.tbl = m.name)"
            " AND EXISTS (SELECT 1 FROM sqlite_master i WHERE i.type = 'index' AND i.tbl_name = m.name)"
        )
        if cursor.fetchone()[0]:
            cursor.execute("ANALYZE")


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
