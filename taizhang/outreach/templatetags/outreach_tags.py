"""Template helpers of the outreach pages: state labels in history, capability checks, badges."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from taizhang.outreach.models import PracticalMatter

register = template.Library()

# Event.from_state / to_state values of matters and demands, as users read them.
STATE_LABELS = {
    **dict(PracticalMatter.Status.choices),
    "open": "未解决",
    "resolved": "已解决",
}
STATUS_CLASS = {
    PracticalMatter.Status.NOT_STARTED: "text-bg-light border",
    PracticalMatter.Status.IN_PROGRESS: "text-bg-primary",
    PracticalMatter.Status.DONE: "text-bg-success",
}


@register.filter
def state_label(value: str) -> str:
    return STATE_LABELS.get(value, value)


@register.filter
def has_cap(scope: Any, cap: str) -> bool:
    """{% if scope|has_cap:"view_internal" %}: the user holds the capability somewhere."""
    return bool(scope) and scope.has_any(cap)


@register.simple_tag
def matter_status_badge(status: str) -> str:
    return format_html(
        '<span class="badge {} status-badge" data-status="{}">{}</span>',
        STATUS_CLASS.get(status, "text-bg-light"),
        status,
        STATE_LABELS.get(status, status),
    )


@register.simple_tag
def demand_badge(resolved: bool) -> str:
    if resolved:
        return mark_safe('<span class="badge text-bg-success" data-resolved="1">已解决</span>')  # noqa: S308
    return mark_safe('<span class="badge text-bg-warning" data-resolved="0">未解决</span>')  # noqa: S308
