"""Frozen id sets: what goes in comes out, and big runs stay small."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from taizhang.reports import idsets


@given(st.sets(st.integers(min_value=1, max_value=2**40)))
def test_any_set_of_ids_comes_back_sorted(ids):
    assert idsets.decode(idsets.encode(ids)) == sorted(ids)


def test_two_million_consecutive_ids_take_a_few_kilobytes():
    text = idsets.encode(range(1, 2_000_001))
    assert len(text) < 20_000
    assert idsets.decode(text)[-1] == 2_000_000


def test_empty_and_plain_lists():
    assert idsets.decode(idsets.encode([])) == []
    assert idsets.decode([3, 1, 2]) == [1, 2, 3]
