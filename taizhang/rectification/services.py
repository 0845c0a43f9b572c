"""Writes for the rectification loop (闭环管理). Other apps create problems only through problem_create.

Every status change goes through `_transition`: a conditional UPDATE that names the expected status
and version, so two reviewers acting at the same moment cannot both win — the second UPDATE matches
no row and its user is told what happened instead (select_for_update does nothing on SQLite; this
works the same on SQLite and PostgreSQL). Changes to a problem's fields, measures and evidence
"touch" the problem the same way (version + 1, only while it is still editable), which also makes a
stale page's transition fail rather than act on what the user did not see.

Every change writes an Event (动态) in the same transaction, and an audit row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, IntegerField, Max, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Substr
from django.utils import timezone

from taizhang.core.access import Cap, require, scope_for
from taizhang.core.audit import audit
from taizhang.core.lights import light_sync
from taizhang.core.models import Attachment, Event
from taizhang.core.services import attachment_create, attachment_delete, attachments_delete_for, event_record
from taizhang.lib.dates import today as local_today
from taizhang.rectification.models import Institution, Measure, Problem

PROBLEM_FIELDS = (
    "campaign",
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
    "finding",
)
# What the edit form may change (the campaign and the finding it came from stay as recorded).
PROBLEM_EDIT_FIELDS = (
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
)
MEASURE_FIELDS = ("content", "owner", "deadline", "order")

EDITABLE = (Problem.Status.OPEN, Problem.Status.IN_PROGRESS)
EVIDENCE = "evidence"

CONFLICT_HANDLED = "该问题已被他人处理，当前状态为“{state}”{by}，您的操作未执行。"
CONFLICT_CHANGED = "该问题已被他人修改（当前状态为“{state}”），请查看最新内容后重试。"
PROBLEM_GONE = "该问题已被删除"
STATE_REFUSED = "该问题当前状态为“{state}”，不能{action}"
LOCKED = "该问题当前状态为“{state}”，{why}"
LOCKED_CLOSED = "已销号的问题不能修改；如需继续整改，请由审核领导重新打开"
LOCKED_SUBMITTED = "审核期间不能修改；如需修改，请等待审核退回"
REASON_REQUIRED = "请填写{what}"
SUBMIT_NEEDS_REASON = "{missing}。如确需申请销号，请在“销号说明”中写明理由"
SIGN_OFF_NO_EVIDENCE = "该问题既没有完整的佐证材料，也没有书面说明，不能销号"
MEASURE_ALREADY = "该措施已是“{state}”状态"
NOTE_EMPTY = "请填写进展情况或选择要上传的材料"
NO_FILES = "请选择要上传的文件"
DELETE_ONLY_OPEN = "只有“待整改”状态的问题可以删除；已开始整改的问题请保留记录"


class RectificationError(ValidationError):
    """A refused change, with a message for the user (wrong state, missing reason …)."""


class Conflict(RectificationError):
    """Someone else changed the problem between the user's page and their action."""


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    source: str
    target: str
    cap: str
    reason: str = ""  # what the required written reason is called; "" = none required


S = Problem.Status
TRANSITIONS: dict[str, Transition] = {
    "start": Transition("start", "开始整改", S.OPEN, S.IN_PROGRESS, Cap.RECORD),
    "submit": Transition("submit", "申请销号", S.IN_PROGRESS, S.SUBMITTED, Cap.RECORD),
    "sign_off": Transition("sign_off", "审核通过并销号", S.SUBMITTED, S.CLOSED, Cap.REVIEW),
    "return": Transition("return", "退回", S.SUBMITTED, S.IN_PROGRESS, Cap.REVIEW, "退回意见"),
    "reopen": Transition("reopen", "重新打开", S.CLOSED, S.IN_PROGRESS, Cap.REVIEW, "重新打开的理由"),
}
ACTION_LABELS = {t.action: t.label for t in TRANSITIONS.values()}


# --- creating problems ---------------------------------------------------------------------------


def problem_next_code(*, campaign: Any) -> str:
    """The next free 问题编号 of a campaign: WT-001, WT-002 … (the highest number + 1, in SQL)."""
    highest = (
        Problem.objects.filter(campaign=campaign, code__regex=r"^WT-[0-9]+$")
        .annotate(number=Cast(Substr("code", 4), IntegerField()))
        .aggregate(top=Max("number"))["top"]
    )
    return f"WT-{(highest or 0) + 1:03d}"


@transaction.atomic
def problem_create(
    *,
    campaign: Any,
    org: Any,
    category: str,
    source: str,
    description: str,
    code: str = "",
    deadline: date | None = None,
    actor: Any = None,
    **fields: Any,
) -> Problem:
    """Put a problem on the list (status 待整改) and record its creation as an event.

    `fields` may carry any other Problem field in PROBLEM_FIELDS (responsible_leader, visit, finding …).
    Callers check the actor's right to record in `org` (views do; outreach turns a finding into a problem).
    """
    unknown = set(fields) - set(PROBLEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown problem fields: {sorted(unknown)}")
    for attempt in range(5):
        problem = Problem(
            campaign=campaign,
            org=org,
            category=category,
            source=source,
            description=description.strip(),
            code=code.strip() or problem_next_code(campaign=campaign),
            deadline=deadline,
            **fields,
        )
        if getattr(actor, "is_authenticated", False):
            problem.created_by = actor
        problem.full_clean()
        try:
            # A savepoint: two people adding a problem at once may draw the same generated number;
            # the loser draws again instead of failing (PostgreSQL; SQLite serializes writers).
            with transaction.atomic():
                problem.save()
            break
        except IntegrityError:
            if code or attempt == 4:
                raise
    event_record(problem, actor=actor, kind=Event.Kind.CREATED, to_state=problem.status)
    light_sync(problem, actor=actor)
    audit("create", obj=problem, user=actor)
    return problem


# --- transitions ---------------------------------------------------------------------------------


def _last_status_event(problem_id: int) -> Event | None:
    ct = ContentType.objects.get_for_model(Problem)
    return (
        Event.objects.filter(content_type=ct, object_id=problem_id, kind=Event.Kind.STATUS)
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )


def _conflict(problem_id: int, *, expected_status: str, actor: Any, action: str) -> Conflict:
    """Explain a conditional update that matched no row, naming the problem's current state."""
    current = Problem.objects.filter(pk=problem_id).first()
    if current is None:
        return Conflict(PROBLEM_GONE)
    state = current.get_status_display()
    if current.status != expected_status:
        last = _last_status_event(problem_id)
        by = ""
        if last is not None and last.to_state == current.status:
            who = last.actor.display_name if last.actor else "系统"
            when = timezone.localtime(last.at).strftime("%Y-%m-%d %H:%M")
            by = f"（{who} 于 {when} {ACTION_LABELS.get(last.data.get('action', ''), '处理')}）"
        message = CONFLICT_HANDLED.format(state=state, by=by)
    else:
        message = CONFLICT_CHANGED.format(state=state)
    audit(
        "transition",
        obj=current,
        user=actor,
        success=False,
        detail={"action": action, "reason": "conflict", "status": current.status, "version": current.version},
    )
    return Conflict(message)


def _transition(
    problem: Problem,
    action: str,
    *,
    actor: Any,
    expected_version: int | None = None,
    note: str = "",
    data: dict | None = None,
    updates: dict | None = None,
) -> Problem:
    t = TRANSITIONS[action]
    expected = _precheck(problem, t, actor=actor, expected_version=expected_version)
    with transaction.atomic():
        updated = Problem.objects.filter(pk=problem.pk, status=t.source, version=expected).update(
            status=t.target, version=F("version") + 1, updated_at=timezone.now(), **(updates or {})
        )
        if updated:
            problem.refresh_from_db()
            event_record(
                problem,
                actor=actor,
                kind=Event.Kind.STATUS,
                from_state=t.source,
                to_state=t.target,
                note=note,
                data={"action": action, **(data or {})},
            )
            light_sync(problem, actor=actor)
            if action in ("sign_off", "reopen"):
                # Measures of a closed problem are never red (Measure.light_closed_q follows the problem).
                for measure in problem.measures.filter(status=Measure.Status.PENDING):
                    measure.problem = problem
                    light_sync(measure, actor=actor)
            audit(
                "transition",
                obj=problem,
                user=actor,
                detail={"action": action, "from": t.source, "to": t.target, "version": problem.version},
            )
    if not updated:
        raise _conflict(problem.pk, expected_status=t.source, actor=actor, action=action)
    return problem


def _precheck(problem: Problem, t: Transition, *, actor: Any, expected_version: int | None) -> int:
    """Capability, then page freshness, then state — before any reason or evidence is asked for.

    Returns the version the conditional update must find. A stale page is a conflict (what changed
    matters more than the missing reason); the right page in the wrong state is refused outright.
    """
    require(actor, t.cap, problem.org)
    expected = problem.version if expected_version is None else expected_version
    if expected != problem.version:
        raise _conflict(problem.pk, expected_status=t.source, actor=actor, action=t.action)
    if problem.status != t.source:
        raise RectificationError(STATE_REFUSED.format(state=problem.get_status_display(), action=t.label))
    return expected


def _reason(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise RectificationError({"reason": REASON_REQUIRED.format(what=what)})
    return text


def problem_start(*, problem: Problem, actor: Any, expected_version: int | None = None) -> Problem:
    """待整改 → 整改中."""
    return _transition(problem, "start", actor=actor, expected_version=expected_version)


@dataclass
class EvidenceCheck:
    """Whether every measure is done and carries evidence; what is missing, for the submitter and reviewer."""

    measures: int = 0
    done: int = 0
    with_evidence: int = 0
    not_done: list[str] = field(default_factory=list)
    no_evidence: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.measures > 0 and self.done == self.measures and self.with_evidence == self.measures

    @property
    def missing(self) -> list[str]:
        items = []
        if not self.measures:
            items.append("尚未制定整改措施")
        if self.not_done:
            items.append(f"措施{'、'.join(self.not_done)}尚未完成")
        if self.no_evidence:
            items.append(f"措施{'、'.join(self.no_evidence)}没有佐证材料")
        return items


def evidence_subquery() -> Subquery:
    """Number of evidence attachments of each measure, for .annotate(evidence_count=...)."""
    ct = ContentType.objects.get_for_model(Measure)
    return Coalesce(
        Subquery(
            Attachment.objects.filter(content_type=ct, object_id=OuterRef("pk"))
            .order_by()
            .values("object_id")
            .annotate(n=Count("id"))
            .values("n")[:1]
        ),
        Value(0),
    )


def evidence_check(problem: Problem) -> EvidenceCheck:
    rows = list(
        problem.measures.order_by("order", "id")
        .annotate(evidence_count=evidence_subquery())
        .values_list("status", "evidence_count")
    )
    check = EvidenceCheck(measures=len(rows))
    for number, (status, evidence) in enumerate(rows, start=1):
        if status == Measure.Status.DONE:
            check.done += 1
        else:
            check.not_done.append(str(number))
        if evidence:
            check.with_evidence += 1
        else:
            check.no_evidence.append(str(number))
    return check


def problem_submit(
    *, problem: Problem, actor: Any, note: str = "", expected_version: int | None = None
) -> Problem:
    """整改中 → 待审核. Needs every measure done with evidence, or a written reason (`note`)."""
    _precheck(problem, TRANSITIONS["submit"], actor=actor, expected_version=expected_version)
    check = evidence_check(problem)
    note = (note or "").strip()
    if not check.complete and not note:
        raise RectificationError({"reason": SUBMIT_NEEDS_REASON.format(missing="；".join(check.missing))})
    return _transition(
        problem,
        "submit",
        actor=actor,
        expected_version=expected_version,
        note=note,
        data={"evidence_complete": check.complete, "missing": check.missing},
        updates={"submit_note": note},
    )


def problem_sign_off(
    *, problem: Problem, actor: Any, note: str = "", expected_version: int | None = None
) -> Problem:
    """待审核 → 已销号, by a leader over the unit (审核通过，完成一项、销号一个)."""
    _precheck(problem, TRANSITIONS["sign_off"], actor=actor, expected_version=expected_version)
    # Measures and evidence cannot change while 待审核, but check again: never closed without either.
    if not problem.submit_note.strip() and not evidence_check(problem).complete:
        raise RectificationError(SIGN_OFF_NO_EVIDENCE)
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    return _transition(
        problem,
        "sign_off",
        actor=actor,
        expected_version=expected_version,
        note=(note or "").strip(),
        updates={"closed_on": local_today(), "closed_by_id": actor_id},
    )


def sign_off_allowed(actor: Any, org: Any) -> bool:
    """Whether `actor` may sign off (销号) problems of `org`: the right problem_sign_off requires (a
    leader over the unit). `org` needs only its `path`, so the importer can ask about units it has not
    written yet."""
    return scope_for(actor).can(TRANSITIONS["sign_off"].cap, org)


def problems_signed_off_by_import(
    closed: Sequence[tuple[int, str]], *, actor: Any, import_run: int | None, command_line: bool
) -> None:
    """Record problems an import brought in closed (已销号) as signed off by that import.

    `closed` is (problem id, status before: "" for a new problem). The importer has written their status
    and 销号日期 (the date signed, often on paper) and checked beforehand that it may: sign_off_allowed
    for an import from the web, always for the command line (the server operator bringing in historic
    ledgers signed off on paper). This sets closed_by to the importing user (none for the command line
    without --user) and writes what problem_sign_off writes — a status Event and an audit row per
    problem — naming the import run, and for the command line saying so in the note (命令行导入)."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    via = "command_line" if command_line else "web"
    how = "命令行导入，纸质销号" if command_line else "导入销号"
    note = f"{how}（导入记录 #{import_run}）" if import_run else how
    before = dict(closed)
    ct = ContentType.objects.get_for_model(Problem)
    ids = list(before)
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        Problem.objects.filter(pk__in=batch).update(closed_by=actor)
        Event.objects.bulk_create(
            Event(
                content_type=ct,
                object_id=pk,
                actor=actor,
                kind=Event.Kind.STATUS,
                from_state=before[pk],
                to_state=Problem.Status.CLOSED,
                note=note,
                data={"action": "sign_off", "import_run": import_run, "via": via},
            )
            for pk in batch
        )
        for problem in Problem.objects.filter(pk__in=batch).only("id", "code", "description"):
            audit(
                "transition",
                obj=problem,
                user=actor,
                detail={
                    "action": "sign_off",
                    "from": before[problem.pk],
                    "to": Problem.Status.CLOSED,
                    "import_run": import_run,
                    "via": via,
                },
            )


def problem_return(
    *, problem: Problem, actor: Any, reason: str, expected_version: int | None = None
) -> Problem:
    """待审核 → 整改中 with the reviewer's reason (退回)."""
    t = TRANSITIONS["return"]
    _precheck(problem, t, actor=actor, expected_version=expected_version)
    return _transition(
        problem, "return", actor=actor, expected_version=expected_version, note=_reason(reason, t.reason)
    )


def problem_reopen(
    *, problem: Problem, actor: Any, reason: str, expected_version: int | None = None
) -> Problem:
    """已销号 → 整改中: its own audited action, by a leader, with a reason."""
    t = TRANSITIONS["reopen"]
    _precheck(problem, t, actor=actor, expected_version=expected_version)
    return _transition(
        problem,
        "reopen",
        actor=actor,
        expected_version=expected_version,
        note=_reason(reason, t.reason),
        updates={"closed_on": None, "closed_by_id": None},
    )


def problem_transition(
    *, problem: Problem, action: str, actor: Any, note: str = "", expected_version: int | None = None
) -> Problem:
    """One entry point by action name (views and tests)."""
    if action == "start":
        return problem_start(problem=problem, actor=actor, expected_version=expected_version)
    if action == "submit":
        return problem_submit(problem=problem, actor=actor, note=note, expected_version=expected_version)
    if action == "sign_off":
        return problem_sign_off(problem=problem, actor=actor, note=note, expected_version=expected_version)
    if action == "return":
        return problem_return(problem=problem, actor=actor, reason=note, expected_version=expected_version)
    if action == "reopen":
        return problem_reopen(problem=problem, actor=actor, reason=note, expected_version=expected_version)
    raise ValueError(f"unknown action {action}")


# --- editing a problem, its measures and evidence ------------------------------------------------


def _locked_message(problem: Problem) -> str:
    why = LOCKED_CLOSED if problem.status == Problem.Status.CLOSED else LOCKED_SUBMITTED
    return LOCKED.format(state=problem.get_status_display(), why=why)


def _touch(problem: Problem, *, actor: Any, expected_version: int | None = None, **updates: Any) -> None:
    """Claim the problem for a change: version + 1, only while editable (and at the expected version).

    On PostgreSQL the UPDATE also holds the row until commit, so a concurrent transition waits and
    then finds the version moved on; on SQLite writers are serialized by IMMEDIATE transactions.
    """
    qs = Problem.objects.filter(pk=problem.pk, status__in=EDITABLE)
    if expected_version is not None:
        qs = qs.filter(version=expected_version)
    if not qs.update(version=F("version") + 1, updated_at=timezone.now(), **updates):
        current = Problem.objects.filter(pk=problem.pk).first()
        if current is None:
            raise Conflict(PROBLEM_GONE)
        if current.status not in EDITABLE:
            raise RectificationError(_locked_message(current))
        raise Conflict(CONFLICT_CHANGED.format(state=current.get_status_display()))
    problem.version = Problem.objects.filter(pk=problem.pk).values_list("version", flat=True).get()


def _display(instance: models.Model, name: str) -> str:
    value = getattr(instance, name)
    f = instance._meta.get_field(name)
    if value in (None, ""):
        return ""
    if f.choices:
        return str(getattr(instance, f"get_{name}_display")())
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@transaction.atomic
def problem_update(
    *, problem: Problem, data: dict[str, Any], actor: Any, expected_version: int | None = None
) -> Problem:
    """Change a problem's fields while it is 待整改 or 整改中; one event lists what changed."""
    require(actor, Cap.RECORD, problem.org)
    if "org" in data and data["org"] != problem.org:
        require(actor, Cap.RECORD, data["org"])
    if problem.status not in EDITABLE:
        raise RectificationError(_locked_message(problem))
    # Compare with the stored row: a ModelForm has already written the new values onto `problem`.
    stored = Problem.objects.get(pk=problem.pk)
    before = {name: _display(stored, name) for name in PROBLEM_EDIT_FIELDS}
    for name in PROBLEM_EDIT_FIELDS:
        if name in data:
            value = data[name]
            setattr(problem, name, value.strip() if isinstance(value, str) else value)
    problem.full_clean()
    changes = [
        {
            "field": name,
            "label": str(Problem._meta.get_field(name).verbose_name),
            "old": before[name],
            "new": new,
        }
        for name in PROBLEM_EDIT_FIELDS
        if (new := _display(problem, name)) != before[name]
    ]
    if not changes:
        return problem
    values = {name: getattr(problem, name) for name in PROBLEM_EDIT_FIELDS}
    _touch(problem, actor=actor, expected_version=expected_version, **values)
    event_record(problem, actor=actor, kind=Event.Kind.CHANGED, data={"changes": changes})
    light_sync(problem, actor=actor)
    audit("update", obj=problem, user=actor, detail={"fields": [c["field"] for c in changes]})
    return problem


@transaction.atomic
def problem_delete(*, problem: Problem, actor: Any) -> None:
    """Remove a problem entered by mistake: only while 待整改 (a started one keeps its record)."""
    require(actor, Cap.RECORD, problem.org)
    if problem.status != Problem.Status.OPEN:
        raise RectificationError(DELETE_ONLY_OPEN)
    _touch(problem, actor=actor)
    event_record(
        problem, actor=actor, kind=Event.Kind.DELETED, note=f"{problem.code} {problem.description[:60]}"
    )
    for measure in problem.measures.all():
        attachments_delete_for(measure)
    attachments_delete_for(problem)
    audit("delete", obj=problem, user=actor)
    problem.delete()


@transaction.atomic
def problem_note(
    *, problem: Problem, actor: Any, note: str = "", files: Sequence[UploadedFile] = ()
) -> Event:
    """A progress note (动态更新), optionally with files; allowed until the problem is signed off."""
    require(actor, Cap.RECORD, problem.org)
    note = (note or "").strip()
    if not note and not files:
        raise RectificationError({"note": NOTE_EMPTY})
    if Problem.objects.filter(pk=problem.pk, status=Problem.Status.CLOSED).exists():
        raise RectificationError(LOCKED.format(state=Problem.Status.CLOSED.label, why=LOCKED_CLOSED))
    event = event_record(problem, actor=actor, kind=Event.Kind.NOTE if note else Event.Kind.UPLOAD, note=note)
    names = _attach(problem, files, actor=actor, event=event)
    if names:
        event.data = {"files": names}
        event.save(update_fields=["data"])
        audit("update", obj=problem, user=actor, detail={"upload": names})
    return event


def _attach(owner: models.Model, files: Iterable[UploadedFile], *, actor: Any, event: Event) -> list[str]:
    names = []
    for upload in files:
        attachment = attachment_create(owner, upload, actor=actor, kind=EVIDENCE, event=event)
        names.append(attachment.original_name)
    return names


@transaction.atomic
def measure_create(
    *,
    problem: Problem,
    content: str,
    actor: Any,
    owner: str = "",
    deadline: date | None = None,
    order: int | None = None,
) -> Measure:
    require(actor, Cap.RECORD, problem.org)
    if order is None:
        order = (problem.measures.aggregate(top=Max("order"))["top"] or 0) + 1
    measure = Measure(
        problem=problem, content=content.strip(), owner=owner.strip(), deadline=deadline, order=order
    )
    if getattr(actor, "is_authenticated", False):
        measure.created_by = actor
    measure.full_clean()
    _touch(problem, actor=actor)
    measure.save()
    event_record(measure, actor=actor, kind=Event.Kind.CREATED, to_state=measure.status)
    light_sync(measure, actor=actor)
    audit("create", obj=measure, user=actor)
    return measure


@transaction.atomic
def measure_update(*, measure: Measure, data: dict[str, Any], actor: Any) -> Measure:
    problem = measure.problem
    require(actor, Cap.RECORD, problem.org)
    stored = Measure.objects.get(pk=measure.pk)
    before = {name: _display(stored, name) for name in MEASURE_FIELDS}
    for name in MEASURE_FIELDS:
        if name in data and not (name == "order" and data[name] is None):
            value = data[name]
            setattr(measure, name, value.strip() if isinstance(value, str) else value)
    measure.full_clean()
    changes = [
        {
            "field": name,
            "label": str(Measure._meta.get_field(name).verbose_name),
            "old": before[name],
            "new": new,
        }
        for name in MEASURE_FIELDS
        if name != "order" and (new := _display(measure, name)) != before[name]
    ]
    if not changes:
        return measure
    _touch(problem, actor=actor)
    measure.save()
    event_record(measure, actor=actor, kind=Event.Kind.CHANGED, data={"changes": changes})
    light_sync(measure, actor=actor)
    audit("update", obj=measure, user=actor, detail={"fields": [c["field"] for c in changes]})
    return measure


@transaction.atomic
def measure_complete(
    *,
    measure: Measure,
    actor: Any,
    done_on: date | None = None,
    progress: str = "",
    files: Sequence[UploadedFile] = (),
) -> Measure:
    """未完成 → 已完成, with the completion date, what was done and (usually) the evidence."""
    problem = measure.problem
    require(actor, Cap.RECORD, problem.org)
    if measure.status == Measure.Status.DONE:
        raise RectificationError(MEASURE_ALREADY.format(state=measure.get_status_display()))
    _touch(problem, actor=actor)
    updated = Measure.objects.filter(pk=measure.pk, status=Measure.Status.PENDING).update(
        status=Measure.Status.DONE,
        done_on=done_on or local_today(),
        progress=(progress or "").strip() or measure.progress,
        updated_at=timezone.now(),
    )
    if not updated:
        raise Conflict(MEASURE_ALREADY.format(state=Measure.Status.DONE.label))
    measure.refresh_from_db()
    event = event_record(
        measure,
        actor=actor,
        kind=Event.Kind.STATUS,
        from_state=Measure.Status.PENDING,
        to_state=Measure.Status.DONE,
        note=(progress or "").strip(),
        data={"action": "complete", "done_on": measure.done_on.isoformat()},
    )
    names = _attach(measure, files, actor=actor, event=event)
    if names:
        event.data = {**event.data, "files": names}
        event.save(update_fields=["data"])
    light_sync(measure, actor=actor)
    audit("update", obj=measure, user=actor, detail={"status": "done", "files": names})
    return measure


@transaction.atomic
def measure_reopen(*, measure: Measure, actor: Any, reason: str) -> Measure:
    """已完成 → 未完成 (found not to be done after all), with a reason."""
    problem = measure.problem
    require(actor, Cap.RECORD, problem.org)
    if measure.status == Measure.Status.PENDING:
        raise RectificationError(MEASURE_ALREADY.format(state=measure.get_status_display()))
    reason = _reason(reason, "改回未完成的原因")
    _touch(problem, actor=actor)
    Measure.objects.filter(pk=measure.pk).update(
        status=Measure.Status.PENDING, done_on=None, updated_at=timezone.now()
    )
    measure.refresh_from_db()
    event_record(
        measure,
        actor=actor,
        kind=Event.Kind.STATUS,
        from_state=Measure.Status.DONE,
        to_state=Measure.Status.PENDING,
        note=reason,
        data={"action": "undo"},
    )
    light_sync(measure, actor=actor)
    audit("update", obj=measure, user=actor, detail={"status": "pending"})
    return measure


@transaction.atomic
def measure_delete(*, measure: Measure, actor: Any) -> None:
    problem = measure.problem
    require(actor, Cap.RECORD, problem.org)
    _touch(problem, actor=actor)
    # The measure's own history goes with it; the problem's history keeps a line saying so.
    event_record(problem, actor=actor, kind=Event.Kind.DELETED, note=f"删除整改措施：{measure.content[:80]}")
    attachments_delete_for(measure)
    audit("delete", obj=measure, user=actor)
    measure.delete()


@transaction.atomic
def evidence_add(
    *, measure: Measure, files: Sequence[UploadedFile], actor: Any, note: str = ""
) -> list[Attachment]:
    """Attach evidence (佐证材料) to a measure; each file is checked by content (ValidationError)."""
    problem = measure.problem
    require(actor, Cap.RECORD, problem.org)
    if not files:
        raise RectificationError({"files": NO_FILES})
    _touch(problem, actor=actor)
    event = event_record(measure, actor=actor, kind=Event.Kind.UPLOAD, note=(note or "").strip())
    names = _attach(measure, files, actor=actor, event=event)
    event.data = {"files": names}
    event.save(update_fields=["data"])
    audit("update", obj=measure, user=actor, detail={"upload": names})
    return list(event.attachments.all())


@transaction.atomic
def evidence_delete(*, attachment: Attachment, actor: Any) -> None:
    """Remove a wrongly uploaded file of a measure or problem (not once submitted or signed off)."""
    owner = attachment.owner
    problem = owner.problem if isinstance(owner, Measure) else owner
    if not isinstance(problem, Problem):
        raise PermissionDenied
    require(actor, Cap.RECORD, problem.org)
    _touch(problem, actor=actor)
    event_record(owner, actor=actor, kind=Event.Kind.DELETED, note=f"删除材料：{attachment.original_name}")
    audit("delete", obj=attachment, user=actor, detail={"name": attachment.original_name})
    attachment_delete(attachment)


# --- institutions ---------------------------------------------------------------------------------

INSTITUTION_FIELDS = ("org", "name", "kind", "doc_number", "issued_on", "summary")


@transaction.atomic
def institution_save(
    *,
    institution: Institution | None,
    data: dict[str, Any],
    actor: Any,
    campaign: Any = None,
    files: Sequence[UploadedFile] = (),
) -> Institution:
    """Create or update an institution (制度) and its links to the problems and measures it answers.

    Each newly linked problem gets a "linked" event, so its history shows the institution it produced.
    """
    creating = institution is None
    if creating:
        institution = Institution(campaign=campaign)
        if getattr(actor, "is_authenticated", False):
            institution.created_by = actor
    else:
        require(actor, Cap.RECORD, institution.org)
    for name in INSTITUTION_FIELDS:
        if name in data:
            value = data[name]
            setattr(institution, name, value.strip() if isinstance(value, str) else value)
    require(actor, Cap.RECORD, institution.org)
    institution.full_clean()
    institution.save()
    old_problems = set() if creating else set(institution.problems.values_list("pk", flat=True))
    problems = list(data.get("problems") or [])
    measures = list(data.get("measures") or [])
    if "problems" in data:
        institution.problems.set(problems)
    if "measures" in data:
        institution.measures.set(measures)
    # A measure's problem is linked too: the problem page lists what its measures produced.
    linked_via_measures = {m.problem for m in measures if m.problem_id not in {p.pk for p in problems}}
    if linked_via_measures:
        institution.problems.add(*linked_via_measures)
    for problem in [*problems, *linked_via_measures]:
        if problem.pk not in old_problems:
            event_record(
                problem,
                actor=actor,
                kind=Event.Kind.LINKED,
                note=f"{institution.get_kind_display()}制度《{institution.name}》",
                data={"institution": institution.pk},
            )
            old_problems.add(problem.pk)
    if files:
        event = event_record(institution, actor=actor, kind=Event.Kind.UPLOAD)
        names = [
            attachment_create(institution, f, actor=actor, kind="document", event=event).original_name
            for f in files
        ]
        event.data = {"files": names}
        event.save(update_fields=["data"])
    event_record(institution, actor=actor, kind=Event.Kind.CREATED if creating else Event.Kind.CHANGED)
    audit("create" if creating else "update", obj=institution, user=actor)
    return institution


@transaction.atomic
def institution_delete(*, institution: Institution, actor: Any) -> None:
    require(actor, Cap.RECORD, institution.org)
    from taizhang.plans.services import links_remove_for

    links_remove_for(institution, actor=actor)
    attachments_delete_for(institution)
    audit("delete", obj=institution, user=actor)
    institution.delete()
