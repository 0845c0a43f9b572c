"""Template helpers of the plan pages: status badges, short date ranges, capability checks."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils.html import format_html

from taizhang.plans.models import PlanTask

register = template.Library()

_STATUS_CLASS = {
    PlanTask.Status.NOT_STARTED: "text-bg-light border",
    PlanTask.Status.IN_PROGRESS: "text-bg-primary",
    PlanTask.Status.DONE: "text-bg-success",
}


@register.simple_tag
def status_badge(value: str) -> str:
    label = PlanTask.Status(value).label if value in PlanTask.Status.values else value
    return format_html(
        '<span class="badge {} status-badge" data-status="{}">{}</span>',
        _STATUS_CLASS.get(value, ""),
        value,
        label,
    )


@register.simple_tag
def kind_badge(value: str) -> str:
    label = PlanTask.Kind(value).label if value in PlanTask.Kind.values else value
    css = "kind-featured" if value == PlanTask.Kind.FEATURED else "kind-prescribed"
    return format_html('<span class="badge {}">{}</span>', css, label)


@register.filter
def md(value: date | None) -> str:
    """9月4日 (month and day: the campaign's year is on the page already)."""
    return f"{value.month}月{value.day}日" if value else ""


@register.simple_tag
def day_range(start: date | None, end: date | None) -> str:
    if start is None:
        return ""
    if end is None or end == start:
        return md(start)
    if end.month == start.month:
        return f"{md(start)}–{end.day}日"
    return f"{md(start)}–{md(end)}"


@register.filter
def has_cap(scope: Any, cap: str) -> bool:
    return bool(scope) and scope.has_any(cap)


@register.filter
def weekday_cn(value: date | None) -> str:
    return "周" + "一二三四五六日"[value.weekday()] if value else ""
