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


_OPENERS = "“‘"
_CLOSERS = "”’"


def nest_quotes(text: str) -> str:
    """Chinese quotation marks nested the standard way: “…‘…“…”…’…” (double outside, single inside, and so
    on by depth). Text reaches a report from many hands — a record titled “走流程” quoted again by the
    report's wording gives “…“走流程”…” — so the kind of each pair is decided here, by its depth alone.

    Straight quotes (") are paired first as “ and ” when their count is even (an odd count is left as
    typed). A quote without its partner is left as it is, so one stray mark never flips the rest."""
    if text.count('"') and text.count('"') % 2 == 0:
        parts = text.split('"')
        text = parts[0] + "".join(("“" if i % 2 else "”") + part for i, part in enumerate(parts[1:], start=1))
    if not any(ch in text for ch in _OPENERS + _CLOSERS):
        return text
    chars = list(text)
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for i, ch in enumerate(chars):
        if ch in _OPENERS:
            stack.append(i)
        elif ch in _CLOSERS and stack:
            pairs.append((stack.pop(), i))
    # Depth counts only the pairs around a pair: an opening mark that is never closed does not count.
    enclosing: list[int] = []  # close indexes of the pairs we are inside
    for opened, closed in sorted(pairs):
        while enclosing and enclosing[-1] < opened:
            enclosing.pop()
        depth = len(enclosing)
        chars[opened] = _OPENERS[depth % 2]
        chars[closed] = _CLOSERS[depth % 2]
        enclosing.append(closed)
    return "".join(chars)
