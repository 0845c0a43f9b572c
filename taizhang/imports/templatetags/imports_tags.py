"""{% export_button "问题清单" %}: the "导出 Excel" link of a list page, carrying the page's filters to
imports:export, which writes the records in the import workbook's own format (round trip)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html

from taizhang.core.access import Cap, scope_for

register = template.Library()

# List pages' filter names that mean the same to the exporter (imports.forms.ExportForm.FILTERS).
PASSED = ("campaign", "org", "status", "kind", "category", "date_from", "date_to")


@register.simple_tag(takes_context=True)
def export_button(context: template.Context, sheet: str, label: str = "导出 Excel") -> str:
    request = context.get("request")
    if request is None or not scope_for(request.user).has_any(Cap.VIEW_INTERNAL):
        return ""
    params: list[tuple[str, str]] = [("sheet", sheet)]
    for name in PASSED:
        value = request.GET.get(name, "").strip()
        if value and not (name == "campaign" and value == "none"):
            params.append((name, value))
    type_value = request.GET.get("type", "").strip()
    if type_value:
        if type_value.isdigit():
            from taizhang.study.models import ActivityType

            type_value = (
                ActivityType.objects.filter(pk=int(type_value)).values_list("code", flat=True).first() or ""
            )
        if type_value:
            params.append(("type", type_value))
    url = f"{reverse('imports:export')}?{urlencode(params)}"
    return format_html(
        '<a class="btn btn-sm btn-outline-secondary export-button" href="{}" title="按当前筛选条件导出，格式与导入模板相同">'
        '<i class="bi bi-file-earmark-excel"></i> {}</a>',
        url,
        label,
    )
