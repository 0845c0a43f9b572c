"""Where a report title breaks into lines (GB/T 9704-2012 7.3.1: "回行时，要做到词意完整，排列对称，长短适宜，
间距恰当，标题排列应当使用梯形或菱形").

    title_lines(text, phrases=(unit name, campaign name)) -> ["市行政审批服务局党委关于", "2023年第二批主题教育开展情况的报告"]

A title that fits on one line stays one line. Otherwise the fewest lines that fit are chosen, breaking only
between words, and among those breaks the one that reads best:

- words come from jieba (a dictionary segmenter, with a few words of this domain added so that 主题教育 or
  开展情况 stay whole), and the names the title is made of (the unit's, the campaign's) are kept whole
  where a break elsewhere will do;
- never inside a word, a number with its unit (2023年, 第二批, 5期), a pair of quotes or 书名号, nor next to
  的; never a line starting with closing punctuation or ending with opening punctuation;
- the best places are after 关于 (the usual break of a 公文 title: issuer 关于 / subject), then before it,
  then at the edges of the names;
- lines of even length are preferred, and three or more lines form a trapezoid or a diamond, never an
  hourglass (a middle line shorter than both ends).

Each candidate is scored in characters: the cost of its breaks plus the difference between its longest and
shortest line (more when the shortest is under 60 % of the longest); the lowest score wins (titles are short:
every partition is tried).
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import threading
from collections.abc import Iterable, Sequence
from typing import Any

# 小标宋 二号 (22 pt) in the 156 mm (442 pt) type area holds 20 characters; half a character is kept
# spare so that a line we measure at 20 is never wrapped again by the renderer.
TITLE_LINE_CHARS = 19.5

# Words of titles in this domain that the general dictionary splits (主题 / 教育): kept whole.
DOMAIN_WORDS = (
    "主题教育",
    "学习教育",
    "党纪学习教育",
    "党史学习教育",
    "开展情况",
    "工作情况",
    "工作总结",
    "总结报告",
    "行政审批",
    "政务服务",
    "服务中心",
    "八项规定",
    "中央八项规定精神",
    "党支部",
    "党总支",
    "党小组",
    "党委",
    "党组",
    "机关委员会",
    "第一批",
    "第二批",
    "习近平新时代中国特色社会主义思想",
)

_FORBIDDEN = math.inf
_AFTER_GUANYU = 0.0  # 某某党委关于 / 某某工作的报告
_BEFORE_GUANYU = 2.0
_PHRASE_EDGE = 2.0  # between a name and the words around it
_WORD = 4.0  # any other word boundary
_INSIDE_PHRASE = 6.0  # added inside a name (the unit's, the campaign's)
_HOURGLASS = 12.0  # a middle line shorter than both ends (by more than one character)
_STUB_RATIO = 0.6  # a line shorter than 60 % of the longest is a stub: 40 per unit of ratio below it
_STUB = 40.0

_NUMERAL = re.compile(r"[0-9０-９一二三四五六七八九十百千〇零两]$")
_MEASURE = re.compile(r"^[年月日批期届次个项件号季]")
_NO_LINE_START = set("，。、；：？！）》」』】〕”’·…—%％")
_NO_LINE_END = set("（《「『【〔“‘")
_PAIRS = {"“": "”", "‘": "’", "《": "》", "（": "）", "(": ")"}

_tokenizer: Any = None
_lock = threading.Lock()


def _jieba() -> Any:
    """One jieba tokenizer for the process, with the domain words, loaded on first use (about a second)."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            for word in DOMAIN_WORDS:
                tokenizer.add_word(word)
                tokenizer.suggest_freq(word, tune=True)
            _tokenizer = tokenizer
    return _tokenizer


def words(text: str) -> list[str]:
    """The text cut into words (dictionary only, no guessing of new words: the same text always cuts the same)."""
    return [w for w in _jieba().cut(text, HMM=False) if w]


def text_width(text: str) -> float:
    """Width in characters of the title face: digits and Latin letters take half a character."""
    return sum(0.5 if ord(ch) < 0x2000 else 1.0 for ch in text)


def _spans(text: str, phrases: Iterable[str]) -> list[tuple[int, int]]:
    """Where the names occur in the text (longest first, not overlapping)."""
    taken: list[tuple[int, int]] = []
    for phrase in sorted({p for p in phrases if p and len(p) > 1}, key=len, reverse=True):
        for match in re.finditer(re.escape(phrase), text):
            span = (match.start(), match.end())
            if all(span[1] <= a or span[0] >= b for a, b in taken):
                taken.append(span)
    return sorted(taken)


def _tokens(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """Words, cut so that every name starts and ends on a word boundary."""
    cuts = sorted({0, len(text), *(i for span in spans for i in span)})
    out: list[str] = []
    for start, end in itertools.pairwise(cuts):
        out.extend(words(text[start:end]))
    return out


def _inside_pair(text: str, at: int) -> bool:
    """True when position `at` falls between an opening quote or bracket and its partner."""
    depth: list[str] = []
    for ch in text[:at]:
        if ch in _PAIRS:
            depth.append(_PAIRS[ch])
        elif depth and ch == depth[-1]:
            depth.pop()
    return bool(depth)


def boundary_cost(text: str, at: int, spans: list[tuple[int, int]]) -> float:
    """The cost of breaking the title before position `at` (a word boundary)."""
    before, after = text[:at], text[at:]
    if not before or not after:
        return _FORBIDDEN
    if after[0] in _NO_LINE_START or before[-1] in _NO_LINE_END:
        return _FORBIDDEN
    if before.endswith("的") or after.startswith("的") or before.endswith("第"):
        return _FORBIDDEN
    if _NUMERAL.search(before) and (_MEASURE.match(after) or after[0].isdigit()):
        return _FORBIDDEN
    if _inside_pair(text, at):
        return _FORBIDDEN
    if before.endswith("关于"):
        cost = _AFTER_GUANYU
    elif after.startswith("关于"):
        cost = _BEFORE_GUANYU
    elif any(at in span for span in spans):
        cost = _PHRASE_EDGE
    else:
        cost = _WORD
    if any(start < at < end for start, end in spans):
        cost += _INSIDE_PHRASE
    return cost


def _shape_cost(widths: Sequence[float]) -> float:
    """Uneven lines cost their difference, a stub line and an hourglass much more."""
    cost = max(widths) - min(widths) + _STUB * max(0.0, _STUB_RATIO - min(widths) / max(widths))
    for i in range(1, len(widths) - 1):
        if widths[i] + 1 < widths[i - 1] and widths[i] + 1 < widths[i + 1]:
            cost += _HOURGLASS
    return cost


def title_lines(text: str, *, phrases: Iterable[str] = (), max_chars: float = TITLE_LINE_CHARS) -> list[str]:
    """The title's lines (one when it fits). A title with no acceptable break is returned whole, to wrap
    where the renderer puts it, rather than broken inside a word."""
    text = text.strip()
    if text_width(text) <= max_chars:
        return [text]
    spans = _spans(text, phrases)
    tokens = _tokens(text, spans)
    positions, at = [], 0
    for token in tokens[:-1]:
        at += len(token)
        positions.append(at)
    costs = {p: boundary_cost(text, p, spans) for p in positions}
    allowed = [p for p in positions if costs[p] < _FORBIDDEN]
    lines_needed = max(2, math.ceil(text_width(text) / max_chars))
    for n_lines in range(lines_needed, min(len(allowed) + 1, 6) + 1):
        best: tuple[float, list[str]] | None = None
        for cut in itertools.combinations(allowed, n_lines - 1):
            lines = [text[a:b] for a, b in itertools.pairwise((0, *cut, len(text)))]
            widths = [text_width(line) for line in lines]
            if max(widths) > max_chars:
                continue
            score = sum(costs[p] for p in cut) + _shape_cost(widths)
            if best is None or score < best[0]:
                best = (score, lines)
        if best is not None:
            return best[1]
    return [text]
