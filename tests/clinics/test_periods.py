"""Reporting periods: open → closed → locked, reopening with a reason, deadlines, history."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from programs.models import PeriodTransition, ReportingPeriod
from programs.selectors import periods as period_selectors
from programs.services import periods


def test_untouched_period_is_open(org):
    assert period_selectors.period_state(township_id=org.ta1.pk, year=2026, month=3) == "open"


def test_close_reopen_lock_and_history(org):
    user = org.users.township
    periods.close_period(township_id=org.ta1.pk, year=2026, month=3, user=user)
    assert period_selectors.period_state(township_id=org.ta1.pk, year=2026, month=3) == "closed"
    with pytest.raises(ValidationError):
        periods.reopen_period(
            township_id=org.ta1.pk, year=2026, month=3, user=user, until=date(2026, 4, 20), reason=" "
        )
    periods.reopen_period(
        township_id=org.ta1.pk,
        year=2026,
        month=3,
        user=user,
        until=date(2026, 4, 20),
        reason="张庄村卫生室网络故障，补报",
    )
    assert period_selectors.may_submit(township_id=org.ta1.pk, year=2026, month=3, today=date(2026, 4, 20))
    assert not period_selectors.may_submit(township_id=org.ta1.pk, year=2026, month=3, today=date(2026, 4, 21))
    assert periods.lock_periods(township_ids=[org.ta1.pk], year=2026, months=[3], user=org.users.county) == 1
    assert periods.lock_periods(township_ids=[org.ta1.pk], year=2026, months=[3], user=org.users.county) == 0
    with pytest.raises(ValidationError):
        periods.reopen_period(township_id=org.ta1.pk, year=2026, month=3, user=user, until=date(2026, 5, 1), reason="x")
    with pytest.raises(ValidationError):
        periods.close_period(township_id=org.ta1.pk, year=2026, month=3, user=user)
    steps = list(
        PeriodTransition.objects.filter(period__township=org.ta1).values_list("from_state", "to_state", "by__username")
    )
    assert steps == [("open", "closed", "staff_a1"), ("closed", "open", "staff_a1"), ("open", "locked", "county_a")]
    # Other townships are untouched.
    assert period_selectors.period_state(township_id=org.ta2.pk, year=2026, month=3) == "open"


@override_settings(REPORT_DEADLINE_DAY=10)
@pytest.mark.parametrize(
    "year, month, today, allowed",
    [
        (2026, 3, date(2026, 4, 10), True),  # the deadline day itself
        (2026, 3, date(2026, 4, 11), False),
        (2026, 12, date(2027, 1, 10), True),  # December's deadline is in the next year
        (2026, 12, date(2027, 1, 11), False),
    ],
)
def test_submission_deadline_boundaries(org, year, month, today, allowed):
    assert period_selectors.may_submit(township_id=org.ta1.pk, year=year, month=month, today=today) is allowed


def test_locked_month_refuses_dated_changes(org):
    periods.ensure_not_locked(township_id=org.ta1.pk, on=date(2026, 2, 15))
    periods.lock_periods(township_ids=[org.ta1.pk], year=2026, months=[2], user=None)
    with pytest.raises(ValidationError, match="已结算锁定"):
        periods.ensure_not_locked(township_id=org.ta1.pk, on=date(2026, 2, 15))
    periods.ensure_not_locked(township_id=org.ta2.pk, on=date(2026, 2, 15))


def test_month_must_be_valid(org):
    with pytest.raises(ValidationError):
        periods.close_period(township_id=org.ta1.pk, year=2026, month=13, user=None)
    assert not ReportingPeriod.objects.exists()
