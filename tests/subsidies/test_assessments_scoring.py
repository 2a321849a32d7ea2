"""Each scoring mode at its boundaries, by hand, plus invariants (hypothesis)."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subsidies.scoring import ItemInput, ScoringError, item_deduction, total_score


def test_deduction_per_occurrence_is_capped_at_the_maximum():
    assert item_deduction(ItemInput(mode="deduction", max_points=D(10), per_occurrence=D(3), occurrences=3)) == D(
        "9.00"
    )
    assert item_deduction(ItemInput(mode="deduction", max_points=D(10), per_occurrence=D(3), occurrences=4)) == D(
        "10.00"
    )


def test_unrectified_finding_counts_double():
    item = ItemInput(mode="deduction", max_points=D(20), per_occurrence=D(2), occurrences=1, doubled_occurrences=1)
    assert item_deduction(item) == D("6.00")  # 2 + 2 × 2


def test_indicator_is_linear_and_stops_at_the_target():
    def score(achieved):
        return D(40) - item_deduction(
            ItemInput(mode="indicator", max_points=D(40), achieved=D(achieved), target=D("0.9"))
        )

    assert score("0.45") == D("20.00")
    assert score("0.9") == D("40.00")
    assert score("1.5") == D("40.00")  # achieved above target earns no more than the maximum
    assert score("0") == D("0.00")
    with pytest.raises(ScoringError):
        item_deduction(ItemInput(mode="indicator", max_points=D(40), achieved=None))


def test_pass_fail_and_manual():
    assert item_deduction(ItemInput(mode="pass_fail", max_points=D(10), passed=False)) == D("10.00")
    assert item_deduction(ItemInput(mode="pass_fail", max_points=D(10), passed=True)) == D("0.00")
    assert item_deduction(ItemInput(mode="manual", max_points=D(10), manual_score=D("7.5"))) == D("2.50")
    for bad in (D("10.01"), D("-1"), None):
        with pytest.raises(ScoringError):
            item_deduction(ItemInput(mode="manual", max_points=D(10), manual_score=bad))


def test_satisfaction_below_county_average():
    def deduction(rate, average="0.90"):
        return item_deduction(
            ItemInput(
                mode="satisfaction",
                max_points=D(10),
                per_occurrence=D(1),
                satisfaction_rate=D(rate),
                county_average=D(average),
            )
        )

    assert deduction("0.90") == D("0.00")  # equal to the average: nothing
    assert deduction("0.95") == D("0.00")
    assert deduction("0.885") == D("2.00")  # 1.5 points below → 2 (rounded up)
    assert deduction("0.50") == D("10.00")  # capped


def test_total_never_below_zero():
    assert total_score([D(60), D(50)]) == D("0.00")
    assert total_score([D("12.5"), D("7.25")]) == D("80.25")


@given(st.lists(st.decimals(min_value=0, max_value=100, places=2), max_size=12))
def test_total_is_between_0_and_100(deductions):
    assert D(0) <= total_score(deductions) <= D(100)


@given(top=st.integers(1, 50), per=st.integers(0, 10), n=st.integers(0, 30))
def test_more_occurrences_never_raise_the_score(top, per, n):
    def ded(k):
        return item_deduction(ItemInput(mode="deduction", max_points=D(top), per_occurrence=D(per), occurrences=k))

    assert D(0) <= ded(n) <= ded(n + 1) <= D(top)
