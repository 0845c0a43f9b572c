from __future__ import annotations

from typing import Any

from django import forms

from taizhang.campaigns.models import Campaign, CampaignRole
from taizhang.core.access import Cap
from taizhang.core.forms import StyledFormMixin
from taizhang.core.widgets import SearchPicker
from taizhang.org.forms import OrgPickField
from taizhang.org.models import Member, Organization
from taizhang.org.selectors import org_choices_for_user

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CampaignForm(StyledFormMixin, forms.ModelForm):
    org = OrgPickField(queryset=Organization.objects.none(), label="组织单位", cap=Cap.MANAGE)

    class Meta:
        model = Campaign
        fields = [
            "name",
            "code",
            "org",
            "start_date",
            "end_date",
            "general_requirement",
            "goal",
            "description",
            "signature",
        ]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "goal": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = org_choices_for_user(
            user=user,
            cap=Cap.MANAGE,
            kinds=(Organization.Kind.COMMITTEE, Organization.Kind.GENERAL_BRANCH, Organization.Kind.BRANCH),
        )


class PhaseForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label="阶段名称", max_length=50)
    start_date = forms.DateField(label="开始日期", widget=DATE)
    end_date = forms.DateField(label="结束日期", widget=DATE)
    description = forms.CharField(label="主要任务", required=False, widget=forms.TextInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["start_date"] > data["end_date"]:
            self.add_error("end_date", "结束日期不能早于开始日期")
        return data


PhaseFormSet = forms.formset_factory(PhaseForm, extra=1, can_delete=True)


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.name}（{obj.org.display_name}{'，' + obj.post if obj.post else ''}）"


class SeatForm(StyledFormMixin, forms.Form):
    member = MemberChoiceField(queryset=Member.objects.none(), label="人员", widget=SearchPicker("member"))
    role = forms.ChoiceField(label="职务", choices=CampaignRole.Role.choices)
    title = forms.CharField(label="备注", required=False, max_length=100)

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].widget.params = {"org": campaign.org_id}  # the campaign's own units
        self.fields["member"].queryset = (
            Member.objects.in_subtree(campaign.org)
            .active()
            .select_related("org")
            .defer("id_number", "phone")
            .order_by("org__path", "sort_order", "id")
        )
