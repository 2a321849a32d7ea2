"""Reads of reporting periods (see programs.models.periods)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.conf import settings

from programs.models import ReportingPeriod

State = ReportingPeriod.State


def period_state(*, township_id: int, year: int, month: int) -> str:
    """ "open" | "closed" | "locked"; a period never touched is open."""
    state = (
        ReportingPeriod.objects.filter(township_id=township_id, year=year, month=month)
        .values_list("state", flat=True)
        .first()
    )
    return state or State.OPEN


def period_states(*, township_ids: Iterable[int], year: int) -> dict[tuple[int, int], str]:
    """(township id, month) → state for every stored period of the year (absent means open)."""
    rows = ReportingPeriod.objects.filter(township_id__in=list(township_ids), year=year)
    return {(r.township_id, r.month): r.state for r in rows.only("township_id", "month", "state")}


def reporting_month(today: date) -> tuple[int, int]:
    """The last finished month: the one doctors are reporting or have just reported, and staff chase."""
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def submission_deadline(*, year: int, month: int) -> date:
    """The last day doctors may submit a month without a reopening: day N of the next month."""
    day = settings.REPORT_DEADLINE_DAY
    return date(year + 1, 1, day) if month == 12 else date(year, month + 1, day)


def may_submit(*, township_id: int, year: int, month: int, today: date) -> bool:
    """Doctors may submit while the period is open and before the deadline (or its reopening)."""
    period = ReportingPeriod.objects.filter(township_id=township_id, year=year, month=month).first()
    if period is not None and period.state != State.OPEN:
        return False
    if period is not None and period.reopened_until:
        return today <= period.reopened_until
    return today <= submission_deadline(year=year, month=month)


def locked_months(*, township_id: int, year: int, months: Iterable[int]) -> list[int]:
    """Which of ``months`` of the township's year are locked by an approved settlement."""
    return sorted(
        ReportingPeriod.objects.filter(
            township_id=township_id, year=year, month__in=list(months), state=State.LOCKED
        ).values_list("month", flat=True)
    )
