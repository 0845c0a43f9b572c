"""Mainland mobile and landline numbers: validation and masking."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def normalize(value: str) -> str:
    from taizhang.lib.text import to_halfwidth

    cleaned = to_halfwidth(value or "").strip().replace(" ", "")
    if cleaned.startswith("+86"):
        cleaned = cleaned[3:]
    return cleaned


def problem(value: str) -> str | None:
    number = normalize(value)
    if _MOBILE.match(number) or _LANDLINE.match(number):
        return None
    return "手机号应为11位、以1开头的号码（或带区号的固定电话）"


def mask(value: str) -> str:
    """138****5678 for mobiles; the last four digits for anything else."""
    number = normalize(value)
    if len(number) == 11:
        return number[:3] + "****" + number[-4:]
    if len(number) <= 4:
        return "*" * len(number)
    return "*" * (len(number) - 4) + number[-4:]
