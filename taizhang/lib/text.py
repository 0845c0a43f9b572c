"""Small text helpers shared by forms, imports and the draft filler."""

from __future__ import annotations

import re

_FULLWIDTH = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH["\u3000"] = " "
_TRANSLATE = str.maketrans(_FULLWIDTH)


def to_halfwidth(value: str) -> str:
    """Turn full-width ASCII (０-９, Ａ-Ｚ, full-width space …) into its half-width form."""
    return value.translate(_TRANSLATE)


_SPACES = re.compile(r"[\s\u3000\u00a0]+")


def squeeze(value: str | None) -> str:
    """Strip and collapse runs of whitespace (including ideographic and no-break spaces)."""
    if value is None:
        return ""
    return _SPACES.sub(" ", str(value)).strip()


def one_decimal(value: float) -> float:
    """Round half up to one decimal, as Chinese reports print rates (66.65 -> 66.7)."""
    from decimal import ROUND_HALF_UP, Decimal

    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def book_title(title: str) -> str:
    """A book's title in 书名号, once: titles are entered with or without them (《习近平著作选读》第一卷)."""
    return title if title.startswith("《") else f"《{title}》"
