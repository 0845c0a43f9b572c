"""Sheets 组织, 党员 and 学习教育: the units, the people and the campaigns every later sheet refers to."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from taizhang.campaigns.models import Campaign
from taizhang.core.crypto import digest
from taizhang.imports import cells
from taizhang.imports import messages as msg
from taizhang.imports.context import CampaignNode, MemberNode, OrgNode
from taizhang.imports.reader import SheetData
from taizhang.imports.schema import CATEGORIES, GENDERS, ORG_KINDS, SHEETS_BY_KEY
from taizhang.imports.sheets.base import Record, RowValues, SheetHandler, chunks, ref
from taizhang.lib import idcard, phone
from taizhang.org.models import Member, Organization

CODE_TAKEN = "编码“{value}”已被您管理范围之外的记录使用"
ID_TAKEN = "身份证号“{value}”已登记在您管理范围之外的党员名下"
CAMPAIGN_CODE_FORM = "编码“{value}”只能包含字母、数字、连字符和下划线"
KIND_LABELS = dict(Organization.Kind.choices)


class OrgSheet(SheetHandler):
    spec = SHEETS_BY_KEY["org"]
    model = Organization

    def check(self, sheet: SheetData, tick: Callable[[], None]) -> None:
        parsed: list[tuple[RowValues, Record]] = []
        for row in sheet.rows():
            values = RowValues(row, self.ctx)
            code = values.code("code", required=True)
            name = values.text("name", required=True, limit=100)
            parent_code = values.code("parent")
            kind = values.choice("kind", ORG_KINDS, required=True)
            tick()
            if not code:
                continue
            first = self._seen.get((code,))
            if first is not None:
                values.fail("code", msg.DUPLICATE_ROW.format(row=first, key=code))
                continue
            self._seen[(code,)] = row.number
            record = Record(
                row, (code,), {"code": code, "name": name, "kind": kind}, {"name": name, "kind": kind}
            )
            record.extra = {"parent_code": parent_code, "ok": values.ok}
            existing = self.ctx.orgs.get(code)
            if existing is not None and not self.ctx.in_scope(existing):
                values.fail("code", CODE_TAKEN.format(value=code))
                continue
            if existing is None:
                # Registered now, so rows below (and later sheets) may name it as their parent.
                node = OrgNode(code=code, name=name, kind=kind, path="")
                node.obj = Organization(
                    code=code, name=name or code, kind=kind or "branch", sort_order=row.number
                )
                self.ctx.orgs[code] = node
            parsed.append((values, record))
        self._place(parsed)

    def _place(self, parsed: list[tuple[RowValues, Record]]) -> None:
        """Resolve parents, give new units their provisional paths, check the kind rules."""
        pending: list[tuple[RowValues, Record]] = []
        for values, record in parsed:
            node = self.ctx.orgs[record.key[0]]
            parent_code = record.extra["parent_code"]
            parent = None
            if parent_code:
                parent = self.ctx.orgs.get(parent_code)
                # A unit the sheet creates is in scope when its own parent is (checked via its path).
                if parent is None or (not parent.is_new and not self.ctx.in_scope(parent)):
                    values.fail("parent", msg.PARENT_UNKNOWN.format(value=parent_code))
                    parent = None
            if not node.is_new:
                current = node.parent
                if parent_code and parent is not None and parent is not current:
                    values.fail(
                        "parent", msg.PARENT_CHANGED.format(current=current.name if current else "无")
                    )
                parent = current
            node.parent = parent
            pending.append((values, record))
        # New units: a path once the parent has one (parents may sit below their children in the sheet).
        todo = [(v, r) for v, r in pending if self.ctx.orgs[r.key[0]].is_new]
        while todo:
            rest = []
            for values, record in todo:
                node = self.ctx.orgs[record.key[0]]
                if node.parent is None:
                    if not record.extra["parent_code"] and (
                        "/" not in self.ctx.paths or record.create["kind"] != Organization.Kind.COMMITTEE
                    ):
                        values.fail("parent", msg.ROOT_NOT_ALLOWED, value="")
                    node.path = self.ctx.new_org_path(None)
                elif node.parent.path:
                    node.path = self.ctx.new_org_path(node.parent)
                else:
                    rest.append((values, record))
            if len(rest) == len(todo):
                for values, record in rest:
                    values.fail("parent", msg.PARENT_CYCLE.format(value=record.extra["parent_code"]))
                    node = self.ctx.orgs[record.key[0]]
                    node.path = f"!{record.key[0]}/"  # unreachable: never inside anyone's scope
                    node.parent = None
                break
            todo = rest
        for values, record in pending:
            node = self.ctx.orgs[record.key[0]]
            kind = record.create["kind"]
            if kind and node.parent is not None:
                allowed = Organization.ALLOWED_CHILDREN[Organization.Kind(node.parent.kind)]
                if kind not in allowed:
                    values.fail(
                        "kind",
                        msg.KIND_UNDER_PARENT.format(
                            parent=KIND_LABELS[node.parent.kind], kind=KIND_LABELS[kind]
                        ),
                    )
            if not values.ok:
                continue
            node.name, node.kind = record.create["name"], kind
            if node.is_new:
                node.obj.name, node.obj.kind = node.name, kind
                record.obj = node.obj
                self.creates.append(record)
            else:
                record.pk = node.pk
                self.records.append(record)
        existing = self.fetch()
        for record in self.records:
            current = existing[record.key]
            changes = {f: v for f, v in record.update.items() if current[f] != v}
            (self.updates.append((record, changes, current)) if changes else self.unchanged.append(record))

    def fetch(self) -> dict[tuple, dict[str, Any]]:
        rows = Organization.objects.filter(pk__in=[r.pk for r in self.records]).values(
            "id", "code", "name", "kind"
        )
        return {(row["code"],): {"pk": row["id"], **row} for row in rows}

    def write_creates(self, tick: Callable[[int], None]) -> None:
        """Level by level: a unit's path needs its parent's id."""
        nodes = sorted((self.ctx.orgs[r.key[0]] for r in self.creates), key=lambda n: n.path.count("/"))
        by_depth: dict[int, list[OrgNode]] = {}
        for node in nodes:
            by_depth.setdefault(node.path.count("/"), []).append(node)
        for level in sorted(by_depth):
            objs = []
            for node in by_depth[level]:
                parent = node.parent
                if parent is not None:
                    node.obj.parent_id = parent.pk if parent.pk is not None else parent.obj.pk
                objs.append(node.obj)
            Organization.objects.bulk_create(objs)
            for node in by_depth[level]:
                parent = node.parent
                parent_path = "/" if parent is None else (parent.obj.path if parent.is_new else parent.path)
                node.obj.path = f"{parent_path}{node.obj.pk}/"
                node.obj.depth = node.obj.path.count("/") - 2
            Organization.objects.bulk_update(objs, ["path", "depth"])
            tick(len(objs))
        for record in self.creates:
            record.pk = record.obj.pk


class MemberSheet(SheetHandler):
    spec = SHEETS_BY_KEY["member"]
    model = Member

    def parse(self, values: RowValues) -> Record | None:
        name = values.text("name", required=True, limit=50)
        org = values.org("org")
        gender = values.choice("gender", GENDERS)
        id_number = values.get("id_number", self._id_number)
        mobile = values.get("phone", self._phone)
        category = values.choice("category", CATEGORIES)
        joined_on = values.date("joined_on")
        post = values.text("post", limit=100)
        department = values.text("department", limit=100)
        active = values.yes_no("active", default=None) if values.has("active") else None
        if id_number and gender and idcard.gender(id_number) != gender:
            values.fail("gender", msg.GENDER_MISMATCH)
        if not values.ok or org is None:
            return None
        if id_number and not gender:
            gender = idcard.gender(id_number)
        fields = {
            "gender": gender,
            "id_number": id_number or "",
            "phone": mobile or "",
            "category": category,
            "joined_on": joined_on,
            "post": post,
            "department": department,
        }
        update = {k: v for k, v in fields.items() if v not in ("", None)}
        create = {
            "name": name,
            **fields,
            "category": category or Member.Category.FULL,
            "is_active": active is not False,
        }
        key = ("id", digest(id_number)) if id_number else ("name", org.code, name)
        return Record(
            values.row,
            key,
            create,
            update,
            extra={"org": org, "name": name, "values": values, "active": active},
        )

    def remember_failed(self, values: RowValues) -> None:
        name = cells.text(values.raw("name")) if not cells.is_blank(values.raw("name")) else ""
        if name:
            self.ctx.failed.setdefault(("党员", name), values.row.number)

    @staticmethod
    def _id_number(value: Any) -> str:
        if cells.is_masked(value):  # an exported, masked number identifies nobody: ignore it
            return ""
        number = idcard.normalize(cells.text(value))
        problem = idcard.problem(number)
        if problem:
            raise cells.CellError(problem)
        return number

    @staticmethod
    def _phone(value: Any) -> str:
        if cells.is_masked(value):
            return ""
        number = phone.normalize(cells.text(value))
        problem = phone.problem(number)
        if problem:
            raise cells.CellError(problem)
        return number

    def describe_key(self, record: Record) -> str:
        return (
            "相同身份证号" if record.key[0] == "id" else f"{record.extra['org'].name} {record.extra['name']}"
        )

    def resolve(self) -> None:
        by_digest = {m.digest: m for m in self.ctx.members if m.digest}
        digests = [r.key[1] for r in self.records if r.key[0] == "id"]
        outside: set[str] = set()
        for batch in chunks(digests):
            outside |= set(
                Member.objects.filter(id_digest__in=batch)
                .exclude(pk__in=[by_digest[d].pk for d in batch if d in by_digest])
                .values_list("id_digest", flat=True)
            )
        matched: dict[int, Record] = {}
        created: dict[int, int] = {}  # id(new node) → its row
        for record in self.records:
            org, name, values = record.extra["org"], record.extra["name"], record.extra["values"]
            has_id = record.key[0] == "id"
            node = None
            if has_id:
                if record.key[1] in outside:
                    values.fail("id_number", ID_TAKEN.format(value=idcard.mask(record.create["id_number"])))
                    continue
                node = by_digest.get(record.key[1])
                if node is not None and node.org is not org:
                    values.fail("org", msg.MEMBER_ORG_CHANGED.format(current=node.org.name))
                    continue
            if node is None:
                # The same name in the same unit is the same person, unless both carry different ID numbers.
                same = [m for m in self.ctx.members_named(name, org) if not (has_id and m.digest)]
                if len(same) > 1:
                    values.fail(
                        "name",
                        msg.AMBIGUOUS_NAME.format(name=name, org=org.name, count=len(same), units=org.name),
                    )
                    continue
                node = same[0] if same else None
            if node is not None and (id(node) in created or node.pk in matched):
                first = created.get(id(node)) or matched[node.pk].row.number
                values.fail("name", msg.DUPLICATE_ROW.format(row=first, key=f"{org.name} {name}"))
                continue
            if node is None:
                obj = Member(**ref("org", org), **record.create)
                if obj.id_number:
                    obj.id_digest = record.key[1]
                node = MemberNode(name=name, org=org, obj=obj, digest=obj.id_digest, active=obj.is_active)
                self.ctx.add_member(node)
                if node.digest:
                    by_digest[node.digest] = node
                created[id(node)] = record.row.number
                record.obj = obj
                record.extra["node"] = node
                self.creates.append(record)
            else:
                wanted = record.extra["active"]
                if wanted is not None and wanted != node.active:
                    values.fail(
                        "active",
                        msg.MEMBER_ACTIVE_CHANGED.format(current="在册" if node.active else "已转出"),
                    )
                    continue
                record.pk = node.pk
                matched[node.pk] = record
        self._diff_existing(matched)

    def _diff_existing(self, matched: dict[int, Record]) -> None:
        fields = ["gender", "id_number", "phone", "category", "joined_on", "post", "department"]
        for batch in chunks(list(matched)):
            for member in Member.objects.filter(pk__in=batch).only("id", *fields):
                record = matched[member.pk]
                current = {f: getattr(member, f) for f in fields}
                changes = {f: v for f, v in record.update.items() if current.get(f) != v}
                if "id_number" in changes:
                    changes["id_digest"] = digest(changes["id_number"])
                (
                    self.updates.append((record, changes, current))
                    if changes
                    else self.unchanged.append(record)
                )

    def write_creates(self, tick: Callable[[int], None]) -> None:
        objs = [r.obj for r in self.creates]
        for obj in objs:
            if obj.org_id is None and obj.org is not None:
                obj.org_id = obj.org.pk
        for batch in chunks(objs, 1000):
            Member.objects.bulk_create(batch)
            tick(len(batch))
        for record in self.creates:
            record.pk = record.obj.pk
            record.extra["node"].pk = record.obj.pk


_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


class CampaignSheet(SheetHandler):
    spec = SHEETS_BY_KEY["campaign"]
    model = Campaign

    def remember_failed(self, values: RowValues) -> None:
        if not cells.is_blank(values.raw("code")):
            self.ctx.failed.setdefault(("学习教育", cells.code(values.raw("code"))), values.row.number)

    def parse(self, values: RowValues) -> Record | None:
        code = values.code("code", required=True)
        if code and not _SLUG.match(code):
            values.fail("code", CAMPAIGN_CODE_FORM.format(value=code))
        name = values.text("name", required=True, limit=100)
        start = values.date("start_date", required=True)
        end = values.date("end_date", required=True)
        org = values.org("org")
        if start and end and end < start:
            values.fail("end_date", msg.END_BEFORE_START)
        if not values.ok:
            return None
        fields = {"name": name, "start_date": start, "end_date": end}
        return Record(
            values.row,
            (code,),
            {"code": code, **fields, **ref("org", org)},
            {**fields, "org_id": org.pk} if org.pk else {**fields},
            extra={"org": org, "values": values},
        )

    def fetch(self) -> dict[tuple, dict[str, Any]]:
        rows = Campaign.objects.filter(code__in=[r.key[0] for r in self.records]).values(
            "id", "code", "name", "start_date", "end_date", "org_id"
        )
        return {(row["code"],): {"pk": row["id"], **row} for row in rows}

    def resolve(self) -> None:
        existing = self.fetch() if self.records else {}
        for record in list(self.records):
            current = existing.get(record.key)
            if current is not None and not self.ctx.in_scope(self.ctx.orgs_by_pk[current["org_id"]]):
                record.extra["values"].fail("code", CODE_TAKEN.format(value=record.key[0]))
                self.records.remove(record)
        super().resolve()
        org_changes_to_new = [r for r in self.records if r.pk and r.extra["org"].pk is None]
        for record in org_changes_to_new:
            record.extra["values"].fail("org", msg.UNKNOWN_ORG.format(value=record.extra["org"].code))
        # Later sheets assign rows to these campaigns (new, or with changed periods).
        for record in self.records:
            org = record.extra["org"]
            node = self.ctx.campaigns.get(record.key[0])
            if node is None:
                node = CampaignNode(
                    code=record.key[0],
                    name=record.create["name"],
                    org=org,
                    start=record.create["start_date"],
                    end=record.create["end_date"],
                    obj=record.obj,
                )
                self.ctx.campaigns[node.code] = node
            else:
                node.name, node.org = record.create["name"], org
                node.start, node.end = record.create["start_date"], record.create["end_date"]
        self.ctx.forget_campaign_cache()

    def build(self, record: Record) -> Campaign:
        obj = Campaign(**record.create)
        obj.created_at = self.ctx.now
        return obj

    def write_creates(self, tick: Callable[[int], None]) -> None:
        for record in self.creates:
            org = record.extra["org"]
            if org.pk is None:
                record.obj.org_id = org.obj.pk
        super().write_creates(tick)
        for record in self.creates:
            self.ctx.campaigns[record.key[0]].pk = record.obj.pk
