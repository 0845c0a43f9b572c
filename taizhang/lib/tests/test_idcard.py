from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from taizhang.lib import idcard, phone


def test_it_accepts_a_known_valid_number():
    # The GB 11643 worked example.
    assert idcard.is_valid("11010519491231002X")


def test_it_accepts_lower_case_x_and_full_width_digits():
    assert idcard.is_valid("11010519491231002x")
    assert idcard.is_valid("１１０１０５１９４９１２３１００２Ｘ")


def test_it_names_what_is_wrong():
    assert idcard.problem("110105194912310021") == "身份证号校验位不正确"
    assert idcard.problem("1101051949123100") == "身份证号应为18位，实际为16位"
    assert idcard.problem("110105194913310020") == "身份证号中的出生日期无效"


@given(
    born=st.dates(min_value=date(1930, 1, 1), max_value=date(2008, 12, 31)),
    seq=st.integers(min_value=0, max_value=999),
    position=st.integers(min_value=0, max_value=17),
    delta=st.integers(min_value=1, max_value=9),
)
def test_any_single_digit_change_is_rejected(born, seq, position, delta):
    number = idcard.make("320102", born, seq)
    assert idcard.is_valid(number)
    if number[position] == "X":
        return
    mutated = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    assert not idcard.is_valid(mutated)


def test_it_masks_all_but_the_ends():
    assert idcard.mask("11010519491231002X") == "110***********002X"


def test_gender_and_birth_date_come_from_the_number():
    assert idcard.gender("11010519491231002X") == "female"
    assert idcard.birth_date("11010519491231002X") == date(1949, 12, 31)


def test_phone_validation_and_mask():
    assert phone.problem("13812345678") is None
    assert phone.problem("+86 138 1234 5678") is None
    assert phone.problem("010-88886666") is None
    assert phone.problem("1381234567") is not None
    assert phone.mask("13812345678") == "138****5678"
