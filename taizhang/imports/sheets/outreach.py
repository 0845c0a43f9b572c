"""Sheets 调研, 群众诉求 and 办实事."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from taizhang.imports.schema import MATTER_STATUSES, SHEETS_BY_KEY
from taizhang.imports.sheets.base import Record, RowValues, SheetHandler, chunks, node_pk, ref
from taizhang.imports.sheets.study import node_key
from taizhang.outreach.models import Demand, Finding, PracticalMatter, ResearchVisit


class VisitSheet(SheetHandler):
    spec = SHEETS_BY_KEY["visit"]
    model = ResearchVisit

    def parse(self, values: RowValues) -> Record | None:
        day = values.date("date", required=True)
        org = values.org("org")
        campaign = values.campaign(org, day)
        subject = values.text("subject", required=True, limit=200)
        fields = {"place": values.text("place", limit=200), "leader": values.text("leader", limit=50)}
        participants, others = [], []
        for entry in values.names("participants"):
            if org is None:
                break
            lookup = self.ctx.match_name(entry.name, org)
            if lookup.member is not None:
                participants.append(lookup.member)
            elif not lookup.ambiguous:
                # People from outside the unit (a deputy director, a resident) are kept as text.
                others.append(entry.name)
            else:
                values.fail("participants", lookup.error, value=entry.name)
        findings = [line.strip() for line in values.long_text("findings").split("\n") if line.strip()]
        if not values.ok or org is None:
            return None
        others_text = "、".join(others)[:200]
        create = {
            **ref("org", org),
            **ref("campaign", campaign),
            "date": day,
            "subject": subject,
            "participants_text": others_text,
            **fields,
        }
        update = {k: v for k, v in fields.items() if v}
        if others_text:
            update["participants_text"] = others_text
        if values.code("campaign"):
            update["campaign_id"] = campaign.pk if campaign else None
        return Record(
            values.row,
            (node_key(org), day, subject),
            create,
            update,
            extra={"participants": participants, "findings": findings},
        )

    def describe_key(self, record: Record) -> str:
        return f"{record.key[1]:%Y-%m-%d} {record.key[2]}"

    def fetch(self) -> dict[tuple, dict[str, Any]]:
        org_pks = {r.key[0] for r in self.records if isinstance(r.key[0], int)}
        if not org_pks:
            return {}
        days = [r.key[1] for r in self.records]
        rows = ResearchVisit.objects.filter(org_id__in=org_pks, date__range=(min(days), max(days))).values(
            "id", "org_id", "date", "subject", "place", "leader", "participants_text", "campaign_id"
        )
        return {(row["org_id"], row["date"], row["subject"]): {"pk": row["id"], **row} for row in rows}

    def resolve(self) -> None:
        super().resolve()
        matched = [r.pk for r in self.records if r.pk is not None]
        have_people: set[tuple[int, int]] = set()
        have_findings: set[tuple[int, str]] = set()
        through = ResearchVisit.participants.through
        for batch in chunks(matched):
            have_people |= set(
                through.objects.filter(researchvisit_id__in=batch).values_list(
                    "researchvisit_id", "member_id"
                )
            )
            have_findings |= set(Finding.objects.filter(visit_id__in=batch).values_list("visit_id", "text"))
        added = {"participants": 0, "findings": 0}
        for record in self.records:
            people = [
                m
                for m in record.extra["participants"]
                if record.pk is None or (record.pk, m.pk) not in have_people
            ]
            findings = [
                f
                for f in record.extra["findings"]
                if record.pk is None or (record.pk, f) not in have_findings
            ]
            record.extra.update(new_participants=people, new_findings=findings)
            added["participants"] += len(people)
            added["findings"] += len(findings)
            if record.pk is not None and (people or findings) and record in self.unchanged:
                self.unchanged.remove(record)
                self.updates.append((record, {}, {}))
        self.extra_counts = added

    def write(self, tick: Callable[[int], None]) -> None:
        self.write_creates(tick)
        for record, changes, _ in self.updates:
            if changes:
                ResearchVisit.objects.filter(pk=record.pk).update(**self.update_values(changes))
        records = self.creates + [r for r, _, _ in self.updates]
        through = ResearchVisit.participants.through
        through.objects.bulk_create(
            [
                through(researchvisit_id=r.pk, member_id=node_pk(m))
                for r in records
                for m in dict.fromkeys(r.extra["new_participants"])
            ],
            batch_size=2000,
        )
        Finding.objects.bulk_create(
            [
                Finding(visit_id=r.pk, text=text, order=order)
                for r in records
                for order, text in enumerate(r.extra["new_findings"])
            ],
            batch_size=2000,
        )


class DemandSheet(SheetHandler):
    spec = SHEETS_BY_KEY["demand"]
    model = Demand

    def parse(self, values: RowValues) -> Record | None:
        day = values.date("date", required=True)
        org = values.org("org")
        campaign = values.campaign(org, day)
        raised_by = values.text("raised_by", limit=50)
        content = values.long_text("content", required=True)
        response = values.long_text("response")
        resolved = values.yes_no("resolved")
        if not values.ok or org is None:
            return None
        create = {
            **ref("org", org),
            **ref("campaign", campaign),
            "raised_on": day,
            "raised_by": raised_by,
            "content": content,
            "response": response,
            "resolved": resolved,
        }
        update = {"resolved": resolved, **({"response": response} if response else {})}
        if raised_by:
            update["raised_by"] = raised_by
        if values.code("campaign"):
            update["campaign_id"] = campaign.pk if campaign else None
        return Record(values.row, (node_key(org), day, content), create, update)

    def describe_key(self, record: Record) -> str:
        return f"{record.key[1]:%Y-%m-%d} {record.key[2][:20]}"

    def fetch(self) -> dict[tuple, dict[str, Any]]:
        org_pks = {r.key[0] for r in self.records if isinstance(r.key[0], int)}
        if not org_pks:
            return {}
        days = [r.key[1] for r in self.records]
        rows = Demand.objects.filter(org_id__in=org_pks, raised_on__range=(min(days), max(days))).values(
            "id", "org_id", "raised_on", "content", "raised_by", "response", "resolved", "campaign_id"
        )
        return {(row["org_id"], row["raised_on"], row["content"]): {"pk": row["id"], **row} for row in rows}

    def update_values(self, changes: dict[str, Any]) -> dict[str, Any]:
        values = super().update_values(changes)
        if changes.get("resolved") is False:
            values["resolved_on"] = None  # outreach_demand_resolved_date: no date on an unresolved demand
        return values


class MatterSheet(SheetHandler):
    spec = SHEETS_BY_KEY["matter"]
    model = PracticalMatter
    events = True

    def parse(self, values: RowValues) -> Record | None:
        title = values.text("title", required=True, limit=200)
        org = values.org("org")
        campaign = values.campaign(org, None)
        fields = {
            "beneficiaries": values.text("beneficiaries", limit=200),
            "owner": values.text("owner", limit=50),
            "due_date": values.date("due_date"),
            "status": values.choice("status", MATTER_STATUSES, required=True),
            "done_on": values.date("done_on"),
            "outcome": values.long_text("outcome"),
        }
        if not values.ok or org is None:
            return None
        create = {**ref("org", org), **ref("campaign", campaign), "title": title, **fields}
        update = {k: v for k, v in fields.items() if v not in ("", None)}
        return Record(values.row, (campaign.code if campaign else "", node_key(org), title), create, update)

    def describe_key(self, record: Record) -> str:
        return record.key[2]

    def fetch(self) -> dict[tuple, dict[str, Any]]:
        titles = sorted({r.key[2] for r in self.records})
        found: dict[tuple, dict[str, Any]] = {}
        for batch in chunks(titles):
            rows = PracticalMatter.objects.filter(title__in=batch).values(
                "id",
                "org_id",
                "title",
                "campaign__code",
                "beneficiaries",
                "owner",
                "due_date",
                "status",
                "done_on",
                "outcome",
            )
            for row in rows:
                found[(row["campaign__code"] or "", row["org_id"], row["title"])] = {"pk": row["id"], **row}
        return found
