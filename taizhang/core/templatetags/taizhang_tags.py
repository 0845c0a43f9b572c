"""Template helpers available in every template (registered as builtins in settings)."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.html import format_html

from taizhang.core.lights import Light
from taizhang.lib import dates, idcard, phone

register = template.Library()

_LIGHT_CLASS = {
    Light.GREEN: "text-bg-success",
    Light.YELLOW: "text-bg-warning",
    Light.RED: "text-bg-danger",
    Light.DONE: "text-bg-secondary",
}


@register.simple_tag
def light_badge(value: str) -> str:
    if not value:
        return ""
    label = Light(value).label if value in Light.values else value
    return format_html(
        '<span class="badge {} light-badge" data-light="{}">{}</span>',
        _LIGHT_CLASS.get(value, "text-bg-light"),
        value,
        label,
    )


@register.filter
def cn_date(value: date | None) -> str:
    return dates.cn(value)


@register.filter
def mask_id(value: str) -> str:
    return idcard.mask(value) if value else ""


@register.filter
def mask_phone(value: str) -> str:
    return phone.mask(value) if value else ""


@register.filter
def percent(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}%"


@register.filter
def role_label(value: str) -> str:
    from taizhang.accounts.models import RoleAssignment

    try:
        return RoleAssignment.Role(value).label
    except ValueError:
        return value
