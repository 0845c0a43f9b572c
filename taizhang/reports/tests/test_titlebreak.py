"""Report titles break between words, balanced (GB/T 9704-2012 7.3.1), for any unit and campaign name."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from taizhang.reports.titlebreak import TITLE_LINE_CHARS, text_width, title_lines

DEMO = "市行政审批服务局党委关于2023年第二批主题教育开展情况的报告"


def test_the_demo_title_breaks_after_guanyu_not_inside_a_word():
    lines = title_lines(DEMO, phrases=["市行政审批服务局党委", "2023年第二批主题教育"])
    assert lines == ["市行政审批服务局党委关于", "2023年第二批主题教育开展情况的报告"]


def test_a_short_title_stays_on_one_line():
    assert title_lines("机关第一党支部关于党纪学习教育的报告") == ["机关第一党支部关于党纪学习教育的报告"]


def test_numbers_with_their_measure_quotes_and_de_are_never_split():
    title = "中共某某市发展和改革委员会机关委员会关于开展“走流程”体验和第二批主题教育工作情况的报告"
    lines = title_lines(title)
    joined = "|".join(lines)
    for whole in ("“走流程”", "第二批", "主题教育", "工作情况", "的报告", "委员会"):
        assert whole in joined.replace("|", "") and whole in "".join(lines)
        assert all(whole not in a + b or whole in a or whole in b for a, b in itertools.pairwise(lines))
    assert all(text_width(line) <= TITLE_LINE_CHARS for line in lines)


# --- Any unit and campaign: titles made of words we know, so a break inside one of them shows ----------

ORG_PREFIX = [[], ["市"], ["区"], ["县"], ["中共", "某某", "市"]]
ORG_BODY = [
    ["行政审批", "服务局"],
    ["发展", "和", "改革", "委员会"],
    ["教育局"],
    ["卫生", "健康", "委员会"],
    ["机关", "第一", "党支部"],
    ["政务", "服务中心", "党支部"],
    ["市场", "监督", "管理局"],
]
ORG_SUFFIX = [[], ["党委"], ["党组"], ["机关委员会"]]
CAMPAIGNS = [
    ["2023年", "第二批", "主题教育"],
    ["党纪学习教育"],
    ["2024年", "党纪学习教育"],
    ["深入", "贯彻", "中央八项规定精神", "学习教育"],
    ["学习", "贯彻", "习近平新时代中国特色社会主义思想", "主题教育"],
    ["党史学习教育"],
]
TAILS = [["开展情况", "的", "报告"], ["工作", "总结"], ["工作情况", "的", "报告"], ["的", "报告"]]


@st.composite
def titles(draw) -> tuple[list[str], list[str]]:  # noqa: ANN001
    org = (
        draw(st.sampled_from(ORG_PREFIX))
        + draw(st.sampled_from(ORG_BODY))
        + draw(st.sampled_from(ORG_SUFFIX))
    )
    campaign = draw(st.sampled_from(CAMPAIGNS))
    return org + ["关于"] + campaign + draw(st.sampled_from(TAILS)), ["".join(org), "".join(campaign)]


def _cuts(lines: list[str]) -> list[int]:
    return list(itertools.accumulate(len(line) for line in lines))[:-1]


def _partitions(atoms: list[str], n_lines: int):  # noqa: ANN202
    text = "".join(atoms)
    bounds = list(itertools.accumulate(len(a) for a in atoms))[:-1]
    for cut in itertools.combinations(bounds, n_lines - 1):
        lines = [text[a:b] for a, b in itertools.pairwise((0, *cut, len(text)))]
        if max(text_width(line) for line in lines) <= TITLE_LINE_CHARS:
            yield lines


@settings(max_examples=150, deadline=None)
@given(titles())
def test_breaks_fall_between_words_and_lines_are_balanced(made):
    atoms, phrases = made
    text = "".join(atoms)
    lines = title_lines(text, phrases=phrases)
    assert "".join(lines) == text
    widths = [text_width(line) for line in lines]
    assert max(widths) <= TITLE_LINE_CHARS, lines
    # Never inside a word:
    word_bounds = set(itertools.accumulate(len(a) for a in atoms))
    assert set(_cuts(lines)) <= word_bounds, lines
    # ... nor next to 的:
    assert not any(line.startswith("的") or line.endswith("的") for line in lines), lines
    if len(lines) == 1:
        return
    # The fewest lines that word boundaries allow:
    fewest = next(n for n in range(1, 8) if any(True for _ in _partitions(atoms, n)))
    assert len(lines) == fewest, lines
    # Balanced: no stub line — the shortest at least 45 % of the longest (or as even as the words allow).
    best = max(min(map(text_width, p)) / max(map(text_width, p)) for p in _partitions(atoms, len(lines)))
    assert min(widths) / max(widths) >= min(0.45, best), lines
    # Three lines or more: a trapezoid or a diamond, never an hourglass.
    for a, b, c in zip(widths, widths[1:], widths[2:], strict=False):
        assert not (b + 1 < a and b + 1 < c), lines
