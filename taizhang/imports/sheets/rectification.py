"""Sheets 问题清单, 整改措施, 制度 and 工作任务."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import F

from taizhang.imports import cells
from taizhang.imports import messages as msg
from taizhang.imports.context import ProblemNode
from taizhang.imports.schema import (
    INSTITUTION_KINDS,
    MEASURE_STATUSES,
    PROBLEM_CATEGORIES,
    PROBLEM_SOURCES,
    PROBLEM_STATUSES,
    PROBLEM_TYPES,
    SHEETS_BY_KEY,
    TASK_KINDS,
    TASK_STATUSES,
)
from taizhang.imports.sheets.base import NO_CAMPAIGN, Record, RowValues, SheetHandler, chunks, node_pk, ref
from taizhang.imports.sheets.people import CODE_TAKEN
from taizhang.imports.sheets.study import node_key
from taizhang.plans.models import PlanTask
from taizhang.rectification.models import Institution, Measure, Problem
from taizhang.rectification.services import problems_signed_off_by_import, sign_off_allowed

PROBLEM_LOCKED = "问题“{code}”已销号，不能通过导入修改（重新打开请在问题详情中操作）"


def leader(values: RowValues, key: str, org: Any) -> Any:
    """A responsible / lead leader: a member of the unit's subtree, else of the whole tree in scope
    (leaders usually sit in the committee above the unit)."""
    name = values.text(key)
    if not name or org is None:
        return None
    lookup = values.ctx.match_name(name, org)
    if lookup.member is None and not lookup.ambiguous:
        lookup = values.ctx.match_name(name, values.ctx.top_of(org))
    if lookup.member is None:
        values.fail(key, lookup.error, value=name)
    return lookup.member


def find_problem(
    values: RowValues, key: str, code: str, campaign: Any, *, strict: bool = True
) -> ProblemNode | None:
    """A problem by its 问题编号: within the campaign, or the only one with that number.

    `strict`: the campaign names the problem's own campaign (a measure's 学习教育编码). Otherwise it is
    the row's campaign (an institution's), which may differ from its problems'."""
    ctx = values.ctx
    ctx.load_problems()
    explicit = values.code("campaign")
    if strict and explicit in NO_CAMPAIGN:
        node = ctx.problems.get(("", code))
    elif campaign is not None:
        node = ctx.problems.get((campaign.code, code))
        if node is None and not (strict and explicit):
            found = ctx.find_problems(code)
            node = found[0] if len(found) == 1 else None
    else:
        found = ctx.find_problems(code)
        if len(found) > 1:
            values.fail(key, msg.AMBIGUOUS_PROBLEM.format(value=code), value=code)
            return None
        node = found[0] if found else None
    if node is None:
        row = ctx.failed.get(("问题清单", code))
        if row:
            values.fail(
                key, msg.ROW_FAILED.format(what="问题编号", value=code, sheet="问题清单", row=row), value=code
            )
        else:
            values.fail(key, msg.UNKNOWN_PROBLEM.format(value=code), value=code)
    return node


class ProblemSheet(SheetHandler):
    spec = SHEETS_BY_KEY["problem"]
    model = Problem
    events = True

    def parse(self, values: RowValues) -> Record | None:
        code = values.code("code", required=True)
        if len(code) > 32:
            values.fail("code", msg.TOO_LONG.format(length=len(code), limit=32))
        org = values.org("org")
        campaign = values.campaign(org, None)
        fields = {
            "category": values.choice("category", PROBLEM_CATEGORIES, required=True),
            "source": values.choice("source", PROBLEM_SOURCES, required=True),
            "description": values.long_text("description", required=True),
            "rectification_type": values.choice("rectification_type", PROBLEM_TYPES),
            "responsible_dept": values.text("dept", limit=100),
            "responsible_person": values.text("person", limit=50),
            "deadline": values.date("deadline"),
            "status": values.choice("status", PROBLEM_STATUSES, required=True),
            "closed_on": values.date("closed_on"),
        }
        responsible = leader(values, "leader", org)
        if fields["status"] == Problem.Status.CLOSED and fields["closed_on"] is None and values.ok:
            values.fail("closed_on", msg.CLOSED_NEEDS_DATE, value="")
        if not values.ok or org is None:
            return None
        create = {
            **ref("org", org),
            **ref("campaign", campaign),
            **ref("responsible_leader", responsible),
            "code": code,
            **fields,
            "rectification_type": fields["rectification_type"] or Problem.Type.DEADLINE,
        }
        update = {k: v for k, v in fields.items() if v not in ("", None)}
        if org.pk is not None:
            update["org_id"] = org.pk
        if responsible is not None and responsible.pk is not None:
            update["responsible_leader_id"] = responsible.pk
        return Record(
            values.row,
            (campaign.code if campaign else "", code),
            create,
            update,
            extra={"org": org, "campaign": campaign, "values": values},
        )

    def describe_key(self, record: Record) -> str:
        return f"问题编号 {record.key[1]}"

    def remember_failed(self, values: RowValues) -> None:
        if not cells.is_blank(values.raw("code")):
            self.ctx.failed.setdefault(("问题清单", cells.code(values.raw("code"))), values.row.number)

    def fetch(self) -> dict[tuple, dict[str, Any]]:
        found: dict[tuple, dict[str, Any]] = {}
        for batch in chunks(sorted({r.key[1] for r in self.records})):
            rows = Problem.objects.filter(code__in=batch).values(
                "id",
                "code",
                "campaign__code",
                "org_id",
                "category",
                "source",
                "description",
                "rectification_type",
                "responsible_leader_id",
                "responsible_dept",
                "responsible_person",
                "deadline",
                "status",
                "closed_on",
            )
            for row in rows:
                found[(row["campaign__code"] or "", row["code"])] = {"pk": row["id"], **row}
        return found

    def resolve(self) -> None:
        existing = self.fetch() if self.records else {}
        for record in list(self.records):
            current = existing.get(record.key)
            values = record.extra["values"]
            if current is not None and not self.ctx.in_scope(self.ctx.orgs_by_pk[current["org_id"]]):
                values.fail("code", CODE_TAKEN.format(value=record.key[1]))
                self.records.remove(record)
            elif current is not None and (
                current["status"] == Problem.Status.CLOSED
                and any(current.get(f) != v for f, v in record.update.items())
            ):
                values.fail("status", PROBLEM_LOCKED.format(code=record.key[1]), value=values.raw("status"))
                self.records.remove(record)
            elif self.closes(record, current) and not self.may_sign_off(record.extra["org"]):
                org = record.extra["org"]
                values.fail(
                    "status", msg.CLOSE_NEEDS_SIGN_OFF.format(org=org.name), value=values.raw("status")
                )
                self.remember_failed(values)
                self.records.remove(record)
        super().resolve()
        for record in self.records:
            node = ProblemNode(
                code=record.key[1],
                campaign=record.extra["campaign"],
                org=record.extra["org"],
                pk=record.pk,
                obj=record.obj,
            )
            self.ctx.add_problem(node, replace=True)
            record.extra["node"] = node

    @staticmethod
    def closes(record: Any, current: dict[str, Any] | None) -> bool:
        """The row brings the problem in closed, or closes an open one: a sign-off (销号)."""
        closed = Problem.Status.CLOSED
        return record.create["status"] == closed and (current is None or current["status"] != closed)

    def may_sign_off(self, org: Any) -> bool:
        """The command line (the server operator, ledgers signed off on paper) may; from the web, only a
        user who may sign off in the unit (issue 16 F3: an import is no way around the review)."""
        return self.ctx.command_line or sign_off_allowed(self.ctx.actor, org)

    def write(self, tick: Callable[[int], None]) -> None:
        super().write(tick)
        closed = Problem.Status.CLOSED
        signed = [(r.pk, "") for r in self.creates if r.obj.status == closed]
        signed += [
            (r.pk, before["status"]) for r, changes, before in self.updates if changes.get("status") == closed
        ]
        if signed:
            problems_signed_off_by_import(
                signed, actor=self.ctx.actor, import_run=self.ctx.run_id, command_line=self.ctx.command_line
            )

    def write_events(self, rows: list[tuple[int, str, str, str]], *, note: str) -> None:
        # A change to 已销号 is recorded as the import's sign-off (write), not as a plain status change.
        closing = ("status", Problem.Status.CLOSED)
        super().write_events([r for r in rows if (r[1], r[3]) != closing], note=note)

    def update_values(self, changes: dict[str, Any]) -> dict[str, Any]:
        values = super().update_values(changes)
        # A reviewer acting at the same time must lose (rectification services update on `version`).
        values["version"] = F("version") + 1
        if changes.get("status") and changes["status"] != Problem.Status.CLOSED:
            values.setdefault("closed_on", None)
        return values

    def write_creates(self, tick: Callable[[int], None]) -> None:
        super().write_creates(tick)
        for record in self.creates:
            record.extra["node"].pk = record.obj.pk


class MeasureSheet(SheetHandler):
    spec = SHEETS_BY_KEY["measure"]
    model = Measure
    events = True

    def parse(self, values: RowValues) -> Record | None:
        code = values.code("problem", required=True)
        campaign = values.campaign(None, None)
        problem = find_problem(values, "problem", code, campaign) if code and values.ok else None
        content = values.long_text("content", required=True)
        fields = {
            "owner": values.text("owner", limit=50),
            "deadline": values.date("deadline"),
            "status": values.choice("status", MEASURE_STATUSES, required=True),
            "done_on": values.date("done_on"),
        }
        if fields["status"] == Measure.Status.DONE and fields["done_on"] is None and values.ok:
            values.fail("done_on", msg.DONE_NEEDS_DATE.format(status="已完成"), value="")
        if not values.ok or problem is None:
            return None
        create = {**ref("problem", problem), "content": content, **fields}
        update = {k: v for k, v in fields.items() if v not in ("", None)}
        return Record(values.row, (node_key(problem), content), create, update)

    def describe_key(self, record: Record) -> str:
        return record.key[1][:30]

    def fetch(self) -> dict[tuple, dict[str, Any]]:
        problem_pks = sorted({r.key[0] for r in self.records if isinstance(r.key[0], int)})
        found: dict[tuple, dict[str, Any]] = {}
        for batch in chunks(problem_pks):
            rows = Measure.objects.filter(problem_id__in=batch).values(
                "id", "problem_id", "content", "owner", "deadline", "status", "done_on"
            )
            for row in rows:
                found[(row["problem_id"], row["content"])] = {"pk": row["id"], **row}
        return found

    def update_values(self, changes: dict[str, Any]) -> dict[str, Any]:
        values = super().update_values(changes)
        if changes.get("status") == Measure.Status.PENDING:
            values.setdefault("done_on", None)
        return values


class InstitutionSheet(SheetHandler):
    spec = SHEETS_BY_KEY["institution"]
    model = Institution

    def parse(self, values: RowValues) -> Record | None:
        name = values.text("name", required=True, limit=200)
        kind = values.choice("kind", INSTITUTION_KINDS, required=True)
        org = values.org("org")
        campaign = values.campaign(org, None)
        issued_on = values.date("issued_on")
        problems = []
        for entry in values.names("problems"):
            node = find_problem(values, "problems", cells.code(entry.name), campaign, strict=False)
            if node is not None:
                problems.append(node)
        if not values.ok or org is None:
            return None
        create = {
            **ref("org", org),
            **ref("campaign", campaign),
            "name": name,
            "kind": kind,
            "issued_on": issued_on,
        }
        update = {"kind": kind, **({"issued_on": issued_on} if issued_on else {})}
        return Record(
            values.row,
            (campaign.code if campaign else "", node_key(org), name),
            create,
            update,
            extra={"problems": problems},
        )

    def describe_key(self, record: Record) -> str:
        return record.key[2]

    def fetch(self) -> dict[tuple, dict[str, Any]]:
        found: dict[tuple, dict[str, Any]] = {}
        for batch in chunks(sorted({r.key[2] for r in self.records})):
            rows = Institution.objects.filter(name__in=batch).values(
                "id", "name", "org_id", "campaign__code", "kind", "issued_on"
            )
            for row in rows:
                found[(row["campaign__code"] or "", row["org_id"], row["name"])] = {"pk": row["id"], **row}
        return found

    def resolve(self) -> None:
        super().resolve()
        through = Institution.problems.through
        have: set[tuple[int, int]] = set()
        for batch in chunks([r.pk for r in self.records if r.pk is not None]):
            have |= set(
                through.objects.filter(institution_id__in=batch).values_list("institution_id", "problem_id")
            )
        added = 0
        for record in self.records:
            new = [
                p
                for p in record.extra["problems"]
                if record.pk is None or p.pk is None or (record.pk, p.pk) not in have
            ]
            record.extra["new_problems"] = list(dict.fromkeys(new))
            added += len(record.extra["new_problems"])
            if record.pk is not None and new and record in self.unchanged:
                self.unchanged.remove(record)
                self.updates.append((record, {}, {}))
        self.extra_counts = {"problem_links": added}

    def write(self, tick: Callable[[int], None]) -> None:
        self.write_creates(tick)
        for record, changes, _ in self.updates:
            if changes:
                Institution.objects.filter(pk=record.pk).update(**self.update_values(changes))
        through = Institution.problems.through
        records = self.creates + [r for r, _, _ in self.updates]
        through.objects.bulk_create(
            [
                through(institution_id=r.pk, problem_id=node_pk(p))
                for r in records
                for p in r.extra["new_problems"]
            ],
            batch_size=2000,
        )


class TaskSheet(SheetHandler):
    spec = SHEETS_BY_KEY["task"]
    model = PlanTask
    events = True

    def parse(self, values: RowValues) -> Record | None:
        title = values.text("title", required=True, limit=200)
        org = values.org("org")
        planned = values.date("planned", required=True)
        campaign = values.campaign(org, planned)
        fields = {
            "kind": values.choice("kind", TASK_KINDS),
            "responsible_dept": values.text("dept", limit=100),
            "status": values.choice("status", TASK_STATUSES, required=True),
            "done_on": values.date("done_on"),
        }
        lead = leader(values, "leader", org)
        if not values.ok or org is None:
            return None
        create = {
            **ref("org", org),
            **ref("campaign", campaign),
            **ref("lead_leader", lead),
            "title": title,
            "planned_start": planned,
            "planned_end": planned,
            **fields,
            "kind": fields["kind"] or PlanTask.Kind.PRESCRIBED,
        }
        update = {k: v for k, v in fields.items() if v not in ("", None)}
        update["planned_end"] = planned
        if lead is not None and lead.pk is not None:
            update["lead_leader_id"] = lead.pk
        return Record(values.row, (campaign.code if campaign else "", node_key(org), title), create, update)

    def describe_key(self, record: Record) -> str:
        return record.key[2]

    def fetch(self) -> dict[tuple, dict[str, Any]]:
        found: dict[tuple, dict[str, Any]] = {}
        for batch in chunks(sorted({r.key[2] for r in self.records})):
            rows = PlanTask.objects.filter(title__in=batch).values(
                "id",
                "title",
                "org_id",
                "campaign__code",
                "kind",
                "responsible_dept",
                "status",
                "done_on",
                "planned_start",
                "planned_end",
                "lead_leader_id",
            )
            for row in rows:
                found[(row["campaign__code"] or "", row["org_id"], row["title"])] = {"pk": row["id"], **row}
        return found

    def resolve(self) -> None:
        super().resolve()
        for _, changes, before in self.updates:
            end = changes.get("planned_end")
            if end is not None and before.get("planned_start") and before["planned_start"] > end:
                changes["planned_start"] = end  # plans_task_period_ordered
