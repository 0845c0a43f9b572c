"""Reading what people type: tolerant about form (hypothesis-generated messy cells), strict about meaning."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taizhang.imports import cells
from taizhang.imports.schema import PROBLEM_STATUSES

FULL = {str(d): chr(0xFF10 + d) for d in range(10)}
SPACES = st.sampled_from(["", " ", "  ", "\u3000", "\t", "\u00a0"])
NAMES = st.lists(
    st.text(alphabet="王李张刘陈杨黄赵吴周伟芳娜敏静强磊军洋勇艳杰涛明超秀霞", min_size=2, max_size=3),
    min_size=1,
    max_size=12,
    unique=True,
)


def _fullwidth(text: str, mask: list[bool]) -> str:
    return "".join(
        FULL.get(ch, ch) if full else ch for ch, full in zip(text, mask + [False] * len(text), strict=False)
    )


@given(
    day=st.dates(min_value=date(1950, 1, 2), max_value=date(2099, 12, 30)),
    form=st.sampled_from(["iso", "slash", "dot", "cn", "compact", "excel", "datetime", "serial"]),
    pad=st.booleans(),
    full=st.lists(st.booleans(), max_size=20),
    left=SPACES,
    right=SPACES,
)
def test_dates_in_every_accepted_form_read_as_the_same_day(day, form, pad, full, left, right):
    m = f"{day.month:02d}" if pad else str(day.month)
    d = f"{day.day:02d}" if pad else str(day.day)
    value = {
        "iso": f"{day.year}-{m}-{d}",
        "slash": f"{day.year}/{m}/{d}",
        "dot": f"{day.year}.{m}.{d}",
        "cn": f"{day.year}年{m}月{d}日",
        "compact": f"{day:%Y%m%d}",
        "excel": day,
        "datetime": datetime(day.year, day.month, day.day),
        "serial": (day - date(1899, 12, 30)).days,
    }[form]
    if isinstance(value, str):
        value = left + _fullwidth(value, full) + right
    assert cells.parse_date(value) == day


@given(st.text(alphabet="abc下周一二三四五月日号?!", min_size=1, max_size=12))
def test_words_are_never_taken_for_dates(text):
    with pytest.raises(cells.CellError, match="不是日期"):
        cells.parse_date(text)


@pytest.mark.parametrize("value", ["2023-02-30", "2023年13月1日", "2023.0.5"])
def test_impossible_days_are_refused_naming_the_value(value):
    with pytest.raises(cells.CellError) as exc:
        cells.parse_date(value)
    assert str(exc.value) == f"“{value}”不是有效的日期"


@given(
    st.integers(min_value=1, max_value=1440),
    st.lists(st.booleans(), max_size=6),
    SPACES,
    SPACES,
    st.sampled_from(["", "分钟", "分"]),
)
def test_numbers_with_full_width_digits_spaces_and_units_read_right(number, full, left, right, unit):
    assert cells.integer(left + _fullwidth(str(number), full) + unit + right) == number


@given(
    names=NAMES,
    separators=st.lists(
        st.sampled_from(["、", "，", ",", ";", "；", " ", "  ", "、 ", "\n"]), min_size=12, max_size=12
    ),
    left=SPACES,
    right=SPACES,
)
def test_names_split_on_any_separator(names, separators, left, right):
    text = left + "".join(n + separators[i] for i, n in enumerate(names[:-1])) + names[-1] + right
    assert [e.name for e in cells.names(text)] == names


@given(
    names=NAMES,
    reasons=st.lists(
        st.sampled_from(["出差", "病假", "外出培训，三天", "公务(开会)", ""]), min_size=12, max_size=12
    ),
    bracket=st.sampled_from([("（", "）"), ("(", ")"), ("【", "】")]),
    gap=st.sampled_from(["", " "]),
)
def test_reasons_in_brackets_stay_with_their_name(names, reasons, bracket, gap):
    text = "、".join(
        f"{n}{gap}{bracket[0]}{r}{bracket[1]}" if r else n for n, r in zip(names, reasons, strict=False)
    )
    entries = cells.names(text)
    assert [(e.name, e.note) for e in entries] == [(n, r) for n, r in zip(names, reasons, strict=False)]


def test_repeated_names_are_kept_once():
    assert [e.name for e in cells.names("张三、李四、张三")] == ["张三", "李四"]


@pytest.mark.parametrize("word", ["全体", " 全体 ", "全体党员", "全 体"])
def test_everyone_words(word):
    assert cells.is_all(word)


@given(st.sampled_from(list(PROBLEM_STATUSES)), SPACES, SPACES)
def test_choices_read_with_stray_spaces(label, left, right):
    assert cells.choice(left + label + right, PROBLEM_STATUSES) == PROBLEM_STATUSES[label]


def test_an_unknown_choice_lists_the_allowed_labels():
    with pytest.raises(cells.CellError) as exc:
        cells.choice("已完成", PROBLEM_STATUSES)
    assert str(exc.value) == "“已完成”不是可选值，应为：待整改、整改中、待审核、已销号"


@given(st.sampled_from(sorted(cells.EXCEL_ERRORS)))
def test_excel_error_values_are_named(value):
    with pytest.raises(cells.CellError, match=f"单元格是错误值 {value}"):
        cells.text(value)


def test_codes_lose_spaces_and_full_width_forms():
    assert cells.code(" ＪＤＷ０１ ") == "JDW01"
    assert cells.code(12.0) == "12"


def test_masked_values_are_recognised():
    assert cells.is_masked("110***********1234") and not cells.is_masked("11010519800101123X")
