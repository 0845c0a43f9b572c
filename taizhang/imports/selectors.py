"""Reads for the import pages: the runs a user may see, and the preview figures in words."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from taizhang.core.access import Cap
from taizhang.imports.models import ImportRun
from taizhang.imports.schema import SHEET_NAMES

EXTRA_LABELS = {
    "attendance": "考勤记录",
    "attendance_updated": "考勤更新",
    "speeches": "发言记录",
    "participants": "调研参加人员",
    "findings": "调研发现问题",
    "problem_links": "制度关联问题",
}


def run_list(*, user: Any) -> QuerySet[ImportRun]:
    """Runs of the units the user manages (superusers: all, including command-line runs)."""
    return ImportRun.objects.within(user, Cap.MANAGE).select_related("user", "org")


def counts_rows(counts: dict[str, Any]) -> list[dict[str, Any]]:
    """Per sheet, in sheet order: created / updated / unchanged and the extra figures, in words."""
    rows = []
    for name in SHEET_NAMES:
        figures = counts.get(name)
        if not figures:
            continue
        extras = [
            f"{EXTRA_LABELS.get(key, key)} {value}"
            for key, value in figures.items()
            if key not in ("created", "updated", "unchanged") and value
        ]
        rows.append(
            {
                "sheet": name,
                "created": figures.get("created", 0),
                "updated": figures.get("updated", 0),
                "unchanged": figures.get("unchanged", 0),
                "extras": "，".join(extras),
            }
        )
    return rows


def counts_lines(counts: dict[str, Any]) -> list[str]:
    lines = []
    for row in counts_rows(counts):
        line = f"{row['sheet']}：新增 {row['created']}，更新 {row['updated']}，不变 {row['unchanged']}"
        if row["extras"]:
            line += f"；{row['extras']}"
        lines.append(line)
    if counts.get("_ignored"):
        lines.append("已忽略的工作表：" + "、".join(counts["_ignored"]))
    return lines


def activity_type_names(*, user: Any) -> list[str]:
    """The 活动类型 drop-down of the template: the defaults, then the types of campaigns the user sees."""
    from taizhang.campaigns.selectors import campaigns_visible_to
    from taizhang.study.models import ActivityType

    names = list(
        ActivityType.objects.filter(campaign=None).order_by("sort_order", "id").values_list("name", flat=True)
    )
    extra = ActivityType.objects.filter(campaign__in=campaigns_visible_to(user=user)).order_by(
        "sort_order", "id"
    )
    for name in extra.values_list("name", flat=True):
        if name not in names:
            names.append(name)
    return names
