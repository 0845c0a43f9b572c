"""Sheets 学习活动 (with attendance and speakers from the name lists) and 个人自学."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from taizhang.imports import cells
from taizhang.imports import messages as msg
from taizhang.imports.context import MemberNode
from taizhang.imports.schema import ABSENCE_REASONS, CHANNELS, INVITED_WORDS, SHEETS_BY_KEY
from taizhang.imports.sheets.base import (
    BATCH,
    Record,
    RowValues,
    SheetHandler,
    chunks,
    fast_insert,
    node_pk,
    ref,
)
from taizhang.study.models import Attendance, SelfStudy, Speech, StudyActivity
from taizhang.study.services import activity_counts_refresh

PRESENT, ABSENT = Attendance.Status.PRESENT, Attendance.Status.ABSENT


def node_key(node: Any) -> Any:
    """A hashable identity for a node that may not have an id yet."""
    return node.pk if node.pk is not None else ("new", id(node))


def absence_reason(note: str) -> tuple[str, str]:
    """“出差” → (trip, ""); an unknown reason → (other, the words); no reason → ("", "")."""
    if not note:
        return "", ""
    reason = ABSENCE_REASONS.get(cells.normalise_label(note))
    if reason is not None:
        return reason, ""
    return Attendance.Reason.OTHER, note[:100]


class ActivitySheet(SheetHandler):
    spec = SHEETS_BY_KEY["activity"]
    model = StudyActivity

    def parse(self, values: RowValues) -> Record | None:
        day = values.date("date", required=True)
        org = values.org("org")
        campaign = values.campaign(org, day)
        type_label = values.text("type", required=True)
        topic = values.text("topic", required=True, limit=200)
        fields = {
            "place": values.text("place", limit=100),
            "host": values.text("host", limit=50),
            "other_materials": values.long_text("materials"),
            "note": values.long_text("note"),
        }
        type_pk = None
        if type_label:
            type_pk = self.ctx.activity_type(type_label, campaign)
            if type_pk is None:
                values.fail("type", msg.UNKNOWN_TYPE.format(value=type_label))
        if org is None or day is None:
            return None
        people = self._people(values, org)
        if not values.ok or people is None:
            return None
        attendance, speeches = people
        create = {
            "date": day,
            "topic": topic,
            "type_id": type_pk,
            **ref("org", org),
            **ref("campaign", campaign),
            **fields,
        }
        update = {k: v for k, v in fields.items() if v}
        if values.code("campaign"):
            update["campaign_id"] = campaign.pk if campaign is not None else None
        return Record(
            values.row,
            (node_key(org), day, type_pk, topic),
            create,
            update,
            extra={"attendance": attendance, "speeches": speeches},
        )

    def describe_key(self, record: Record) -> str:
        return (
            f"{record.create['date']:%Y-%m-%d} {self.ctx.type_names.get(record.key[2], '')} {record.key[3]}"
        )

    def _people(self, values: RowValues, org: Any) -> tuple[list, list] | None:
        """Attendance rows (member, status, invited, reason, note) and speeches (member, gist)."""
        ctx = self.ctx
        absent: dict[MemberNode, tuple[str, str]] = {}
        for entry in values.names("absent"):
            lookup = ctx.match_name(entry.name, org)
            if lookup.member is None:
                values.fail("absent", lookup.error, value=entry.name)
            else:
                absent[lookup.member] = absence_reason(entry.note)
        present: dict[MemberNode, bool] = {}  # member → invited
        raw_present = values.raw("present")
        entries = values.names("present", required=True)
        if any(cells.is_all(e.name) for e in entries):
            # 全体: everyone of the unit's subtree on the roll, except those listed absent; names
            # next to it add invitees ("全体、王局长（列席）").
            for member in ctx.subtree_members(org):
                if member not in absent:
                    present[member] = False
            entries = [e for e in entries if not cells.is_all(e.name)]
        for entry in entries:
            invited = bool(entry.note) and cells.normalise_label(entry.note) in INVITED_WORDS
            # 列席 (invitees) come from anywhere in the user's tree: leaders sit in on branch meetings.
            lookup = ctx.match_name(entry.name, ctx.top_of(org) if invited else org)
            if lookup.member is None:
                values.fail("present", lookup.error, value=entry.name)
            elif lookup.member in absent:
                values.fail("present", msg.PRESENT_AND_ABSENT.format(name=entry.name), value=entry.name)
            else:
                present[lookup.member] = invited or present.get(lookup.member, False)
        if values.ok and not present and values.has("present") and not cells.is_blank(raw_present):
            values.fail("present", msg.NO_ATTENDEES)
        present_by_name = {m.name: m for m in present}
        speeches = []
        for entry in values.names("speakers"):
            member = present_by_name.get(entry.name)
            if member is None:
                values.fail("speakers", msg.SPEAKER_NOT_PRESENT.format(name=entry.name), value=entry.name)
            else:
                speeches.append((member, entry.note))
        attendance = [(m, PRESENT, invited, "", "") for m, invited in present.items()]
        attendance += [(m, ABSENT, False, reason, note) for m, (reason, note) in absent.items()]
        return attendance, speeches

    def fetch(self) -> dict[tuple, dict[str, Any]]:
        org_pks = {r.key[0] for r in self.records if isinstance(r.key[0], int)}
        if not org_pks:
            return {}
        days = [r.key[1] for r in self.records]
        rows = StudyActivity.objects.filter(org_id__in=org_pks, date__range=(min(days), max(days))).values(
            "id",
            "org_id",
            "date",
            "type_id",
            "topic",
            "campaign_id",
            "place",
            "host",
            "other_materials",
            "note",
        )
        return {
            (row["org_id"], row["date"], row["type_id"], row["topic"]): {"pk": row["id"], **row}
            for row in rows
        }

    def resolve(self) -> None:
        super().resolve()
        self.extra_counts = {"attendance": 0, "attendance_updated": 0, "speeches": 0}
        matched = [r for r in self.records if r.pk is not None]
        current_att: dict[tuple[int, int], tuple] = {}
        current_speech: set[tuple[int, int]] = set()
        for batch in chunks([r.pk for r in matched]):
            for activity_id, member_id, status, invited, reason, note in Attendance.objects.filter(
                activity_id__in=batch
            ).values_list("activity_id", "member_id", "status", "invited", "reason", "reason_note"):
                current_att[(activity_id, member_id)] = (status, invited, reason, note)
            current_speech |= set(
                Speech.objects.filter(activity_id__in=batch).values_list("activity_id", "member_id")
            )
        for record in self.records:
            new_att, changed_att, new_speech = [], [], []
            for member, status, invited, reason, note in record.extra["attendance"]:
                if record.pk is None or member.pk is None:
                    new_att.append((member, status, invited, reason, note))
                    continue
                now = current_att.get((record.pk, member.pk))
                if now is None:
                    new_att.append((member, status, invited, reason, note))
                elif now != (status, invited, reason, note):
                    changed_att.append((member, status, invited, reason, note))
            for member, gist in record.extra["speeches"]:
                if record.pk is None or member.pk is None or (record.pk, member.pk) not in current_speech:
                    new_speech.append((member, gist))
            record.extra.update(
                new_attendance=new_att, changed_attendance=changed_att, new_speeches=new_speech
            )
            self.extra_counts["attendance"] += len(new_att)
            self.extra_counts["attendance_updated"] += len(changed_att)
            self.extra_counts["speeches"] += len(new_speech)
            if record.pk is not None and (new_att or changed_att or new_speech) and record in self.unchanged:
                # The activity itself is unchanged but its people are not: show it as updated.
                self.unchanged.remove(record)
                self.updates.append((record, {}, {}))

    @property
    def work(self) -> int:
        return super().work + self.extra_counts.get("attendance", 0) + self.extra_counts.get("speeches", 0)

    def write(self, tick: Callable[[int], None]) -> None:
        self.write_creates(tick)
        for record, changes, _ in self.updates:
            if changes:
                StudyActivity.objects.filter(pk=record.pk).update(**self.update_values(changes))
        records = self.creates + [r for r, _, _ in self.updates]
        # Attendance is the bulk of a large workbook (100k rows for 3,000 activities): plain
        # executemany in batches, which costs a tenth of building and compiling 100k model instances.
        fields = ("activity_id", "member_id", "status", "invited", "reason", "reason_note")
        for batch in _batched(self._attendance_rows(records), BATCH):
            fast_insert(Attendance, fields, batch)
            tick(len(batch))
        for record in records:
            for member, status, invited, reason, note in record.extra["changed_attendance"]:
                Attendance.objects.filter(activity_id=record.pk, member_id=member.pk).update(
                    status=status, invited=invited, reason=reason, reason_note=note
                )
        speeches = [
            (record.pk, node_pk(member), gist, order)
            for record in records
            for order, (member, gist) in enumerate(record.extra["new_speeches"])
        ]
        for batch in chunks(speeches, BATCH):
            fast_insert(Speech, ("activity_id", "member_id", "gist", "order"), batch)
            tick(len(batch))
        # The activities' stored counts follow their new rows (in the import's transaction).
        activity_counts_refresh(activity_ids=[record.pk for record in records if record.pk is not None])

    @staticmethod
    def _attendance_rows(records: list[Record]) -> Iterator[tuple]:
        for record in records:
            activity_id = record.pk
            for member, status, invited, reason, note in record.extra["new_attendance"]:
                member_id = member.pk if member.pk is not None else member.obj.pk
                yield (activity_id, member_id, status, invited, reason, note)


def _batched(items: Iterator, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class SelfStudySheet(SheetHandler):
    spec = SHEETS_BY_KEY["selfstudy"]
    model = SelfStudy

    def parse(self, values: RowValues) -> Record | None:
        day = values.date("date", required=True)
        name = values.text("name", required=True)
        org = values.org("org")
        material = values.text("material", required=True, limit=200)
        minutes = values.integer("minutes", required=True, low=1, high=1440)
        channel = values.choice("channel", CHANNELS)
        notes = values.long_text("notes")
        member = None
        if org is not None and name:
            lookup = self.ctx.match_name(name, org)
            if lookup.member is None:
                values.fail("name", lookup.error)
            member = lookup.member
        campaign = values.campaign(member.org if member else org, day)
        if not values.ok or member is None:
            return None
        create = {
            **ref("member", member),
            **ref("org", member.org),
            **ref("campaign", campaign),
            "date": day,
            "material": material,
            "minutes": minutes,
            "channel": channel or SelfStudy.Channel.ORIGINAL,
            "notes": notes,
        }
        update = {
            "minutes": minutes,
            **({"channel": channel} if channel else {}),
            **({"notes": notes} if notes else {}),
        }
        if values.code("campaign"):
            update["campaign_id"] = campaign.pk if campaign else None
        return Record(values.row, (node_key(member), day, material), create, update)

    def describe_key(self, record: Record) -> str:
        return f"{record.key[1]:%Y-%m-%d} {record.key[2]}"

    def fetch(self) -> dict[tuple, dict[str, Any]]:
        member_pks = [r.key[0] for r in self.records if isinstance(r.key[0], int)]
        found: dict[tuple, dict[str, Any]] = {}
        for batch in chunks(sorted(set(member_pks))):
            rows = SelfStudy.objects.filter(member_id__in=batch).values(
                "id", "member_id", "date", "material", "minutes", "channel", "notes", "campaign_id"
            )
            for row in rows:
                found[(row["member_id"], row["date"], row["material"])] = {"pk": row["id"], **row}
        return found

    def stamp(self, obj: Any) -> None:
        super().stamp(obj)
        obj.created_by = self.ctx.actor
