"""Scheduled advances (按政策预拨), part of the settlement feature.

``generate_advances`` pays a county's clinics the advance of one period (a quarter for a quarterly-share
schedule, a month for a fixed monthly one) as ``Advance`` rows dated inside the period, so the settlement of
that period deducts them like any recorded advance. One ``AdvanceBatch`` per county and period records who
generated it and when; generating again returns the existing batch and pays nothing more.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from clinics import audit as history
from clinics.models import Clinic, County
from clinics.selectors import can_administer_county, can_manage_clinic
from core import audit
from programs.selectors.periods import locked_months
from subsidies import calculation
from subsidies.models import Advance, AdvanceBatch, SubsidyPolicy
from subsidies.models.settlement import period_label
from subsidies.selectors.settlement import active_clinics_with_population, advance_schedule

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Method = SubsidyPolicy.AdvanceMethod


def may_generate(user: User | None, county_id: int) -> bool:
    """County admins of that county (and superusers); ``None`` is the trusted command line."""
    return user is None or can_administer_county(user, county_id)


def period_start(year: int, *, quarter: int | None, month: int | None) -> date:
    if quarter:
        return date(year, quarter * 3 - 2, 1)
    assert month is not None  # checked by _check_period: a month when there is no quarter
    return date(year, month, 1)


def _months(quarter: int | None, month: int | None) -> set[int]:
    if quarter:
        return set(range(quarter * 3 - 2, quarter * 3 + 1))
    assert month is not None  # checked by _check_period
    return {month}


def _check_period(policy: SubsidyPolicy, quarter: int | None, month: int | None) -> None:
    if policy.advance_method == Method.NONE:
        raise ValidationError(_("该政策没有设置预拨计划（预拨方式为“不预拨”）。"))
    if policy.status != SubsidyPolicy.Status.ACTIVE:
        raise ValidationError(_("只有已发布的政策才能生成预拨款。"))
    if policy.advance_method == Method.QUARTERLY_SHARE:
        if month is not None or quarter is None or not 1 <= quarter <= 4:
            raise ValidationError({"quarter": _("该政策按季度比例预拨，请选择季度（1–4）。")})
    elif quarter is not None or month is None or not 1 <= month <= 12:
        raise ValidationError({"month": _("该政策每月固定预拨，请选择月份（1–12）。")})


def preview(
    *, policy: SubsidyPolicy, quarter: int | None = None, month: int | None = None
) -> tuple[Decimal, list[tuple[Clinic, Decimal]], str]:
    """(schedule amount, [(clinic, amount)], formula) for the county's active clinics — nothing is written."""
    _check_period(policy, quarter, month)
    clinics, populations = active_clinics_with_population(county_id=policy.county_id, year=policy.year)

    total, parts, formula = calculation.scheduled_advances(
        advance_schedule(policy), populations=[populations.get(c.pk, 0) for c in clinics], quarter=quarter, month=month
    )
    return total, list(zip(clinics, parts, strict=True)), formula


def generate_advances(
    *,
    user: User | None,
    policy: SubsidyPolicy,
    quarter: int | None = None,
    month: int | None = None,
    paid_on: date | None = None,
) -> tuple[AdvanceBatch, bool]:
    """The period's scheduled advances for every active clinic of the policy's county (``_generate_advances``),
    as one action of the change history by ``user``."""
    with audit.action(user=user):
        return _generate_advances(user=user, policy=policy, quarter=quarter, month=month, paid_on=paid_on)


@transaction.atomic
def _generate_advances(
    *,
    user: User | None,
    policy: SubsidyPolicy,
    quarter: int | None = None,
    month: int | None = None,
    paid_on: date | None = None,
) -> tuple[AdvanceBatch, bool]:
    """The period's scheduled advances for every active clinic of the policy's county.

    Returns (batch, created). Idempotent: when the county's advances of that period were generated
    already, the existing batch comes back with ``created=False`` and nothing is paid again."""
    if not may_generate(user, policy.county_id):
        raise PermissionDenied
    policy = SubsidyPolicy.objects.get(pk=policy.pk)  # the schedule as stored, not as an unsaved form left it
    _check_period(policy, quarter, month)
    start = period_start(policy.year, quarter=quarter, month=month)
    paid_on = paid_on or start
    if paid_on.year != policy.year or paid_on.month not in _months(quarter, month):
        raise ValidationError({"paid_on": _("拨付日期必须在预拨期间内，否则该期结算不会扣除这笔预拨款。")})
    # One generation at a time per county: a second caller waits here, then finds the first one's batch.
    County.objects.select_for_update().filter(pk=policy.county_id).first()
    same_period = AdvanceBatch.objects.filter(county_id=policy.county_id, year=policy.year)
    existing = same_period.filter(quarter=quarter, month=month).first()
    if existing is not None:
        return existing, False
    overlapping = [b for b in same_period if _months(b.quarter, b.month) & _months(quarter, month)]
    if overlapping:
        raise ValidationError(_("该期间已有预拨款批次（%(b)s），不能重复预拨。") % {"b": overlapping[0]})
    total, parts, formula = preview(policy=policy, quarter=quarter, month=month)
    if total <= 0:
        raise ValidationError(_("按预拨计划本期没有需要预拨的金额（比例为 0，或没有服务人口数据）。"))
    period = period_label(policy.year, quarter=quarter, month=month)
    try:
        with transaction.atomic():
            batch = AdvanceBatch.objects.create(
                county_id=policy.county_id,
                policy=policy,
                year=policy.year,
                quarter=quarter,
                month=month,
                method=policy.advance_method,
                paid_on=paid_on,
                total=total,
                clinic_count=sum(1 for _c, amount in parts if amount > 0),
                created_by=user,
                basis={"formula": formula, "schedule": policy.advance_schedule_display},
            )
    except IntegrityError:  # generated meanwhile by someone else (the lock above makes this rare)
        return same_period.get(quarter=quarter, month=month), False
    reference = _("预拨%(period)s") % {"period": period}
    advances = Advance.objects.bulk_create(
        [
            Advance(clinic=clinic, paid_on=paid_on, amount=amount, reference=reference[:50], batch=batch)
            for clinic, amount in parts
            if amount > 0
        ],
        batch_size=2000,
    )
    history.record_bulk_create(Advance, advances, ["clinic", "paid_on", "amount", "reference", "batch"])
    return batch, True


def _ensure_advance_month_open(advance: Advance) -> None:
    """An advance dated in a month an approved settlement locked was deducted there: it is frozen."""
    clinic = Clinic.objects.only("township_id").get(pk=advance.clinic_id)
    if locked_months(township_id=clinic.township_id, year=advance.paid_on.year, months=[advance.paid_on.month]):
        raise ValidationError(
            _(
                "%(y)s年%(m)s月的补助已审批结算，该月的预拨款不能再登记、修改或删除；"
                "如有差错，请在未结算的月份另行登记一笔更正的预拨款，并在凭证号中注明。"
            )
            % {"y": advance.paid_on.year, "m": advance.paid_on.month},
            code="frozen",
        )


@transaction.atomic
def save_advance(*, user: User | None, instance: Advance, version: int | None = None) -> Advance:
    """Record or change an advance by hand (the admin form). Generated ones and those of settled months are
    frozen."""
    if user is not None and not can_manage_clinic(user, instance.clinic):
        raise PermissionDenied
    if instance.pk is not None:
        current = Advance.objects.select_for_update().get(pk=instance.pk)
        if current.batch_id:
            raise ValidationError(
                _("这笔预拨款是按政策批量生成的，不能手工修改；如有差错，请另行登记一笔更正的预拨款并在凭证号中注明。")
            )
        _ensure_advance_month_open(current)
    _ensure_advance_month_open(instance)
    instance.save()
    return instance


@transaction.atomic
def delete_advance(*, user: User | None, instance: Advance) -> None:
    current = Advance.objects.select_for_update().get(pk=instance.pk)
    if user is not None and not can_manage_clinic(user, current.clinic):
        raise PermissionDenied
    if current.batch_id:
        raise ValidationError(_("这笔预拨款是按政策批量生成的，不能手工删除；如有差错，请另行登记一笔更正的预拨款。"))
    _ensure_advance_month_open(current)
    current.delete()
