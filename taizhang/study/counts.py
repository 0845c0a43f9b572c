"""The per-activity counts stored on StudyActivity (n_attendance, n_expected, n_present, n_invited,
n_speakers): recomputed from the attendance and speech rows, never incremented, so a refresh is always
right whatever happened before it. Shared by the services, the importer, the demos, the migration that
introduced the counts and `taizhang recount`.

Counting rules (study.selectors, reports.metrics): 参与人次 = present rows (invitees too), 应到 = rows
that are not invitees, 实到 = present rows that are not invitees, 列席 = invitee rows, 研讨人次 = speeches.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps as global_apps
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from taizhang.study.models import COUNT_FIELDS

COUNTS = tuple(COUNT_FIELDS)
PRESENT = Q(status="present")
CONDITIONS: dict[str, tuple[str, Q]] = {
    "n_attendance": ("Attendance", PRESENT),
    "n_expected": ("Attendance", Q(invited=False)),
    "n_present": ("Attendance", PRESENT & Q(invited=False)),
    "n_invited": ("Attendance", Q(invited=True)),
    "n_speakers": ("Speech", Q()),
}
CHUNK = 500  # ids per UPDATE: well under SQLite's bound-parameter limit


def _counted(apps: Any, name: str) -> Coalesce:
    model_name, condition = CONDITIONS[name]
    rows = (
        apps.get_model("study", model_name)
        .objects.filter(condition, activity=OuterRef("pk"))
        .order_by()
        .values("activity")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def from_rows(qs: QuerySet, apps: Any = global_apps) -> QuerySet:
    """The activities annotated with their counts taken from the rows: c_<name> for each stored n_<name>."""
    return qs.annotate(**{f"c_{name[2:]}": _counted(apps, name) for name in COUNTS})


def refresh(activity_ids: Iterable[int] | None = None, apps: Any = global_apps) -> int:
    """Recount the given activities (None: all of them) from their rows. Returns the activities updated."""
    activity = apps.get_model("study", "StudyActivity")
    values = {name: _counted(apps, name) for name in COUNTS}
    if activity_ids is None:
        return activity.objects.update(**values)
    ids = sorted(set(activity_ids))
    done = 0
    for start in range(0, len(ids), CHUNK):
        done += activity.objects.filter(pk__in=ids[start : start + CHUNK]).update(**values)
    return done


def mismatched(qs: QuerySet | None = None, apps: Any = global_apps) -> QuerySet:
    """Activities whose stored counts differ from their rows (the empty queryset when all agree)."""
    if qs is None:
        qs = apps.get_model("study", "StudyActivity").objects.all()
    differs = Q()
    for name in COUNTS:
        differs |= ~Q(**{name: F(f"c_{name[2:]}")})
    return from_rows(qs.order_by(), apps).filter(differs)
