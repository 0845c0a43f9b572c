"""Writes for research topics and visits, findings, public demands and practical matters.

Every change is one transaction, is recorded as an Event (动态) on the record it changes and is
written to the audit log. Matters carry a traffic light: every service that changes a matter's
status or due date calls core.lights.light_sync.

Turning a finding into a problem goes through rectification.services.problem_create only, so the
problem list numbers, records and lights it like any other problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from taizhang.core.audit import audit
from taizhang.core.lights import light_sync
from taizhang.core.models import Event
from taizhang.core.services import attachment_create, attachments_delete_for, changed_fields, event_record
from taizhang.lib.dates import today
from taizhang.lib.text import squeeze
from taizhang.org.models import Member, Organization
from taizhang.outreach.models import Demand, Finding, PracticalMatter, ResearchTopic, ResearchVisit
from taizhang.outreach.selectors import campaign_for_dated

CAMPAIGN_ORG_OUTSIDE = "“{org}”不在学习教育“{campaign}”的参加范围内"
TOPIC_OTHER_CAMPAIGN = "调研课题“{topic}”属于另一项学习教育，与调研日期所在的学习教育不一致"
PARTICIPANT_OUTSIDE = "参加人员“{name}”不是“{org}”及其下级组织的党员"
FINDING_CATEGORY_UNKNOWN = "第{n}条发现的问题类别“{value}”无效"
FINDING_LINKED = "第{n}条发现已转为问题或办实事，不能删除"
FINDING_ALREADY_PROBLEM = "该发现已转为问题（{code}），不能重复转入问题清单"
FINDING_ALREADY_MATTER = "该发现已转为办实事“{title}”，不能重复转为办实事"
VISIT_LINKED = "该调研的发现已转为问题或办实事，不能删除；可先编辑调研内容"
TOPIC_HAS_VISITS = "该课题下还有调研记录，不能删除"
DEMAND_ALREADY_MATTER = "该诉求已转为办实事“{title}”，不能重复转入"
DEMAND_ALREADY_RESOLVED = "该诉求已办结（已解决）"
DEMAND_NOT_RESOLVED = "该诉求尚未解决，无需重新打开"
DEMAND_HAS_MATTER = "该诉求已转为办实事，不能删除"
DATE_IN_FUTURE = "日期不能晚于今天"
MATTER_IS_DONE = "该事项已办结；如需继续推进，请先“重新打开”"
MATTER_NOT_DONE = "该事项尚未办结，无需重新打开"
MATTER_NOTHING_TO_RECORD = "请填写进展情况，或变更状态、上传材料"
MATTER_STATUS_BY_COMPLETE = "办结请使用“办结”操作，以便填写完成日期和成效"
OUTCOME_REQUIRED = "请填写办理成效"
REASON_REQUIRED = "请填写原因"

TOPIC_FIELDS = ("campaign", "org", "title", "leader", "description", "conclusion")
VISIT_FIELDS = (
    "org",
    "topic",
    "subject",
    "date",
    "place",
    "leader",
    "method",
    "participants_text",
    "summary",
)
DEMAND_FIELDS = (
    "org",
    "raised_by",
    "contact",
    "channel",
    "content",
    "raised_on",
    "handler",
    "response",
    "resolved",
    "resolved_on",
    "evaluation",
    "visit",
)
MATTER_FIELDS = (
    "campaign",
    "org",
    "title",
    "description",
    "lead_leader",
    "responsible_dept",
    "measures",
    "beneficiaries",
    "beneficiary_count",
    "owner",
    "due_date",
    "evaluation",
)
# Demand fields that hold personal data: never written into events or the audit log, only their names.
DEMAND_PERSONAL = ("raised_by", "contact")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: Any) -> Any:
    """Drop control characters (a NUL from a pasted document breaks PostgreSQL); keep tabs and newlines."""
    return _CONTROL.sub("", value) if isinstance(value, str) else value


def _actor(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _check_campaign(campaign: Any, org: Organization | None) -> None:
    if campaign is not None and org is not None and not org.path.startswith(campaign.org.path):
        raise ValidationError({"org": CAMPAIGN_ORG_OUTSIDE.format(org=org.name, campaign=campaign.name)})


def _snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """Field values as JSON-friendly scalars (ids for relations, ISO dates) for Event.data."""
    out: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname)
        out[name] = value.isoformat() if isinstance(value, date) else value
    return out


def _changes(before: dict[str, Any], obj: Any, fields: Iterable[str], hide: Iterable[str] = ()) -> dict:
    diff = changed_fields(before, _snapshot(obj, fields))
    for name in hide:
        if name in diff:
            diff[name] = ["***", "***"]
    return diff


def _save_uploads(owner: Any, uploads: Sequence[UploadedFile], *, actor: Any, kind: str, event: Event) -> int:
    for upload in uploads:
        attachment_create(owner, upload, actor=actor, kind=kind, event=event)
    return len(uploads)


# --- Topics ----------------------------------------------------------------------------------


@transaction.atomic
def topic_save(*, topic: ResearchTopic | None, data: dict[str, Any], actor: Any = None) -> ResearchTopic:
    """Create (topic=None) or update a research topic (调研课题)."""
    creating = topic is None
    topic = topic or ResearchTopic(created_by=_actor(actor))
    before = {} if creating else _snapshot(ResearchTopic.objects.get(pk=topic.pk), TOPIC_FIELDS)
    for name in TOPIC_FIELDS:
        if name in data:
            setattr(topic, name, clean_text(data[name]))
    topic.title = squeeze(topic.title)
    topic.full_clean()
    _check_campaign(topic.campaign, topic.org)
    topic.save()
    if creating:
        event_record(topic, actor=actor, kind=Event.Kind.CREATED)
        audit("create", obj=topic, user=actor)
    else:
        diff = _changes(before, topic, TOPIC_FIELDS)
        if diff:
            event_record(topic, actor=actor, kind=Event.Kind.CHANGED, data=diff)
        audit("update", obj=topic, user=actor, detail={"fields": sorted(diff)})
    return topic


@transaction.atomic
def topic_delete(*, topic: ResearchTopic, actor: Any = None) -> None:
    if topic.visits.exists():
        raise ValidationError(TOPIC_HAS_VISITS)
    label = str(topic)
    event_record(topic, actor=actor, kind=Event.Kind.DELETED, note=label)
    topic.delete()
    audit("delete", user=actor, object_type="outreach.ResearchTopic", object_repr=label)


# --- Visits and findings -----------------------------------------------------------------------


def _check_participants(org: Organization, participants: Sequence[Member]) -> None:
    for member in participants:
        if not member.org.path.startswith(org.path):
            raise ValidationError(
                {"participants": PARTICIPANT_OUTSIDE.format(name=member.name, org=org.name)}
            )


def _clean_findings(findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop empty rows, squeeze the text, check the category against the problem list's vocabulary."""
    from taizhang.rectification.models import Problem

    rows = []
    for item in findings:
        text = clean_text(item.get("text") or "").strip()
        if not text:
            continue
        category = item.get("category") or ""
        if category and category not in Problem.Category.values:
            raise ValidationError(FINDING_CATEGORY_UNKNOWN.format(n=len(rows) + 1, value=category))
        rows.append({"id": item.get("id"), "text": text, "category": category})
    return rows


def _apply_findings(visit: ResearchVisit, findings: list[dict[str, Any]]) -> None:
    """Make the visit's findings the given list, in order: update by id, add new, delete the rest.

    A finding that became a problem or a matter is never deleted (the link would be lost)."""
    existing = {f.pk: f for f in Finding.objects.filter(visit=visit).annotate_links()}
    kept: set[int] = set()
    for order, row in enumerate(findings):
        finding = existing.get(row["id"]) if row["id"] else None
        if finding is None:
            Finding.objects.create(visit=visit, text=row["text"], category=row["category"], order=order)
            continue
        kept.add(finding.pk)
        if (finding.text, finding.category, finding.order) != (row["text"], row["category"], order):
            finding.text, finding.category, finding.order = row["text"], row["category"], order
            finding.save(update_fields=["text", "category", "order"])
    for position, finding in enumerate(sorted(existing.values(), key=lambda f: (f.order, f.pk))):
        if finding.pk in kept:
            continue
        if finding.linked:
            raise ValidationError(FINDING_LINKED.format(n=position + 1))
        finding.delete()


def _visit_campaign(visit: ResearchVisit) -> None:
    """A visit belongs to the campaign its unit takes part in on its date (never chosen by hand)."""
    visit.campaign = campaign_for_dated(org=visit.org, day=visit.date)
    if visit.topic is not None and visit.topic.campaign_id and visit.topic.campaign_id != visit.campaign_id:
        raise ValidationError({"topic": TOPIC_OTHER_CAMPAIGN.format(topic=visit.topic.title)})


@transaction.atomic
def visit_save(
    *,
    visit: ResearchVisit | None,
    data: dict[str, Any],
    participants: Sequence[Member] = (),
    findings: Sequence[dict[str, Any]] = (),
    actor: Any = None,
) -> ResearchVisit:
    """Create (visit=None) or update a research visit with its participants and findings.

    `findings` is the complete list in order: dicts with text, category ("" or a Problem.Category
    value) and, for a finding already saved, its id. Rows with blank text are dropped.
    """
    creating = visit is None
    visit = visit or ResearchVisit(created_by=_actor(actor))
    fields = (*VISIT_FIELDS, "campaign")
    before = {} if creating else _snapshot(ResearchVisit.objects.get(pk=visit.pk), fields)
    for name in VISIT_FIELDS:
        if name in data:
            setattr(visit, name, clean_text(data[name]))
    visit.subject = squeeze(visit.subject)
    visit.leader = squeeze(visit.leader)
    visit.full_clean(exclude=["campaign"])
    _visit_campaign(visit)
    _check_participants(visit.org, participants)
    rows = _clean_findings(findings)
    visit.save()
    before_people = set() if creating else set(visit.participants.values_list("pk", flat=True))
    visit.participants.set(participants)
    _apply_findings(visit, rows)
    if creating:
        event_record(visit, actor=actor, kind=Event.Kind.CREATED, data={"findings": len(rows)})
        audit("create", obj=visit, user=actor)
    else:
        diff = _changes(before, visit, fields)
        people = {p.pk for p in participants}
        if people != before_people:
            diff["participants"] = [len(before_people), len(people)]
        event_record(visit, actor=actor, kind=Event.Kind.CHANGED, data={**diff, "findings": len(rows)})
        audit("update", obj=visit, user=actor, detail={"fields": sorted(diff)})
    return visit


@transaction.atomic
def visit_delete(*, visit: ResearchVisit, actor: Any = None) -> None:
    from taizhang.rectification.models import Problem

    if (
        Problem.objects.filter(visit=visit).exists()
        or PracticalMatter.objects.filter(visit=visit).exists()
        or Finding.objects.filter(visit=visit).annotate_links().filter(linked=True).exists()
    ):
        raise ValidationError(VISIT_LINKED)
    label = str(visit)
    event_record(visit, actor=actor, kind=Event.Kind.DELETED, note=label)
    from taizhang.plans.services import links_remove_for

    links_remove_for(visit, actor=actor)
    visit.delete()
    audit("delete", user=actor, object_type="outreach.ResearchVisit", object_repr=label)


@transaction.atomic
def finding_to_problem(*, finding: Finding, data: dict[str, Any], actor: Any = None) -> Any:
    """Put a finding on the problem list (source 调研), keeping the link both ways.

    `data`: org, category, description, deadline and optionally rectification_type,
    responsible_leader, responsible_dept, responsible_person, target. The problem's campaign is the
    visit's; its number is the problem list's next (rectification.services.problem_next_code).
    """
    from taizhang.rectification.models import Problem
    from taizhang.rectification.services import problem_create

    existing = Problem.objects.filter(finding=finding).order_by("id").first()
    if existing is not None:
        raise ValidationError(FINDING_ALREADY_PROBLEM.format(code=existing.code))
    visit = finding.visit
    _check_campaign(visit.campaign, data["org"])
    extra = {
        k: data[k]
        for k in (
            "rectification_type",
            "responsible_leader",
            "responsible_dept",
            "responsible_person",
            "target",
        )
        if data.get(k) not in (None, "")
    }
    problem = problem_create(
        campaign=visit.campaign,
        org=data["org"],
        category=data["category"],
        source=Problem.Source.RESEARCH,
        description=clean_text(data["description"]).strip(),
        deadline=data.get("deadline"),
        actor=actor,
        visit=visit,
        finding=finding,
        **extra,
    )
    if not finding.category:
        finding.category = problem.category
        finding.save(update_fields=["category"])
    event_record(
        visit,
        actor=actor,
        kind=Event.Kind.LINKED,
        # The code stays in data: the visit's history is seen by members, the problem list is internal.
        note="调研发现转入问题清单",
        data={"finding": finding.pk, "problem": problem.pk, "problem_code": problem.code},
    )
    return problem


@transaction.atomic
def finding_to_matter(*, finding: Finding, data: dict[str, Any], actor: Any = None) -> PracticalMatter:
    """Turn a finding into a practical matter (visit and finding set on the matter)."""
    existing = PracticalMatter.objects.filter(finding=finding).order_by("id").first()
    if existing is not None:
        raise ValidationError(FINDING_ALREADY_MATTER.format(title=existing.title))
    visit = finding.visit
    matter = matter_create(
        data={**data, "campaign": visit.campaign}, actor=actor, visit=visit, finding=finding
    )
    event_record(
        visit,
        actor=actor,
        kind=Event.Kind.LINKED,
        note=f"调研发现转为办实事“{matter.title}”",
        data={"finding": finding.pk, "matter": matter.pk},
    )
    return matter


# --- Demands ---------------------------------------------------------------------------------


def _check_not_future(day: date | None, field: str) -> None:
    if day and day > today():
        raise ValidationError({field: DATE_IN_FUTURE})


@transaction.atomic
def demand_save(*, demand: Demand | None, data: dict[str, Any], actor: Any = None) -> Demand:
    """Create (demand=None) or update a public demand; its campaign follows its unit and date."""
    creating = demand is None
    demand = demand or Demand(created_by=_actor(actor))
    fields = (*DEMAND_FIELDS, "campaign")
    before = {} if creating else _snapshot(Demand.objects.get(pk=demand.pk), fields)
    for name in DEMAND_FIELDS:
        if name in data:
            setattr(demand, name, clean_text(data[name]))
    demand.raised_by = squeeze(demand.raised_by)
    demand.handler = squeeze(demand.handler)
    demand.full_clean(exclude=["campaign"])
    _check_not_future(demand.raised_on, "raised_on")
    _check_not_future(demand.resolved_on, "resolved_on")
    demand.campaign = campaign_for_dated(org=demand.org, day=demand.raised_on)
    demand.save()
    if creating:
        event_record(
            demand,
            actor=actor,
            kind=Event.Kind.CREATED,
            to_state="resolved" if demand.resolved else "open",
        )
        audit("create", obj=demand, user=actor)
    else:
        diff = _changes(before, demand, fields, hide=DEMAND_PERSONAL)
        if diff:
            event_record(demand, actor=actor, kind=Event.Kind.CHANGED, data=diff)
        audit("update", obj=demand, user=actor, detail={"fields": sorted(diff)})
    return demand


@transaction.atomic
def demand_respond(*, demand: Demand, handler: str, response: str, actor: Any = None) -> Demand:
    """Record who handles the demand and what has been done (办理情况); kept as a progress event."""
    response = clean_text(response).strip()
    if not response:
        raise ValidationError({"response": "请填写办理情况"})
    demand.handler = squeeze(handler) or demand.handler
    demand.response = response
    demand.full_clean(exclude=["campaign"])
    demand.save(update_fields=["handler", "response", "updated_at"])
    event_record(demand, actor=actor, kind=Event.Kind.NOTE, note=response, data={"handler": demand.handler})
    audit("update", obj=demand, user=actor, detail={"fields": ["handler", "response"]})
    return demand


@transaction.atomic
def demand_resolve(
    *, demand: Demand, resolved_on: date | None, response: str = "", actor: Any = None
) -> Demand:
    """Mark a demand 已解决 on a date (required, not before it was raised, not in the future)."""
    response = clean_text(response)
    if demand.resolved:
        raise ValidationError(DEMAND_ALREADY_RESOLVED)
    demand.resolved = True
    demand.resolved_on = resolved_on
    if response.strip():
        demand.response = response.strip()
    demand.full_clean(exclude=["campaign"])
    _check_not_future(resolved_on, "resolved_on")
    demand.save(update_fields=["resolved", "resolved_on", "response", "updated_at"])
    event_record(
        demand,
        actor=actor,
        kind=Event.Kind.STATUS,
        from_state="open",
        to_state="resolved",
        note=response.strip(),
    )
    audit("transition", obj=demand, user=actor, detail={"to": "resolved"})
    return demand


@transaction.atomic
def demand_reopen(*, demand: Demand, reason: str, actor: Any = None) -> Demand:
    reason = clean_text(reason)
    if not demand.resolved:
        raise ValidationError(DEMAND_NOT_RESOLVED)
    if not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    demand.resolved = False
    demand.resolved_on = None
    demand.save(update_fields=["resolved", "resolved_on", "updated_at"])
    event_record(
        demand,
        actor=actor,
        kind=Event.Kind.STATUS,
        from_state="resolved",
        to_state="open",
        note=reason.strip(),
    )
    audit("transition", obj=demand, user=actor, detail={"to": "open", "reason": reason.strip()})
    return demand


@transaction.atomic
def demand_to_matter(*, demand: Demand, data: dict[str, Any], actor: Any = None) -> PracticalMatter:
    """Turn a demand into a practical matter (PracticalMatter.demand), in the demand's campaign."""
    existing = PracticalMatter.objects.filter(demand=demand).order_by("id").first()
    if existing is not None:
        raise ValidationError(DEMAND_ALREADY_MATTER.format(title=existing.title))
    matter = matter_create(
        data={**data, "campaign": demand.campaign}, actor=actor, demand=demand, visit=demand.visit
    )
    event_record(
        demand,
        actor=actor,
        kind=Event.Kind.LINKED,
        note=f"诉求转为办实事“{matter.title}”",
        data={"matter": matter.pk},
    )
    return matter


@transaction.atomic
def demand_delete(*, demand: Demand, actor: Any = None) -> None:
    if demand.matters.exists():
        raise ValidationError(DEMAND_HAS_MATTER)
    label = str(demand)
    event_record(demand, actor=actor, kind=Event.Kind.DELETED)
    demand.delete()
    audit("delete", user=actor, object_type="outreach.Demand", object_repr=label)


# --- Practical matters -----------------------------------------------------------------------


@transaction.atomic
def matter_create(
    *,
    data: dict[str, Any],
    actor: Any = None,
    visit: ResearchVisit | None = None,
    finding: Finding | None = None,
    demand: Demand | None = None,
    status: str = PracticalMatter.Status.NOT_STARTED,
) -> PracticalMatter:
    """Put a practical matter on the list (未开始 or 推进中). Finishing one is matter_complete's job."""
    if status == PracticalMatter.Status.DONE:
        raise ValidationError({"status": MATTER_STATUS_BY_COMPLETE})
    matter = PracticalMatter(
        created_by=_actor(actor), visit=visit, finding=finding, demand=demand, status=status
    )
    for name in MATTER_FIELDS:
        if name in data:
            setattr(matter, name, clean_text(data[name]))
    matter.title = squeeze(matter.title)
    matter.full_clean()
    _check_campaign(matter.campaign, matter.org)
    matter.save()
    event_record(matter, actor=actor, kind=Event.Kind.CREATED, to_state=matter.status)
    light_sync(matter, actor=actor)
    audit("create", obj=matter, user=actor)
    return matter


@transaction.atomic
def matter_update(*, matter: PracticalMatter, data: dict[str, Any], actor: Any = None) -> PracticalMatter:
    """Edit a matter's description fields; status changes go through progress / complete / reopen."""
    before = _snapshot(PracticalMatter.objects.get(pk=matter.pk), (*MATTER_FIELDS, "outcome"))
    for name in (*MATTER_FIELDS, "outcome"):
        if name in data:
            setattr(matter, name, clean_text(data[name]))
    matter.title = squeeze(matter.title)
    matter.full_clean()
    _check_campaign(matter.campaign, matter.org)
    matter.save()
    diff = _changes(before, matter, (*MATTER_FIELDS, "outcome"))
    if diff:
        event_record(matter, actor=actor, kind=Event.Kind.CHANGED, data=diff)
    light_sync(matter, actor=actor)
    audit("update", obj=matter, user=actor, detail={"fields": sorted(diff)})
    return matter


@transaction.atomic
def matter_progress(
    *,
    matter: PracticalMatter,
    note: str = "",
    status: str = "",
    uploads: Sequence[UploadedFile] = (),
    actor: Any = None,
) -> Event:
    """Record progress (推进情况) on an open matter: a note, a move between 未开始 and 推进中, files.

    Returns the event the note and files hang on. A status change is its own event too.
    """
    S = PracticalMatter.Status
    if matter.status == S.DONE:
        raise ValidationError(MATTER_IS_DONE)
    if status == S.DONE:
        raise ValidationError({"status": MATTER_STATUS_BY_COMPLETE})
    note = clean_text(note).strip()
    changing = bool(status) and status != matter.status
    if not note and not changing and not uploads:
        raise ValidationError({"note": MATTER_NOTHING_TO_RECORD})
    if changing:
        old = matter.status
        matter.status = status
        matter.full_clean()
        matter.save(update_fields=["status", "updated_at"])
        event = event_record(
            matter, actor=actor, kind=Event.Kind.STATUS, from_state=old, to_state=status, note=note
        )
        audit("transition", obj=matter, user=actor, detail={"from": old, "to": status})
    else:
        event = event_record(matter, actor=actor, kind=Event.Kind.NOTE, note=note)
        audit("update", obj=matter, user=actor, detail={"progress": True, "files": len(uploads)})
    _save_uploads(matter, uploads, actor=actor, kind="progress", event=event)
    light_sync(matter, actor=actor)
    return event


@transaction.atomic
def matter_complete(
    *,
    matter: PracticalMatter,
    done_on: date | None,
    outcome: str,
    beneficiary_count: int | None = None,
    uploads: Sequence[UploadedFile] = (),
    actor: Any = None,
) -> PracticalMatter:
    """办结: status 已办结 with a completion date (required, not in the future) and the outcome (成效);
    evidence files hang on the status event."""
    if matter.status == PracticalMatter.Status.DONE:
        raise ValidationError(MATTER_IS_DONE)
    if not outcome.strip():
        raise ValidationError({"outcome": OUTCOME_REQUIRED})
    old = matter.status
    matter.status = PracticalMatter.Status.DONE
    matter.done_on = done_on
    matter.outcome = clean_text(outcome).strip()
    if beneficiary_count is not None:
        matter.beneficiary_count = beneficiary_count
    matter.full_clean()
    _check_not_future(done_on, "done_on")
    matter.save()
    event = event_record(
        matter,
        actor=actor,
        kind=Event.Kind.STATUS,
        from_state=old,
        to_state=matter.status,
        note=matter.outcome,
        data={"done_on": done_on.isoformat() if done_on else None},
    )
    _save_uploads(matter, uploads, actor=actor, kind="evidence", event=event)
    light_sync(matter, actor=actor)
    audit("transition", obj=matter, user=actor, detail={"from": old, "to": "done", "files": len(uploads)})
    return matter


@transaction.atomic
def matter_reopen(*, matter: PracticalMatter, reason: str, actor: Any = None) -> PracticalMatter:
    """Back from 已办结 to 推进中 (the completion date is cleared, the outcome kept), with a reason."""
    reason = clean_text(reason)
    if matter.status != PracticalMatter.Status.DONE:
        raise ValidationError(MATTER_NOT_DONE)
    if not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    matter.status = PracticalMatter.Status.IN_PROGRESS
    matter.done_on = None
    matter.save(update_fields=["status", "done_on", "updated_at"])
    event_record(
        matter,
        actor=actor,
        kind=Event.Kind.STATUS,
        from_state=PracticalMatter.Status.DONE,
        to_state=matter.status,
        note=reason.strip(),
    )
    light_sync(matter, actor=actor)
    audit(
        "transition", obj=matter, user=actor, detail={"from": "done", "to": "in_progress", "reason": reason}
    )
    return matter


@transaction.atomic
def matter_attach(*, matter: PracticalMatter, uploads: Sequence[UploadedFile], actor: Any = None) -> Event:
    """Add evidence (佐证材料) to a matter, open or done, as an upload event."""
    if not uploads:
        raise ValidationError({"files": "请选择要上传的文件"})
    event = event_record(matter, actor=actor, kind=Event.Kind.UPLOAD, data={"files": len(uploads)})
    _save_uploads(matter, uploads, actor=actor, kind="evidence", event=event)
    audit("update", obj=matter, user=actor, detail={"files": len(uploads)})
    return event


@transaction.atomic
def matter_delete(*, matter: PracticalMatter, actor: Any = None) -> None:
    label = str(matter)
    event_record(matter, actor=actor, kind=Event.Kind.DELETED, note=label)
    from taizhang.plans.services import links_remove_for

    links_remove_for(matter, actor=actor)
    attachments_delete_for(matter)
    matter.delete()
    audit("delete", user=actor, object_type="outreach.PracticalMatter", object_repr=label)
