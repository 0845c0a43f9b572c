"""Forms validate and normalise; the services write."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms

from taizhang.campaigns.forms import MemberChoiceField
from taizhang.campaigns.selectors import campaigns_visible_to
from taizhang.core.access import Cap
from taizhang.core.forms import StyledFormMixin
from taizhang.core.widgets import SearchPicker
from taizhang.lib import phone
from taizhang.lib.dates import today
from taizhang.lib.text import squeeze
from taizhang.org.forms import OrgChoiceField, OrgPickField
from taizhang.org.models import Member, Organization
from taizhang.org.selectors import org_choices_for_user
from taizhang.outreach.models import Demand, PracticalMatter, ResearchTopic, ResearchVisit
from taizhang.outreach.selectors import ALL, NONE, participant_choices, topic_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MATTER_DEADLINE_DAYS = 30  # the default due date of a matter or problem made from a finding or demand
PARTICIPANT_INVALID = "参加人员须是所选组织及其下级组织的党员"


def problem_categories() -> list[tuple[str, str]]:
    from taizhang.rectification.models import Problem

    return list(Problem.Category.choices)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (evidence photos); each is content-checked by the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class CampaignChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


def _campaign_field(user: Any) -> CampaignChoiceField:
    return CampaignChoiceField(
        queryset=campaigns_visible_to(user=user),
        label="学习教育",
        required=False,
        empty_label="不属于任何学习教育",
    )


# --- Topics ----------------------------------------------------------------------------------


class TopicForm(StyledFormMixin, forms.ModelForm):
    org = OrgPickField(queryset=Organization.objects.none(), label="组织")
    leader = MemberChoiceField(
        queryset=Member.objects.none(), label="牵头领导", required=False, widget=SearchPicker("member")
    )

    class Meta:
        model = ResearchTopic
        fields = ["campaign", "org", "title", "leader", "description", "conclusion"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "conclusion": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"conclusion": "调研形成的报告、建议和转化成果，可在调研结束后补充"}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"] = _campaign_field(user)
        self.fields["campaign"].widget.attrs["class"] = "form-select"
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.RECORD)
        self.fields["leader"].queryset = (
            Member.objects.within(user, Cap.VIEW)
            .active()
            .select_related("org")
            .defer("id_number", "phone")
            .order_by("org__path", "sort_order", "id")
        )


# --- Visits ----------------------------------------------------------------------------------


class ParticipantsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return obj.name


class VisitForm(StyledFormMixin, forms.ModelForm):
    """The visit itself; its findings come in FindingFormSet. Participants are the members of the
    chosen unit's subtree, found with a search picker that sends the chosen unit along."""

    org = OrgPickField(queryset=Organization.objects.none(), label="组织")
    participants = ParticipantsField(
        queryset=Member.objects.none(),
        label="参加人员",
        required=False,
        widget=SearchPicker("member", multiple=True, include="#id_org"),
        error_messages={"invalid_choice": PARTICIPANT_INVALID},
    )

    class Meta:
        model = ResearchVisit
        fields = [
            "org",
            "topic",
            "subject",
            "date",
            "place",
            "leader",
            "method",
            "participants",
            "participants_text",
            "summary",
        ]
        widgets = {
            "date": DATE,
            "summary": forms.Textarea(attrs={"rows": 4}),
            "leader": forms.TextInput(attrs={"list": "leader-names", "autocomplete": "off"}),
        }
        help_texts = {
            "participants_text": "不在名册中的人员（如服务对象代表、外单位人员），用顿号分隔",
            "summary": "调研的基本情况；发现的问题请逐条填在下方“调研发现”中",
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        orgs = org_choices_for_user(user=user, cap=Cap.RECORD)
        self.fields["org"].queryset = orgs
        self.fields["topic"].queryset = topic_choices(user=user)
        self.fields["topic"].empty_label = "（不属于某个课题）"
        self.selected_org = self._selected_org(orgs)
        self.fields["participants"].queryset = participant_choices(org=self.selected_org, keep=self.instance)

    def _selected_org(self, orgs: Any) -> Organization | None:
        raw = self.data.get(self.add_prefix("org")) if self.is_bound else None
        raw = raw or self.initial.get("org") or (self.instance.org_id if self.instance.pk else None)
        if isinstance(raw, Organization):
            return raw
        try:
            return orgs.filter(pk=int(raw)).first() if raw else None
        except (TypeError, ValueError):
            return None

    def clean_subject(self) -> str:
        return self.cleaned_data["subject"].strip()


class FindingForm(StyledFormMixin, forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(
        label="发现问题",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "发现的一个问题"}),
    )
    category = forms.ChoiceField(label="问题类别（可选）", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "问题类别（可选）"), *problem_categories()]


FindingFormSet = forms.formset_factory(FindingForm, extra=2, can_delete=True)


def finding_rows(formset: Any) -> list[dict[str, Any]]:
    """The findings a bound, valid formset describes, in order, without deleted or blank rows."""
    return [
        {
            "id": f.cleaned_data.get("id"),
            "text": f.cleaned_data.get("text", ""),
            "category": f.cleaned_data.get("category", ""),
        }
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE") and (f.cleaned_data.get("text") or "").strip()
    ]


# --- Conversions -----------------------------------------------------------------------------


class FindingToProblemForm(StyledFormMixin, forms.Form):
    """The short form that puts a finding on the problem list (source 调研, campaign of the visit)."""

    description = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.ChoiceField(label="问题类别")
    org = OrgPickField(queryset=Organization.objects.none(), label="所属组织")
    rectification_type = forms.ChoiceField(label="整改类型")
    deadline = forms.DateField(label="整改时限", widget=DATE)
    responsible_leader = MemberChoiceField(
        queryset=Member.objects.none(), label="责任领导", required=False, widget=SearchPicker("member")
    )
    responsible_person = forms.CharField(label="责任人", max_length=50, required=False)

    def __init__(self, *args: Any, user: Any, finding: Any, **kwargs: Any) -> None:
        from taizhang.rectification.models import Problem

        visit = finding.visit
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("description", finding.text)
        initial.setdefault("category", finding.category)
        initial.setdefault("org", visit.org_id)
        initial.setdefault("rectification_type", Problem.Type.DEADLINE)
        initial.setdefault("deadline", today() + timedelta(days=MATTER_DEADLINE_DAYS))
        if visit.topic_id and visit.topic.leader_id:
            initial.setdefault("responsible_leader", visit.topic.leader_id)
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "请选择"), *Problem.Category.choices]
        self.fields["responsible_leader"].empty_label = "（暂不指定）"
        self.fields["rectification_type"].choices = Problem.Type.choices
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.RECORD)
        self.fields["responsible_leader"].queryset = (
            Member.objects.within(user, Cap.VIEW)
            .active()
            .select_related("org")
            .defer("id_number", "phone")
            .order_by("org__path", "sort_order", "id")
        )


class MatterForm(StyledFormMixin, forms.ModelForm):
    """A practical matter's description (not its status: that moves by progress / complete / reopen)."""

    org = OrgPickField(queryset=Organization.objects.none(), label="责任单位")

    class Meta:
        model = PracticalMatter
        fields = [
            "campaign",
            "title",
            "org",
            "description",
            "lead_leader",
            "responsible_dept",
            "owner",
            "measures",
            "beneficiaries",
            "beneficiary_count",
            "due_date",
            "evaluation",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 3}),
            "due_date": DATE,
        }
        help_texts = {
            "lead_leader": "如：分管副局长、书记",
            "measures": "具体工作措施，可分条填写",
            "evaluation": "办结后群众的评价，可留空",
            "beneficiaries": "如：办事企业、老年群众、窗口办事群众",
            "beneficiary_count": "预计或实际受益人数，办结时可更新",
        }

    def __init__(self, *args: Any, user: Any, with_campaign: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_campaign:
            self.fields["campaign"] = _campaign_field(user)
            self.fields["campaign"].widget.attrs["class"] = "form-select"
        else:
            # Made from a finding or a demand: the campaign is the source's, not a choice.
            del self.fields["campaign"]
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.RECORD)
        self.fields["due_date"].required = True


def matter_initial_from_finding(finding: Any) -> dict[str, Any]:
    text = " ".join(finding.text.split())
    return {
        "title": text[:40],
        "description": finding.text,
        "org": finding.visit.org_id,
        "due_date": today() + timedelta(days=MATTER_DEADLINE_DAYS),
    }


def matter_initial_from_demand(demand: Any) -> dict[str, Any]:
    text = " ".join(demand.content.split())
    return {
        "title": text[:40],
        "description": demand.content,
        "org": demand.org_id,
        "owner": demand.handler,
        "beneficiaries": "群众诉求人" if demand.raised_by else "",
        "due_date": today() + timedelta(days=MATTER_DEADLINE_DAYS),
    }


class MatterProgressForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label="推进情况", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    status = forms.ChoiceField(label="状态", required=False)
    files = MultipleFileField(label="佐证材料（可多选）")

    def __init__(self, *args: Any, matter: PracticalMatter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        S = PracticalMatter.Status
        self.fields["status"].choices = [
            (S.NOT_STARTED, S.NOT_STARTED.label),
            (S.IN_PROGRESS, S.IN_PROGRESS.label),
        ]
        self.initial.setdefault("status", S.IN_PROGRESS)


class MatterCompleteForm(StyledFormMixin, forms.Form):
    done_on = forms.DateField(label="完成日期", widget=DATE)
    outcome = forms.CharField(label="办理成效", widget=forms.Textarea(attrs={"rows": 4}))
    beneficiary_count = forms.IntegerField(label="受益人数", min_value=0, required=False)
    files = MultipleFileField(label="佐证材料（照片、文件，可多选）")

    def __init__(self, *args: Any, matter: PracticalMatter, **kwargs: Any) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("done_on", today())
        initial.setdefault("outcome", matter.outcome)
        initial.setdefault("beneficiary_count", matter.beneficiary_count)
        super().__init__(*args, **kwargs)


class AttachForm(StyledFormMixin, forms.Form):
    files = MultipleFileField(label="佐证材料（可多选）", required=True)


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label="原因", widget=forms.Textarea(attrs={"rows": 2}))


# --- Demands ---------------------------------------------------------------------------------


class DemandForm(StyledFormMixin, forms.ModelForm):
    org = OrgPickField(queryset=Organization.objects.none(), label="承办组织")

    class Meta:
        model = Demand
        fields = [
            "org",
            "raised_on",
            "channel",
            "raised_by",
            "contact",
            "content",
            "handler",
            "response",
            "resolved",
            "resolved_on",
            "evaluation",
        ]
        widgets = {
            "raised_on": DATE,
            "resolved_on": DATE,
            "content": forms.Textarea(attrs={"rows": 3}),
            "response": forms.Textarea(attrs={"rows": 3}),
            "contact": forms.TextInput(attrs={"autocomplete": "off"}),
        }
        help_texts = {
            "raised_by": "可留空（匿名）",
            "resolved_on": "勾选“是否解决”时必填",
            "evaluation": "诉求人对办理结果的评价，可留空",
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.RECORD)
        self.fields["resolved"].label = "已解决"
        # A contact never goes back to the browser in full (as members' phones, PI-02): the
        # stored value is shown masked and kept when the field is left blank.
        if self.instance.pk and self.instance.contact:
            self.initial["contact"] = ""
            self.fields["contact"].help_text = f"当前：{phone.mask(self.instance.contact)}，留空表示不修改"

    def clean_contact(self) -> str:
        value = squeeze(self.cleaned_data.get("contact"))
        if not value and self.instance.pk:
            return self.instance.contact
        return value


class DemandRespondForm(StyledFormMixin, forms.Form):
    handler = forms.CharField(label="承办人", max_length=50, required=False)
    response = forms.CharField(label="办理情况", widget=forms.Textarea(attrs={"rows": 3}))


class DemandResolveForm(StyledFormMixin, forms.Form):
    resolved_on = forms.DateField(label="解决日期", widget=DATE)
    response = forms.CharField(label="办理结果", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, demand: Demand, **kwargs: Any) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("resolved_on", today())
        initial.setdefault("response", demand.response)
        super().__init__(*args, **kwargs)


# --- Filters ---------------------------------------------------------------------------------


class _ListFilter(StyledFormMixin, forms.Form):
    """Campaign (default: the current one), unit subtree, date range and words, shared by every list."""

    campaign = forms.ChoiceField(label="学习教育", required=False)
    org = OrgChoiceField(
        queryset=Organization.objects.none(), label="组织", required=False, empty_label="全部组织"
    )
    date_from = forms.DateField(label="起", required=False, widget=DATE)
    date_to = forms.DateField(label="止", required=False, widget=DATE)
    q = forms.CharField(label="搜索", required=False)
    org_cap = Cap.VIEW

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaigns = list(campaigns_visible_to(user=user))
        self.fields["campaign"].choices = [
            *[(str(c.pk), c.name) for c in self.campaigns],
            (ALL, "全部（含不属于任何学习教育的）"),
            (NONE, "不属于任何学习教育"),
        ]
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=self.org_cap)
        self.fields["q"].widget.attrs["placeholder"] = "关键词"
        # Filters are laid out without visible labels: screen readers still get each one's name.
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-label", field.label)
            field.widget.attrs.setdefault("title", field.label)

    def clean_campaign(self) -> Any:
        value = self.cleaned_data.get("campaign") or ALL
        if value in (ALL, NONE):
            return value
        return next((c for c in self.campaigns if str(c.pk) == value), ALL)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "结束日期不能早于开始日期")
        return data


def filter_data(request: Any, campaign: Any) -> Any:
    """The GET parameters, with the current campaign as the default campaign filter."""
    data = request.GET.copy()
    if not data.get("campaign"):
        data["campaign"] = str(campaign.pk) if campaign else ALL
    return data


class TopicFilterForm(_ListFilter):
    pass


class VisitFilterForm(_ListFilter):
    topic = forms.ModelChoiceField(queryset=ResearchTopic.objects.none(), label="调研课题", required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["topic"].queryset = topic_choices(user=user)
        self.fields["topic"].empty_label = "全部课题"
        self.fields["topic"].widget.attrs["class"] = "form-select"


class DemandFilterForm(_ListFilter):
    org_cap = Cap.VIEW_INTERNAL
    resolved = forms.ChoiceField(
        label="是否解决", required=False, choices=[("", "全部状态"), ("no", "未解决"), ("yes", "已解决")]
    )
    channel = forms.ChoiceField(
        label="渠道", required=False, choices=[("", "全部渠道"), *Demand.Channel.choices]
    )


class MatterFilterForm(_ListFilter):
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *PracticalMatter.Status.choices]
    )
    light = forms.ChoiceField(
        label="红黄绿灯",
        required=False,
        choices=[
            ("", "全部灯色"),
            ("red", "红灯"),
            ("yellow", "黄灯"),
            ("green", "绿灯"),
            ("done", "已办结"),
        ],
    )
    date_field = forms.ChoiceField(
        label="日期", required=False, choices=[("due_date", "按计划完成日期"), ("done_on", "按完成日期")]
    )


class CountsFilterForm(_ListFilter):
    pass
