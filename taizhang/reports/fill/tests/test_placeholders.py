"""The placeholder finder: every form of blank users write, and nothing inside ordinary words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taizhang.reports.fill.placeholders import find_placeholders, remove_debris


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("集中学习X次", ["X"]),
        ("集中学习XX次", ["XX"]),
        ("集中学习x次", ["x"]),
        ("集中学习×次", ["×"]),
        ("集中学习Ｘ次", ["Ｘ"]),
        ("集中学习ＸＸ次", ["ＸＸ"]),
        ("查摆问题＿＿个", ["＿＿"]),
        ("查摆问题____个", ["____"]),
        ("查摆问题_＿_个", ["_＿_"]),
        ("查摆问题（  ）个", ["（  ）"]),
        ("查摆问题（\u3000）个", ["（\u3000）"]),
        ("查摆问题( )个", ["( )"]),
        ("整改率达X％", ["X"]),
        ("整改率达X%", ["X"]),
        ("整改率达X.X%", ["X.X"]),
        ("共X期，参与X人次，研讨X人次", ["X", "X", "X"]),
        ("第X次。", ["X"]),
        ("**X**次", ["X"]),
    ],
)
def test_it_finds_every_form_of_blank(text, found):
    assert [p.text for p in find_placeholders(text)] == found


def test_a_percent_sign_after_the_blank_is_noted():
    (plain,) = find_placeholders("参与X人次")
    (rate,) = find_placeholders("整改率X ％")
    assert (plain.percent, rate.percent) == (False, True)


@pytest.mark.parametrize(
    "text",
    [
        "用 Excel 表格统计",
        "导出 XML 文件",
        "x86 服务器",
        "x64 版本",
        "20XX年工作要点",
        "面积 3×4 米",
        "Mac OS X 系统",
        "拍 X光 片",
        "X射线检查",
        "文件 report__final.docx",
        "查摆问题（）个",  # empty brackets: not a blank
        "一个下划线_不算",
        "Box 和 Xbox",
    ],
)
def test_it_finds_nothing_in_ordinary_words(text):
    assert find_placeholders(text) == []


def test_markdown_bold_underscores_are_not_blanks_but_bold_blanks_are():
    assert find_placeholders("__重点工作__ 完成X项", markdown=True)[0].text == "X"
    assert len(find_placeholders("__重点工作__ 完成X项", markdown=True)) == 1
    assert [p.text for p in find_placeholders("共查摆问题____个", markdown=True)] == ["____"]


def test_debris_markers_are_removed_with_their_lines():
    text, count = remove_debris("第一段##paidbegin##正文\n##paidend##\n结尾")
    assert (text, count) == ("第一段正文\n结尾", 2)


# --- properties ------------------------------------------------------------------------------------

CHINESE = st.text(
    alphabet="学习教育开展问题整改制度读书班参与研讨次个项，。、的了在和", min_size=0, max_size=12
)
# An ordinary word: letters and digits, at least one of them not an x (an all-x word is a blank).
WORD = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8
)
WORD_WITH_X = st.builds(
    lambda a, b, x: a + x + b,
    WORD,
    st.text(alphabet="abcXYZ019xX", min_size=0, max_size=4),
    st.sampled_from(["x", "X", "xx", "XX", "×"]),
).filter(lambda w: any(ch not in "xX×" for ch in w))


@given(st.lists(st.tuples(CHINESE, WORD_WITH_X, st.sampled_from(["", " "])), min_size=1, max_size=6))
def test_the_finder_never_matches_inside_a_word(parts):
    text = ""
    spans = []
    for chinese, word, gap in parts:
        text += chinese + gap
        spans.append((len(text), len(text) + len(word)))
        text += word + gap
    for p in find_placeholders(text):
        assert not any(p.start < end and start < p.end for start, end in spans), (text, p)


@given(CHINESE, CHINESE, st.sampled_from(["X", "XX", "x", "×", "Ｘ", "＿＿", "__", "（  ）"]))
def test_a_blank_between_chinese_words_is_always_found(before, after, blank):
    text = before + blank + after
    found = find_placeholders(text)
    assert [(p.start, p.text) for p in found] == [(len(before), blank)]
