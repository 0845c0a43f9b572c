"""Writes for study records: activities with their attendance, speakers, materials and attachments;
self-study entries; the campaign's catalog of materials and activity types.

Every check runs before the first write and every error is reported at once, keyed by the form field
it belongs to ("date", "attendance", "speeches", "attachments" …), so a page can show each message
next to its field. Each write is one transaction: with any error nothing is saved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q

from taizhang.campaigns.models import Campaign
from taizhang.core.audit import audit
from taizhang.core.models import Attachment, Event
from taizhang.core.services import (
    attachment_create,
    attachment_delete,
    attachments_delete_for,
    changed_fields,
    event_record,
)
from taizhang.lib.dates import cn, today
from taizhang.lib.text import squeeze
from taizhang.org.models import Member, Organization
from taizhang.study import counts
from taizhang.study.models import ActivityType, Attendance, Material, SelfStudy, Speech, StudyActivity

# Messages start with the field's label, so each one names what is wrong wherever it is shown.
ACTIVITY_DATE_OUTSIDE = "日期：{date}不在“{campaign}”期间（{start}至{end}）内"
ACTIVITY_DATE_FUTURE = "日期：{date}晚于今天，学习活动记录的是已经开展的活动"
ACTIVITY_ORG_OUTSIDE_CAMPAIGN = "学习教育：“{org}”不在“{campaign}”的参加范围内"
ACTIVITY_TYPE_OTHER_CAMPAIGN = "活动类型：“{type}”是其他学习教育活动的类型"
ACTIVITY_MATERIAL_OTHER_CAMPAIGN = "学习书目：“{title}”属于其他学习教育活动"
ACTIVITY_TIME_ORDER = "结束时间：不能早于开始时间"
ACTIVITY_TOPIC_EMPTY = "主题：请填写活动主题"
ATTENDANCE_EMPTY = "参加人员：名单为空，请至少保留一名参加人员"
ATTENDANCE_DUPLICATE = "参加人员：“{name}”在名单中出现了两次"
ATTENDANCE_OUTSIDE = "参加人员：“{name}”（{unit}）不在“{org}”及其下级组织中；外单位人员请作为列席人员添加"
ATTENDANCE_INVITEE_INSIDE = "列席人员：“{name}”是“{org}”的党员，应作为本组织参加人员，而不是列席"
ATTENDANCE_INVITEE_ABSENT = "列席人员：“{name}”是列席人员，不能标记缺席"
ATTENDANCE_REASON_INVALID = "缺席原因：“{name}”的缺席原因“{reason}”无效"
ATTENDANCE_REASON_FOR_PRESENT = "缺席原因：“{name}”已出席，不能填写缺席原因"
SPEECH_ABSENT = "研讨发言：“{name}”已标记缺席，不能作为发言人"
SPEECH_NOT_ATTENDING = "研讨发言：“{name}”不在参加人员名单中，发言人须从出席人员中选择"
SPEECH_DUPLICATE = "研讨发言：“{name}”重复出现"
ATTACHMENT_PREFIX = "附件："
SELF_STUDY_FUTURE = "日期：{date}晚于今天"
SELF_STUDY_MINUTES = "时长（分钟）：须在1到1440分钟之间"
SELF_STUDY_MATERIAL_EMPTY = "学习内容：请填写学习内容"
SELF_STUDY_NO_MEMBER = "您的账号未关联党员信息，无法记录个人自学，请联系管理员"
MATERIAL_IN_USE = "书目“{title}”已被 {n} 次学习活动引用，不能删除"
MATERIAL_EXISTS = "书目：“{title}”已存在"
TYPE_IN_USE = "活动类型“{name}”已有 {n} 次学习活动，不能删除"
TYPE_EXISTS = "名称：活动类型“{name}”已存在"
TYPE_DEFAULT_LOCKED = "默认活动类型是统计口径的一部分，不能修改或删除"

ACTIVITY_FIELDS = (
    "campaign",
    "org",
    "type",
    "topic",
    "date",
    "start_time",
    "end_time",
    "place",
    "host",
    "lead_reader",
    "recorder",
    "other_materials",
    "minutes",
    "note",
)
SELF_STUDY_FIELDS = ("date", "material", "material_ref", "minutes", "channel", "notes")
# Free text kept with its line breaks; every other text field is one line (whitespace squeezed).
MULTILINE = {"other_materials", "minutes", "note", "notes", "gist"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: Any, *, multiline: bool = False) -> Any:
    """Drop control characters (PostgreSQL refuses NUL in text) and stray whitespace from typed text."""
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub("", value)
    if multiline:
        return "\n".join(line.rstrip() for line in value.replace("\r\n", "\n").split("\n")).strip()
    return squeeze(value)


@dataclass(frozen=True)
class AttendanceRow:
    """One line of the attendance sheet as the recorder left it."""

    member: Member
    present: bool = True
    invited: bool = False
    reason: str = ""
    reason_note: str = ""


@dataclass(frozen=True)
class SpeechRow:
    member: Member
    gist: str = ""


def default_attendance(*, org: Organization, limit: int | None = None) -> list[AttendanceRow]:
    """Everyone active in the unit's subtree, present: the sheet a secretary starts from.

    With `limit`, at most that many rows (a caller that only needs to know "more than N" must not
    load a committee's 20,000 members).
    """
    members = (
        Member.objects.in_subtree(org)
        .active()
        .select_related("org")
        .defer("id_number", "phone", "note")
        .order_by("org__path", "sort_order", "id")
    )
    if limit is not None:
        members = members[:limit]
    return [AttendanceRow(member=m) for m in members]


# --- checks ----------------------------------------------------------------------------------------


class _Errors:
    """Collects messages per field; raise() throws them all at once as one ValidationError."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _check_header(activity: StudyActivity, errors: _Errors) -> None:
    campaign: Campaign | None = activity.campaign
    org: Organization = activity.org
    if not activity.topic.strip():
        errors.add("topic", ACTIVITY_TOPIC_EMPTY)
    if activity.date and activity.date > today():
        errors.add("date", ACTIVITY_DATE_FUTURE.format(date=cn(activity.date)))
    if campaign is not None:
        if activity.date and not campaign.contains(activity.date):
            errors.add(
                "date",
                ACTIVITY_DATE_OUTSIDE.format(
                    date=cn(activity.date),
                    campaign=campaign.name,
                    start=cn(campaign.start_date),
                    end=cn(campaign.end_date),
                ),
            )
        if not org.is_under(campaign.org):
            errors.add("campaign", ACTIVITY_ORG_OUTSIDE_CAMPAIGN.format(org=org.name, campaign=campaign.name))
    if activity.type.campaign_id is not None and activity.type.campaign_id != activity.campaign_id:
        errors.add("type", ACTIVITY_TYPE_OTHER_CAMPAIGN.format(type=activity.type.name))
    if activity.start_time and activity.end_time and activity.end_time < activity.start_time:
        errors.add("end_time", ACTIVITY_TIME_ORDER)


def _check_materials(activity: StudyActivity, materials: Sequence[Material], errors: _Errors) -> None:
    for material in materials:
        if material.campaign_id is not None and material.campaign_id != activity.campaign_id:
            errors.add("materials", ACTIVITY_MATERIAL_OTHER_CAMPAIGN.format(title=material.title))


def _check_attendance(
    org: Organization,
    attendance: Sequence[AttendanceRow],
    speeches: Sequence[SpeechRow],
    errors: _Errors,
    *,
    kept: dict[int, bool],
) -> None:
    """`kept`: member id → invited, for rows already stored on the activity. A member who has since
    moved to another unit keeps their old row when the activity is edited (history stays true)."""
    if not attendance:
        errors.add("attendance", ATTENDANCE_EMPTY)
    seen: dict[int, AttendanceRow] = {}
    for row in attendance:
        member = row.member
        if member.pk in seen:
            errors.add("attendance", ATTENDANCE_DUPLICATE.format(name=member.name))
            continue
        seen[member.pk] = row
        inside = member.org.is_under(org)
        if member.pk in kept and kept[member.pk] == row.invited:
            pass  # stored on the activity before: kept as it was recorded
        elif row.invited and inside:
            errors.add("attendance", ATTENDANCE_INVITEE_INSIDE.format(name=member.name, org=org.name))
        elif not row.invited and not inside:
            errors.add(
                "attendance",
                ATTENDANCE_OUTSIDE.format(name=member.name, unit=member.org.display_name, org=org.name),
            )
        if row.invited and not row.present:
            errors.add("attendance", ATTENDANCE_INVITEE_ABSENT.format(name=member.name))
        if row.reason and row.reason not in Attendance.Reason.values:
            errors.add("attendance", ATTENDANCE_REASON_INVALID.format(name=member.name, reason=row.reason))
        if row.present and (row.reason or clean_text(row.reason_note)):
            errors.add("attendance", ATTENDANCE_REASON_FOR_PRESENT.format(name=member.name))
    speakers: set[int] = set()
    for speech in speeches:
        member = speech.member
        if member.pk in speakers:
            errors.add("speeches", SPEECH_DUPLICATE.format(name=member.name))
            continue
        speakers.add(member.pk)
        row = seen.get(member.pk)
        if row is None:
            errors.add("speeches", SPEECH_NOT_ATTENDING.format(name=member.name))
        elif not row.present:
            errors.add("speeches", SPEECH_ABSENT.format(name=member.name))


# --- snapshots for the history (Event.data) ------------------------------------------------------


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if hasattr(value, "_meta"):
        return str(value)
    return value


def _roster_summary(attendance: Sequence[AttendanceRow], speeches: Sequence[SpeechRow]) -> dict[str, str]:
    """People-level summary kept in the history: who was absent (why), who was invited, who spoke."""
    reasons = dict(Attendance.Reason.choices)
    absent = [f"{r.member.name}（{reasons.get(r.reason, '未说明')}）" for r in attendance if not r.present]
    expected = sum(1 for r in attendance if not r.invited)
    present = sum(1 for r in attendance if r.present and not r.invited)
    return {
        "counts": f"应到{expected} 实到{present} 列席{sum(1 for r in attendance if r.invited)}"
        f" 研讨{len(speeches)}",
        "absent": "、".join(absent),
        "invited": "、".join(r.member.name for r in attendance if r.invited),
        "speakers": "、".join(s.member.name for s in speeches),
    }


def _snapshot(
    activity: StudyActivity,
    materials: Sequence[Material],
    attendance: Sequence[AttendanceRow],
    speeches: Sequence[SpeechRow],
) -> dict[str, Any]:
    data = {field: _plain(getattr(activity, field)) for field in ACTIVITY_FIELDS}
    data["materials"] = "、".join(sorted(m.title for m in materials))
    data.update(_roster_summary(attendance, speeches))
    return data


def _stored_rows(activity: StudyActivity) -> tuple[list[AttendanceRow], list[SpeechRow]]:
    attendance = [
        AttendanceRow(
            member=a.member,
            present=a.status == Attendance.Status.PRESENT,
            invited=a.invited,
            reason=a.reason,
            reason_note=a.reason_note,
        )
        for a in activity.attendances.select_related("member__org").order_by("id")
    ]
    speeches = [SpeechRow(member=s.member, gist=s.gist) for s in activity.speeches.select_related("member")]
    return attendance, speeches


# --- writes ------------------------------------------------------------------------------------------


def _write_rows(
    activity: StudyActivity, attendance: Sequence[AttendanceRow], speeches: Sequence[SpeechRow]
) -> None:
    Attendance.objects.bulk_create(
        [
            Attendance(
                activity=activity,
                member=row.member,
                status=Attendance.Status.PRESENT if row.present else Attendance.Status.ABSENT,
                invited=row.invited,
                reason="" if row.present else row.reason,
                reason_note="" if row.present else clean_text(row.reason_note)[:100],
            )
            for row in attendance
        ]
    )
    Speech.objects.bulk_create(
        [
            Speech(activity=activity, member=s.member, gist=clean_text(s.gist, multiline=True), order=index)
            for index, s in enumerate(speeches)
        ]
    )
    activity_counts_refresh(activity_ids=[activity.pk])


def activity_counts_refresh(*, activity_ids: Iterable[int] | None = None) -> int:
    """Recount the stored per-activity counts from the rows (None: every activity; `taizhang recount`).
    Every path that writes attendance or speeches ends here."""
    return counts.refresh(activity_ids)


def _store_uploads(
    activity: StudyActivity, uploads: Sequence[UploadedFile], *, actor: Any, event: Event | None
) -> list[Attachment]:
    """Store every upload or none: a refused file removes the files already written for this request
    (the rows go with the transaction)."""
    stored: list[Attachment] = []
    try:
        for upload in uploads:
            stored.append(attachment_create(activity, upload, actor=actor, kind="study", event=event))
    except ValidationError as exc:
        for attachment in stored:
            attachment.file.storage.delete(attachment.file.name)
        raise ValidationError({"attachments": [ATTACHMENT_PREFIX + m for m in exc.messages]}) from exc
    return stored


def _apply(activity: StudyActivity, data: dict[str, Any]) -> None:
    for field in ACTIVITY_FIELDS:
        if field in data:
            setattr(activity, field, clean_text(data[field], multiline=field in MULTILINE))


def _full_clean(activity: StudyActivity, errors: _Errors) -> None:
    try:
        # Constraints are checked by the rules above with clearer messages; the rest (required
        # fields, lengths) by the model.
        activity.full_clean(validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            label = StudyActivity._meta.get_field(field).verbose_name if field != "__all__" else ""
            for message in messages:
                errors.add(field, f"{label}：{message}" if label else message)


def _plans_follow(
    activity: StudyActivity, rows: Sequence[AttendanceRow], *, actor: Any, also: tuple = ()
) -> None:
    """Plan against actual stays current: the study plans this activity may fulfil are matched again
    (plans.services.plans_match_for_activity). `also` = the activity's campaign and unit before an edit."""
    from taizhang.plans.services import plans_match_for_activity

    present = {row.member.pk for row in rows if row.present}
    plans_match_for_activity(
        campaign_id=activity.campaign_id, org=activity.org, member_ids=present, actor=actor
    )
    if also and (also[0] != activity.campaign_id or also[1].pk != activity.org_id):
        plans_match_for_activity(campaign_id=also[0], org=also[1], member_ids=present, actor=actor)


def _plans_follow_gone(
    campaign_id: int | None, org: Any, rows: Sequence[AttendanceRow], *, actor: Any
) -> None:
    from taizhang.plans.services import plans_match_for_activity

    present = {row.member.pk for row in rows if row.present}
    plans_match_for_activity(campaign_id=campaign_id, org=org, member_ids=present, actor=actor)


@transaction.atomic
def activity_create(
    *,
    data: dict[str, Any],
    attendance: Sequence[AttendanceRow],
    speeches: Sequence[SpeechRow] = (),
    materials: Iterable[Material] = (),
    uploads: Sequence[UploadedFile] = (),
    actor: Any = None,
) -> StudyActivity:
    """Record a study activity with its attendance sheet, speakers, materials and attachments.

    `data` holds the StudyActivity fields (ACTIVITY_FIELDS; org, type, date and topic are required).
    Raises ValidationError keyed by field with every problem found; nothing is written then.
    """
    activity = StudyActivity(created_by=actor if getattr(actor, "is_authenticated", False) else None)
    _apply(activity, data)
    materials = list(materials)
    errors = _Errors()
    _full_clean(activity, errors)
    if activity.org_id and activity.type_id:
        _check_header(activity, errors)
        _check_attendance(activity.org, attendance, speeches, errors, kept={})
    _check_materials(activity, materials, errors)
    errors.raise_if_any()
    activity.save()
    _write_rows(activity, attendance, speeches)
    activity.materials.set(materials)
    event = event_record(
        activity,
        actor=actor,
        kind=Event.Kind.CREATED,
        data=_snapshot(activity, materials, attendance, speeches),
    )
    _store_uploads(activity, uploads, actor=actor, event=event)
    audit("create", obj=activity, user=actor, detail={"attachments": len(uploads)})
    _plans_follow(activity, attendance, actor=actor)
    return activity


@transaction.atomic
def activity_update(
    *,
    activity: StudyActivity,
    data: dict[str, Any],
    attendance: Sequence[AttendanceRow] | None = None,
    speeches: Sequence[SpeechRow] | None = None,
    materials: Iterable[Material] | None = None,
    uploads: Sequence[UploadedFile] = (),
    actor: Any = None,
) -> StudyActivity:
    """Change an activity. `attendance`, `speeches` and `materials` replace the stored ones when given.

    The event keeps the changed fields as {field: [old, new]}, including who was absent, invited and
    spoke, so the history shows exactly what a correction changed.
    """
    stored = StudyActivity.objects.select_related("campaign", "org", "type").get(pk=activity.pk)
    old_attendance, old_speeches = _stored_rows(stored)
    old_materials = list(stored.materials.all())
    before = _snapshot(stored, old_materials, old_attendance, old_speeches)

    _apply(activity, data)
    new_attendance = list(attendance) if attendance is not None else old_attendance
    new_speeches = list(speeches) if speeches is not None else old_speeches
    new_materials = list(materials) if materials is not None else old_materials
    kept = {row.member.pk: row.invited for row in old_attendance} if activity.org_id == stored.org_id else {}
    errors = _Errors()
    _full_clean(activity, errors)
    if activity.org_id and activity.type_id:
        _check_header(activity, errors)
        _check_attendance(activity.org, new_attendance, new_speeches, errors, kept=kept)
    _check_materials(activity, new_materials, errors)
    errors.raise_if_any()

    activity.save()
    if attendance is not None or speeches is not None:
        activity.attendances.all().delete()
        activity.speeches.all().delete()
        _write_rows(activity, new_attendance, new_speeches)
    if materials is not None:
        activity.materials.set(new_materials)
    after = _snapshot(activity, new_materials, new_attendance, new_speeches)
    changes = changed_fields(before, after)
    event = None
    if changes or uploads:
        event = event_record(activity, actor=actor, kind=Event.Kind.CHANGED, data=changes)
    _store_uploads(activity, uploads, actor=actor, event=event)
    audit("update", obj=activity, user=actor, detail={"fields": sorted(changes), "attachments": len(uploads)})
    _plans_follow(
        activity, [*old_attendance, *new_attendance], actor=actor, also=(stored.campaign_id, stored.org)
    )
    return activity


@transaction.atomic
def activity_delete(*, activity: StudyActivity, actor: Any = None) -> None:
    """Delete an activity with its rows and files. The "deleted" event stays, with a snapshot of what
    was deleted, so the history of a unit's records is complete."""
    attendance, speeches = _stored_rows(activity)
    snapshot = _snapshot(activity, list(activity.materials.all()), attendance, speeches)
    event_record(activity, actor=actor, kind=Event.Kind.DELETED, data=snapshot)
    label = str(activity)
    pk = activity.pk
    from taizhang.plans.services import links_remove_for

    links_remove_for(activity, actor=actor)
    campaign_id, org = activity.campaign_id, activity.org
    attachments_delete_for(activity)
    activity.delete()
    audit("delete", user=actor, object_type="study.StudyActivity", object_repr=label, detail={"id": pk})
    _plans_follow_gone(campaign_id, org, attendance, actor=actor)


@transaction.atomic
def activity_attachments_add(
    *, activity: StudyActivity, uploads: Sequence[UploadedFile], actor: Any = None
) -> list[Attachment]:
    """Add sign-in sheet photos or documents to a recorded activity (all or none)."""
    event = event_record(
        activity,
        actor=actor,
        kind=Event.Kind.UPLOAD,
        data={"attachments": "、".join(u.name or "附件" for u in uploads)},
    )
    stored = _store_uploads(activity, uploads, actor=actor, event=event)
    audit("update", obj=activity, user=actor, detail={"attachments_added": [a.pk for a in stored]})
    return stored


@transaction.atomic
def activity_attachment_remove(*, activity: StudyActivity, attachment: Attachment, actor: Any = None) -> None:
    name = attachment.original_name
    attachment_delete(attachment)
    event_record(activity, actor=actor, kind=Event.Kind.CHANGED, data={"attachment_removed": name})
    audit("update", obj=activity, user=actor, detail={"attachment_removed": name})


# --- self-study -----------------------------------------------------------------------------------


def selfstudy_campaign_for(*, org: Organization, day: date) -> Campaign | None:
    """The campaign a dated record of `org` belongs to: run by a unit above (or at) `org`, with `day`
    in its period; the latest started when several overlap (the rule of DESIGN.md "Import")."""
    return (
        Campaign.objects.filter(
            org__pk__in=org.ancestor_ids() or [org.pk], start_date__lte=day, end_date__gte=day
        )
        .order_by("-start_date", "-id")
        .first()
    )


def _check_selfstudy(entry: SelfStudy) -> None:
    errors = _Errors()
    if entry.date and entry.date > today():
        errors.add("date", SELF_STUDY_FUTURE.format(date=cn(entry.date)))
    if entry.minutes is None or not 1 <= entry.minutes <= 1440:
        errors.add("minutes", SELF_STUDY_MINUTES)
    if not (entry.material or "").strip():
        errors.add("material", SELF_STUDY_MATERIAL_EMPTY)
    errors.raise_if_any()


@transaction.atomic
def selfstudy_create(*, member: Member | None, data: dict[str, Any], actor: Any = None) -> SelfStudy:
    """Log a member's own study (个人自学). The campaign follows from the member's unit and the date."""
    if member is None:
        raise ValidationError(SELF_STUDY_NO_MEMBER)
    entry = SelfStudy(member=member, org=member.org)
    for field in SELF_STUDY_FIELDS:
        if field in data:
            setattr(entry, field, clean_text(data[field], multiline=field in MULTILINE))
    if entry.material_ref is not None and not entry.material:
        entry.material = entry.material_ref.title
    _check_selfstudy(entry)
    entry.campaign = selfstudy_campaign_for(org=member.org, day=entry.date)
    if getattr(actor, "is_authenticated", False):
        entry.created_by = actor
    entry.full_clean()
    entry.save()
    audit("create", obj=entry, user=actor)
    return entry


@transaction.atomic
def selfstudy_update(*, entry: SelfStudy, data: dict[str, Any], actor: Any = None) -> SelfStudy:
    stored = SelfStudy.objects.get(pk=entry.pk)
    for field in SELF_STUDY_FIELDS:
        if field in data:
            setattr(entry, field, clean_text(data[field], multiline=field in MULTILINE))
    if entry.material_ref is not None and not entry.material:
        entry.material = entry.material_ref.title
    _check_selfstudy(entry)
    entry.campaign = selfstudy_campaign_for(org=entry.org, day=entry.date)
    entry.full_clean()
    entry.save()
    changed = sorted(f for f in SELF_STUDY_FIELDS if getattr(stored, f) != getattr(entry, f))
    audit("update", obj=entry, user=actor, detail={"fields": changed})
    return entry


@transaction.atomic
def selfstudy_delete(*, entry: SelfStudy, actor: Any = None) -> None:
    label = str(entry)
    entry.delete()
    audit("delete", user=actor, object_type="study.SelfStudy", object_repr=label)


# --- catalog: the campaign's materials (书目) and its own activity types ------------------------


@transaction.atomic
def material_create(*, campaign: Campaign, title: str, required: bool = False, actor: Any = None) -> Material:
    title = " ".join(title.split())
    if Material.objects.filter(campaign=campaign, title=title).exists():
        raise ValidationError({"title": MATERIAL_EXISTS.format(title=title)})
    order = Material.objects.filter(campaign=campaign).count()
    material = Material(campaign=campaign, title=title, required=required, sort_order=order)
    material.full_clean()
    material.save()
    audit("create", obj=material, user=actor)
    return material


@transaction.atomic
def material_update(*, material: Material, title: str, required: bool, actor: Any = None) -> Material:
    title = " ".join(title.split())
    if Material.objects.filter(campaign=material.campaign, title=title).exclude(pk=material.pk).exists():
        raise ValidationError({"title": MATERIAL_EXISTS.format(title=title)})
    material.title, material.required = title, required
    material.full_clean()
    material.save()
    audit("update", obj=material, user=actor, detail={"title": title, "required": required})
    return material


@transaction.atomic
def material_delete(*, material: Material, actor: Any = None) -> None:
    used = material.activities.count()
    if used:
        raise ValidationError(MATERIAL_IN_USE.format(title=material.title, n=used))
    label = str(material)
    material.delete()
    audit("delete", user=actor, object_type="study.Material", object_repr=label)


@transaction.atomic
def activity_type_create(*, campaign: Campaign, name: str, actor: Any = None) -> ActivityType:
    """A campaign-specific activity type; its code is derived so the import can name it too."""
    name = " ".join(name.split())
    if ActivityType.objects.filter(Q(campaign=campaign) | Q(campaign=None), name=name).exists():
        raise ValidationError({"name": TYPE_EXISTS.format(name=name)})
    count = ActivityType.objects.filter(campaign=campaign).count()
    code = f"c{campaign.pk}-{count + 1}"
    while ActivityType.objects.filter(campaign=campaign, code=code).exists():
        count += 1
        code = f"c{campaign.pk}-{count + 1}"
    kind = ActivityType(campaign=campaign, name=name, code=code, sort_order=100 + count)
    kind.full_clean()
    try:
        with transaction.atomic():
            kind.save()
    except IntegrityError as exc:
        raise ValidationError({"name": TYPE_EXISTS.format(name=name)}) from exc
    audit("create", obj=kind, user=actor)
    return kind


@transaction.atomic
def activity_type_delete(*, kind: ActivityType, actor: Any = None) -> None:
    if kind.campaign_id is None:
        raise ValidationError(TYPE_DEFAULT_LOCKED)
    used = kind.activities.count()
    if used:
        raise ValidationError(TYPE_IN_USE.format(name=kind.name, n=used))
    label = str(kind)
    try:
        kind.delete()
    except ProtectedError as exc:  # a plan task points at it through PROTECT elsewhere
        raise ValidationError(TYPE_IN_USE.format(name=kind.name, n=used)) from exc
    audit("delete", user=actor, object_type="study.ActivityType", object_repr=label)
