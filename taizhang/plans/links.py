"""Records that can fulfil a plan task (PlanTaskLink is generic over content types).

One entry per kind of record: how to find candidates (campaign, unit subtree, search, date), how to
show one. Adding a kind is one entry here; nothing else in the app names these models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When

from taizhang.core.access import Cap


@dataclass(frozen=True)
class Linkable:
    key: str
    label: str
    model_label: str
    date_field: str
    title_field: str
    search_fields: tuple[str, ...]
    related: tuple[str, ...] = ()
    # A type column the task's required activity type is compared with (study activities only).
    type_field: str | None = None

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @property
    def view_cap(self) -> str:
        return getattr(self.model, "scope_view_cap", Cap.VIEW)

    def content_type(self) -> ContentType:
        return ContentType.objects.get_for_model(self.model)

    def date_of(self, obj: Any) -> date | None:
        value = getattr(obj, self.date_field, None)
        if isinstance(value, datetime):
            from django.utils import timezone

            return timezone.localtime(value).date()
        return value

    def title_of(self, obj: Any) -> str:
        return str(getattr(obj, self.title_field, "") or obj)

    def extra_of(self, obj: Any) -> str:
        parts = []
        if self.type_field and getattr(obj, self.type_field, None) is not None:
            parts.append(str(getattr(obj, self.type_field)))
        org = getattr(obj, "org", None)
        if org is not None:
            parts.append(org.display_name)
        return " · ".join(parts)


LINKABLES: tuple[Linkable, ...] = (
    Linkable(
        "activity",
        "学习活动",
        "study.StudyActivity",
        "date",
        "topic",
        ("topic", "place", "host"),
        ("type", "org"),
        type_field="type",
    ),
    Linkable(
        "visit", "调研", "outreach.ResearchVisit", "date", "subject", ("subject", "place", "leader"), ("org",)
    ),
    Linkable("matter", "办实事", "outreach.PracticalMatter", "done_on", "title", ("title",), ("org",)),
    Linkable(
        "institution",
        "制度",
        "rectification.Institution",
        "issued_on",
        "name",
        ("name", "doc_number"),
        ("org",),
    ),
    Linkable("report", "总结报告", "reports.Report", "created_at", "title", ("title",), ("org",)),
)
BY_KEY = {item.key: item for item in LINKABLES}


def linkable_for_content_type(ct_id: int) -> Linkable | None:
    for item in LINKABLES:
        if item.content_type().pk == ct_id:
            return item
    return None


def candidates(*, user: Any, task: Any, kind: Linkable, q: str = "", limit: int = 30) -> list[Any]:
    """Records of the task's campaign in the task unit's subtree that the user may see, best first:
    the required activity type first, then those dated within the task's planned days, then newest."""
    model = kind.model
    qs = model._default_manager.within(user, kind.view_cap).in_subtree(task.org)
    if task.campaign_id:
        qs = qs.filter(campaign_id=task.campaign_id)
    if q:
        query = Q()
        for name in kind.search_fields:
            query |= Q(**{f"{name}__icontains": q})
        qs = qs.filter(query)
    order: list[Any] = []
    if kind.type_field and task.required_type_id:
        qs = qs.annotate(
            _type_rank=Case(
                When(**{f"{kind.type_field}__code": task.required_type.code}, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        order.append("_type_rank")
    if kind.date_field != "created_at":
        qs = qs.annotate(
            _date_rank=Case(
                When(
                    **{f"{kind.date_field}__range": (task.planned_start, task.planned_end)},
                    then=Value(0),
                ),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        order.append("_date_rank")
    order += [f"-{kind.date_field}", "-pk"]
    return list(qs.select_related(*kind.related).order_by(*order)[:limit])
