"""The search picker: a form widget for choices that grow with the data (see core/pickers.py).

It renders only the chosen rows (one query, whatever the size of the field's queryset) and a search
box that asks `core:pick` for matches; the chosen ids are posted under the field's own name, so the
field (ModelChoiceField / ModelMultipleChoiceField) validates them against its queryset as before.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.http import urlencode

from taizhang.core.pickers import KINDS


class SearchPicker(forms.Widget):
    template_name = "core/widgets/picker.html"

    def __init__(
        self,
        kind: str,
        *,
        multiple: bool = False,
        params: dict[str, Any] | None = None,
        include: str = "",
        attrs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(attrs)
        self.kind = kind
        self.multiple = multiple
        self.params = dict(params or {})
        self.include = include  # CSS selector of other inputs sent with the search (e.g. "#id_org")
        self.choices: Any = []

    def __deepcopy__(self, memo: dict) -> SearchPicker:
        obj = super().__deepcopy__(memo)
        obj.params = dict(self.params)
        return obj

    @property
    def allow_multiple_selected(self) -> bool:
        return self.multiple

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if self.multiple:
            return data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        return data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False if self.multiple else name not in data

    def format_value(self, value: Any) -> list[str]:
        if value is None:
            return []
        values = value if isinstance(value, (list, tuple)) else [value]
        return [str(getattr(v, "pk", v)) for v in values if v not in (None, "")]

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_q" if id_ else id_

    def chosen(self, values: list[str]) -> list[tuple[int, str]]:
        """(id, label) of the chosen rows that the field's queryset holds, in the posted order."""
        ids = [int(v) for v in values if str(v).isdigit()]
        queryset = getattr(self.choices, "queryset", None)
        if not ids or queryset is None:
            return []
        spec = KINDS[self.kind]
        found = {obj.pk: obj for obj in queryset.select_related(*spec.related).filter(pk__in=ids)}
        return [(pk, spec.label(found[pk])) for pk in dict.fromkeys(ids) if pk in found]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        chosen = self.chosen(widget["value"])
        params = {k: v for k, v in self.params.items() if v not in (None, "")}
        url = reverse("core:pick", args=[self.kind])
        widget.update(
            {
                "kind": self.kind,
                "multiple": self.multiple,
                "chosen": chosen,
                "single_value": chosen[0][0] if chosen and not self.multiple else "",
                "url": f"{url}?{urlencode(params)}" if params else url,
                "include": self.include,
                "placeholder": KINDS[self.kind].placeholder,
            }
        )
        return context


class SelectOrPicker(forms.Select):
    """A plain select while the field's choices are few; the search picker beyond `limit`.

    For fields whose choices are usually short but may grow: a campaign's leading group (a select),
    or, for a campaign without one, every member in scope (a picker).
    """

    kind = "member"
    limit = 60

    def __init__(
        self,
        attrs: dict[str, Any] | None = None,
        *,
        kind: str | None = None,
        limit: int | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(attrs)
        if kind is not None:
            self.kind = kind
        if limit is not None:
            self.limit = limit
        self.picker = SearchPicker(self.kind, params=params)

    def __deepcopy__(self, memo: dict) -> SelectOrPicker:
        obj = super().__deepcopy__(memo)
        obj.picker = copy.deepcopy(self.picker, memo)
        return obj

    def id_for_label(self, id_: str) -> str:
        return self.picker.id_for_label(id_) if self._large() else id_

    def _large(self) -> bool:
        cached = getattr(self, "_large_cache", None)
        queryset = getattr(self.choices, "queryset", None)
        if cached is not None and cached[0] is queryset:
            return cached[1]
        large = queryset is not None and queryset.count() > self.limit
        self._large_cache = (queryset, large)
        return large

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        if self._large():
            self.picker.choices = self.choices
            self.picker.is_required = self.is_required
            context = self.picker.get_context(name, value, attrs)
            context["widget"]["template_name"] = self.picker.template_name
            return context
        return super().get_context(name, value, attrs)

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        context = self.get_context(name, value, attrs)
        return self._render(context["widget"]["template_name"], context, renderer)


class OrgSelectOrPicker(SelectOrPicker):
    """A unit select in tree order while the user's units are few; a search picker beyond `limit`.

    A secretary sees their branch and its groups as a short select; a committee administrator over
    2,000 units gets the search box instead of a 2,000-option list.
    """

    kind = "org"
    limit = 200

    def __init__(self, attrs: dict[str, Any] | None = None, params: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, params=params)
