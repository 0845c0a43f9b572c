"""Quotation marks in Chinese text: inner quotes are single quotes, whatever depth the text came in at."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from taizhang.lib.text import nest_quotes


def test_a_quote_inside_a_quote_becomes_single_quotes():
    assert nest_quotes("开展了“政务服务“走流程”体验”等做法") == "开展了“政务服务‘走流程’体验”等做法"
    assert nest_quotes("“一“二“三”二”一”") == "“一‘二“三”二’一”"


def test_single_quotes_typed_inside_double_quotes_stay_and_outer_single_become_double():
    assert nest_quotes("“深化‘高效办成一件事’改革”") == "“深化‘高效办成一件事’改革”"
    assert nest_quotes("开展‘走流程’体验") == "开展“走流程”体验"


def test_straight_quotes_are_paired_as_chinese_quotes():
    assert nest_quotes('推进"政务服务"走流程"体验"') == "推进“政务服务”走流程“体验”"
    assert nest_quotes('开展"三会一课"学习') == "开展“三会一课”学习"
    # An odd count cannot be paired: left as typed rather than guessed.
    assert nest_quotes('5" 显示器') == '5" 显示器'


def test_unbalanced_quotes_do_not_flip_the_rest():
    assert nest_quotes("他说”好”，又说“走流程”") == "他说”好”，又说“走流程”"
    assert nest_quotes("“未闭合的引号") == "“未闭合的引号"
    assert nest_quotes("“未闭合，又说“走流程”") == "“未闭合，又说“走流程”"


_TEXT = st.text(alphabet=st.sampled_from("学习教育“”‘’，。"), max_size=40)


@settings(deadline=None)  # a loaded CI machine must not fail it on time
@given(_TEXT)
def test_nesting_is_idempotent_and_keeps_everything_but_the_quote_kind(text):
    once = nest_quotes(text)
    assert nest_quotes(once) == once
    plain = str.maketrans("‘’", "“”")
    assert once.translate(plain) == text.translate(plain)


@settings(deadline=None)
@given(st.lists(st.sampled_from(["学习", "教育", "走流程"]), min_size=1, max_size=4), st.integers(1, 5))
def test_balanced_nesting_alternates_double_and_single_by_depth(words, depth):
    text = "".join(words)
    for _ in range(depth):
        text = f"“{text}”"
    out = nest_quotes(text)
    opens = [ch for ch in out if ch in "“‘"]
    assert opens == ["“‘"[i % 2] for i in range(depth)]
