"""The date rules of licences, renewals and assessments, as pure functions.

- A licence is valid 5 years: from the issue date through the day before its 5th anniversary
  (an anniversary of 29 February falls on 1 March in a common year).
- The renewal window opens 3 months before expiry (same day of month, or the month's last day)
  and closes on the expiry date itself.
- The county decides within 15 calendar days of the day the township forwards the application:
  day 15 is the last day in time, day 16 is overdue.
- A failed assessment may be re-assessed within 6 months.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

LICENCE_YEARS = 5
WINDOW_MONTHS = 3
DECISION_DAYS = 15
REASSESS_MONTHS = 6
ASSESSMENT_YEARS = 2
REMINDER_DAYS = (90, 30, 7)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return date(day.year + years, 3, 1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def licence_expiry(issued_on: date) -> date:
    return add_years(issued_on, LICENCE_YEARS) - timedelta(days=1)


def renewal_window_opens(expires_on: date) -> date:
    return add_months(expires_on, -WINDOW_MONTHS)


def in_renewal_window(expires_on: date, on: date) -> bool:
    return renewal_window_opens(expires_on) <= on <= expires_on


def decision_deadline(forwarded_on: date) -> date:
    return forwarded_on + timedelta(days=DECISION_DAYS)


def reassessment_deadline(failed_on: date) -> date:
    return add_months(failed_on, REASSESS_MONTHS)


def full_years_between(start: date, end: date) -> int:
    """Whole years from start to end (end exclusive)."""
    years = end.year - start.year
    if add_years(start, years) > end:
        years -= 1
    return max(years, 0)
