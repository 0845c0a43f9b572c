"""Linked figures for any page: every number shown links to the rows behind it (reports:metric_rows).

    {% load reports_tags %}
    {% figure "study.activities" figures campaign org %}        a figure block (value, unit, label), linked
    {% figure_link "problems.rate" figures campaign org %}     the value inline, linked
    {% figure_url "matters.done" campaign org %}               just the URL

`figures` is the dict from reports.metrics.compute(campaign, org); `org` may be None (the campaign's unit).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from taizhang.reports import metrics
from taizhang.reports.selectors import rows_url

register = template.Library()


def shown(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:g}" if isinstance(value, float) and unit != "%" else str(value)
    if unit == "%":
        text = f"{value:.1f}%"
    return text


@register.simple_tag
def term(key: str) -> str:
    """The figure's one name (the catalog's glossary): {% term "study.attendance_rate" %} → 出勤率."""
    return metrics.term(key)


@register.simple_tag
def figure_url(key: str, campaign: Any, org: Any = None, by: str = "", group: Any = "") -> str:
    return rows_url(key, campaign, org, by=by, group=group)


@register.simple_tag
def figure(key: str, figures: dict, campaign: Any, org: Any = None, label: str = "") -> str:
    # Built here rather than through an included template: a dashboard shows some 70 of them, and a
    # sub-template render each cost more than the rest of the page's HTML.
    metric = metrics.get(key)
    value = figures.get(key)
    return format_html(
        '<a class="figure-link" href="{}" title="{}" data-metric="{}"><div class="figure-value">{}'
        '<small class="figure-unit">{}</small></div><div class="figure-label">{}</div></a>',
        rows_url(key, campaign, org),
        metric.rule,
        key,
        shown(value, metric.unit),
        "" if metric.unit == "%" or value is None else metric.unit,
        label or metric.label,
    )


@register.simple_tag
def figure_link(key: str, figures: dict, campaign: Any, org: Any = None) -> str:
    metric = metrics.get(key)
    value = figures.get(key)
    unit = "" if metric.unit == "%" or value is None else metric.unit
    return format_html(
        '<a class="figure-inline" href="{}" title="{}：{}">{}{}</a>',
        rows_url(key, campaign, org),
        metric.label,
        metric.rule,
        shown(value, metric.unit),
        unit,
    )


@register.filter
def figure_value(value: Any, unit: str = "") -> str:
    return shown(value, unit)


@register.filter
def indent_from(depth: int, base: int) -> str:
    """Ideographic spaces for a unit's depth below `base`, for tree-shaped select options."""
    return "\u3000" * max((depth or 0) - (base or 0), 0)


@register.filter
def get_item(mapping: dict, key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None
