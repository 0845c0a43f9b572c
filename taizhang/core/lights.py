"""Traffic lights (红黄绿灯) on open items with a deadline: plan tasks, problems, measures, matters.

One rule for all of them (DESIGN.md, "The rectification loop"):
    closed            -> done   (never red, whatever the date: the GitLab complaint in anchors.md)
    no deadline       -> green
    today > deadline  -> red
    deadline - today <= TAIZHANG_YELLOW_DAYS (3) -> yellow
    otherwise         -> green

`light_for` answers for one item in Python; `light_case` is the same rule as a SQL expression so
lists can filter and count by light without loading rows. Light changes are kept as Event rows
(kind "light") by `lights_refresh`, so a month that was red stays visible in history.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When


class Light(models.TextChoices):
    GREEN = "green", "绿灯"
    YELLOW = "yellow", "黄灯"
    RED = "red", "红灯"
    DONE = "done", "已完成"


def yellow_days() -> int:
    return settings.TAIZHANG_YELLOW_DAYS


def light_for(deadline: date | None, closed: bool, today: date, warn_days: int | None = None) -> str:
    if closed:
        return Light.DONE
    if deadline is None:
        return Light.GREEN
    if today > deadline:
        return Light.RED
    if (deadline - today).days <= (yellow_days() if warn_days is None else warn_days):
        return Light.YELLOW
    return Light.GREEN


def light_case(deadline_field: str, closed_q: Q, today: date, warn_days: int | None = None) -> Case:
    """The same rule as light_for, as an annotation: qs.annotate(light=light_case("deadline", Q(status="closed"), today))."""
    warn = yellow_days() if warn_days is None else warn_days
    return Case(
        When(closed_q, then=Value(Light.DONE)),
        When(**{f"{deadline_field}__isnull": True}, then=Value(Light.GREEN)),
        When(**{f"{deadline_field}__lt": today}, then=Value(Light.RED)),
        When(**{f"{deadline_field}__lte": today + timedelta(days=warn)}, then=Value(Light.YELLOW)),
        default=Value(Light.GREEN),
        output_field=models.CharField(),
    )


class LitModel(models.Model):
    """Mixin for models that carry a light. Subclasses name their deadline field and closed condition.

    `light` holds the last light recorded (by lights_refresh or by the service that changed the
    item); the live light is always light_for(...) of today, which the `current_light` property gives.
    """

    light_deadline_field = "deadline"
    light_closed_q = Q(status="done")
    # For the 督办 lists (red/yellow by unit and by responsible leader): the field naming the unit,
    # the responsible leader (a Member FK path, or None when the model has only a text owner) and
    # the title shown in lists.
    light_org_field = "org"
    light_leader_field: str | None = None
    light_title_field = "title"

    light = models.CharField(
        "红黄绿灯", max_length=8, choices=Light.choices, default=Light.GREEN, db_index=True
    )
    light_changed_at = models.DateTimeField("灯色变化时间", null=True, blank=True)

    class Meta:
        abstract = True

    def is_closed_for_light(self) -> bool:
        raise NotImplementedError

    @property
    def current_light(self) -> str:
        from taizhang.lib.dates import today

        return light_for(getattr(self, self.light_deadline_field), self.is_closed_for_light(), today())


def light_sync(obj: LitModel, *, actor: Any = None, today: date | None = None) -> str:
    """Recompute one item's light; record an Event when it changed. Call after a state change."""
    from django.utils import timezone

    from taizhang.core.services import event_record
    from taizhang.lib.dates import today as local_today

    new = light_for(getattr(obj, obj.light_deadline_field), obj.is_closed_for_light(), today or local_today())
    if new != obj.light:
        old = obj.light
        obj.light = new
        obj.light_changed_at = timezone.now()
        type(obj).objects.filter(pk=obj.pk).update(light=new, light_changed_at=obj.light_changed_at)
        event_record(obj, actor=actor, kind="light", from_state=old, to_state=new)
    return new


def lights_refresh(model: type[LitModel], *, today: date | None = None, queryset: Any = None) -> int:
    """Bring the stored light of every item of `model` up to date; one Event per change. Returns changes."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from taizhang.core.models import Event
    from taizhang.lib.dates import today as local_today

    day = today or local_today()
    qs = queryset if queryset is not None else model._default_manager.all()
    live = light_case(model.light_deadline_field, model.light_closed_q, day)
    changed = list(
        qs.annotate(live_light=live)
        .exclude(light=models.F("live_light"))
        .values_list("pk", "light", "live_light")
    )
    if not changed:
        return 0
    now = timezone.now()
    ct = ContentType.objects.get_for_model(model)
    with transaction.atomic():
        by_light: dict[str, list[int]] = {}
        for pk, _, new in changed:
            by_light.setdefault(new, []).append(pk)
        for new, pks in by_light.items():
            for start in range(0, len(pks), 500):
                model._default_manager.filter(pk__in=pks[start : start + 500]).update(
                    light=new, light_changed_at=now
                )
        Event.objects.bulk_create(
            [
                Event(content_type=ct, object_id=pk, at=now, kind="light", from_state=old, to_state=new)
                for pk, old, new in changed
            ],
            batch_size=1000,
        )
    return len(changed)
