"""Forms validate and normalise; the services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from taizhang.core.access import Cap
from taizhang.core.crypto import digest
from taizhang.core.forms import FastSelect, StyledFormMixin
from taizhang.core.widgets import OrgSelectOrPicker
from taizhang.lib import idcard, phone
from taizhang.org.access import placement_errors
from taizhang.org.models import Member, Organization
from taizhang.org.selectors import indent_label, org_choices_for_user, tree_sorted


class TreeChoiceIterator(forms.models.ModelChoiceIterator):
    """Options in tree order (parents before children, siblings by sort order), indented by depth."""

    def __iter__(self):  # noqa: ANN204
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        orgs = list(self.queryset)
        base = min((o.depth for o in orgs), default=0)
        for org in tree_sorted(orgs):
            yield (
                forms.models.ModelChoiceIteratorValue(self.field.prepare_value(org), org),
                indent_label(org, base),
            )


class OrgChoiceField(forms.ModelChoiceField):
    iterator = TreeChoiceIterator
    widget = FastSelect

    def label_from_instance(self, obj: Organization) -> str:
        return indent_label(obj)


class OrgPickField(OrgChoiceField):
    """The unit field of create/edit forms: a tree select for a few units, a search picker for many."""

    def __init__(self, *args: Any, cap: str = Cap.RECORD, **kwargs: Any) -> None:
        kwargs.setdefault("widget", OrgSelectOrPicker(params={"cap": cap}))
        super().__init__(*args, **kwargs)


class OrganizationForm(StyledFormMixin, forms.ModelForm):
    parent = OrgPickField(
        queryset=Organization.objects.none(), label="上级组织", required=False, cap=Cap.MANAGE
    )

    class Meta:
        model = Organization
        fields = ["parent", "kind", "code", "name", "short_name", "sort_order", "is_active"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        qs = org_choices_for_user(user=user, cap=Cap.MANAGE).exclude(kind=Organization.Kind.GROUP)
        if self.instance.pk:
            qs = qs.exclude(path__startswith=self.instance.path)
            if self.instance.parent_id:
                # Keeping the parent it has is always a valid answer, even when the parent is above the
                # user (a branch administrator editing his own branch); leaving it empty is not (F2).
                qs = Organization.objects.filter(Q(pk__in=qs.values("pk")) | Q(pk=self.instance.parent_id))
                qs = qs.order_by("depth", "sort_order", "id")
        self.fields["parent"].queryset = qs

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "parent" in data and data.get("kind"):
            # The same rule as the service (issue 16 F2), here so the message sits on its field.
            for field, message in placement_errors(
                self.user, self.instance, parent=data["parent"], kind=data["kind"]
            ).items():
                self.add_error(field, message)
        return data


class MemberForm(StyledFormMixin, forms.ModelForm):
    org = OrgPickField(queryset=Organization.objects.none(), label="所在组织", cap=Cap.MANAGE)

    class Meta:
        model = Member
        fields = [
            "org",
            "name",
            "gender",
            "id_number",
            "phone",
            "category",
            "joined_on",
            "post",
            "department",
            "sort_order",
            "note",
        ]
        widgets = {
            "id_number": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "maxlength": 18}),
            "phone": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel", "maxlength": 20}),
            "joined_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"id_number": "18位，校验位自动核对；性别可由身份证号自动识别"}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.MANAGE)
        # Personal data never goes back to the browser in full (PI-02): an existing value is shown
        # masked in the help text and kept when the field is left blank.
        if self.instance.pk:
            if self.instance.id_number:
                self.initial["id_number"] = ""
                self.fields[
                    "id_number"
                ].help_text = f"当前：{idcard.mask(self.instance.id_number)}，留空表示不修改"
            if self.instance.phone:
                self.initial["phone"] = ""
                self.fields["phone"].help_text = f"当前：{phone.mask(self.instance.phone)}，留空表示不修改"

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip().replace(" ", "")

    def clean_id_number(self) -> str:
        value = idcard.normalize(self.cleaned_data.get("id_number") or "")
        if not value:
            return self.instance.id_number if self.instance.pk else ""
        problem = idcard.problem(value)
        if problem:
            raise forms.ValidationError(problem)
        others = Member.objects.filter(id_digest=digest(value))
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("该身份证号已登记在其他党员名下")
        return value

    def clean_phone(self) -> str:
        value = phone.normalize(self.cleaned_data.get("phone") or "")
        if not value:
            return self.instance.phone if self.instance.pk else ""
        if phone.problem(value):
            raise forms.ValidationError(phone.problem(value))
        return value


class MemberFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label="搜索", required=False)
    org = OrgChoiceField(queryset=Organization.objects.none(), label="组织", required=False)
    category = forms.ChoiceField(
        label="类别", required=False, choices=[("", "全部类别"), *Member.Category.choices]
    )
    inactive = forms.BooleanField(label="含已转出", required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.VIEW_INTERNAL)
