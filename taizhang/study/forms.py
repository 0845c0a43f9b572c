"""Forms validate and normalise; the services write.

The attendance sheet is not a Django formset: one row per person with only the inputs that matter
(a 30-person sheet posts ~35 fields, a 200-person committee sheet stays far under the field limit).
Names posted per row, keyed by the member id:

    m             member id, once per row, in sheet order
    inv_<id>      "1" for an invitee (列席)
    absent_<id>   "1" when absent; then reason_<id> (Attendance.Reason code) and note_<id>
    speak_<id>    "1" when the member spoke; then gist_<id> and order_<id> (order of speaking)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.http import QueryDict

from taizhang.campaigns.models import Campaign
from taizhang.campaigns.selectors import campaigns_visible_to
from taizhang.core.access import Cap
from taizhang.core.forms import StyledFormMixin
from taizhang.core.widgets import SearchPicker
from taizhang.org.forms import OrgChoiceField, OrgPickField
from taizhang.org.models import Member, Organization
from taizhang.org.selectors import org_choices_for_user
from taizhang.study.models import ActivityType, Attendance, Material, SelfStudy, StudyActivity
from taizhang.study.selectors import activity_types_for, materials_for
from taizhang.study.services import AttendanceRow, SpeechRow

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
FROM = forms.DateInput(
    attrs={"type": "date", "aria-label": "开始日期", "title": "开始日期"}, format="%Y-%m-%d"
)
TO = forms.DateInput(attrs={"type": "date", "aria-label": "结束日期", "title": "结束日期"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")

SHEET_BAD_ROW = "参加人员：第{n}行的数据无效，请刷新名单后重试"
SHEET_GONE = "参加人员：有{n}名人员的记录已不存在，请刷新名单后重试"
SHEET_REASON_MISSING = "缺席原因：请为“{name}”选择缺席原因"
SHEET_GIST_LONG = "研讨发言：“{name}”的发言要点超过{n}字"
GIST_MAX = 2000

ALL, NONE = "all", "none"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); content checks happen in the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/*,.pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class CampaignTaggedSelect(forms.Select):
    """Options carry data-campaign, so the page offers a campaign's own types only with that campaign."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):  # noqa: ANN001, ANN201
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        instance = getattr(value, "instance", None)
        if instance is not None and getattr(instance, "campaign_id", None):
            option["attrs"]["data-campaign"] = str(instance.campaign_id)
        return option


class TypeChoiceField(forms.ModelChoiceField):
    widget = CampaignTaggedSelect

    def label_from_instance(self, obj: ActivityType) -> str:
        return f"{obj.name}（{obj.campaign.name}）" if obj.campaign_id else obj.name


class MaterialChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Material) -> str:
        return f"{obj.title}{'（必读）' if obj.required else ''}"


class CampaignChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Campaign) -> str:
        return obj.name


class ActivityForm(StyledFormMixin, forms.ModelForm):
    org = OrgPickField(queryset=Organization.objects.none(), label="组织")
    campaign = CampaignChoiceField(
        queryset=Campaign.objects.none(), label="学习教育", required=False, empty_label="不属于学习教育活动"
    )
    type = TypeChoiceField(queryset=ActivityType.objects.none(), label="活动类型")
    materials = MaterialChoiceField(
        queryset=Material.objects.none(),
        label="学习书目",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    attachments = MultipleFileField(
        label="附件", required=False, help_text="签到表照片、会议材料（图片、PDF、Office 文档）"
    )

    class Meta:
        model = StudyActivity
        fields = [
            "org",
            "campaign",
            "type",
            "date",
            "start_time",
            "end_time",
            "place",
            "topic",
            "host",
            "lead_reader",
            "recorder",
            "materials",
            "other_materials",
            "minutes",
            "note",
        ]
        widgets = {
            "date": DATE,
            "start_time": TIME,
            "end_time": TIME,
            "other_materials": forms.Textarea(attrs={"rows": 2}),
            "minutes": forms.Textarea(attrs={"rows": 5}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_end_time(self) -> Any:
        # Named on the field here, before the database's order constraint would answer in its own words.
        from taizhang.study.services import ACTIVITY_TIME_ORDER

        start, end = self.cleaned_data.get("start_time"), self.cleaned_data.get("end_time")
        if start and end and end < start:
            raise forms.ValidationError(ACTIVITY_TIME_ORDER)
        return end

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaigns = list(campaigns_visible_to(user=user))
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.RECORD)
        self.fields["campaign"].queryset = campaigns_visible_to(user=user)
        self.fields["type"].queryset = activity_types_for(campaigns=campaigns)
        self.fields["materials"].queryset = materials_for(campaigns=campaigns)
        for name in ("host", "lead_reader", "recorder"):
            self.fields[name].widget.attrs.update({"list": "unit-people", "autocomplete": "off"})
        self.fields["topic"].widget.attrs["placeholder"] = "如：学习《习近平著作选读》第一卷"
        self.fields["place"].widget.attrs["placeholder"] = "如：机关三楼会议室"

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("materials", None)
        data.pop("attachments", None)
        return data


# --- the attendance sheet ---------------------------------------------------------------------------


@dataclass
class SheetRow:
    """One row as shown on the page (and re-shown after an error)."""

    member: Member
    invited: bool = False
    absent: bool = False
    reason: str = ""
    note: str = ""
    speaks: bool = False
    gist: str = ""
    order: int = 0


@dataclass
class Sheet:
    rows: list[SheetRow]
    errors: list[str]

    def attendance(self) -> list[AttendanceRow]:
        return [
            AttendanceRow(
                member=r.member,
                present=not r.absent,
                invited=r.invited,
                reason=r.reason if r.absent else "",
                reason_note=r.note if r.absent else "",
            )
            for r in self.rows
        ]

    def speeches(self) -> list[SpeechRow]:
        speakers = [(r.order, i, r) for i, r in enumerate(self.rows) if r.speaks]
        return [SpeechRow(member=r.member, gist=r.gist) for _, _, r in sorted(speakers, key=lambda t: t[:2])]


def _int(value: str) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def sheet_from_post(post: QueryDict) -> Sheet:
    """Read the sheet; problems of form (not of rule) become errors naming the row or person."""
    errors: list[str] = []
    ids: list[int] = []
    for index, raw in enumerate(post.getlist("m"), start=1):
        pk = _int(raw)
        if pk is None:
            errors.append(SHEET_BAD_ROW.format(n=index))
        elif pk not in ids:
            ids.append(pk)
    members = {
        m.pk: m
        for m in Member.objects.filter(pk__in=ids).select_related("org").defer("id_number", "phone", "note")
    }
    if len(members) < len(ids):
        errors.append(SHEET_GONE.format(n=len(ids) - len(members)))
    rows = []
    reasons = set(Attendance.Reason.values)
    for pk in ids:
        member = members.get(pk)
        if member is None:
            continue
        absent = post.get(f"absent_{pk}") == "1"
        reason = post.get(f"reason_{pk}", "") if absent else ""
        if absent and reason not in reasons:
            errors.append(SHEET_REASON_MISSING.format(name=member.name))
        speaks = post.get(f"speak_{pk}") == "1"
        gist = " ".join(post.get(f"gist_{pk}", "").split()) if speaks else ""
        if len(gist) > GIST_MAX:
            errors.append(SHEET_GIST_LONG.format(name=member.name, n=GIST_MAX))
        rows.append(
            SheetRow(
                member=member,
                invited=post.get(f"inv_{pk}") == "1",
                absent=absent,
                reason=reason,
                note=" ".join(post.get(f"note_{pk}", "").split())[:100] if absent else "",
                speaks=speaks,
                gist=gist,
                order=_int(post.get(f"order_{pk}", "")) or 0,
            )
        )
    return Sheet(rows=rows, errors=errors)


def sheet_from_activity(activity: StudyActivity) -> Sheet:
    """The stored sheet of an activity, for its edit page (two queries)."""
    speeches = {s.member_id: s for s in activity.speeches.all()}
    rows = []
    for a in activity.attendances.select_related("member__org").order_by(
        "invited", "member__org__path", "member__sort_order", "id"
    ):
        speech = speeches.get(a.member_id)
        rows.append(
            SheetRow(
                member=a.member,
                invited=a.invited,
                absent=a.status == Attendance.Status.ABSENT,
                reason=a.reason,
                note=a.reason_note,
                speaks=speech is not None,
                gist=speech.gist if speech else "",
                order=speech.order + 1 if speech else 0,
            )
        )
    return Sheet(rows=rows, errors=[])


def sheet_rows_for(members: list[Member], *, org: Organization) -> list[SheetRow]:
    """Rows for members being added: outside the unit's subtree means invitee (列席)."""
    return [SheetRow(member=m, invited=not m.org.is_under(org)) for m in members]


# --- filters ----------------------------------------------------------------------------------------


def campaign_filter_choices(user: Any) -> list[tuple[str, str]]:
    return [
        (ALL, "全部记录"),
        *[(str(c.pk), c.name) for c in campaigns_visible_to(user=user)],
        (NONE, "不属于学习教育活动"),
    ]


def campaign_from_choice(value: str, user: Any) -> tuple[bool, Campaign | None]:
    """(filter?, campaign): ALL → no filter; NONE → records under no campaign; pk → that campaign."""
    if value in ("", ALL):
        return False, None
    if value == NONE:
        return True, None
    pk = _int(value)
    campaign = campaigns_visible_to(user=user).filter(pk=pk).first() if pk else None
    return (campaign is not None), campaign


class ActivityFilterForm(StyledFormMixin, forms.Form):
    campaign = forms.ChoiceField(label="学习教育", required=False)
    org = OrgChoiceField(
        queryset=Organization.objects.none(), label="组织", required=False, empty_label="全部组织"
    )
    type = TypeChoiceField(
        queryset=ActivityType.objects.none(), label="类型", required=False, empty_label="全部类型"
    )
    date_from = forms.DateField(label="起", required=False, widget=FROM)
    date_to = forms.DateField(label="止", required=False, widget=TO)
    q = forms.CharField(label="搜索", required=False, max_length=100)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = campaign_filter_choices(user)
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.VIEW)
        self.fields["type"].queryset = activity_types_for(campaigns=list(campaigns_visible_to(user=user)))
        self.fields["q"].widget.attrs["placeholder"] = "主题、地点、主持人"


class SelfStudyForm(StyledFormMixin, forms.ModelForm):
    material_ref = forms.ModelChoiceField(
        queryset=Material.objects.none(),
        label="书目",
        required=False,
        empty_label="（选择书目，或在下面填写）",
    )

    class Meta:
        model = SelfStudy
        fields = ["date", "material_ref", "material", "minutes", "channel", "notes"]
        widgets = {
            "date": DATE,
            "minutes": forms.NumberInput(attrs={"min": 1, "max": 1440, "step": 5, "inputmode": "numeric"}),
            "notes": forms.Textarea(attrs={"rows": 4, "placeholder": "写下学习的体会和收获"}),
        }
        labels = {"material": "学习内容", "notes": "心得体会"}

    def __init__(self, *args: Any, campaigns: list[Campaign] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["material_ref"].queryset = materials_for(campaigns=campaigns)
        self.fields["material"].required = False
        self.fields["material"].widget.attrs["placeholder"] = "如：《习近平著作选读》第一卷 第3篇"

    def clean_minutes(self) -> int | None:
        # Named on the field here, before the database's range constraint would answer in its own words.
        from taizhang.study.services import SELF_STUDY_MINUTES

        minutes = self.cleaned_data.get("minutes")
        if minutes is not None and not 1 <= minutes <= 1440:
            raise forms.ValidationError(SELF_STUDY_MINUTES)
        return minutes

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("material") or "").strip() and data.get("material_ref") is None:
            self.add_error("material", "学习内容：请选择书目或填写学习内容")
        return data


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.name}（{obj.org.display_name}）"


class SelfStudyForMemberForm(SelfStudyForm):
    """A secretary logs self-study on a member's behalf (retired members without a login, paper notes)."""

    member = MemberChoiceField(queryset=Member.objects.none(), label="党员", widget=SearchPicker("member"))

    class Meta(SelfStudyForm.Meta):
        fields = ["member", *SelfStudyForm.Meta.fields]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            Member.objects.within(user, Cap.RECORD)
            .active()
            .select_related("org")
            .defer("id_number", "phone", "note")
            .order_by("org__path", "sort_order", "id")
        )


class SelfStudyFilterForm(StyledFormMixin, forms.Form):
    campaign = forms.ChoiceField(label="学习教育", required=False)
    org = OrgChoiceField(
        queryset=Organization.objects.none(), label="组织", required=False, empty_label="全部组织"
    )
    channel = forms.ChoiceField(
        label="方式", required=False, choices=[("", "全部方式"), *SelfStudy.Channel.choices]
    )
    date_from = forms.DateField(label="起", required=False, widget=FROM)
    date_to = forms.DateField(label="止", required=False, widget=TO)
    q = forms.CharField(label="搜索", required=False, max_length=100)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = campaign_filter_choices(user)
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.VIEW_INTERNAL)
        self.fields["q"].widget.attrs["placeholder"] = "姓名、学习内容、心得"


class TalliesForm(StyledFormMixin, forms.Form):
    campaign = forms.ChoiceField(label="学习教育", required=False)
    org = OrgChoiceField(queryset=Organization.objects.none(), label="组织", required=False)
    as_of = forms.DateField(label="截至", required=False, widget=DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = campaign_filter_choices(user)
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.VIEW_INTERNAL).exclude(
            kind=Organization.Kind.GROUP
        )


class MaterialForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label="书目", max_length=200)
    required = forms.BooleanField(label="必读", required=False)


class ActivityTypeForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label="名称", max_length=50)


def parse_date(value: str | None) -> date | None:
    field = forms.DateField(required=False)
    try:
        return field.clean(value)
    except forms.ValidationError:
        return None
