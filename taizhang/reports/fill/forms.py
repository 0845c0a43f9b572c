"""Forms of the draft filler: validate and normalise; the services write."""

from __future__ import annotations

from typing import Any

from django import forms

from taizhang.campaigns.models import Campaign
from taizhang.core.access import Cap
from taizhang.core.forms import StyledFormMixin
from taizhang.org.forms import OrgPickField
from taizhang.org.models import Organization
from taizhang.reports import metrics
from taizhang.reports.fill import services
from taizhang.reports.fill.selectors import default_org_for, fill_campaigns_for_user, fill_orgs_for_user

LEAVE_BLANK = "（不填写，保留标记）"


class ScopeForm(StyledFormMixin, forms.Form):
    """Which campaign's figures, for which unit's subtree."""

    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.none(), label="学习教育活动", empty_label=None
    )
    org = OrgPickField(
        queryset=Organization.objects.none(), label="统计范围", empty_label=None, cap=Cap.VIEW_INTERNAL
    )

    def __init__(self, *args: Any, user: Any, campaign: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaigns = fill_campaigns_for_user(user=user)
        self.fields["campaign"].queryset = Campaign.objects.filter(pk__in=[c.pk for c in campaigns]).order_by(
            "-start_date", "-id"
        )
        self.fields["org"].queryset = fill_orgs_for_user(user=user)
        self.fields["org"].help_text = "按所选单位及其下级单位的记录统计"
        if not self.is_bound:
            chosen = (
                campaign
                if campaign is not None and campaign in campaigns
                else (campaigns[0] if campaigns else None)
            )
            if chosen is not None:
                self.initial.setdefault("campaign", chosen.pk)
                org = default_org_for(user=user, campaign=chosen)
                if org is not None:
                    self.initial.setdefault("org", org.pk)

    def clean(self) -> dict:
        data = super().clean()
        campaign, org = data.get("campaign"), data.get("org")
        if campaign is not None and org is not None and not org.is_under(campaign.org):
            self.add_error("org", services.ORG_OUTSIDE_CAMPAIGN.format(org=org.name, campaign=campaign.name))
        return data


class DraftUploadForm(ScopeForm):
    file = forms.FileField(
        label="文稿文件",
        help_text="Word（.docx）、纯文本（.txt）或 Markdown（.md），不超过 10 MB；数字处写 X、XX、×、＿＿ 或（  ）",
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.txt,.md"}),
    )
    field_order = ["file", "campaign", "org"]

    def clean_file(self) -> services.CheckedDraft:
        return services.draft_file_check(self.cleaned_data["file"])


def metric_choices() -> list:
    grouped: dict[str, list[tuple[str, str]]] = {}
    for row in metrics.catalog_rows():
        label = metrics.GROUP_LABELS.get(row["group"], "其他")
        grouped.setdefault(label, []).append((row["key"], row["label"]))
    return [("", LEAVE_BLANK), *grouped.items()]


class ChoicesForm(forms.Form):
    """One select per blank (field "key_<index>"); only the blanks present in the data are changed."""

    def __init__(self, data: Any, *, rows: list[dict]) -> None:
        super().__init__(data)
        choices = metric_choices()
        self.indexes = [r["index"] for r in rows if f"key_{r['index']}" in (data or {})]
        for index in self.indexes:
            self.fields[f"key_{index}"] = forms.ChoiceField(
                choices=choices, required=False, label=f"第 {index + 1} 个空格"
            )

    def choices(self) -> dict[int, str | None]:
        return {i: (self.cleaned_data.get(f"key_{i}") or None) for i in self.indexes}


class TemplateSaveForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label="模板名称", max_length=200, help_text="如：主题教育总结汇报（局党委版）")
