"""The matcher on phrasings written for these tests: what it must match, what it must refuse, why.

Each case is one sentence; the expected keys are listed in the order of its blanks (None: refused).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taizhang.reports.fill.matcher import match_placeholders
from taizhang.reports.fill.placeholders import find_placeholders


def keys_of(text: str) -> list[str | None]:
    return [m.key for m in match_placeholders(text, find_placeholders(text))]


def matches_of(text: str):  # noqa: ANN201
    return match_placeholders(text, find_placeholders(text))


MATCHED = [
    # 周例会 / 全局大会集体学习
    ("本季度召开周例会集体学习X次。", ["study.weekly_meeting"]),
    ("全局大会集体学习共开展XX次。", ["study.weekly_meeting"]),
    ("依托全体干部大会集体学习x次，推动学习走深走实。", ["study.weekly_meeting"]),
    # 支部集中学习 / 各党支部……集中学习
    ("各党支部集中学习累计x次。", ["study.branch_concentrated"]),
    ("支部集中学习×次。", ["study.branch_concentrated"]),
    ("各党支部结合实际开展集中学习X次。", ["study.branch_concentrated"]),
    # 读书班 / 读书研讨班 / 专题读书班, carrying the subject forward
    (
        "举办专题读书班Ｘ期，参加学习X人次，交流发言X人次。",
        ["study.reading_class", "study.reading_class.attendance", "study.reading_class.speakers"],
    ),
    (
        "读书研讨班共办了X期，累计参与X人次、研讨发言X人次。",
        ["study.reading_class", "study.reading_class.attendance", "study.reading_class.speakers"],
    ),
    ("组织读书班X次。", ["study.reading_class"]),
    ("先后开展X期学习，覆盖全体党员。", ["study.reading_class"]),  # 期 alone means reading classes
    # 第一议题, 中心组, 主题党日, 党课
    ("落实“第一议题”制度，学习X次。", ["study.first_topic"]),
    ("理论学习中心组集体学习X次。", ["study.central_group"]),
    ("开展主题党日活动X次。", ["study.theme_party_day"]),
    ("讲授专题党课X次。", ["study.party_lecture"]),
    ("举办清风课堂X期。", ["study.clean_class"]),
    # 专题研讨 vs 整改专题研讨, 交流讨论 / 交流研讨
    ("召开整改专题研讨会X场。", ["study.rectification_seminar"]),
    ("围绕问题整改召开专题研讨X次。", ["study.rectification_seminar"]),
    ("开展专题研讨X次。", ["study.seminar"]),
    ("开展交流研讨X次。", ["study.exchange_discussion"]),
    ("组织交流讨论XX次。", ["study.exchange_discussion"]),
    # 查摆 / 检视 / 梳理 问题, 问题清单, 整改率
    ("查摆问题X个。", ["problems.total"]),
    ("检视出问题X条。", ["problems.total"]),
    ("梳理问题清单，共X项问题。", ["problems.total"]),
    ("列入问题清单的问题共X个。", ["problems.total"]),
    ("问题整改完成率为X%。", ["problems.rate"]),
    ("整改率达X.X％。", ["problems.rate"]),
    ("查摆问题X个，已整改到位X个，整改率X%。", ["problems.total", "problems.closed", "problems.rate"]),
    ("共检视问题X个，目前已销号X个。", ["problems.total", "problems.closed"]),
    # 整改措施 / 细化措施, 已完成
    ("制定整改措施X条，已完成X条。", ["measures.total", "measures.done"]),
    ("细化措施X项，其中已完成X项。", ["measures.total", "measures.done"]),
    # 完善制度 / 修订完善, 新建制度 / 建立制度
    ("修订完善制度X项，建立制度X项。", ["institutions.improved", "institutions.new"]),
    ("推动新建制度X项、完善制度X项。", ["institutions.new", "institutions.improved"]),
    ("制度建设方面，新建X项，修订X项。", ["institutions.new", "institutions.improved"]),
    # 调研, 办实事 / 民生实事, 群众诉求
    ("班子成员开展调研X次。", ["research.visits"]),
    ("调研发现问题X个。", ["research.findings"]),
    ("确定调研课题X个。", ["research.topics"]),
    ("为群众办实事X项，已办结X项。", ["matters.total", "matters.done"]),
    ("推进民生实事X件。", ["matters.total"]),
    ("收集群众诉求X件，已解决X件。", ["demands.total", "demands.resolved"]),
    ("梳理急难愁盼问题X个。", ["demands.total"]),
    # 自学, 党员
    ("个人自学X次，累计学习时长X小时。", ["study.self_study.entries", "study.self_study.hours"]),
    ("全局共有党员X名。", ["members.total"]),
    ("各支部共开展主题党日X次、集中学习X次。", ["study.theme_party_day", "study.activities"]),
    ("组织党员干部参加读书班学习X人次。", ["study.reading_class.attendance"]),
    ("举办读书班X期，党员参与X人次。", ["study.reading_class", "study.reading_class.attendance"]),
    ("开展“我为群众办实事”实践活动，办结民生实事X件。", ["matters.done"]),
    ("检视问题X个，其中立行立改X个。", ["problems.total", "problems.immediate"]),
    ("超期未整改问题X个。", ["problems.overdue"]),
    # No unit after the blank: the label itself names the figure
    ("读书班期数：X", ["study.reading_class"]),
    ("整改率：X", ["problems.rate"]),
    # A table row: cells are clauses of one sentence
    ("读书班参与人次\tX", ["study.reading_class.attendance"]),
]

REFUSED = [
    ("撰写心得体会X篇。", "没有以“篇”计的指标"),
    ("参与X人次。", "句中没有可识别的指标名称"),  # whose attendance? it does not say
    ("读书班累计X人次。", "多个"),  # attendance or speakers?
    ("建立健全制度X项。", "多个"),  # new or improved?
    ("占比达到X%。", "句中没有可识别的指标名称"),
    ("细化措施X项，完成率X%。", "没有以“%”计"),  # measures have no rate in the catalog
    ("于2023年X月召开动员会。", "日期"),
    ("参训党员X人。", "没有以“人”计"),  # attendance in people is not a catalog figure
    ("各类会议X次。", "句中没有可识别的指标名称"),
    ("走访群众X户。", "没有以“户”计的指标"),
    ("共计X次。", "句中没有可识别的指标名称"),
    ("主题党日开展X人次。", "没有以“人次”计"),
    ("讲党课X次，参加X人次。", "没有以“人次”计"),  # no attendance figure for 党课
    ("全年召开支部党员大会X次。", "没有以“次”计"),  # 党员 is no activity; 党员大会 has no metric
]


@pytest.mark.parametrize(("text", "expected"), MATCHED)
def test_it_matches_the_phrasing(text, expected):
    assert keys_of(text) == expected


@pytest.mark.parametrize(("text", "why"), REFUSED)
def test_it_refuses_rather_than_guesses(text, why):
    matches = matches_of(text)
    refused = [m for m in matches if m.key is None]
    assert refused, f"{text}: {[m.key for m in matches]}"
    assert why in refused[-1].reason
    assert refused[-1].confidence_label == "未匹配"


def test_a_tie_names_the_metrics_it_could_not_choose_between():
    (match,) = matches_of("读书班累计X人次。")
    assert match.candidates == ["读书班参与人次", "读书班研讨人次"]


def test_the_carried_subject_is_named_in_the_explanation():
    _, attendance, speakers = matches_of("共组织开展X期读书研讨班，参与X人次，研讨X人次。")
    assert attendance.evidence["carried"] == "读书研讨班"
    assert attendance.evidence["facet_word"] == "参与"
    assert attendance.evidence["unit"] == "人次"
    assert "沿用前文主语“读书研讨班”" in attendance.reason
    assert speakers.evidence["facet_word"] == "研讨"
    assert attendance.confidence_label == "高"


def test_the_subject_named_in_its_own_clause_wins_over_the_carried_one():
    keys = keys_of("开展整改专题研讨X次，交流讨论X次，参与X人次。")
    assert keys[:2] == ["study.rectification_seminar", "study.exchange_discussion"]
    assert keys[2] is None  # 交流讨论 has no attendance figure: refused, not borrowed from elsewhere


def test_the_subject_does_not_cross_a_sentence():
    assert keys_of("举办读书班X期。参与X人次。") == ["study.reading_class", None]


def test_a_gap_phrase_is_explained_by_its_ends():
    (match,) = matches_of("各党支部按照学习计划开展集中学习X次。")
    assert match.evidence["synonym"] == "各党支部…集中学习"


def test_an_other_subject_in_the_clause_lowers_the_confidence():
    (match,) = matches_of("中心组开展第一议题学习X次。")
    assert match.key == "study.first_topic"
    assert match.confidence < 0.9
    assert match.evidence["also_mentioned"] == ["中心组"]


def test_units_are_never_stretched():
    # 人次 never a 次 metric; % only a ratio; 个 never a 次 metric.
    assert keys_of("周例会集体学习X人次。") == [None]
    assert keys_of("周例会集体学习X%。") == [None]
    assert keys_of("周例会集体学习X个。") == [None]


# --- properties: a match depends on its own sentence only -----------------------------------------

SENTENCES = [
    (
        "共组织开展X期读书研讨班，参与X人次，研讨X人次。",
        ["study.reading_class", "study.reading_class.attendance", "study.reading_class.speakers"],
    ),
    ("利用周例会集体学习X次。", ["study.weekly_meeting"]),
    ("共查摆发现问题X个，整改率达到X％。", ["problems.total", "problems.rate"]),
    ("细化整改措施X项，已完成X项。", ["measures.total", "measures.done"]),
    ("推动完善制度X项，新建立制度X项。", ["institutions.improved", "institutions.new"]),
    ("撰写心得体会X篇。", [None]),
    ("读书班累计X人次。", [None]),
]
UNRELATED = [
    "坚持以学铸魂、以学增智、以学正风、以学促干。",
    "组织党员干部深入基层调研，听取群众意见建议。",
    "全面推进问题整改工作！",
    "围绕主题主线，把握重点关键；",
    "读书班和周例会是学习的主要形式。",
    "\n",
]


@settings(max_examples=60, deadline=None)
@given(
    st.permutations(range(len(SENTENCES))),
    st.lists(st.tuples(st.integers(0, len(SENTENCES)), st.sampled_from(UNRELATED)), max_size=6),
)
def test_shuffling_sentences_or_inserting_unrelated_ones_changes_no_match(order, inserts):
    pieces: list[tuple[str, int | None]] = [(SENTENCES[i][0], i) for i in order]
    for position, filler in sorted(inserts, reverse=True):
        pieces.insert(min(position, len(pieces)), (filler, None))
    text = ""
    spans = []
    for piece, which in pieces:
        spans.append((len(text), len(text) + len(piece), which))
        text += piece
    matches = matches_of(text)
    for start, end, which in spans:
        got = [m.key for m in matches if start <= m.placeholder.start < end]
        if which is None:
            assert got == []
        else:
            assert got == SENTENCES[which][1], (text, SENTENCES[which][0])


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(MATCHED), st.sampled_from(UNRELATED), st.sampled_from(UNRELATED))
def test_a_phrasing_means_the_same_between_any_sentences(case, before, after):
    text, expected = case
    if not text.endswith(("。", "！", "；")):
        text += "\n"
    full = matches_of(before + text + after)
    inside = [m.key for m in full if len(before) <= m.placeholder.start < len(before) + len(text)]
    assert inside == expected
