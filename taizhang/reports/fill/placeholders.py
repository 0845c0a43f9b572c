"""Finding the blanks in a user's draft: X, XX, x, ×, Ｘ, ＿＿/__, （  ）, X％ — and the debris to drop.

Pure functions on plain text; the readers in documents.py run them on a .txt/.md file's text or on the
text of a .docx paragraph rebuilt from its runs. Offsets are Python string indexes into that text.

What is NOT a placeholder (the point of the boundary rules): a letter x inside an ASCII word or number
("XML", "Excel", "x86", "20XX", "3×4"), a lone X standing between ASCII words ("Mac OS X 系统"),
X-ray style compounds ("X光", "X射线"), underscores inside identifiers ("file__name") and, in Markdown,
the underscores of __bold__ text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_X = "XxＸｘ×"
_ASCII_WORD = re.compile(r"[A-Za-z0-9Ａ-Ｚａ-ｚ０-９]")
_BLANKS = " \u3000\u00a0"

# One alternation, so overlapping forms are resolved left to right by the regex engine.
_PLACEHOLDER = re.compile(
    "|".join(
        [
            # X, XX, Ｘ, ×, and "X.X" (a rate with its decimal written as a blank too)
            # (a run of x's is taken whole or not at all: "0×X" and "X×0" are words, not blanks)
            rf"(?P<x>(?<![A-Za-z0-9Ａ-Ｚａ-ｚ０-９_{_X}])[{_X}]{{1,4}}(?:[.．][{_X}]{{1,2}})?"
            rf"(?![A-Za-z0-9Ａ-Ｚａ-ｚ０-９{_X}]|光|射线|轴|线))",
            # ＿＿ / __ (two or more), possibly mixed
            r"(?P<line>[_＿]{2,})",
            # （  ） / (  ) with blanks inside
            rf"(?P<paren>[（(][{_BLANKS}]+[）)])",
        ]
    )
)
_PERCENT_AFTER = re.compile(rf"[{_BLANKS}]*[%％]")
_MD_BOLD = re.compile(r"(?<![_\w])__(?=\S)(?P<inner>[^_\n]+?)(?<=\S)__(?![_\w])")

# Debris of the site a draft was bought from: ##paidbegin##, ##paidend## and the like.
DEBRIS = re.compile(r"##[A-Za-z_]{2,30}##")
_DEBRIS_LINE = re.compile(r"^[ \t\u3000]*##[A-Za-z_]{2,30}##[ \t\u3000]*(?:\r\n|\r|\n|$)", re.MULTILINE)


@dataclass(frozen=True)
class Placeholder:
    """One blank: [start, end) in the text; `percent` when a % sign follows it."""

    start: int
    end: int
    text: str
    percent: bool = False

    @property
    def kind(self) -> str:
        return "percent" if self.percent else "number"


def _nearest(text: str, index: int, step: int) -> str:
    """The nearest character that is not a blank, walking from index in direction step ("" at the edge)."""
    while 0 <= index < len(text):
        if text[index] not in _BLANKS:
            return text[index]
        index += step
    return ""


def _is_ascii_wordish(ch: str) -> bool:
    return bool(ch) and bool(_ASCII_WORD.match(ch))


def _markdown_bold_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _MD_BOLD.finditer(text):
        spans.append((m.start(), m.start() + 2))
        spans.append((m.end() - 2, m.end()))
    return spans


def find_placeholders(text: str, *, markdown: bool = False) -> list[Placeholder]:
    """Every placeholder in `text`, in order."""
    skip = _markdown_bold_spans(text) if markdown else []
    found: list[Placeholder] = []
    for m in _PLACEHOLDER.finditer(text):
        start, end = m.span()
        if m.lastgroup == "x":
            # "Mac OS X 系统": a lone X between ASCII words is a name, not a blank.
            if _is_ascii_wordish(_nearest(text, start - 1, -1)) or _is_ascii_wordish(_nearest(text, end, 1)):
                before_gap = start > 0 and text[start - 1] in _BLANKS
                after_gap = end < len(text) and text[end] in _BLANKS
                if before_gap or after_gap:
                    continue
        elif m.lastgroup == "line":
            if any(s <= start < e or s < end <= e for s, e in skip):
                continue
            before = text[start - 1] if start else ""
            after = text[end] if end < len(text) else ""
            if _is_ascii_wordish(before) and _is_ascii_wordish(after):
                continue  # snake__case identifiers
        percent = bool(_PERCENT_AFTER.match(text, end))
        found.append(Placeholder(start, end, m.group(), percent))
    return found


def remove_debris(text: str) -> tuple[str, int]:
    """The text without debris markers (a line holding only a marker goes entirely); and how many went."""
    count = len(DEBRIS.findall(text))
    if not count:
        return text, 0
    text = _DEBRIS_LINE.sub("", text)
    return DEBRIS.sub("", text), count


def debris_spans(text: str) -> list[tuple[int, int]]:
    """Where the debris markers are (for .docx, where runs are edited rather than the text replaced)."""
    return [m.span() for m in DEBRIS.finditer(text)]
