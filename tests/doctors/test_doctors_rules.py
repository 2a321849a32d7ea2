"""Date rules at their boundaries, and the ID-number / mobile validators."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from doctors import rules
from doctors.validators import id_check_digit, validate_id_number, validate_mobile


def test_licence_runs_five_years_to_the_day_before_the_anniversary():
    assert rules.licence_expiry(date(2021, 3, 1)) == date(2026, 2, 28)
    assert rules.licence_expiry(date(2021, 1, 1)) == date(2025, 12, 31)


def test_leap_day_licence_expires_on_the_last_day_of_february():
    # 29 Feb 2024: the 5th anniversary in 2029 (a common year) falls on 1 March, so valid through 28 Feb.
    assert rules.licence_expiry(date(2024, 2, 29)) == date(2029, 2, 28)
    # 1 March 2023 → 28 Feb 2028 is followed by 29 Feb 2028, so the licence runs through the leap day.
    assert rules.licence_expiry(date(2023, 3, 1)) == date(2028, 2, 29)


def test_window_opens_three_months_before_expiry_and_closes_on_expiry():
    expires = date(2026, 5, 31)
    assert rules.renewal_window_opens(expires) == date(2026, 2, 28)  # no 31 February
    assert not rules.in_renewal_window(expires, date(2026, 2, 27))
    assert rules.in_renewal_window(expires, date(2026, 2, 28))
    assert rules.in_renewal_window(expires, expires)
    assert not rules.in_renewal_window(expires, expires + timedelta(days=1))
    assert rules.renewal_window_opens(date(2028, 5, 29)) == date(2028, 2, 29)  # leap year


def test_decision_deadline_is_day_15_after_forwarding():
    forwarded = date(2026, 2, 20)
    assert rules.decision_deadline(forwarded) == date(2026, 3, 7)  # across the end of February
    assert (rules.decision_deadline(forwarded) - forwarded).days == 15
    assert rules.decision_deadline(date(2028, 2, 20)) == date(2028, 3, 6)  # leap year


def test_reassessment_within_six_months():
    assert rules.reassessment_deadline(date(2026, 8, 31)) == date(2027, 2, 28)
    assert rules.reassessment_deadline(date(2027, 8, 31)) == date(2028, 2, 29)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)))
def test_expiry_is_always_about_five_years_and_window_before_it(issued):
    expires = rules.licence_expiry(issued)
    assert 365 * 5 <= (expires - issued).days + 1 <= 366 * 5 + 1
    opens = rules.renewal_window_opens(expires)
    assert 89 <= (expires - opens).days <= 92
    assert rules.full_years_between(issued, expires + timedelta(days=1)) == 5
    assert rules.full_years_between(issued, expires) == 4


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)), st.integers(-60, 60))
def test_add_months_stays_within_the_target_month(day, months):
    result = rules.add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day


def _valid_id(first17="11010519491231002"):
    return first17 + id_check_digit(first17)


def test_known_valid_id_number():
    validate_id_number("11010519491231002X")  # the GB 11643 example
    validate_id_number(_valid_id("41010219800517123"))


@pytest.mark.parametrize(
    "value, message",
    [
        ("11010519491231002", "18 位"),
        ("110105194912310021", "校验位"),
        ("11010519491331002X", "出生日期"),
        ("1101051949123100AX", "18 位"),
    ],
)
def test_invalid_id_numbers_say_why_in_chinese(value, message):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(value)
    assert message in exc.value.messages[0]


@given(st.from_regex(r"\A[1-6]\d{5}(19[5-9]\d|200\d)(0[1-9]|1[0-2])(0[1-9]|1\d|2[0-8])\d{3}\Z"))
def test_any_first_17_digits_with_their_check_digit_validate(first17):
    validate_id_number(first17 + id_check_digit(first17))
    wrong = next(c for c in "0123456789X" if c != id_check_digit(first17))
    with pytest.raises(ValidationError):
        validate_id_number(first17 + wrong)


@pytest.mark.parametrize(
    "mobile, ok",
    [
        ("13812345678", True),
        ("19912345678", True),
        ("12812345678", False),
        ("1381234567", False),
        ("138123456789", False),
        ("1381234567a", False),
    ],
)
def test_mobile_numbers(mobile, ok):
    if ok:
        validate_mobile(mobile)
    else:
        with pytest.raises(ValidationError, match="手机号"):
            validate_mobile(mobile)
