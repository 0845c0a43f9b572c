"""Dates the way the campaign counts them: weeks of a campaign, quarters, Chinese formatting."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone


def today() -> date:
    """Today in Asia/Shanghai (the server may run in UTC)."""
    return timezone.localdate()


def cn(value: date | None) -> str:
    """2023年9月5日 (GB/T 9704: no leading zeros)."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def week_start(value: date) -> date:
    return value - timedelta(days=value.weekday())


def campaign_week(start: date, value: date) -> int:
    """1-based week number of `value` within a campaign that starts on `start` (weeks run Monday-Sunday)."""
    return (week_start(value) - week_start(start)).days // 7 + 1


def quarter(value: date) -> int:
    return (value.month - 1) // 3 + 1


def month_key(value: date) -> str:
    return f"{value.year}-{value.month:02d}"
