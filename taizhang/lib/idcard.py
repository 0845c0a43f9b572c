"""Chinese resident ID numbers (GB 11643-1999): check digit, birth date, gender, masking."""

from __future__ import annotations

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")


def normalize(value: str) -> str:
    """Upper-case the trailing x, drop spaces and turn full-width digits into ASCII."""
    from taizhang.lib.text import to_halfwidth

    return to_halfwidth(value or "").replace(" ", "").strip().upper()


def check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def problem(value: str) -> str | None:
    """Return why the number is invalid, in Chinese, or None when it is a valid 18-digit ID."""
    number = normalize(value)
    if len(number) != 18:
        return f"身份证号应为18位，实际为{len(number)}位"
    if not _PATTERN.match(number):
        return "身份证号前17位应为数字，最后一位为数字或X"
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "身份证号中的出生日期无效"
    if check_digit(number[:17]) != number[17]:
        return "身份证号校验位不正确"
    return None


def is_valid(value: str) -> bool:
    return problem(value) is None


def birth_date(value: str) -> date:
    number = normalize(value)
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender(value: str) -> str:
    """'male' or 'female' from the 17th digit (odd = male)."""
    return "male" if int(normalize(value)[16]) % 2 else "female"


def mask(value: str) -> str:
    """110***********1234: the first three and last four characters stay visible."""
    number = normalize(value)
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def make(area: str, born: date, sequence: int) -> str:
    """Build a valid ID number (used by the demo and by tests)."""
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)
