"""Forms validate and normalise; plans.services writes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import Q

from taizhang.campaigns.forms import MemberChoiceField
from taizhang.campaigns.models import Campaign, Phase
from taizhang.core.access import Cap, scope_for
from taizhang.core.forms import StyledFormMixin
from taizhang.core.lights import Light
from taizhang.core.widgets import SearchPicker, SelectOrPicker
from taizhang.org.forms import OrgChoiceField, OrgPickField
from taizhang.org.models import Member, Organization
from taizhang.org.selectors import org_choices_for_user
from taizhang.plans.links import LINKABLES
from taizhang.plans.models import PlanTask, StudyPlan, StudyPlanItem
from taizhang.plans.selectors import leader_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several evidence files in one input; core.services.attachment_create checks each by content."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def activity_types(campaign: Campaign | None) -> Any:
    from taizhang.study.models import ActivityType

    q = Q(campaign__isnull=True)
    if campaign is not None:
        q |= Q(campaign=campaign)
    return ActivityType.objects.filter(q).order_by("sort_order", "id")


class TypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class TaskForm(StyledFormMixin, forms.ModelForm):
    org = OrgPickField(queryset=Organization.objects.none(), label="责任单位")
    # The campaign's leading group as a select; without one, members with a post: a picker if many.
    lead_leader = MemberChoiceField(
        queryset=Member.objects.none(), label="牵头领导", required=False, widget=SelectOrPicker()
    )
    required_type = TypeChoiceField(
        queryset=None,
        label="对应活动类型",
        required=False,
        help_text="选填。关联记录时优先列出这一类型的学习活动；保存为模板时作为必开展的活动类型",
    )

    class Meta:
        model = PlanTask
        fields = [
            "title",
            "kind",
            "phase",
            "planned_start",
            "planned_end",
            "org",
            "responsible_dept",
            "lead_leader",
            "required_type",
            "description",
        ]
        widgets = {
            "planned_start": DATE,
            "planned_end": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "planned_end": "只安排一天时可留空",
            "phase": "留空时按计划开始日期自动归入所在阶段",
        }

    def __init__(self, *args: Any, user: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["planned_end"].required = False
        self.fields["phase"].queryset = Phase.objects.filter(campaign=campaign).order_by("order")
        self.fields["phase"].required = False
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.RECORD).filter(
            path__startswith=campaign.org.path
        )
        self.fields["org"].widget.picker.params = {"cap": Cap.RECORD, "under": campaign.org_id}
        leaders = leader_choices(campaign=campaign)
        if self.instance.pk and self.instance.lead_leader_id:
            leaders = Member.objects.filter(
                Q(pk__in=leaders.values("pk")) | Q(pk=self.instance.lead_leader_id)
            ).select_related("org")
        self.fields["lead_leader"].queryset = leaders
        self.fields["required_type"].queryset = activity_types(campaign)
        for name in ("planned_start", "planned_end"):
            self.fields[name].widget.attrs.update(
                {"min": campaign.start_date.isoformat(), "max": campaign.end_date.isoformat()}
            )
        self.fields["planned_start"].widget.attrs["data-campaign-start"] = campaign.start_date.isoformat()

    def clean_title(self) -> str:
        return self.cleaned_data["title"].strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", "计划完成日期不能早于计划开始日期")
        return data


class TaskFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        label="搜索", required=False, widget=forms.TextInput(attrs={"placeholder": "任务名称、内容"})
    )
    phase = forms.ModelChoiceField(
        queryset=Phase.objects.none(), label="阶段", required=False, empty_label="全部阶段"
    )
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部类型"), *PlanTask.Kind.choices])
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *PlanTask.Status.choices]
    )
    light = forms.ChoiceField(label="灯色", required=False, choices=[("", "全部灯色"), *Light.choices])
    org = OrgChoiceField(
        queryset=Organization.objects.none(), label="单位", required=False, empty_label="全部单位"
    )
    mine = forms.BooleanField(label="我牵头的", required=False)

    def __init__(self, *args: Any, user: Any, campaign: Campaign | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if campaign is not None:
            self.fields["phase"].queryset = Phase.objects.filter(campaign=campaign).order_by("order")
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.VIEW)
        for name in ("phase", "kind", "status", "light", "org"):
            self.fields[name].widget.attrs["data-autosubmit"] = ""


class TaskCloseForm(StyledFormMixin, forms.Form):
    done_on = forms.DateField(label="完成日期", widget=DATE, required=False, help_text="留空为今天")
    note = forms.CharField(
        label="完成情况",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="没有关联记录时必填，并须上传佐证材料",
    )
    evidence = MultipleFileField(label="佐证材料", help_text="图片、PDF 或 Office 文件，可多选")


class TaskReopenForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label="重新打开的原因", widget=forms.Textarea(attrs={"rows": 2}))


class TaskNoteForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label="进展情况", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = MultipleFileField(label="材料", help_text="可多选")


class LinkSearchForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label="记录类型", choices=[(k.key, k.label) for k in LINKABLES])
    q = forms.CharField(
        label="搜索", required=False, widget=forms.TextInput(attrs={"placeholder": "主题、名称"})
    )


class LinkForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k.key, k.label) for k in LINKABLES])
    object_id = forms.IntegerField(min_value=1)
    close = forms.BooleanField(required=False)


# --- Study plans ----------------------------------------------------------------------------------


class StudyPlanForm(StyledFormMixin, forms.Form):
    level = forms.ChoiceField(label="层级", choices=StudyPlan.Level.choices)
    org = OrgPickField(
        queryset=Organization.objects.none(),
        label="组织",
        required=False,
        help_text="党委或党支部（党小组）学习计划必选",
    )
    member = MemberChoiceField(
        queryset=Member.objects.none(),
        label="党员",
        required=False,
        help_text="个人学习计划必选",
        widget=SearchPicker("member"),
    )
    title = forms.CharField(label="计划名称", max_length=200, required=False, help_text="留空自动生成")
    copy_committee = forms.BooleanField(
        label="以党委学习计划的条目为基础",
        required=False,
        help_text="复制党委学习计划的全部条目，之后可增删修改",
    )
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if not scope_for(user).has_any(Cap.RECORD):
            # A member without a recording role makes only their own personal plan.
            self.fields["level"].choices = [(StudyPlan.Level.PERSONAL, StudyPlan.Level.PERSONAL.label)]
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.RECORD).filter(
            path__startswith=campaign.org.path
        )
        self.fields["org"].widget.picker.params = {"cap": Cap.RECORD, "under": campaign.org_id}
        scope = scope_for(user)
        members = Member.objects.none()
        paths = scope.paths(Cap.RECORD)
        if paths:
            from taizhang.core.access import subtree_q

            members = Member.objects.filter(subtree_q(paths, "org")).in_subtree(campaign.org).active()
        own = getattr(user, "member_id", None)
        if own:
            members = Member.objects.filter(Q(pk__in=members.values("pk")) | Q(pk=own))
        self.fields["member"].queryset = (
            members.select_related("org")
            .defer("id_number", "phone")
            .order_by("org__path", "sort_order", "id")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        level = data.get("level")
        if level == StudyPlan.Level.PERSONAL and not data.get("member"):
            self.add_error("member", "个人学习计划须选择党员")
        if level and level != StudyPlan.Level.PERSONAL and not data.get("org"):
            self.add_error("org", "请选择组织")
        return data


class StudyPlanEditForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = StudyPlan
        fields = ["title", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


class ItemForm(StyledFormMixin, forms.ModelForm):
    activity_type = TypeChoiceField(
        queryset=None,
        label="对应活动类型",
        required=False,
        help_text="选填。设定后只与该类型的活动比对；不设定则按学习形式比对",
    )

    class Meta:
        model = StudyPlanItem
        fields = ["planned_date", "topic", "material", "form", "activity_type"]
        widgets = {"planned_date": DATE}

    def __init__(self, *args: Any, campaign: Campaign | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activity_type"].queryset = activity_types(campaign)
        if campaign is not None:
            self.fields["planned_date"].widget.attrs.update(
                {"min": campaign.start_date.isoformat(), "max": campaign.end_date.isoformat()}
            )

    def clean_topic(self) -> str:
        return self.cleaned_data["topic"].strip()


class ItemMatchForm(forms.Form):
    """`activity:ID`, `self:ID`, `none` (confirmed not held) or `auto` (let the matcher decide)."""

    choice = forms.CharField(max_length=40)

    def clean_choice(self) -> tuple[str, int | None]:
        value = self.cleaned_data["choice"]
        if value in ("none", "auto"):
            return value, None
        kind, _, pk = value.partition(":")
        if kind not in ("activity", "self") or not pk.isdigit():
            raise forms.ValidationError("请选择对应的学习记录")
        return kind, int(pk)


# --- Campaign templates ---------------------------------------------------------------------------


class TemplateSaveForm(StyledFormMixin, forms.Form):
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.none(), label="学习教育活动")
    name = forms.CharField(label="模板名称", max_length=100)
    include_featured = forms.BooleanField(
        label="包括特色做法", required=False, help_text="不勾选时只保存规定动作"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = (
            Campaign.objects.within(user, Cap.MANAGE).select_related("org").order_by("-start_date")
        )

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


class TemplateApplyForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    code = forms.SlugField(label="编码", max_length=32, help_text="如 dj2024，用于命令行和导入")
    org = OrgPickField(queryset=Organization.objects.none(), label="组织单位", cap=Cap.MANAGE)
    start_date = forms.DateField(label="开始日期", widget=DATE)
    end_date = forms.DateField(
        label="结束日期", widget=DATE, required=False, help_text="留空时与原活动同样长度"
    )

    def __init__(self, *args: Any, user: Any, days: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.days = days
        self.fields["org"].queryset = org_choices_for_user(
            user=user,
            cap=Cap.MANAGE,
            kinds=(Organization.Kind.COMMITTEE, Organization.Kind.GENERAL_BRANCH, Organization.Kind.BRANCH),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start = data.get("start_date")
        if start and not data.get("end_date"):
            data["end_date"] = start + timedelta(days=self.days)
        if start and data.get("end_date") and data["end_date"] < start:
            self.add_error("end_date", "结束日期不能早于开始日期")
        return data
