from __future__ import annotations

from typing import Any

from django import forms

from taizhang.core.access import Cap
from taizhang.core.forms import StyledFormMixin
from taizhang.core.widgets import OrgSelectOrPicker
from taizhang.lib.dates import today
from taizhang.org.forms import OrgPickField
from taizhang.org.models import Organization
from taizhang.reports.metrics import default_as_of
from taizhang.reports.summary import ISSUED_BEFORE_AS_OF, default_issued_on

AS_OF_FUTURE = "统计日期不能晚于今天"
AS_OF_BEFORE = "统计日期不能早于学习教育活动开始日期"


class GenerateForm(StyledFormMixin, forms.Form):
    org = forms.ModelChoiceField(
        label="报告范围", queryset=None, empty_label=None, widget=OrgSelectOrPicker()
    )
    as_of = forms.DateField(
        label="统计日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="超期、静默类数据按该日判断；留空为今天（活动已结束时为结束日）",
    )

    issued_on = forms.DateField(
        label="成文日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="落款日期；留空为今天（活动已结束时为结束日），不早于统计日期",
    )
    appendix = forms.BooleanField(
        label="附指标与记录对照表（内部使用）",
        required=False,
        help_text="列出每项数据的计数规则和记录数，供内部核对；报送上级的报告不勾选",
    )
    charts = forms.BooleanField(label="附主要数据图示", required=False, initial=True)

    def __init__(self, *args: Any, units: Any, campaign: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["issued_on"].initial = default_issued_on(campaign)
        self.fields["org"].queryset = units
        self.fields["org"].widget.picker.params = {"cap": Cap.VIEW_INTERNAL, "under": campaign.org_id}
        self.fields["org"].label_from_instance = lambda org: (
            "\u3000" * max(org.depth - campaign.org.depth, 0) + org.name
        )

    def clean_as_of(self) -> Any:
        value = self.cleaned_data.get("as_of")
        if value and value > today():
            raise forms.ValidationError(AS_OF_FUTURE)
        if value and value < self.campaign.start_date:
            raise forms.ValidationError(AS_OF_BEFORE)
        return value

    def clean(self) -> dict:
        data = super().clean()
        issued_on, as_of = data.get("issued_on"), data.get("as_of") or default_as_of(self.campaign)
        if issued_on and issued_on < as_of:
            self.add_error("issued_on", ISSUED_BEFORE_AS_OF)
        return data


class TemplateForm(StyledFormMixin, forms.Form):
    text = forms.CharField(
        label="报告模板",
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "font-monospace small"}),
        max_length=50_000,
    )


class TemplateUnitForm(StyledFormMixin, forms.Form):
    """Which unit's report template to edit (a GET form that submits itself on change)."""

    org = OrgPickField(queryset=Organization.objects.none(), label="单位", empty_label=None, cap=Cap.MANAGE)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = units
        self.fields["org"].widget.attrs.update({"data-autosubmit": "", "aria-label": "单位"})
