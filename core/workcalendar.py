"""Working time (工作时间) for deadlines said in working hours, such as the answer to a resident's complaint.

A working day is a day the State Council's holiday schedule makes a workday — weekdays, less the public
holidays, plus the weekend days worked in lieu (调休) — read from ``chinese_calendar``, which publishes each
year's schedule. For a year it does not know yet (the schedule is announced in the autumn before), Monday to
Friday are the working days. A working day has two periods, 08:00–12:00 and 14:00–18:00: eight working hours.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import chinese_calendar  # type: ignore[import-untyped]  # the library ships no type information

__all__ = ["PERIODS", "add_working_hours", "is_workday", "working_hours_between"]

PERIODS = ((time(8), time(12)), (time(14), time(18)))


def is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the library has no schedule for
        return day.weekday() < 5


def _periods_from(moment: datetime):
    """The working periods (start, end) from ``moment`` on, the first one cut at ``moment``."""
    day = moment.date()
    while True:
        if is_workday(day):
            for start, end in PERIODS:
                begins = datetime.combine(day, start, tzinfo=moment.tzinfo)
                ends = datetime.combine(day, end, tzinfo=moment.tzinfo)
                if ends > moment:
                    yield max(begins, moment), ends
        day += timedelta(days=1)
        moment = datetime.combine(day, time(0), tzinfo=moment.tzinfo)


def add_working_hours(moment: datetime, hours: int) -> datetime:
    """The moment ``hours`` working hours after ``moment`` (in its own time zone): a complaint received on a
    Friday at 17:00 with 8 hours to answer is due on Monday at 17:00 (when Monday is a workday)."""
    left = timedelta(hours=hours)
    if left <= timedelta(0):
        return moment
    for start, end in _periods_from(moment):
        if end - start >= left:
            return start + left
        left -= end - start
    raise AssertionError("unreachable")  # the periods never end


def working_hours_between(start: datetime, end: datetime) -> timedelta:
    """Working time from ``start`` to ``end`` (none when ``end`` comes first)."""
    total = timedelta(0)
    if end <= start:
        return total
    for begins, ends in _periods_from(start):
        if begins >= end:
            return total
        total += min(ends, end) - begins
    raise AssertionError("unreachable")
