"""Badges and history lines for the rectification pages."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from taizhang.core.lights import Light
from taizhang.core.models import Event
from taizhang.rectification.models import Measure, Problem
from taizhang.rectification.services import ACTION_LABELS

register = template.Library()

_STATUS_CLASS = {
    Problem.Status.OPEN: "text-bg-light border",
    Problem.Status.IN_PROGRESS: "text-bg-primary",
    Problem.Status.SUBMITTED: "text-bg-warning",
    Problem.Status.CLOSED: "text-bg-success",
    Measure.Status.PENDING: "text-bg-light border",
    Measure.Status.DONE: "text-bg-success",
}
_STATE_LABELS = {
    **dict(Problem.Status.choices),
    **dict(Measure.Status.choices),
    **dict(Light.choices),
}
_MEASURE_ACTIONS = {"complete": "完成措施", "undo": "改回未完成"}


@register.simple_tag
def status_badge(value: str, label: str = "") -> str:
    return format_html(
        '<span class="badge {} status-badge" data-status="{}">{}</span>',
        _STATUS_CLASS.get(value, "text-bg-light"),
        value,
        label or _STATE_LABELS.get(value, value),
    )


@register.filter
def state_label(value: str) -> str:
    return _STATE_LABELS.get(value, value)


@register.filter
def event_title(event: Event) -> str:
    """What happened, in words: 审核通过并销号, 退回, 完成措施, 进展, 上传材料 …"""
    on_measure = getattr(event, "measure_number", None) is not None
    action = (event.data or {}).get("action", "")
    if event.kind == Event.Kind.STATUS:
        if on_measure:
            return _MEASURE_ACTIONS.get(action, "措施状态变更")
        return ACTION_LABELS.get(action, "状态变更")
    if event.kind == Event.Kind.CREATED:
        return "添加措施" if on_measure else "登记问题"
    if event.kind == Event.Kind.CHANGED:
        return "修改措施" if on_measure else "修改问题"
    if event.kind == Event.Kind.NOTE:
        return "整改进展"
    if event.kind == Event.Kind.UPLOAD:
        return "上传佐证材料"
    if event.kind == Event.Kind.LIGHT:
        return "灯色变化"
    if event.kind == Event.Kind.LINKED:
        return "形成制度"
    if event.kind == Event.Kind.DELETED:
        return "删除"
    return event.get_kind_display()


@register.filter
def event_css(event: Event) -> str:
    action = (event.data or {}).get("action", "")
    if action == "return":
        return "event-return"
    if action == "sign_off":
        return "event-sign-off"
    if action == "reopen":
        return "event-reopen"
    if event.kind == Event.Kind.LIGHT and event.to_state == Light.RED:
        return "event-red"
    return f"event-{event.kind}"
