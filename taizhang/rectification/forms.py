"""Forms validate and normalise; the services write (and check scope and state again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from taizhang.campaigns.models import CampaignRole
from taizhang.core.access import Cap
from taizhang.core.forms import StyledFormMixin
from taizhang.core.lights import Light
from taizhang.core.widgets import SearchPicker, SelectOrPicker
from taizhang.org.forms import OrgChoiceField, OrgPickField
from taizhang.org.models import Member, Organization
from taizhang.org.selectors import org_choices_for_user
from taizhang.rectification.models import Institution, Measure, Problem

MAX_FILES = 10
TOO_MANY_FILES = f"一次最多上传 {MAX_FILES} 个文件"
CODE_TAKEN = "问题编号“{code}”已被使用"
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); cleans to a list, maybe empty."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        single = super().clean
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(items) > MAX_FILES:
            raise forms.ValidationError(TOO_MANY_FILES)
        cleaned = [single(item, initial) for item in items]
        if self.required and not cleaned:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [c for c in cleaned if c]


FILES_HELP = "可选多个文件：图片、PDF 或 Office 文档，每个不超过 20 MB"


class LeaderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.name}（{obj.post}）" if obj.post else obj.name


class ActivityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.date:%Y-%m-%d} {obj.type.name}：{obj.topic}"


class VisitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.date:%Y-%m-%d} {obj.subject}"


def leader_queryset(*, user: Any, campaign: Any, current: Member | None = None) -> Any:
    """责任领导 candidates: the campaign's leading group (组长、副组长、成员), plus the current choice.

    Without a leading group (a campaign not set up yet), the members the user may see.
    """
    seats = CampaignRole.objects.filter(campaign=campaign, role__in=CampaignRole.LEADING_GROUP)
    if campaign is not None and seats.exists():
        q = Q(pk__in=seats.values("member"))
        if current is not None:
            q |= Q(pk=current.pk)
        return Member.objects.filter(q).order_by("sort_order", "id")
    return Member.objects.within(user, Cap.VIEW_INTERNAL).filter(is_active=True).order_by("sort_order", "id")


class ProblemForm(StyledFormMixin, forms.ModelForm):
    org = OrgPickField(queryset=Organization.objects.none(), label="所属组织")
    # The campaign's leading group as a select; without one, every member in scope: a picker.
    responsible_leader = LeaderChoiceField(
        queryset=Member.objects.none(), label="责任领导", required=False, widget=SelectOrPicker()
    )
    activity = ActivityChoiceField(
        queryset=None, label="发现于会议", required=False, widget=SearchPicker("activity")
    )
    visit = VisitChoiceField(queryset=None, label="发现于调研", required=False, widget=SearchPicker("visit"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Problem
        fields = [
            "org",
            "code",
            "category",
            "source",
            "description",
            "target",
            "rectification_type",
            "responsible_leader",
            "responsible_dept",
            "responsible_person",
            "deadline",
            "activity",
            "visit",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "target": forms.Textarea(attrs={"rows": 2}),
            "deadline": DATE,
        }
        help_texts = {
            "code": "留空则自动编号（WT-001、WT-002 …）",
            "description": "写明问题的具体表现",
            "target": "整改要达到的标准或效果",
        }

    def __init__(self, *args: Any, user: Any, campaign: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from taizhang.outreach.models import ResearchVisit
        from taizhang.study.models import StudyActivity

        self.campaign = campaign
        self.fields["code"].required = False
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.RECORD)
        current = self.instance.responsible_leader if self.instance.pk else None
        self.fields["responsible_leader"].queryset = leader_queryset(
            user=user, campaign=campaign, current=current
        )
        activities = StudyActivity.objects.within(user, Cap.VIEW).select_related("type")
        visits = ResearchVisit.objects.within(user, Cap.VIEW)
        if campaign is not None:
            activities = activities.filter(campaign=campaign)
            visits = visits.filter(campaign=campaign)
        self.fields["activity"].queryset = activities.order_by("-date", "-id")
        if campaign is not None:
            for name in ("activity", "visit"):
                self.fields[name].widget.params = {"campaign": campaign.pk}
        self.fields["visit"].queryset = visits.order_by("-date", "-id")
        self.fields["activity"].help_text = "在哪次会议（专题研讨、组织生活会等）中查摆出的"
        self.fields["visit"].help_text = "在哪次调研走访中发现的"
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)

    def clean_code(self) -> str:
        code = (self.cleaned_data.get("code") or "").strip()
        if code:
            campaign = self.instance.campaign if self.instance.pk else self.campaign
            others = Problem.objects.filter(campaign=campaign, code=code)
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                raise forms.ValidationError(CODE_TAKEN.format(code=code))
        return code

    def clean_description(self) -> str:
        return self.cleaned_data["description"].strip()

    def validate_unique(self) -> None:
        # clean_code checks the number within the campaign; the service runs the model's full check
        # (a blank code is numbered there, so the model's unique check on "" would mislead here).
        return None


class FilterFormMixin(StyledFormMixin):
    """Filter bars show no labels (the first option names the field); screen readers still get one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-label", str(field.label))


class ProblemFilterForm(FilterFormMixin, forms.Form):
    q = forms.CharField(
        label="搜索",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "编号、描述、责任人或部门"}),
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *Problem.Status.choices]
    )
    category = forms.ChoiceField(
        label="类别", required=False, choices=[("", "全部类别"), *Problem.Category.choices]
    )
    source = forms.ChoiceField(
        label="来源", required=False, choices=[("", "全部来源"), *Problem.Source.choices]
    )
    rectification_type = forms.ChoiceField(
        label="整改类型", required=False, choices=[("", "全部类型"), *Problem.Type.choices]
    )
    org = OrgChoiceField(
        queryset=Organization.objects.none(), label="组织", required=False, empty_label="全部组织"
    )
    leader = LeaderChoiceField(
        queryset=Member.objects.none(), label="责任领导", required=False, empty_label="全部责任领导"
    )
    light = forms.ChoiceField(
        label="灯色",
        required=False,
        choices=[
            ("", "全部灯色"),
            (Light.RED, "红灯（超期）"),
            (Light.YELLOW, "黄灯（3天内到期）"),
            (Light.GREEN, "绿灯"),
            (Light.DONE, "已销号"),
        ],
    )

    def __init__(self, *args: Any, user: Any, leaders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.VIEW_INTERNAL)
        self.fields["leader"].queryset = leaders


class MeasureFilterForm(FilterFormMixin, forms.Form):
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *Measure.Status.choices]
    )
    light = forms.ChoiceField(
        label="灯色",
        required=False,
        choices=[
            ("", "全部灯色"),
            (Light.RED, "红灯（超期）"),
            (Light.YELLOW, "黄灯"),
            (Light.GREEN, "绿灯"),
        ],
    )
    org = OrgChoiceField(
        queryset=Organization.objects.none(), label="组织", required=False, empty_label="全部组织"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.VIEW_INTERNAL)


class TransitionForm(StyledFormMixin, forms.Form):
    """A transition from a page the user saw at `version`; `note` is the reason or comment."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(
        label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self, *args: Any, note_label: str = "说明", note_required: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].label = note_label
        self.fields["note"].required = note_required
        if note_required:
            self.fields["note"].error_messages["required"] = f"请填写{note_label}"


class MeasureForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Measure
        fields = ["content", "owner", "deadline"]
        widgets = {"content": forms.Textarea(attrs={"rows": 3}), "deadline": DATE}
        help_texts = {"owner": "具体负责落实的人", "deadline": "不晚于问题的整改时限"}

    def clean_content(self) -> str:
        return self.cleaned_data["content"].strip()


class MeasureCompleteForm(StyledFormMixin, forms.Form):
    done_on = forms.DateField(label="完成日期", widget=DATE)
    progress = forms.CharField(
        label="完成情况", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    files = MultipleFileField(label="佐证材料", help_text=FILES_HELP)


class MeasureUndoForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label="原因", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceForm(StyledFormMixin, forms.Form):
    files = MultipleFileField(label="佐证材料", required=True, help_text=FILES_HELP)
    note = forms.CharField(label="说明", required=False, max_length=1000)


class NoteForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label="整改进展", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    files = MultipleFileField(label="附件", help_text=FILES_HELP)

    def clean(self) -> dict:
        data = super().clean()
        if not (data.get("note") or "").strip() and not data.get("files"):
            raise forms.ValidationError("请填写进展情况或选择要上传的材料")
        return data


class ProblemMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Problem) -> str:
        return f"{obj.code} {obj.description[:40]}"


class MeasureMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Measure) -> str:
        return f"{obj.problem.code} · {obj.content[:40]}"


class InstitutionForm(StyledFormMixin, forms.ModelForm):
    org = OrgPickField(queryset=Organization.objects.none(), label="制定单位")
    problems = ProblemMultipleChoiceField(
        queryset=Problem.objects.none(),
        label="针对的问题",
        required=False,
        widget=SearchPicker("problem", multiple=True),
    )
    measures = MeasureMultipleChoiceField(
        queryset=Measure.objects.none(),
        label="落实的整改措施",
        required=False,
        widget=SearchPicker("measure", multiple=True),
    )
    files = MultipleFileField(label="制度文件", help_text=FILES_HELP)

    class Meta:
        model = Institution
        fields = ["org", "name", "kind", "doc_number", "issued_on", "summary", "problems", "measures"]
        widgets = {"issued_on": DATE, "summary": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"kind": "新建：此前没有的制度；完善：修订已有制度"}

    def __init__(self, *args: Any, user: Any, campaign: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.RECORD)
        problems = Problem.objects.within(user, Cap.VIEW_INTERNAL)
        measures = Measure.objects.within(user, Cap.VIEW_INTERNAL).select_related("problem")
        campaign = self.instance.campaign if self.instance.pk else campaign
        if campaign is not None:
            problems = problems.filter(campaign=campaign)
            measures = measures.filter(problem__campaign=campaign)
        self.fields["problems"].queryset = problems.order_by("code", "id")
        self.fields["measures"].queryset = measures.order_by("problem__code", "order", "id")
        if campaign is not None:
            for name in ("problems", "measures"):
                self.fields[name].widget.params = {"campaign": campaign.pk}

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


class InstitutionFilterForm(FilterFormMixin, forms.Form):
    q = forms.CharField(
        label="搜索", required=False, widget=forms.TextInput(attrs={"placeholder": "制度名称、文号或内容"})
    )
    kind = forms.ChoiceField(
        label="类型", required=False, choices=[("", "全部类型"), *Institution.Kind.choices]
    )
    org = OrgChoiceField(
        queryset=Organization.objects.none(), label="组织", required=False, empty_label="全部组织"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.VIEW)
