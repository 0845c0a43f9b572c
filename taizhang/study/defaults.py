"""The default activity types (DESIGN.md): their names are also the import vocabulary.

Codes are stable: reports.metrics counts by code (study.first_topic counts type "first_topic" …).
"""

from __future__ import annotations

DEFAULT_ACTIVITY_TYPES: tuple[tuple[str, str], ...] = (
    ("first_topic", "第一议题"),
    ("central_group", "理论学习中心组学习"),
    ("weekly_meeting", "周例会集体学习"),
    ("branch_concentrated", "支部集中学习"),
    ("reading_class", "读书班"),
    ("theme_party_day", "主题党日"),
    ("branch_general_meeting", "支部党员大会"),
    ("branch_committee", "支部委员会"),
    ("group_meeting", "党小组会"),
    ("party_lecture", "党课"),
    ("seminar", "专题研讨"),
    ("rectification_seminar", "整改专题研讨"),
    ("exchange_discussion", "交流讨论"),
    ("youth_forum", "青年干部座谈会"),
    ("clean_class", "清风课堂"),
    ("other", "其他"),
)


def ensure_default_activity_types(activity_type_model: type | None = None) -> None:
    """Create the default types that are missing (the data migration, and tests after a database flush)."""
    if activity_type_model is None:
        from taizhang.study.models import ActivityType as activity_type_model

    existing = set(activity_type_model.objects.filter(campaign=None).values_list("code", flat=True))
    for order, (code, name) in enumerate(DEFAULT_ACTIVITY_TYPES):
        if code not in existing:
            activity_type_model.objects.create(campaign=None, code=code, name=name, sort_order=order)
