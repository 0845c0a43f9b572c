"""Export records to the import workbook's own format, so a list can go out and come back in.

    export_workbook(user=..., campaign=..., org=..., sheets=["问题清单"], filters={"status": "open"}) -> bytes

Every sheet is filtered with `within(user, Cap.VIEW_INTERNAL)` (exporting is a stronger right than
looking), then by campaign, unit subtree and the filters the sheet understands. Every cell is written
as a value through lib.xlsx (never a formula). ID numbers and phones are masked unless the user
manages the member's unit and explicitly asked for them (`personal=True`); the importer ignores masked
values, so a masked export still imports cleanly. Records outside every campaign carry 学习教育编码
“无”, so the round trip keeps them outside.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import xlsxwriter
from django.db.models import Q, QuerySet

from taizhang.campaigns.models import Campaign
from taizhang.core.access import Cap, scope_for
from taizhang.core.audit import audit
from taizhang.imports.schema import SHEETS, SheetSpec, sheet_for
from taizhang.lib import idcard, phone
from taizhang.lib.xlsx import xlsxwriter_write_row
from taizhang.org.models import Member, Organization
from taizhang.outreach.models import Demand, PracticalMatter, ResearchVisit
from taizhang.plans.models import PlanTask
from taizhang.rectification.models import Institution, Measure, Problem
from taizhang.study.models import Attendance, SelfStudy, Speech, StudyActivity

CAP = Cap.VIEW_INTERNAL
NONE = "无"


@dataclass
class ExportScope:
    user: Any
    campaign: Campaign | None
    org: Organization | None
    filters: dict[str, Any]
    personal: bool
    manage_paths: tuple[str, ...]

    def narrow(
        self,
        qs: QuerySet,
        *,
        org_field: str = "org",
        campaign_field: str | None = "campaign",
        date_field: str | None = None,
        status_field: str | None = "status",
    ) -> QuerySet:
        qs = qs.within(self.user, CAP)
        if self.org is not None:
            qs = qs.filter(**{f"{org_field}__path__startswith": self.org.path})
        if self.campaign is not None and campaign_field:
            qs = qs.filter(**{campaign_field: self.campaign})
        if date_field:
            if self.filters.get("date_from"):
                qs = qs.filter(**{f"{date_field}__gte": self.filters["date_from"]})
            if self.filters.get("date_to"):
                qs = qs.filter(**{f"{date_field}__lte": self.filters["date_to"]})
        if status_field and self.filters.get("status"):
            qs = qs.filter(**{status_field: self.filters["status"]})
        return qs

    def may_see_personal(self, org_path: str) -> bool:
        return self.personal and any(org_path.startswith(p) for p in self.manage_paths)


def _code(campaign: Any) -> str:
    return campaign.code if campaign is not None else NONE


def _names(items: Iterable[str]) -> str:
    return "、".join(items)


# --- one function per sheet: rows in the sheet's column order -------------------------------------


def _orgs(scope: ExportScope) -> Iterator[list[Any]]:
    qs = Organization.objects.within(scope.user, CAP).select_related("parent").order_by("path")
    if scope.org is not None:
        qs = qs.filter(path__startswith=scope.org.path)
    for org in qs.iterator(chunk_size=2000):
        yield [org.code, org.name, org.parent.code if org.parent else "", org.get_kind_display()]


def _members(scope: ExportScope) -> Iterator[list[Any]]:
    qs = scope.narrow(Member.objects.select_related("org"), campaign_field=None, status_field=None)
    if scope.filters.get("status") in ("active", "inactive"):
        qs = qs.filter(is_active=scope.filters["status"] == "active")
    for m in qs.order_by("org__path", "sort_order", "id").iterator(chunk_size=2000):
        full = scope.may_see_personal(m.org.path)
        yield [
            m.name,
            m.org.code,
            m.get_gender_display(),
            (m.id_number if full else idcard.mask(m.id_number)) if m.id_number else "",
            (m.phone if full else phone.mask(m.phone)) if m.phone else "",
            m.get_category_display(),
            m.joined_on,
            m.post,
            m.department,
            m.is_active,
        ]


def _campaigns(scope: ExportScope) -> Iterator[list[Any]]:
    from taizhang.campaigns.selectors import campaigns_visible_to

    qs = campaigns_visible_to(user=scope.user)
    if scope.campaign is not None:
        qs = qs.filter(pk=scope.campaign.pk)
    for c in qs.order_by("start_date", "id"):
        yield [c.code, c.name, c.start_date, c.end_date, c.org.code]


def _activities(scope: ExportScope) -> Iterator[list[Any]]:
    qs = scope.narrow(
        StudyActivity.objects.select_related("org", "type", "campaign"), date_field="date", status_field=None
    )
    if scope.filters.get("type"):
        qs = qs.filter(Q(type__code=scope.filters["type"]) | Q(type__name=scope.filters["type"]))
    activities = list(qs.order_by("date", "id"))
    ids = [a.pk for a in activities]
    present: dict[int, list[str]] = defaultdict(list)
    absent: dict[int, list[str]] = defaultdict(list)
    speakers: dict[int, list[str]] = defaultdict(list)
    materials: dict[int, list[str]] = defaultdict(list)
    reasons = dict(Attendance.Reason.choices)
    for start in range(0, len(ids), 900):
        batch = ids[start : start + 900]
        rows = (
            Attendance.objects.filter(activity_id__in=batch)
            .order_by("activity_id", "id")
            .values_list("activity_id", "member__name", "status", "invited", "reason", "reason_note")
        )
        for activity_id, name, status, invited, reason, note in rows:
            if status == Attendance.Status.PRESENT:
                present[activity_id].append(f"{name}（列席）" if invited else name)
            else:
                why = note if reason == Attendance.Reason.OTHER and note else reasons.get(reason, "")
                absent[activity_id].append(f"{name}（{why}）" if why else name)
        for activity_id, name, gist in (
            Speech.objects.filter(activity_id__in=batch)
            .order_by("activity_id", "order", "id")
            .values_list("activity_id", "member__name", "gist")
        ):
            gist = " ".join(gist.split())[:60].replace("（", "(").replace("）", ")")
            speakers[activity_id].append(f"{name}（{gist}）" if gist else name)
        through = StudyActivity.materials.through
        for activity_id, title in through.objects.filter(studyactivity_id__in=batch).values_list(
            "studyactivity_id", "material__title"
        ):
            materials[activity_id].append(title)
    for a in activities:
        content = "；".join([*materials[a.pk], *([a.other_materials] if a.other_materials else [])])
        yield [
            a.date,
            a.org.code,
            a.type.name,
            a.topic,
            a.place,
            a.host,
            _names(present[a.pk]),
            _names(absent[a.pk]),
            _names(speakers[a.pk]),
            content,
            a.note,
            _code(a.campaign),
        ]


def _self_studies(scope: ExportScope) -> Iterator[list[Any]]:
    qs = scope.narrow(
        SelfStudy.objects.select_related("member", "org", "campaign"), date_field="date", status_field=None
    )
    for s in qs.order_by("date", "id").iterator(chunk_size=2000):
        yield [
            s.date,
            s.member.name,
            s.member.org.code if s.member.org_id else s.org.code,
            s.material,
            s.minutes,
            s.get_channel_display(),
            s.notes,
            _code(s.campaign),
        ]


def _visits(scope: ExportScope) -> Iterator[list[Any]]:
    qs = scope.narrow(
        ResearchVisit.objects.select_related("org", "campaign").prefetch_related("participants", "findings"),
        date_field="date",
        status_field=None,
    )
    for v in qs.order_by("date", "id"):
        people = [m.name for m in v.participants.all()]
        if v.participants_text:
            people.append(v.participants_text)
        findings = "\n".join(f.text for f in v.findings.all())
        yield [v.date, v.org.code, v.subject, v.place, v.leader, _names(people), findings, _code(v.campaign)]


def _demands(scope: ExportScope) -> Iterator[list[Any]]:
    qs = scope.narrow(
        Demand.objects.select_related("org", "campaign"), date_field="raised_on", status_field=None
    )
    if scope.filters.get("status") in ("resolved", "open"):
        qs = qs.filter(resolved=scope.filters["status"] == "resolved")
    for d in qs.order_by("raised_on", "id").iterator(chunk_size=2000):
        yield [d.raised_on, d.org.code, d.raised_by, d.content, d.response, d.resolved, _code(d.campaign)]


def _matters(scope: ExportScope) -> Iterator[list[Any]]:
    qs = scope.narrow(PracticalMatter.objects.select_related("org", "campaign"), date_field="due_date")
    for m in qs.order_by("id").iterator(chunk_size=2000):
        yield [
            m.title,
            m.org.code,
            m.beneficiaries,
            m.owner,
            m.due_date,
            m.get_status_display(),
            m.done_on,
            m.outcome,
            _code(m.campaign),
        ]


def _problems(scope: ExportScope) -> Iterator[list[Any]]:
    qs = scope.narrow(
        Problem.objects.select_related("org", "campaign", "responsible_leader"), date_field="deadline"
    )
    if scope.filters.get("category"):
        qs = qs.filter(category=scope.filters["category"])
    for p in qs.order_by("code", "id").iterator(chunk_size=2000):
        yield [
            p.code,
            p.org.code,
            p.get_category_display(),
            p.get_source_display(),
            p.description,
            p.get_rectification_type_display(),
            p.responsible_leader.name if p.responsible_leader else "",
            p.responsible_dept,
            p.responsible_person,
            p.deadline,
            p.get_status_display(),
            p.closed_on,
            _code(p.campaign),
        ]


def _measures(scope: ExportScope) -> Iterator[list[Any]]:
    qs = scope.narrow(
        Measure.objects.select_related("problem__campaign"),
        org_field="problem__org",
        campaign_field="problem__campaign",
        date_field="deadline",
    )
    for m in qs.order_by("problem__code", "order", "id").iterator(chunk_size=2000):
        yield [
            m.problem.code,
            m.content,
            m.owner,
            m.deadline,
            m.get_status_display(),
            m.done_on,
            _code(m.problem.campaign),
        ]


def _institutions(scope: ExportScope) -> Iterator[list[Any]]:
    qs = scope.narrow(
        Institution.objects.select_related("org", "campaign").prefetch_related("problems"),
        date_field="issued_on",
        status_field=None,
    )
    if scope.filters.get("kind"):
        qs = qs.filter(kind=scope.filters["kind"])
    for i in qs.order_by("id"):
        codes = _names(p.code for p in i.problems.all())
        yield [i.name, i.get_kind_display(), i.org.code, i.issued_on, codes, _code(i.campaign)]


def _tasks(scope: ExportScope) -> Iterator[list[Any]]:
    qs = scope.narrow(
        PlanTask.objects.select_related("org", "campaign", "lead_leader"), date_field="planned_end"
    )
    for t in qs.order_by("planned_end", "id").iterator(chunk_size=2000):
        yield [
            t.title,
            t.org.code,
            t.planned_end,
            t.get_kind_display(),
            t.lead_leader.name if t.lead_leader else "",
            t.responsible_dept,
            t.get_status_display(),
            t.done_on,
            _code(t.campaign),
        ]


ROWS: dict[str, Callable[[ExportScope], Iterator[list[Any]]]] = {
    "org": _orgs,
    "member": _members,
    "campaign": _campaigns,
    "activity": _activities,
    "selfstudy": _self_studies,
    "visit": _visits,
    "demand": _demands,
    "matter": _matters,
    "problem": _problems,
    "measure": _measures,
    "institution": _institutions,
    "task": _tasks,
}


def resolve_sheets(names: Iterable[str] | None) -> list[SheetSpec]:
    """Sheets by Chinese name or English key, in workbook order; unknown names raise ValueError."""
    if not names:
        return list(SHEETS)
    wanted = []
    for name in names:
        spec = sheet_for(name)
        if spec is None:
            raise ValueError(f"没有名为“{name}”的工作表")
        wanted.append(spec.key)
    return [s for s in SHEETS if s.key in wanted]


def export_workbook(
    *,
    user: Any,
    campaign: Campaign | None = None,
    org: Organization | None = None,
    sheets: Iterable[str] | None = None,
    filters: dict[str, Any] | None = None,
    personal: bool = False,
) -> bytes:
    """The records the user may see, as the import workbook (.xlsx bytes). Audited as "export"."""
    specs = resolve_sheets(sheets)
    scope = ExportScope(
        user=user,
        campaign=campaign,
        org=org,
        filters={k: v for k, v in (filters or {}).items() if v not in (None, "")},
        personal=personal,
        manage_paths=scope_for(user).paths(Cap.MANAGE),
    )
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    required = book.add_format({"bold": True, "bg_color": "#FCE4D6", "font_color": "#B5121B", "border": 1})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    counts: dict[str, int] = {}
    for spec in specs:
        ws = book.add_worksheet(spec.name)
        for col, column in enumerate(spec.all_columns):
            ws.write_string(
                0,
                col,
                f"{column.header}*" if column.required else column.header,
                required if column.required else head,
            )
            ws.set_column(col, col, column.width)
        count = 0
        for count, row in enumerate(ROWS[spec.key](scope), start=1):
            xlsxwriter_write_row(ws, count, row, date_format=day)
        counts[spec.name] = count
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(count, 1), len(spec.all_columns) - 1)
    book.close()
    audit(
        "export",
        obj=campaign,
        user=user,
        detail={
            "format": "import-workbook",
            "sheets": counts,
            "org": org.code if org else "",
            "filters": {k: str(v) for k, v in scope.filters.items()},
            "personal": bool(personal and scope.manage_paths),
        },
    )
    return out.getvalue()


def export_file_name(*, campaign: Campaign | None, specs: list[SheetSpec], today: date) -> str:
    what = specs[0].name if len(specs) == 1 else "台账数据"
    prefix = f"{campaign.code}-" if campaign else ""
    return f"{prefix}{what}-{today:%Y%m%d}.xlsx"
