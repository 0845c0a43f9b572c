"""Form helpers shared by the apps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict) -> str:
    """Attributes as Django's attrs.html writes them (in order; True: the bare name; False/None: left out)."""
    parts = []
    for key, value in attrs.items():
        if value is True:
            parts.append(format_html(" {}", key))
        elif value is not False and value is not None:
            parts.append(format_html(' {}="{}"', key, value))
    return "".join(parts)


class FastSelect(forms.Select):
    """A <select> whose options are written in Python instead of one template render per option.

    Same HTML as Django's select.html / select_option.html; a city's unit picker has 2,000 options, which
    Django's per-option templates take tens of milliseconds to render on every list page."""

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], mark_safe(_attrs(widget["attrs"])))]
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            parts.extend(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    str(option["value"]),
                    mark_safe(_attrs(option["attrs"])),
                    option["label"],
                )
                for option in options
            )
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every part escaped by format_html)


class StyledFormMixin:
    """Give every widget its Bootstrap class, so hand-laid-out forms (filters, inline rows) look right."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            existing = widget.attrs.get("class", "")
            if css not in existing.split():
                widget.attrs["class"] = f"{existing} {css}".strip()


class AuditFilterForm(StyledFormMixin, forms.Form):
    """Filters of the audit log page (all optional)."""

    user = forms.CharField(label="用户名", required=False, max_length=150)
    action = forms.ChoiceField(label="操作", required=False)
    success = forms.ChoiceField(
        label="结果", required=False, choices=[("", "全部"), ("1", "成功"), ("0", "失败")]
    )
    date_from = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    object_type = forms.CharField(label="对象类型", required=False, max_length=100)
    ip = forms.CharField(label="来源地址", required=False, max_length=45)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from taizhang.core.models import AuditLog

        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "全部"), *AuditLog.Action.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "截止日期不能早于起始日期")
        return data
