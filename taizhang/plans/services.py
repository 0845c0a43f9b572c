"""Writes for the work plan (tasks, their links and evidence), study plans and campaign templates.

Every change of a task is an Event (动态); every status change re-syncs its traffic light through
core.lights.light_sync, the one rule, so the light's history is kept with the status history.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone

from taizhang.campaigns.models import Campaign, Phase
from taizhang.core.audit import audit
from taizhang.core.lights import light_sync
from taizhang.core.models import Attachment, Event
from taizhang.core.services import attachment_create, attachments_delete_for, changed_fields, event_record
from taizhang.lib.dates import today as local_today
from taizhang.org.models import Member, Organization
from taizhang.plans import matching
from taizhang.plans.links import LINKABLES, Linkable
from taizhang.plans.models import CampaignTemplate, PlanTask, PlanTaskLink, StudyPlan, StudyPlanItem

TASK_OUTSIDE_CAMPAIGN = "计划日期须在学习教育活动期间（{start} 至 {end}）内"
TASK_END_BEFORE_START = "计划完成日期不能早于计划开始日期"
TASK_ORG_OUTSIDE = "责任单位须是“{org}”或其下级组织"
TASK_PHASE_OTHER = "所选阶段不属于本次学习教育活动"
TASK_STATE_CHANGED = "任务状态已被他人更改，请刷新页面后重试"
TASK_ALREADY_DONE = "任务已完成"
TASK_NOT_DONE = "任务尚未完成，无需重新打开"
TASK_NOT_STARTED_ONLY = "只有“未开始”的任务可以标记为开始"
CLOSE_NEEDS_EVIDENCE = "没有关联记录时，须填写完成情况并上传至少一份佐证材料"
CLOSE_NEEDS_NOTE = "请填写完成情况"
DONE_IN_FUTURE = "完成日期不能晚于今天"
REOPEN_NEEDS_REASON = "请填写重新打开的原因"
LINK_EXISTS = "该记录已关联到本任务"
LINK_OUTSIDE = "只能关联本次学习教育活动中、责任单位“{org}”及其下级组织的记录"
NOTE_EMPTY = "请填写进展情况或上传材料"

PLAN_EXISTS_UNIT = "“{org}”在本次学习教育中已有{level}"
PLAN_EXISTS_MEMBER = "“{name}”在本次学习教育中已有个人学习计划"
PLAN_LEVEL_ORG = "{level}应属于{kinds}"
PLAN_MEMBER_NEEDED = "个人学习计划须选择党员"
PLAN_MEMBER_OUTSIDE = "“{name}”不在所选组织中"
ITEM_OUTSIDE_CAMPAIGN = "计划日期须在学习教育活动期间（{start} 至 {end}）内"
MATCH_TAKEN = "该记录已对应本计划的另一条目“{topic}”"
MATCH_INCOMPATIBLE = "所选记录与该条目的学习形式或活动类型不符"

TEMPLATE_NAME_TAKEN = "已有名为“{name}”的模板"
TEMPLATE_EMPTY = "该学习教育活动还没有阶段或任务，无法保存为模板"
APPLY_CODE_TAKEN = "编码“{code}”已被使用"

TASK_FIELDS = (
    "title",
    "description",
    "kind",
    "phase",
    "org",
    "lead_leader",
    "responsible_dept",
    "planned_start",
    "planned_end",
    "required_type",
)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- Tasks ----------------------------------------------------------------------------------------


def _check_task(task: PlanTask) -> None:
    errors: dict[str, str] = {}
    campaign = task.campaign
    if task.planned_start and task.planned_end and task.planned_end < task.planned_start:
        errors["planned_end"] = TASK_END_BEFORE_START
    if campaign is not None:
        for name in ("planned_start", "planned_end"):
            value = getattr(task, name)
            if value and not campaign.contains(value) and name not in errors:
                errors[name] = TASK_OUTSIDE_CAMPAIGN.format(start=campaign.start_date, end=campaign.end_date)
        if task.org_id and not task.org.is_under(campaign.org):
            errors["org"] = TASK_ORG_OUTSIDE.format(org=campaign.org.name)
        if task.phase_id and task.phase.campaign_id != campaign.pk:
            errors["phase"] = TASK_PHASE_OTHER
    if errors:
        raise ValidationError(errors)


def _phase_for(campaign: Campaign | None, day: date) -> Phase | None:
    if campaign is None:
        return None
    return campaign.phases.filter(start_date__lte=day, end_date__gte=day).order_by("order").first()


def _snapshot(task: PlanTask) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in TASK_FIELDS:
        field = PlanTask._meta.get_field(name)
        value = getattr(task, field.attname)
        values[name] = value.isoformat() if isinstance(value, date) else value
    return values


@transaction.atomic
def task_create(*, campaign: Campaign | None, data: dict[str, Any], actor: Any) -> PlanTask:
    """Put a task on the plan (未开始). Without a phase, the phase holding its start date is used."""
    task = PlanTask(campaign=campaign, created_by=_user(actor))
    for name in TASK_FIELDS:
        if name in data:
            setattr(task, name, data[name])
    if task.planned_start and not task.planned_end:
        task.planned_end = task.planned_start
    if task.phase_id is None and task.planned_start:
        task.phase = _phase_for(campaign, task.planned_start)
    _check_task(task)
    task.full_clean(exclude=["light", "light_changed_at"])
    task.save()
    event_record(task, actor=actor, kind=Event.Kind.CREATED, to_state=task.status)
    light_sync(task, actor=actor)
    audit("create", obj=task, user=_user(actor))
    return task


@transaction.atomic
def task_update(*, task: PlanTask, data: dict[str, Any], actor: Any) -> PlanTask:
    before = _snapshot(task)
    for name in TASK_FIELDS:
        if name in data:
            setattr(task, name, data[name])
    if task.planned_start and not task.planned_end:
        task.planned_end = task.planned_start
    _check_task(task)
    task.full_clean(exclude=["light", "light_changed_at"])
    task.save()
    diff = changed_fields(before, _snapshot(task))
    if diff:
        event_record(task, actor=actor, kind=Event.Kind.CHANGED, data=diff)
        audit("update", obj=task, user=_user(actor), detail={"fields": sorted(diff)})
    # A moved deadline changes the light (green ↔ yellow ↔ red) without a status change.
    light_sync(task, actor=actor)
    return task


def _transition(
    task: PlanTask,
    *,
    to: str,
    actor: Any,
    note: str = "",
    done_on: date | None = None,
    closing_note: str | None = None,
) -> Event:
    """Move the task to status `to` only if nobody changed it meanwhile (conditional update)."""
    old = task.status
    fields: dict[str, Any] = {"status": to, "done_on": done_on, "updated_at": timezone.now()}
    if closing_note is not None:
        fields["closing_note"] = closing_note
    if not PlanTask.objects.filter(pk=task.pk, status=old).update(**fields):
        raise ValidationError(TASK_STATE_CHANGED)
    for name, value in fields.items():
        setattr(task, name, value)
    event = event_record(task, actor=actor, kind=Event.Kind.STATUS, from_state=old, to_state=to, note=note)
    light_sync(task, actor=actor)
    audit("transition", obj=task, user=_user(actor), detail={"from": old, "to": to})
    return event


@transaction.atomic
def task_start(*, task: PlanTask, actor: Any, note: str = "") -> PlanTask:
    if task.status != PlanTask.Status.NOT_STARTED:
        raise ValidationError(TASK_NOT_STARTED_ONLY)
    _transition(task, to=PlanTask.Status.IN_PROGRESS, actor=actor, note=note)
    return task


def _check_done_on(done_on: date | None) -> date:
    day = done_on or local_today()
    if day > local_today():
        raise ValidationError({"done_on": DONE_IN_FUTURE})
    return day


@transaction.atomic
def task_close(
    *,
    task: PlanTask,
    actor: Any,
    note: str = "",
    done_on: date | None = None,
    uploads: Iterable[UploadedFile] = (),
) -> PlanTask:
    """Mark the task done. Linked records fulfil it; without any, a written note and evidence must."""
    if task.status == PlanTask.Status.DONE:
        raise ValidationError(TASK_ALREADY_DONE)
    uploads = list(uploads)
    note = note.strip()
    has_links = task.links.exists()
    if not has_links:
        if not note:
            raise ValidationError({"note": CLOSE_NEEDS_NOTE})
        has_evidence = (
            bool(uploads)
            or Attachment.objects.filter(
                content_type=ContentType.objects.get_for_model(PlanTask), object_id=task.pk
            ).exists()
        )
        if not has_evidence:
            raise ValidationError({"evidence": CLOSE_NEEDS_EVIDENCE})
    day = _check_done_on(done_on)
    event = _transition(
        task,
        to=PlanTask.Status.DONE,
        actor=actor,
        note=note,
        done_on=day,
        closing_note=note or task.closing_note,
    )
    for upload in uploads:
        attachment_create(task, upload, actor=actor, kind="evidence", event=event)
    return task


@transaction.atomic
def task_reopen(*, task: PlanTask, actor: Any, reason: str) -> PlanTask:
    if task.status != PlanTask.Status.DONE:
        raise ValidationError(TASK_NOT_DONE)
    if not reason.strip():
        raise ValidationError({"reason": REOPEN_NEEDS_REASON})
    _transition(task, to=PlanTask.Status.IN_PROGRESS, actor=actor, note=reason.strip())
    return task


@transaction.atomic
def task_note(*, task: PlanTask, actor: Any, note: str, uploads: Iterable[UploadedFile] = ()) -> Event:
    """A progress note (进展) with optional evidence files, kept in the task's history."""
    uploads = list(uploads)
    if not note.strip() and not uploads:
        raise ValidationError({"note": NOTE_EMPTY})
    kind = Event.Kind.NOTE if note.strip() else Event.Kind.UPLOAD
    event = event_record(task, actor=actor, kind=kind, note=note.strip())
    for upload in uploads:
        attachment_create(task, upload, actor=actor, kind="evidence", event=event)
    return event


def _linkable_of(obj: models.Model) -> Linkable:
    for item in LINKABLES:
        if isinstance(obj, item.model):
            return item
    raise ValidationError("该类记录不能关联到工作任务")


@transaction.atomic
def task_link(
    *, task: PlanTask, obj: models.Model, actor: Any, close: bool = False, done_on: date | None = None
) -> PlanTaskLink:
    """Link a record that fulfils the task; with close=True the task is done on the record's date
    (or `done_on`, or today)."""
    kind = _linkable_of(obj)
    org = getattr(obj, "org", None)
    same_campaign = task.campaign_id is None or getattr(obj, "campaign_id", None) == task.campaign_id
    if org is None or not org.is_under(task.org) or not same_campaign:
        raise ValidationError(LINK_OUTSIDE.format(org=task.org.name))
    ct = ContentType.objects.get_for_model(type(obj))
    if PlanTaskLink.objects.filter(task=task, content_type=ct, object_id=obj.pk).exists():
        raise ValidationError(LINK_EXISTS)
    link = PlanTaskLink.objects.create(task=task, content_type=ct, object_id=obj.pk, linked_by=_user(actor))
    title = kind.title_of(obj)
    event_record(
        task,
        actor=actor,
        kind=Event.Kind.LINKED,
        note=f"关联{kind.label}：{title}",
        data={"link": link.pk, "kind": kind.key, "object_id": obj.pk, "title": title[:100]},
    )
    audit("update", obj=task, user=_user(actor), detail={"link": kind.key, "object_id": obj.pk})
    if close and task.status != PlanTask.Status.DONE:
        record_day = kind.date_of(obj)
        day = _check_done_on(done_on or (record_day if record_day and record_day <= local_today() else None))
        # The record is the evidence: no written closing note, so removing the link reopens the task.
        _transition(
            task, to=PlanTask.Status.DONE, actor=actor, note=f"已关联{kind.label}“{title}”", done_on=day
        )
    return link


@transaction.atomic
def task_unlink(*, link: PlanTaskLink, actor: Any) -> PlanTask:
    """Remove a link. A done task left with no link and no written note is open again."""
    task = link.task
    data = {"kind": link.content_type.model, "object_id": link.object_id}
    link.delete()
    event_record(task, actor=actor, kind=Event.Kind.CHANGED, note="取消关联记录", data={"unlinked": data})
    audit("update", obj=task, user=_user(actor), detail={"unlink": data})
    if task.status == PlanTask.Status.DONE and not task.links.exists() and not task.closing_note.strip():
        _transition(
            task, to=PlanTask.Status.IN_PROGRESS, actor=actor, note="关联记录已全部取消，任务重新打开"
        )
    return task


@transaction.atomic
def links_remove_for(obj: models.Model, *, actor: Any) -> int:
    """A record linked to tasks is being deleted: drop its links first (a task closed only by that
    record reopens, with the reason in its history) so no task points at a record that is gone.
    Called by the services that delete linkable records (study, outreach, rectification, reports)."""
    ct = ContentType.objects.get_for_model(type(obj))
    links = list(PlanTaskLink.objects.filter(content_type=ct, object_id=obj.pk).select_related("task"))
    for link in links:
        task_unlink(link=link, actor=actor)
    return len(links)


@transaction.atomic
def task_delete(*, task: PlanTask, actor: Any) -> None:
    event_record(task, actor=actor, kind=Event.Kind.DELETED, note=task.title)
    audit("delete", obj=task, user=_user(actor))
    attachments_delete_for(task)
    task.delete()


# --- Study plans ----------------------------------------------------------------------------------

LEVEL_KINDS = {
    StudyPlan.Level.COMMITTEE: (Organization.Kind.COMMITTEE, Organization.Kind.GENERAL_BRANCH),
    StudyPlan.Level.GROUP: (Organization.Kind.BRANCH, Organization.Kind.GROUP),
}


def studyplan_default_title(*, level: str, org: Organization, member: Member | None, campaign: Any) -> str:
    campaign_name = campaign.name if campaign else ""
    if level == StudyPlan.Level.PERSONAL and member is not None:
        return f"{member.name}{campaign_name}个人学习计划"
    return f"{org.display_name}{campaign_name}学习计划"


@transaction.atomic
def studyplan_create(
    *,
    campaign: Campaign | None,
    level: str,
    org: Organization,
    member: Member | None = None,
    title: str = "",
    note: str = "",
    copy_from: StudyPlan | None = None,
    actor: Any,
) -> StudyPlan:
    """Create a plan at one of the three levels; `copy_from` copies another plan's items (a branch
    usually starts from the committee's plan). Items are matched with recorded activities at once."""
    if level == StudyPlan.Level.PERSONAL:
        if member is None:
            raise ValidationError({"member": PLAN_MEMBER_NEEDED})
        org = member.org
        if StudyPlan.objects.filter(campaign=campaign, level=level, member=member).exists():
            raise ValidationError({"member": PLAN_EXISTS_MEMBER.format(name=member.name)})
    else:
        member = None
        kinds = LEVEL_KINDS[StudyPlan.Level(level)]
        if org.kind not in kinds:
            labels = "、".join(Organization.Kind(k).label for k in kinds)
            raise ValidationError(
                {"org": PLAN_LEVEL_ORG.format(level=StudyPlan.Level(level).label, kinds=labels)}
            )
        if StudyPlan.objects.filter(campaign=campaign, level=level, org=org).exists():
            raise ValidationError(
                {"org": PLAN_EXISTS_UNIT.format(org=org.name, level=StudyPlan.Level(level).label)}
            )
    if campaign is not None and not org.is_under(campaign.org):
        raise ValidationError({"org": TASK_ORG_OUTSIDE.format(org=campaign.org.name)})
    plan = StudyPlan.objects.create(
        campaign=campaign,
        level=level,
        org=org,
        member=member,
        title=title.strip()
        or studyplan_default_title(level=level, org=org, member=member, campaign=campaign),
        note=note,
        created_by=_user(actor),
    )
    if copy_from is not None:
        StudyPlanItem.objects.bulk_create(
            StudyPlanItem(
                plan=plan,
                topic=i.topic,
                material=i.material,
                planned_date=i.planned_date,
                form=i.form,
                activity_type_id=i.activity_type_id,
                order=i.order,
            )
            for i in copy_from.items.all()
        )
    event_record(plan, actor=actor, kind=Event.Kind.CREATED, note=plan.title)
    audit("create", obj=plan, user=_user(actor))
    if copy_from is not None:
        plan_match(plan=plan, actor=actor)
    return plan


@transaction.atomic
def studyplan_update(*, plan: StudyPlan, title: str, note: str, actor: Any) -> StudyPlan:
    before = {"title": plan.title, "note": plan.note}
    plan.title, plan.note = title.strip() or plan.title, note
    plan.save(update_fields=["title", "note", "updated_at"])
    diff = changed_fields(before, {"title": plan.title, "note": plan.note})
    if diff:
        event_record(plan, actor=actor, kind=Event.Kind.CHANGED, data=diff)
        audit("update", obj=plan, user=_user(actor))
    return plan


@transaction.atomic
def studyplan_delete(*, plan: StudyPlan, actor: Any) -> None:
    event_record(plan, actor=actor, kind=Event.Kind.DELETED, note=plan.title)
    audit("delete", obj=plan, user=_user(actor))
    plan.delete()


ITEM_FIELDS = ("topic", "material", "planned_date", "form", "activity_type")


@transaction.atomic
def item_save(
    *, plan: StudyPlan, data: dict[str, Any], actor: Any, item: StudyPlanItem | None = None
) -> StudyPlanItem:
    """Add or change a plan item, then compare the plan with what was recorded again."""
    creating = item is None
    item = item or StudyPlanItem(plan=plan, order=plan.items.count())
    before = {name: str(getattr(item, name, "") or "") for name in ITEM_FIELDS} if not creating else {}
    for name in ITEM_FIELDS:
        if name in data:
            setattr(item, name, data[name])
    campaign = plan.campaign
    if campaign is not None and item.planned_date and not campaign.contains(item.planned_date):
        raise ValidationError(
            {"planned_date": ITEM_OUTSIDE_CAMPAIGN.format(start=campaign.start_date, end=campaign.end_date)}
        )
    if not creating and item.match_manual:
        # The hand-picked record may no longer suit the changed item: let the matcher decide again.
        after = {name: str(getattr(item, name, "") or "") for name in ITEM_FIELDS}
        if changed_fields(before, after):
            item.match_manual, item.activity, item.self_study = False, None, None
    item.full_clean()
    item.save()
    event_record(
        plan,
        actor=actor,
        kind=Event.Kind.CHANGED,
        note=f"{'新增' if creating else '修改'}计划条目：{item.topic}",
    )
    plan_match(plan=plan, actor=actor)
    item.refresh_from_db()
    return item


@transaction.atomic
def item_delete(*, item: StudyPlanItem, actor: Any) -> None:
    plan = item.plan
    event_record(plan, actor=actor, kind=Event.Kind.CHANGED, note=f"删除计划条目：{item.topic}")
    item.delete()
    plan_match(plan=plan, actor=actor)


@transaction.atomic
def item_match_set(
    *, item: StudyPlanItem, actor: Any, activity: Any = None, self_study: Any = None, auto: bool = False
) -> StudyPlanItem:
    """Choose by hand which record fulfils the item (kept by automatic matching), or with auto=True
    hand the item back to the matcher."""
    plan = item.plan
    if auto:
        item.match_manual, item.activity, item.self_study = False, None, None
        item.save(update_fields=["match_manual", "activity", "self_study"])
        plan_match(plan=plan, actor=actor)
        item.refresh_from_db()
        return item
    chosen = activity or self_study
    if chosen is not None:
        field = "activity" if activity is not None else "self_study"
        key = ("activity" if activity is not None else "self", chosen.pk)
        if key not in {c.key for c in matching.candidates_for_item(item=item, wide=True)}:
            raise ValidationError(MATCH_INCOMPATIBLE)
        other = plan.items.exclude(pk=item.pk).filter(**{field: chosen}).first()
        if other is not None:
            if other.match_manual:
                raise ValidationError(MATCH_TAKEN.format(topic=other.topic))
            # An automatic match gives way to a choice made by hand.
            setattr(other, field, None)
            other.save(update_fields=[field])
    item.activity, item.self_study, item.match_manual = activity, self_study, True
    item.save(update_fields=["activity", "self_study", "match_manual"])
    label = str(chosen) if chosen is not None else "无（确认未开展）"
    event_record(plan, actor=actor, kind=Event.Kind.LINKED, note=f"条目“{item.topic}”对应：{label}")
    audit("update", obj=plan, user=_user(actor), detail={"item": item.pk, "manual_match": str(label)[:100]})
    # The freed automatic item may find another session.
    plan_match(plan=plan, actor=actor)
    item.refresh_from_db()
    return item


def plan_match(*, plan: StudyPlan, actor: Any = None) -> matching.MatchResult:
    """Compare the plan's items with recorded activities (and, for personal plans, self-study) and
    store the matches. Hand-picked matches stay; the rest are recomputed (plans.matching)."""
    with transaction.atomic():
        result = matching.match_plan(plan)
        if result.changed:
            StudyPlanItem.objects.bulk_update(result.changed, ["activity", "self_study"])
            event_record(
                plan,
                actor=actor,
                kind=Event.Kind.CHANGED,
                note=f"与实际学习记录比对：{result.matched} 项已开展，{result.total - result.matched} 项未对应",
                data={"matched": result.matched, "total": result.total, "changed": len(result.changed)},
            )
        plan.matched_at = timezone.now()
        StudyPlan.objects.filter(pk=plan.pk).update(matched_at=plan.matched_at)
    return result


def plans_match_for_activity(
    *, campaign_id: int | None, org: Organization, member_ids: Iterable[int] = (), actor: Any = None
) -> int:
    """Re-match the study plans a recorded (changed, deleted) activity may fulfil: plans of its campaign
    whose unit covers the activity's unit, and the personal plans of the members who attended.
    Returns how many plans changed. Called by study.services after every activity write."""
    if campaign_id is None:
        return 0
    covering = [f"/{'/'.join(org.path.strip('/').split('/')[: i + 1])}/" for i in range(org.depth + 1)]
    plans = StudyPlan.objects.filter(campaign_id=campaign_id).filter(
        models.Q(org__path__in=covering, member__isnull=True) | models.Q(member_id__in=list(member_ids))
    )
    changed = 0
    for plan in plans.select_related("campaign", "org", "member"):
        if plan_match(plan=plan, actor=actor).changed:
            changed += 1
    return changed


def plans_match_all(*, campaign: Campaign | None = None) -> int:
    """Re-match every study plan (of one campaign); returns how many plans changed."""
    qs = StudyPlan.objects.select_related("campaign", "org", "member")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    changed = 0
    for plan in qs.iterator():
        if plan_match(plan=plan).changed:
            changed += 1
    return changed


# --- Campaign templates ---------------------------------------------------------------------------


def _offset(day: date | None, start: date) -> int | None:
    return None if day is None else (day - start).days


@transaction.atomic
def template_save(
    *, campaign: Campaign, name: str, actor: Any, include_featured: bool = False
) -> CampaignTemplate:
    """Save the campaign's plan skeleton with every date as a day offset from its start."""
    name = name.strip()
    if CampaignTemplate.objects.filter(name=name).exists():
        raise ValidationError({"name": TEMPLATE_NAME_TAKEN.format(name=name)})
    start = campaign.start_date
    phases = list(campaign.phases.order_by("order", "start_date"))
    phase_index = {p.pk: i for i, p in enumerate(phases)}
    tasks = PlanTask.objects.filter(campaign=campaign).select_related("org", "required_type")
    if not include_featured:
        tasks = tasks.filter(kind=PlanTask.Kind.PRESCRIBED)
    tasks = list(tasks.order_by("planned_start", "planned_end", "id"))
    if not phases and not tasks:
        raise ValidationError(TEMPLATE_EMPTY)
    from taizhang.study.models import ActivityType

    own_types = list(ActivityType.objects.filter(campaign=campaign).order_by("sort_order", "id"))
    required_codes = sorted({t.required_type.code for t in tasks if t.required_type_id})
    committee_plan = (
        StudyPlan.objects.filter(campaign=campaign, org=campaign.org)
        .exclude(level=StudyPlan.Level.PERSONAL)
        .prefetch_related("items__activity_type")
        .first()
    )
    data = {
        "version": 1,
        "source": {"code": campaign.code, "name": campaign.name, "days": (campaign.end_date - start).days},
        "campaign": {
            "name": campaign.name,
            "general_requirement": campaign.general_requirement,
            "goal": campaign.goal,
            "description": campaign.description,
            "signature": campaign.signature,
        },
        "phases": [
            {
                "name": p.name,
                "start": _offset(p.start_date, start),
                "end": _offset(p.end_date, start),
                "description": p.description,
            }
            for p in phases
        ],
        "tasks": [
            {
                "title": t.title,
                "description": t.description,
                "kind": t.kind,
                "phase": phase_index.get(t.phase_id),
                "start": _offset(t.planned_start, start),
                "end": _offset(t.planned_end, start),
                "org": t.org.code if t.org_id != campaign.org_id else None,
                "responsible_dept": t.responsible_dept,
                "required_type": t.required_type.code if t.required_type_id else None,
            }
            for t in tasks
        ],
        "activity_types": [{"code": t.code, "name": t.name, "sort_order": t.sort_order} for t in own_types],
        "required_types": required_codes,
        "study_plan_items": [
            {
                "topic": i.topic,
                "material": i.material,
                "form": i.form,
                "offset": _offset(i.planned_date, start),
                "activity_type": i.activity_type.code if i.activity_type_id else None,
            }
            for i in (committee_plan.items.all() if committee_plan else [])
        ],
    }
    template = CampaignTemplate.objects.create(
        name=name, source_campaign=campaign, org=campaign.org, data=data, created_by=_user(actor)
    )
    audit("create", obj=template, user=_user(actor), detail={"source": campaign.code})
    return template


def _shifted(start: date, end: date, offset: int | None) -> date:
    """The new date for a saved offset, kept inside the new campaign's period."""
    day = start + timedelta(days=offset or 0)
    return min(max(day, start), end)


@transaction.atomic
def template_apply(
    *,
    template: CampaignTemplate,
    code: str,
    name: str,
    org: Organization,
    start_date: date,
    end_date: date,
    actor: Any,
) -> Campaign:
    """Start a new campaign from the template: the campaign with its phases, its activity types,
    its tasks and the committee's study plan, every date shifted to the new start."""
    from taizhang.campaigns.services import campaign_save
    from taizhang.study.models import ActivityType

    if Campaign.objects.filter(code=code).exists():
        raise ValidationError({"code": APPLY_CODE_TAKEN.format(code=code)})
    data = template.data
    meta = data.get("campaign", {})
    phases_data = [
        {
            "name": p["name"],
            "start_date": _shifted(start_date, end_date, p["start"]),
            "end_date": _shifted(start_date, end_date, p["end"]),
            "description": p.get("description", ""),
        }
        for p in data.get("phases", [])
    ]
    campaign = campaign_save(
        campaign=None,
        data={
            "code": code,
            "name": name,
            "org": org,
            "start_date": start_date,
            "end_date": end_date,
            "general_requirement": meta.get("general_requirement", ""),
            "goal": meta.get("goal", ""),
            "description": meta.get("description", ""),
            "signature": meta.get("signature", ""),
        },
        phases=phases_data,
        actor=actor,
    )
    phases = list(campaign.phases.order_by("order"))
    for t in data.get("activity_types", []):
        ActivityType.objects.create(
            campaign=campaign, code=t["code"], name=t["name"], sort_order=t["sort_order"]
        )
    types = {t.code: t for t in ActivityType.objects.filter(campaign__isnull=True)}
    types.update({t.code: t for t in ActivityType.objects.filter(campaign=campaign)})
    orgs = {
        o.code: o
        for o in Organization.objects.in_subtree(org).filter(
            code__in=[t["org"] for t in data.get("tasks", []) if t.get("org")]
        )
    }
    for t in data.get("tasks", []):
        phase_index = t.get("phase")
        task_create(
            campaign=campaign,
            data={
                "title": t["title"],
                "description": t.get("description", ""),
                "kind": t.get("kind", PlanTask.Kind.PRESCRIBED),
                "phase": phases[phase_index]
                if phase_index is not None and phase_index < len(phases)
                else None,
                "org": orgs.get(t.get("org") or "", org),
                "responsible_dept": t.get("responsible_dept", ""),
                "planned_start": _shifted(start_date, end_date, t["start"]),
                "planned_end": _shifted(start_date, end_date, t["end"]),
                "required_type": types.get(t.get("required_type") or ""),
            },
            actor=actor,
        )
    items = data.get("study_plan_items", [])
    if items:
        # The running unit's own plan: the committee's, or a branch's when a branch runs the campaign.
        committee = org.kind in LEVEL_KINDS[StudyPlan.Level.COMMITTEE]
        level = StudyPlan.Level.COMMITTEE if committee else StudyPlan.Level.GROUP
        plan = studyplan_create(campaign=campaign, level=level, org=org, actor=actor)
        StudyPlanItem.objects.bulk_create(
            StudyPlanItem(
                plan=plan,
                topic=i["topic"],
                material=i.get("material", ""),
                form=i.get("form", StudyPlanItem.Form.CONCENTRATED),
                planned_date=_shifted(start_date, end_date, i.get("offset")),
                activity_type=types.get(i.get("activity_type") or ""),
                order=n,
            )
            for n, i in enumerate(items)
        )
    audit("create", obj=campaign, user=_user(actor), detail={"from_template": template.name})
    return campaign


@transaction.atomic
def template_delete(*, template: CampaignTemplate, actor: Any) -> None:
    audit("delete", obj=template, user=_user(actor))
    template.delete()
