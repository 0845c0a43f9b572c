"""The shape every sheet handler shares: read each row's cells (collecting errors, never raising), find
the record a row updates by its natural key, then — only when the whole workbook is clean — write.

A handler lives for one import. `check` runs with no writes; `write` runs inside the import's single
transaction, after the handlers before it have written (so new units and members have their ids).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db import models

from taizhang.imports import cells
from taizhang.imports import messages as msg
from taizhang.imports.context import CampaignNode, ImportContext, OrgNode
from taizhang.imports.reader import Row, SheetData
from taizhang.imports.schema import SheetSpec

BATCH = 2000
NO_CAMPAIGN = frozenset({"无", "-", "—", "/"})
_MISSING = object()


class RowValues:
    """One row's cells by column key; errors are recorded against the row, the column and the value."""

    def __init__(self, row: Row, ctx: ImportContext) -> None:
        self.row = row
        self.ctx = ctx
        self.spec = row.sheet.spec
        self.ok = True

    def raw(self, key: str) -> Any:
        return self.row.value(key)

    def has(self, key: str) -> bool:
        return self.row.has(key)

    def fail(self, key: str, message: str, value: Any = _MISSING) -> None:
        self.ok = False
        shown = cells.display(self.raw(key) if value is _MISSING else value)
        self.ctx.errors.add(
            message,
            sheet=self.spec.name,
            row=self.row.number,
            column=self.spec.column(key).header if key else "",
            value=shown,
            cells=self.row.cells,
        )

    def get(
        self, key: str, parse: Callable[[Any], Any], *, required: bool = False, default: Any = None
    ) -> Any:
        if not self.row.has(key):
            return default
        if self.row.formula_without_value(key):
            self.fail(key, msg.FORMULA_NO_VALUE, value="")
            return default
        raw = self.row.value(key)
        if cells.is_blank(raw):
            if required:
                self.fail(key, msg.REQUIRED)
            return default
        try:
            return parse(raw)
        except cells.CellError as exc:
            self.fail(key, str(exc))
            return default

    def text(self, key: str, *, required: bool = False, limit: int | None = None) -> str:
        return self.get(key, lambda v: cells.text(v, limit=limit), required=required, default="")

    def long_text(self, key: str, *, required: bool = False) -> str:
        return self.get(key, cells.long_text, required=required, default="")

    def code(self, key: str, *, required: bool = False) -> str:
        return self.get(key, cells.code, required=required, default="")

    def date(self, key: str, *, required: bool = False) -> date | None:
        return self.get(key, cells.parse_date, required=required)

    def integer(
        self, key: str, *, required: bool = False, low: int | None = None, high: int | None = None
    ) -> int | None:
        return self.get(key, lambda v: cells.integer(v, low=low, high=high), required=required)

    def choice(self, key: str, mapping: dict[str, str], *, required: bool = False, default: str = "") -> str:
        return self.get(key, lambda v: cells.choice(v, mapping), required=required, default=default)

    def yes_no(self, key: str, *, default: bool = False) -> bool:
        return self.get(key, cells.yes_no, default=default)

    def names(self, key: str, *, required: bool = False) -> list[cells.NameEntry]:
        return self.get(key, cells.names, required=required, default=[])

    def org(self, key: str = "org") -> OrgNode | None:
        value = self.code(key, required=True)
        if not value:
            return None
        node = self.ctx.org(value)
        if node is None:
            self.fail(key, msg.UNKNOWN_ORG.format(value=value))
        return node

    def campaign(self, org: OrgNode | None, day: date | None) -> CampaignNode | None:
        """The row's campaign: the 学习教育编码 column when filled, else DESIGN.md's assignment rule."""
        wanted = self.code("campaign")
        if wanted in NO_CAMPAIGN:
            return None  # explicitly under no campaign (what the export writes for such records)
        if wanted:
            node = self.ctx.campaigns.get(wanted)
            if node is None:
                row = self.ctx.failed.get(("学习教育", wanted))
                message = (
                    msg.ROW_FAILED.format(what="学习教育编码", value=wanted, sheet="学习教育", row=row)
                    if row
                    else msg.UNKNOWN_CAMPAIGN.format(value=wanted)
                )
                self.fail("campaign", message)
            elif org is not None and not node.org.holds(org):
                self.fail("campaign", msg.ORG_OUTSIDE_CAMPAIGN.format(org=org.name, campaign=node.name))
            return node
        if org is None:
            return None
        return self.ctx.campaign_for(org, day)


@dataclass
class Record:
    """A clean row: its natural key, the values to create it with, and those to update it with
    (blank cells are left out of `update`, so re-importing a thinner sheet never erases data)."""

    row: Row
    key: tuple
    create: dict[str, Any]
    update: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
    pk: int | None = None
    obj: Any = None


def ref(field_name: str, node: Any) -> dict[str, Any]:
    """A foreign key to a node that may not exist yet: the id when it does, else the unsaved object
    (bulk_create fills in its id once the parent is written earlier in the same transaction)."""
    if node is None:
        return {field_name: None}
    if node.pk is not None:
        return {f"{field_name}_id": node.pk}
    return {field_name: node.obj}


def node_pk(node: Any) -> int | None:
    if node is None:
        return None
    return node.pk if node.pk is not None else node.obj.pk


def fast_insert(model: type[models.Model], columns: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT plain tuples with executemany, for child rows nobody needs the ids of (attendance,
    speeches). The values must already be what the columns store (ids, strings, booleans)."""
    from django.db import connection

    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})", rows)


def chunks(items: list, size: int = 900) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SheetHandler:
    """Base for the twelve sheets. Subclasses set spec and model and write parse() and fetch()."""

    spec: ClassVar[SheetSpec]
    model: ClassVar[type[models.Model]]
    # Fields compared and updated on an existing record (the keys of Record.update).
    events: ClassVar[bool] = False  # write a creation Event (动态) for each new record
    status_field: ClassVar[str] = "status"

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.records: list[Record] = []
        self.creates: list[Record] = []
        self.updates: list[tuple[Record, dict[str, Any], dict[str, Any]]] = []  # record, changes, before
        self.unchanged: list[Record] = []
        self.extra_counts: dict[str, int] = {}
        self._seen: dict[tuple, int] = {}

    # --- checking ---------------------------------------------------------------------------

    def check(self, sheet: SheetData, tick: Callable[[], None]) -> None:
        for row in sheet.rows():
            values = RowValues(row, self.ctx)
            record = self.parse(values)
            tick()
            if record is None or not values.ok:
                self.remember_failed(values)
                continue
            first = self._seen.get(record.key)
            if first is not None:
                values.fail("", msg.DUPLICATE_ROW.format(row=first, key=self.describe_key(record)), value="")
                continue
            self._seen[record.key] = row.number
            self.records.append(record)
        self.resolve()

    def parse(self, values: RowValues) -> Record | None:
        raise NotImplementedError

    def remember_failed(self, values: RowValues) -> None:
        """Hook: note the key of a failed row that later sheets refer to (see ImportContext.failed)."""

    def describe_key(self, record: Record) -> str:
        return "、".join(str(part.code if hasattr(part, "code") else part) for part in record.key if part)

    def fetch(self) -> dict[tuple, dict[str, Any]]:
        """Existing rows that the records may match: natural key → {"pk": …, field: value …}."""
        raise NotImplementedError

    def resolve(self) -> None:
        existing = self.fetch() if self.records else {}
        for record in self.records:
            current = existing.get(record.key)
            if current is None:
                record.obj = self.build(record)
                self.creates.append(record)
                continue
            record.pk = current["pk"]
            changes = {f: v for f, v in record.update.items() if current.get(f) != v}
            self.matched(record, current)
            if changes:
                self.updates.append((record, changes, current))
            else:
                self.unchanged.append(record)

    def build(self, record: Record) -> models.Model:
        return self.model(**record.create)

    def matched(self, record: Record, current: dict[str, Any]) -> None:
        """Hook: a record found its existing row (handlers with child rows diff them here)."""

    # --- figures for the preview ------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.creates),
            "updated": len(self.updates),
            "unchanged": len(self.unchanged),
            **self.extra_counts,
        }

    @property
    def work(self) -> int:
        """Rows this handler will write, for the progress bar."""
        return len(self.creates) + len(self.updates)

    # --- writing ----------------------------------------------------------------------------

    def write(self, tick: Callable[[int], None]) -> None:
        self.write_creates(tick)
        self.write_updates(tick)

    def stamp(self, obj: models.Model) -> None:
        """created_by / created_at and, for lit models, the light as of today."""
        if hasattr(obj, "created_by_id") and self.ctx.actor is not None:
            obj.created_by = self.ctx.actor
        if hasattr(obj, "light_deadline_field"):
            from taizhang.core.lights import light_for

            obj.light = light_for(
                getattr(obj, obj.light_deadline_field), obj.is_closed_for_light(), self.ctx.today
            )
            obj.light_changed_at = self.ctx.now

    def write_creates(self, tick: Callable[[int], None]) -> None:
        objs = [r.obj for r in self.creates]
        for obj in objs:
            self.stamp(obj)
        for batch in chunks(objs, BATCH):
            self.model.objects.bulk_create(batch)
            tick(len(batch))
        for record in self.creates:
            record.pk = record.obj.pk
        if self.events and objs:
            self.write_events(
                [(obj.pk, "created", "", getattr(obj, self.status_field, "")) for obj in objs],
                note="导入新增",
            )

    def write_updates(self, tick: Callable[[int], None]) -> None:
        status_changes = []
        for record, changes, before in self.updates:
            self.model.objects.filter(pk=record.pk).update(**self.update_values(changes))
            if self.events and self.status_field in changes:
                status_changes.append(
                    (record.pk, "status", before.get(self.status_field, ""), changes[self.status_field])
                )
            tick(1)
        if status_changes:
            self.write_events(status_changes, note="导入更新")
        if self.updates and hasattr(self.model, "light_deadline_field"):
            from taizhang.core.lights import lights_refresh

            pks = [record.pk for record, _, _ in self.updates]
            for batch in chunks(pks):
                lights_refresh(
                    self.model, today=self.ctx.today, queryset=self.model.objects.filter(pk__in=batch)
                )

    def update_values(self, changes: dict[str, Any]) -> dict[str, Any]:
        values = dict(changes)
        if any(f.name == "updated_at" for f in self.model._meta.concrete_fields):
            values["updated_at"] = self.ctx.now
        return values

    def write_events(self, rows: list[tuple[int, str, str, str]], *, note: str) -> None:
        from taizhang.core.models import Event

        ct = ContentType.objects.get_for_model(self.model)
        actor = self.ctx.actor
        Event.objects.bulk_create(
            [
                Event(
                    content_type=ct,
                    object_id=pk,
                    at=self.ctx.now,
                    actor=actor,
                    kind=kind,
                    from_state=from_state,
                    to_state=to_state,
                    note=note,
                )
                for pk, kind, from_state, to_state in rows
            ],
            batch_size=BATCH,
        )
