"""Opening, closing and locking reporting periods. Every change is recorded (PeriodTransition)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import audit
from programs.models import PeriodTransition, ReportingPeriod

if TYPE_CHECKING:
    from django.contrib.auth.models import User

State = ReportingPeriod.State


def _period_for_update(township_id: int, year: int, month: int) -> ReportingPeriod:
    if not 1 <= month <= 12:
        raise ValidationError(_("月份必须在 1 到 12 之间。"))
    period, _created = ReportingPeriod.objects.get_or_create(township_id=township_id, year=year, month=month)
    return ReportingPeriod.objects.select_for_update().get(pk=period.pk)


def _move(period: ReportingPeriod, to_state: str, user: User | None, reason: str = "") -> ReportingPeriod:
    PeriodTransition.objects.create(period=period, from_state=period.state, to_state=to_state, by=user, reason=reason)
    period.state = to_state
    with audit.action(user=user, reason=reason):  # the change history keeps the reason (e.g. of a reopening)
        period.save(update_fields=["state", "reopened_until"])
    return period


@transaction.atomic
def close_period(*, township_id: int, year: int, month: int, user: User | None, reason: str = "") -> ReportingPeriod:
    period = _period_for_update(township_id, year, month)
    if period.state == State.LOCKED:
        raise ValidationError(_("该月已结算锁定，不能再更改状态。"))
    if period.state == State.CLOSED:
        return period
    period.reopened_until = None
    return _move(period, State.CLOSED, user, reason)


@transaction.atomic
def reopen_period(
    *, township_id: int, year: int, month: int, user: User | None, until: date, reason: str
) -> ReportingPeriod:
    """Let doctors submit (late) again until a given day; needs a reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("请填写重新开放的原因。")})
    period = _period_for_update(township_id, year, month)
    if period.state == State.LOCKED:
        raise ValidationError(_("该月已结算锁定，只能通过更正单修改数据。"))
    period.reopened_until = until
    return _move(period, State.OPEN, user, reason)


@transaction.atomic
def lock_periods(
    *, township_ids: Iterable[int], year: int, months: Iterable[int], user: User | None, reason: str = ""
) -> int:
    """Lock months for settlement (called when a settlement is approved). Returns how many changed."""
    changed = 0
    for township_id in township_ids:
        for month in months:
            period = _period_for_update(township_id, year, month)
            if period.state != State.LOCKED:
                period.reopened_until = None
                _move(period, State.LOCKED, user, reason or _("补助结算审批后锁定"))
                changed += 1
    return changed


def ensure_not_locked(*, township_id: int, on: date) -> None:
    """Refuse a change dated in a locked month (drug purchases and sales, reports)."""
    state = (
        ReportingPeriod.objects.filter(township_id=township_id, year=on.year, month=on.month)
        .values_list("state", flat=True)
        .first()
    )
    if state == State.LOCKED:
        raise ValidationError(
            _("%(year)s年%(month)s月已结算锁定，不能再录入或修改该月的数据。") % {"year": on.year, "month": on.month}
        )
