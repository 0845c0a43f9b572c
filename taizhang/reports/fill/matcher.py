"""Matching each blank of a draft to one catalog metric, from the words around it — or refusing.

For a blank, within its sentence (split on 。；！？ and line ends) and its clause (split on ，、 and table
cells):

1. the unit written after it (次, 期, 人次, 个, 项, 件, 人, %, 小时 …) — it must fit the metric's unit:
   人次 never matches a 次 metric, % only a ratio, 篇 or 户 nothing at all;
2. the subject: the thing named right after the unit ("X期读书研讨班"), else the nearest one before the
   blank in its clause, else the one carried forward from earlier clauses of the sentence
   ("共组织开展X期读书研讨班，参与X人次" — the second blank is still about the reading classes); strong
   subjects before weak ones ("学习" alone, "党员");
3. the facet: which figure of that subject ("参与" → attendance, "研讨" → speakers, "已完成" → done,
   "整改率" → rate, "新建"/"完善" → new/improved institutions); without one, the unit's default
   (a count for 次/个/项, the rate for %).

The metric is the one whose (subject, facet) is that, among those whose unit fits. When the words point
to two metrics at once (a tie), or to none, the blank stays unmatched and the reason says why: the
filler refuses rather than guesses. Every decision keeps the words that made it (`Match.evidence`).

The work per blank is bounded, so a draft costs work in proportion to its number of blanks (issue 16
F6: a 762 KB draft of 30,000 blanks on one line took 28.7 s, growing faster than linearly): a blank reads
at most LOOK_BACK characters of its sentence before it and LOOK_AHEAD after it (a sentence of an
ordinary report is far shorter; only a line of thousands of characters without 。；！？ is read as
pieces), and the blank before it in its clause is its neighbour in the (ordered) list, not found by
searching every blank of the sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from taizhang.reports import metrics
from taizhang.reports.fill import synonyms
from taizhang.reports.fill.placeholders import Placeholder
from taizhang.reports.fill.synonyms import Term

SENTENCE_ENDS = "。；;！!？?\n\r"
CLAUSE_ENDS = "，,、\t|"
MASK = "\ue000"  # stands in for a blank while phrases are searched, so no phrase runs across one

HIGH, MEDIUM = 0.85, 0.7
LOOK_BACK, LOOK_AHEAD = 400, 100  # characters of its sentence a blank reads before / after itself


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str
    term: Term
    display: str = ""  # the words as explanations show them ("党支部…集中学习" for a phrase with a gap)

    @property
    def words(self) -> str:
        return re.sub('[“”"]', "", self.display or self.text)

    @property
    def subject(self) -> str | None:
        return self.term.subject


@dataclass
class Match:
    """The decision for one blank. `key` is None when the blank is refused (see `reason`)."""

    index: int
    placeholder: Placeholder
    key: str | None
    confidence: float
    unit: str | None
    reason: str
    evidence: dict = field(default_factory=dict)  # synonym, facet_word, unit, carried, default
    candidates: list[str] = field(default_factory=list)  # the tied metrics, when refused for a tie
    context: str = ""  # the sentence, the blank shown as 【X】
    context_before: str = ""
    context_after: str = ""
    sentence_start: int = 0

    @property
    def matched(self) -> bool:
        return self.key is not None

    @property
    def confidence_label(self) -> str:
        if self.key is None:
            return "未匹配"
        if self.confidence >= HIGH:
            return "高"
        if self.confidence >= MEDIUM:
            return "中"
        return "低"

    def as_dict(self) -> dict:
        return {
            "index": self.index,
            "placeholder": self.placeholder.text,
            "start": self.placeholder.start,
            "key": self.key,
            "confidence": round(self.confidence, 2),
            "confidence_label": self.confidence_label,
            "unit": self.unit,
            "reason": self.reason,
            "evidence": self.evidence,
            "candidates": self.candidates,
            "context": self.context,
            "context_before": self.context_before,
            "context_after": self.context_after,
        }


# --- vocabulary, compiled once per catalog -------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    terms: tuple[tuple[re.Pattern, Term], ...]
    senses: dict  # key → (subject, facet)
    units: dict  # key → catalog unit
    labels: dict  # key → label


@lru_cache(maxsize=4)
def _vocabulary(catalog_keys: tuple[str, ...]) -> Vocabulary:
    rows = [r for r in metrics.catalog_rows() if r["key"] in catalog_keys]
    terms: list[Term] = []
    for subject, phrases in synonyms.SUBJECTS.items():
        for pattern, strong in phrases:
            terms.append(Term(pattern, subject=subject, subject_strong=strong))
    terms.extend(synonyms.FACETS)
    terms.extend(synonyms.labels_as_terms(rows))
    senses = {r["key"]: synonyms.SENSES.get(r["key"], (r["key"], "count")) for r in rows}
    return Vocabulary(
        terms=tuple((re.compile(t.pattern), t) for t in terms),
        senses=senses,
        units={r["key"]: r["unit"] for r in rows},
        labels={r["key"]: r["label"] for r in rows},
    )


def vocabulary() -> Vocabulary:
    return _vocabulary(tuple(metrics.CATALOG))


def tokenize(text: str, vocab: Vocabulary) -> list[Token]:
    """The phrases of `text`, longest first where they overlap (读书研讨班 over 研讨, 完善制度 over 完善)."""
    found: list[Token] = []
    for regex, term in vocab.terms:
        for m in regex.finditer(text):
            if m.end() > m.start():
                display = ""
                groups = m.groupdict()
                if groups.get("a") and groups.get("b") and m.end("a") < m.start("b"):
                    display = f"{groups['a']}…{groups['b']}"
                found.append(Token(m.start(), m.end(), m.group(), term, display))
    found.sort(key=lambda t: (-(t.end - t.start), t.start))
    taken: list[Token] = []
    # Which characters a kept token covers, and the spans kept: an overlap is found by looking at the
    # token's own characters (phrases are short), not by comparing it with every token kept so far.
    covered = bytearray(len(text))
    spans: set[tuple[int, int]] = set()
    for token in found:
        if any(covered[token.start : token.end]):
            # Same span, another reading (参学 is a subject and a facet): keep both.
            if (token.start, token.end) not in spans:
                continue
        taken.append(token)
        spans.add((token.start, token.end))
        covered[token.start : token.end] = b"\x01" * (token.end - token.start)
    taken.sort(key=lambda t: (t.start, t.end))
    return taken


# --- sentences, clauses, units ---------------------------------------------------------------------


def _bounds(text: str, pos: int, stops: str, lo: int, hi: int) -> tuple[int, int]:
    start = pos
    while start > lo and text[start - 1] not in stops:
        start -= 1
    end = pos
    while end < hi and text[end] not in stops:
        end += 1
    return start, end


def read_unit(text: str, pos: int, limit: int) -> tuple[str | None, int]:
    """The unit written at `pos` (after a blank) and where it ends; (None, pos) when there is none."""
    m = synonyms.UNIT_PATTERN.match(text, pos, limit)
    if not m:
        return None, pos
    unit = m.group(1)
    return ("%" if unit == "％" else unit), m.end()


def _mask(text: str, placeholders: list[Placeholder]) -> str:
    pieces, pos = [], 0
    for p in placeholders:
        pieces += [text[pos : p.start], MASK * (p.end - p.start)]
        pos = p.end
    pieces.append(text[pos:])
    return "".join(pieces)


# --- the decision ----------------------------------------------------------------------------------


@dataclass
class _Candidate:
    token: Token
    origin: str  # head, own, own_far, carried, weak, carried_weak
    base: float


_BASE = {"head": 0.95, "own": 0.95, "own_far": 0.85, "carried": 0.85, "weak": 0.75, "carried_weak": 0.7}


def _display(vocab: Vocabulary, key: str) -> str:
    return vocab.labels.get(key, key)


class _Refusal(Exception):
    def __init__(self, reason: str, candidates: list[str] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.candidates = candidates or []


def _resolve(
    vocab: Vocabulary,
    subject: str,
    subject_token: Token,
    facet_tokens: list[Token],
    unit: str | None,
    *,
    own: bool = True,
) -> tuple[list[str], Token | None]:
    """The metrics of `subject` that the unit and the facet words allow, and the facet word used.

    Raises _Refusal on a tie between facets; returns [] when the subject has no fitting metric."""
    keys = [k for k, (s, _) in vocab.senses.items() if s == subject]
    if unit is not None:
        fits = synonyms.UNITS.get(unit, frozenset())
        keys = [k for k in keys if vocab.units[k] in fits]
    if not keys:
        return [], None
    available = {vocab.senses[k][1] for k in keys}

    def pick(facets: set[str]) -> list[str]:
        return [k for k in keys if vocab.senses[k][1] in facets]

    if own and subject_token.term.facets:
        wanted = set(subject_token.term.facets) & available
        return (pick(wanted), None) if wanted else ([], None)
    others = [t for t in facet_tokens if t is not subject_token]
    strong = [t for t in others if t.term.facet_strong]
    weak = [t for t in others if not t.term.facet_strong]
    strong_facets = set().union(*(t.term.facets for t in strong)) if strong else set()
    if strong_facets:
        applicable = strong_facets & available
        if not applicable:
            return [], None  # 参与 said: a subject without attendance is not the one meant
        if len(applicable) > 1:
            raise _Refusal(
                "同一分句中的词语指向多个指标",
                [_display(vocab, k) for k in pick(applicable)],
            )
        used = next(t for t in strong if t.term.facets & applicable)
        return pick(applicable), used
    for token in reversed(weak):  # the nearest weak facet word that applies
        applicable = set(token.term.facets) & available
        if applicable:
            return pick(applicable), token
    if subject_token.term.facets:
        # A carried label ("读书班参与人次 | X"): its own figure, when the clause names no other.
        wanted = set(subject_token.term.facets) & available
        if wanted:
            return pick(wanted), None
    default = synonyms.UNIT_FACET.get(unit or "")
    if default in available:
        return pick({default}), None
    if len(available) == 1 or (unit is None and "count" in available and len(keys) == 1):
        return keys, None
    if unit is None and "count" in available:
        return pick({"count"}), None
    return keys, None


def _explain(
    vocab: Vocabulary, key: str, cand: _Candidate | None, facet: Token | None, unit: str | None
) -> tuple[str, dict]:
    parts = []
    evidence: dict = {"unit": unit, "synonym": None, "facet_word": None, "carried": None, "default": None}
    if cand is not None:
        evidence["synonym"] = cand.token.words
        if cand.origin in {"carried", "carried_weak", "own_far"}:
            evidence["carried"] = cand.token.words
            parts.append(f"沿用前文主语“{cand.token.words}”")
        else:
            parts.append(f"“{cand.token.words}”")
    else:
        evidence["default"] = unit
        parts.append(f"仅凭单位“{unit}”")
    if facet is not None:
        evidence["facet_word"] = facet.text
        parts.append(f"“{facet.text}”")
    if unit and cand is not None:
        parts.append(f"单位“{unit}”")
    elif unit is None:
        parts.append("空格后无单位")
    return " + ".join(parts), evidence


def match_placeholders(text: str, placeholders: list[Placeholder]) -> list[Match]:
    """Decide every blank of `text`. Deterministic: the same text always gives the same matches."""
    vocab = vocabulary()
    masked = _mask(text, placeholders)
    # Each blank's sentence, read at most LOOK_BACK / LOOK_AHEAD characters from the blank.
    spans = [
        _bounds(text, p.start, SENTENCE_ENDS, max(0, p.start - LOOK_BACK), min(len(text), p.end + LOOK_AHEAD))
        for p in placeholders
    ]
    results = []
    tokens: list[Token] = []
    starts: list[int] = []
    group_end = -1
    for index, p in enumerate(placeholders):
        s_start, s_end = spans[index]
        if s_start > group_end:
            # The phrases are found once for a run of blanks whose spans touch (a sentence, or the part of
            # a very long one around its blanks), so no text is searched twice.
            group_end, j = s_end, index + 1
            while j < len(spans) and spans[j][0] <= group_end:
                group_end = max(group_end, spans[j][1])
                j += 1
            tokens = [
                Token(t.start + s_start, t.end + s_start, t.text, t.term, t.display)
                for t in tokenize(masked[s_start:group_end], vocab)
            ]
            starts = [t.start for t in tokens]
        own = tokens[bisect_left(starts, s_start) : bisect_right(starts, s_end)]
        own = [t for t in own if t.end <= s_end]
        before = placeholders[index - 1] if index and placeholders[index - 1].start >= s_start else None
        results.append(_match_one(vocab, text, p, index, own, before, (s_start, s_end)))
    return results


def _context(text: str, p: Placeholder, s_start: int, s_end: int, width: int = 60) -> tuple[str, str]:
    """The words before and after the blank within its sentence (shortened with … when long)."""
    before = text[max(s_start, p.start - width) : p.start].lstrip()
    after = text[p.end : min(s_end + 1, p.end + width // 2, len(text))].rstrip("\r\n")
    lead = "…" if p.start - width > s_start else ""
    trail = "…" if p.end + width // 2 < s_end else ""
    return lead + before, after + trail


def _match_one(
    vocab: Vocabulary,
    text: str,
    p: Placeholder,
    index: int,
    tokens: list[Token],
    previous: Placeholder | None,
    sentence: tuple[int, int],
) -> Match:
    s_start, s_end = sentence
    c_start, c_end = _bounds(text, p.start, SENTENCE_ENDS + CLAUSE_ENDS, s_start, s_end)
    unit, unit_end = read_unit(text, p.end, c_end)
    if p.percent:
        unit = "%"
    # Facet words count from the previous blank of the clause on, so "查摆问题X个已整改X个" keeps apart.
    floor = c_start
    if previous is not None and c_start <= previous.start < p.start:
        _, prev_unit_end = read_unit(text, previous.end, c_end)
        floor = max(previous.end, prev_unit_end)
    head_limit = (unit_end if unit else p.end) + 2
    head = [t for t in tokens if (unit_end if unit else p.end) <= t.start <= head_limit and t.end <= c_end]
    before = [t for t in tokens if c_start <= t.start and t.end <= p.start]
    carried = [t for t in tokens if t.end <= c_start and t.subject]

    facet_tokens = [t for t in before if t.start >= floor and t.term.facets] + [
        t for t in head if t.term.facets
    ]

    candidates: list[_Candidate] = []
    seen: set[tuple[int, int, str | None]] = set()

    def add(token: Token, origin: str) -> None:
        marker = (token.start, token.end, token.subject)
        if token.subject and marker not in seen:
            seen.add(marker)
            candidates.append(_Candidate(token, origin, _BASE[origin]))

    for t in head:
        if t.term.subject_strong:
            add(t, "head")
    for t in reversed(before):
        if t.term.subject_strong:
            add(t, "own" if t.start >= floor else "own_far")
    # A generic subject named in the clause itself ("、集中学习X次") still beats one carried from before;
    # a generic word that only qualifies the count ("参学X人次") yields to the carried subject.
    for t in head + list(reversed(before)):
        if not t.term.subject_strong and not t.term.facets:
            add(t, "weak")
    strong_carried = [t for t in carried if t.term.subject_strong]
    if strong_carried:
        add(strong_carried[-1], "carried")
    for t in head + list(reversed(before)):
        if not t.term.subject_strong:
            add(t, "weak")
    weak_carried = [t for t in carried if not t.term.subject_strong]
    if weak_carried:
        add(weak_carried[-1], "carried_weak")

    before_words, after_words = _context(text, p, s_start, s_end)
    base = dict(
        index=index,
        placeholder=p,
        unit=unit,
        context=f"{before_words}【{p.text}】{after_words}",
        context_before=before_words,
        context_after=after_words,
        sentence_start=s_start,
    )

    if unit in synonyms.DATE_UNITS:
        return Match(key=None, confidence=0.0, reason=f"日期空格（单位“{unit}”），请手工填写", **base)
    if unit is not None and not synonyms.UNITS.get(unit):
        return Match(key=None, confidence=0.0, reason=f"没有以“{unit}”计的指标", **base)

    chosen: tuple[str, _Candidate, Token | None] | None = None
    passed_over: list[str] = []
    for cand in candidates:
        if chosen is not None and cand.origin not in {"head", "own"}:
            break
        try:
            keys, facet = _resolve(
                vocab, cand.token.subject, cand.token, facet_tokens, unit, own=cand.origin in {"head", "own"}
            )
            if len(keys) > 1:
                raise _Refusal(
                    f"“{cand.token.words}”有多个{('以“' + unit + '”计的') if unit else ''}指标，词语不足以区分",
                    [_display(vocab, k) for k in keys],
                )
        except _Refusal as refusal:
            if chosen is None:
                return Match(
                    key=None, confidence=0.0, reason=refusal.reason, candidates=refusal.candidates, **base
                )
            continue
        if len(keys) == 1:
            if chosen is None:
                chosen = (keys[0], cand, facet)
                if cand.origin not in {"head", "own"}:
                    break
            elif keys[0] != chosen[0]:
                passed_over.append(cand.token.words)

    if chosen is None:
        if not candidates and unit in synonyms.UNIT_DEFAULT and synonyms.UNIT_DEFAULT[unit] in vocab.senses:
            key = synonyms.UNIT_DEFAULT[unit]
            reason, evidence = _explain(vocab, key, None, None, unit)
            return Match(key=key, confidence=0.65, reason=reason, evidence=evidence, **base)
        if candidates:
            names = "、".join(dict.fromkeys(c.token.words for c in candidates))
            if unit:
                reason = f"“{names}”没有以“{unit}”计、与上下文相符的指标"
            else:
                reason = f"“{names}”没有与上下文相符的指标"
        else:
            reason = "句中没有可识别的指标名称" + (f"（单位“{unit}”）" if unit else "")
        return Match(key=None, confidence=0.0, reason=reason, **base)

    key, cand, facet = chosen
    confidence = cand.base
    if unit is None:
        confidence -= 0.15
    reason, evidence = _explain(vocab, key, cand, facet, unit)
    if passed_over:
        confidence -= 0.1
        evidence["also_mentioned"] = passed_over
        reason += f"（本句还提到“{'、'.join(passed_over)}”）"
    return Match(key=key, confidence=round(confidence, 2), reason=reason, evidence=evidence, **base)
