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
