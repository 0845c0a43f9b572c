"""The audit log for the people who read it: who may, the export workbook, and the purge of old rows.

Reading is for administrators of a top-level unit (the committee office) only: the log spans every
unit, so a branch-level administrator would otherwise see other branches' activity. Rows are never
edited; the only deletion is `taizhang audit_purge`, which keeps at least RETENTION_DAYS (等保 8.1.4.3,
网络安全法 §21: 不少于六个月).
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from taizhang.core.access import Scope, deny, scope_for
from taizhang.core.audit import audit
from taizhang.core.models import AuditLog

RETENTION_DAYS = 180
EXPORT_MAX_ROWS = 200_000
COLUMNS = [
    "时间",
    "用户名",
    "来源地址",
    "操作",
    "结果",
    "对象类型",
    "对象编号",
    "对象",
    "访问地址",
    "请求编号",
    "详情",
]


def can_read_audit(scope: Scope) -> bool:
    if scope.superuser:
        return True
    return any(role == "admin" and path.count("/") == 2 for role, path, _ in scope.roles)


def require_audit_reader(user: Any) -> None:
    from django.core.exceptions import PermissionDenied

    if not can_read_audit(scope_for(user)):
        deny(user, reason="audit log is for committee administrators")
        raise PermissionDenied("审计日志仅限党委管理员查看")


def export_rows(qs) -> list[list[Any]]:  # noqa: ANN001
    labels = dict(AuditLog.Action.choices)
    rows = []
    for log in qs[:EXPORT_MAX_ROWS].iterator(chunk_size=2000):
        rows.append(
            [
                timezone.localtime(log.at).replace(tzinfo=None),
                log.username,
                log.ip or "",
                labels.get(log.action, log.action),
                "成功" if log.success else "失败",
                log.object_type,
                log.object_id,
                log.object_repr,
                log.path,
                log.request_id,
                json.dumps(log.detail, ensure_ascii=False) if log.detail else "",
            ]
        )
    return rows


def export_workbook(qs, *, filters: dict) -> tuple[bytes, int]:  # noqa: ANN001
    """The filtered log as .xlsx, every cell a value (never a formula); the export itself is audited."""
    import xlsxwriter

    from taizhang.lib.xlsx import xlsxwriter_write_row

    rows = export_rows(qs)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet("审计日志")
    head = book.add_format({"bold": True, "bg_color": "#EEEEEE"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    xlsxwriter_write_row(sheet, 0, COLUMNS, head)
    for i, row in enumerate(rows, start=1):
        xlsxwriter_write_row(sheet, i, row, date_format=stamp)
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 10, 16)
    sheet.freeze_panes(1, 0)
    book.close()
    audit(
        "export",
        object_type="core.AuditLog",
        detail={
            "what": "审计日志",
            "rows": len(rows),
            "filters": {k: str(v) for k, v in filters.items() if v},
        },
    )
    return out.getvalue(), len(rows)


class PurgeRefused(ValueError):
    pass


def purge(*, before: date, actor: Any = None) -> int:
    """Delete audit rows older than `before`; refuses a date within the last RETENTION_DAYS days.

    On PostgreSQL the append-only trigger (core migration 0002) lets the DELETE through only when
    taizhang.audit_purge is 'on', which SET LOCAL scopes to this transaction alone.
    """
    limit = timezone.localdate() - timedelta(days=RETENTION_DAYS)
    if before > limit:
        raise PurgeRefused(f"审计日志至少保留{RETENTION_DAYS}天：只能清理{limit:%Y-%m-%d}之前的记录")
    cutoff = datetime.combine(before, time.min, tzinfo=timezone.get_current_timezone())
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL taizhang.audit_purge = 'on'")
        qs = AuditLog.objects.filter(at__lt=cutoff)
        deleted = qs._raw_delete(qs.db)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL taizhang.audit_purge = 'off'")
        audit(
            "purge",
            user=actor,
            object_type="core.AuditLog",
            detail={"before": f"{before:%Y-%m-%d}", "rows": deleted},
        )
    return deleted
