"""The 督办 board: every red or yellow item of every model that carries a light, by unit and by leader.

The models are discovered (core `lights` command's lit_models), never listed here, so measures,
problems and matters appear as soon as their apps exist. Each model is filtered by its own scope
capability, its live light is computed in SQL by the one rule (core.lights.light_case), and the counts
come from GROUP BY queries: a bounded number of queries per model, whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Count, Q
from django.urls import NoReverseMatch

from taizhang.core.access import Cap
from taizhang.core.lights import Light, light_case

ITEM_LIMIT = 200
UNASSIGNED = "未指定"


def _resolves(model: type[models.Model], path: str) -> bool:
    current = model
    for part in path.split("__"):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if field.is_relation and field.related_model is not None:
            current = field.related_model
        elif part != path.split("__")[-1]:
            return False
    return True


@dataclass(frozen=True)
class LitKind:
    model: type[models.Model]

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def cap(self) -> str:
        return getattr(self.model, "scope_view_cap", Cap.VIEW)

    @property
    def org_field(self) -> str:
        return self.model.light_org_field

    @property
    def leader_field(self) -> str | None:
        return self.model.light_leader_field

    @property
    def campaign_field(self) -> str | None:
        """`campaign`, or the campaign of the record the unit comes from (a measure: problem__campaign)."""
        if _resolves(self.model, "campaign"):
            return "campaign"
        prefix = self.org_field.rpartition("__")[0]
        if prefix and _resolves(self.model, f"{prefix}__campaign"):
            return f"{prefix}__campaign"
        return None

    def lit(self, *, user: Any, today: date, campaign: Any = None) -> models.QuerySet:
        """Red and yellow items of this kind in the user's scope (of the campaign, when given)."""
        qs = self.model._default_manager.within(user, self.cap)
        if campaign is not None and self.campaign_field:
            qs = qs.filter(**{self.campaign_field: campaign})
        live = light_case(self.model.light_deadline_field, self.model.light_closed_q, today)
        return qs.annotate(live_light=live).filter(live_light__in=(Light.RED, Light.YELLOW))


def lit_kinds() -> list[LitKind]:
    from taizhang.core.management.commands.lights import lit_models

    kinds = [LitKind(m) for m in lit_models() if hasattr(m._default_manager, "within")]
    # The plan's own tasks first, then the others in a stable order.
    return sorted(kinds, key=lambda k: (k.key != "plans.plantask", k.key))


COUNTS = {
    "red": Count("pk", filter=Q(live_light=Light.RED)),
    "yellow": Count("pk", filter=Q(live_light=Light.YELLOW)),
}


def lights_summary(*, user: Any, today: date, campaign: Any = None) -> dict[str, Any]:
    """Red and yellow counts per kind and in total (one query per kind)."""
    kinds = []
    for kind in lit_kinds():
        counts = kind.lit(user=user, today=today, campaign=campaign).order_by().aggregate(**COUNTS)
        kinds.append({"key": kind.key, "label": kind.label, **counts})
    return {
        "kinds": kinds,
        "red": sum(k["red"] for k in kinds),
        "yellow": sum(k["yellow"] for k in kinds),
    }


def _kind_filter(kind: LitKind, *, light: str = "", org_id: int | None = None, leader: str = "") -> Q:
    q = Q()
    if light:
        q &= Q(live_light=light)
    if org_id:
        q &= Q(**{f"{kind.org_field}__id": org_id})
    if leader == "none":
        if kind.leader_field:
            q &= Q(**{f"{kind.leader_field}__isnull": True})
    elif leader:
        q &= Q(**{f"{kind.leader_field}__id": int(leader)}) if kind.leader_field else Q(pk__in=[])
    return q


def lights_board(
    *,
    user: Any,
    today: date,
    campaign: Any = None,
    light: str = "",
    org_id: int | None = None,
    leader: str = "",
    kind_key: str = "",
    limit: int = ITEM_LIMIT,
) -> dict[str, Any]:
    """Counts by unit and by responsible leader (all red/yellow items), and the filtered items."""
    by_org: dict[int, dict[str, Any]] = {}
    by_leader: dict[int | None, dict[str, Any]] = {}
    kinds: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    candidates: list[tuple] = []  # (sort key, kind, pk, light) of the items that may be listed
    more = 0
    for kind in lit_kinds():
        base = kind.lit(user=user, today=today, campaign=campaign)
        org = kind.org_field
        total = {"red": 0, "yellow": 0}
        for row in (
            base.order_by()
            .values(f"{org}__id", f"{org}__name", f"{org}__short_name", f"{org}__path")
            .annotate(**COUNTS)
        ):
            entry = by_org.setdefault(
                row[f"{org}__id"],
                {
                    "id": row[f"{org}__id"],
                    "name": row[f"{org}__short_name"] or row[f"{org}__name"],
                    "path": row[f"{org}__path"],
                    "red": 0,
                    "yellow": 0,
                    "kinds": [],
                },
            )
            entry["red"] += row["red"]
            entry["yellow"] += row["yellow"]
            entry["kinds"].append({"label": kind.label, "red": row["red"], "yellow": row["yellow"]})
            total["red"] += row["red"]
            total["yellow"] += row["yellow"]
        kinds.append({"key": kind.key, "label": kind.label, **total})
        if kind.leader_field:
            leader_path = kind.leader_field
            for row in (
                base.order_by().values(f"{leader_path}__id", f"{leader_path}__name").annotate(**COUNTS)
            ):
                leader_id = row[f"{leader_path}__id"]
                entry = by_leader.setdefault(
                    leader_id,
                    {
                        "id": leader_id,
                        "name": row[f"{leader_path}__name"] or UNASSIGNED,
                        "red": 0,
                        "yellow": 0,
                    },
                )
                entry["red"] += row["red"]
                entry["yellow"] += row["yellow"]
        elif total["red"] or total["yellow"]:
            # Kinds with only a text owner (a practical matter's 责任人) have no leader to group by.
            entry = by_leader.setdefault(None, {"id": None, "name": UNASSIGNED, "red": 0, "yellow": 0})
            entry["red"] += total["red"]
            entry["yellow"] += total["yellow"]

        if kind_key and kind.key != kind_key:
            continue
        # Each kind's first items as plain values (id, light, deadline, title) to sort them all; only the
        # page's items are then fetched with their units and leaders: a city has thousands lit.
        model = kind.model
        found = list(
            base.filter(_kind_filter(kind, light=light, org_id=org_id, leader=leader))
            .order_by(model.light_deadline_field, "pk")
            .values_list("pk", "live_light", model.light_deadline_field, model.light_title_field)[: limit + 1]
        )
        if len(found) > limit:
            more += 1
            found = found[:limit]
        for pk, live, deadline, title in found:
            candidates.append(
                ((live != Light.RED, deadline or date.max, kind.label, str(title)), kind, pk, live)
            )
    candidates.sort(key=lambda c: c[0])
    truncated = len(candidates) > limit or more > 0
    shown = candidates[:limit]
    fetched: dict[str, dict[int, Any]] = {}
    for kind in lit_kinds():
        if kind_key and kind.key != kind_key:
            continue
        related = [kind.org_field] + ([kind.leader_field] if kind.leader_field else [])
        # One query per kind even when none of its items is shown (id 0 never exists): the page's query
        # count does not depend on the data (core/tests/test_query_counts.py).
        fetched[kind.key] = (
            kind.model._default_manager.select_related(*related)
            .defer(*_secret_fields(kind.model, related))
            .in_bulk([c[2] for c in shown if c[1].key == kind.key] or [0])
        )
    for _, kind, pk, live in shown:
        obj = fetched[kind.key][pk]
        obj.live_light = live  # as the board computed it for today
        item = _item(kind, obj, today)
        item["url"] = url_of(item.pop("obj"))
        items.append(item)
    return {
        "kinds": kinds,
        "red": sum(k["red"] for k in kinds),
        "yellow": sum(k["yellow"] for k in kinds),
        "by_org": sorted(by_org.values(), key=lambda e: (-e["red"], -e["yellow"], e["path"])),
        "by_leader": sorted(
            by_leader.values(), key=lambda e: (e["id"] is None, -e["red"], -e["yellow"], e["name"])
        ),
        "items": items,
        "truncated": truncated,
    }


def _secret_fields(model: Any, paths: list[str]) -> list[str]:
    """The encrypted fields (a leader's ID number and phone) behind the related paths: the board shows
    names only, and decrypting them for every item fetched costs more than the rest of the row."""
    from taizhang.core.fields import EncryptedCharField

    found = []
    for path in paths:
        related = model
        for part in path.split("__"):
            related = related._meta.get_field(part).related_model
        found += [f"{path}__{f.name}" for f in related._meta.fields if isinstance(f, EncryptedCharField)]
    return found


def url_of(obj: Any) -> str:
    """The record's page when its model has one (apps add get_absolute_url as their pages land)."""
    if not hasattr(obj, "get_absolute_url"):
        return ""
    try:
        return obj.get_absolute_url()
    except NoReverseMatch:
        return ""


def _follow(obj: Any, path: str | None) -> Any:
    if not path:
        return None
    current = obj
    for part in path.split("__"):
        current = getattr(current, part, None)
        if current is None:
            return None
    return current


def _item(kind: LitKind, obj: Any, today: date) -> dict[str, Any]:
    deadline = getattr(obj, kind.model.light_deadline_field)
    days = (today - deadline).days if deadline else None
    return {
        "kind": kind.label,
        "kind_key": kind.key,
        "title": str(getattr(obj, kind.model.light_title_field, "") or obj),
        "obj": obj,
        "org": _follow(obj, kind.org_field),
        "leader": _follow(obj, kind.leader_field),
        "deadline": deadline,
        "light": obj.live_light,
        "overdue_days": days if days is not None and days > 0 else 0,
        "days_left": -days if days is not None and days <= 0 else None,
    }
