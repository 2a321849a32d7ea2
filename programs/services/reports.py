"""Changes to service reports: doctors save and submit; the township verifies or returns.

Every change is in the change history (clinics.audit: who, when, each field before and after, the reason);
the steps of one call are one action there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics import audit as history
from clinics.models import Clinic, ClinicPopulation
from clinics.selectors import can_manage_clinic, get_scope
from core import audit
from core.forms import joined_messages
from core.validation import MAX_YEAR, MIN_YEAR, Limits, field_limits, parse_integer
from core.versioning import bump, check_version
from doctors.selectors import practice_permission
from programs.models import Quota, ReportingPeriod, ServiceItem, ServiceReport, ServiceReportLine
from programs.selectors import periods as period_selectors
from programs.selectors import reports as report_selectors

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Status = ServiceReport.Status

# What a count (申报数) and a verification sample (抽查数, 属实数) may be: the portal form, the township's
# verification form, the Excel import and the services below all use these limits.
COUNT_LIMITS = field_limits(ServiceReportLine, "declared_count")
SAMPLE_LIMITS = field_limits(ServiceReportLine, "sample_checked")


def check_report_month(*, year: object, month: object, today: date | None = None) -> None:
    """The month a report, or an imported count, is for: a real month of 2000–2100, not in the future."""
    today = today or timezone.localdate()
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(_("年度应在 %(min)s 到 %(max)s 之间") % {"min": MIN_YEAR, "max": MAX_YEAR})
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise ValidationError(_("月份必须在 1 到 12 之间"))
    if (year, month) > (today.year, today.month):
        raise ValidationError(_("不能填报未来的月份。"))


def check_count(value: object, *, limits: Limits = COUNT_LIMITS) -> int:
    """One count: a whole number within the column's range (raises ValidationError in Chinese)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(_("必须是整数"))
    return parse_integer(value, min_value=limits.min_value, max_value=limits.max_value, required=True)


def monthly_quota_share(quota: int) -> Decimal:
    """A month's share of a yearly quota (task number ÷ 12)."""
    return Decimal(quota) / 12


# A count a handful above a small usual figure is ordinary (1 where the usual is 0.3): below this difference
# nothing is called implausible.
PLAUSIBLE_MARGIN = 5


def _about(figure: Decimal) -> str:
    """A usual monthly figure as a doctor reads it: whole above 10, one decimal below ("约 0.3", not "约 0")."""
    return str(figure.quantize(Decimal("1"))) if figure >= 10 else f"{figure.quantize(Decimal('0.1')).normalize():f}"


def exceeds_quota_share(*, count: int, quota: int | None) -> bool:
    """Implausible (a warning, not an error): more than 3× the month's share of the yearly quota. The portal
    form (``check_counts``) and the Excel import (``ServiceReportResource.fast_import``) both ask this."""
    if quota is None or quota <= 0:
        return False
    share = monthly_quota_share(quota)
    return count > 3 * share and count - share >= PLAUSIBLE_MARGIN


def verified_quantity(*, declared: int, checked: int | None, confirmed: int | None) -> int:
    """Declared × authenticity rate (confirmed / checked), rounded down; no sample → declared."""
    if not checked:
        return declared
    assert confirmed is not None, "a sample has its confirmed count"
    return declared * confirmed // checked


@dataclass(frozen=True)
class Warning:
    item: ServiceItem
    message: str


class NeedsConfirmation(Exception):
    """Submitted counts look implausible; the doctor must confirm them."""

    def __init__(self, warnings: list[Warning]):
        super().__init__("; ".join(w.message for w in warnings))
        self.warnings = warnings


class CountsRefused(ValidationError):
    """Impossible counts (by item), with the warnings of the other items, so that the form shows every problem
    at once: 99999 in one field is questioned even while another field has an error."""

    def __init__(self, errors: dict[str, str], warnings: list[Warning]):
        super().__init__(errors)
        self.warnings = warnings


def check_counts(*, clinic: Clinic, year: int, month: int, counts: dict[int, int]) -> list[Warning]:
    """Raise ``CountsRefused`` (a ValidationError) for impossible counts; return warnings for implausible ones."""
    items = {i.pk: i for i in ServiceItem.objects.filter(pk__in=counts)}
    errors = {}
    for item_id, count in counts.items():
        try:
            check_count(count)
        except ValidationError as exc:
            errors[str(item_id)] = _("“%(item)s”必须是不小于 0 的整数（%(problem)s）。") % {
                "item": items[item_id].name,
                "problem": joined_messages(exc),
            }
    population = report_selectors.population_for(clinic_id=clinic.pk, year=year)
    ytd = report_selectors.year_to_date_declared(clinic_id=clinic.pk, year=year, excluding_month=month)
    for item_id, count in counts.items():
        item = items[item_id]
        if str(item_id) in errors:
            continue
        if item.population_basis and item.max_per_person_per_year and population is not None:
            people = getattr(population, item.population_basis)
            limit = people * item.max_per_person_per_year
            if ytd.get(item_id, 0) + count > limit:
                errors[str(item_id)] = _(
                    "“%(item)s”全年累计 %(total)s %(unit)s，超过了可能的最大数 %(limit)s（%(basis)s %(people)s 人 × 每人每年 %(times)s 次）。"
                ) % {
                    "item": item.name,
                    "total": ytd.get(item_id, 0) + count,
                    "unit": item.unit,
                    "limit": limit,
                    "basis": item.get_population_basis_display(),
                    "people": people,
                    "times": item.max_per_person_per_year,
                }
    usual = report_selectors.usual_monthly_declared(clinic_id=clinic.pk, before_year=year, before_month=month)
    quotas = dict(Quota.objects.filter(clinic=clinic, year=year).values_list("item_id", "target"))
    warnings = []
    for item_id, count in counts.items():
        item = items[item_id]
        if str(item_id) in errors:
            continue
        reasons = []
        if usual.get(item_id) and count > 3 * usual[item_id] and count - usual[item_id] >= PLAUSIBLE_MARGIN:
            reasons.append(_("平时每月约 %(n)s") % {"n": _about(usual[item_id])})
        if exceeds_quota_share(count=count, quota=quotas.get(item_id)):
            reasons.append(_("年度任务每月约 %(n)s") % {"n": _about(monthly_quota_share(quotas[item_id]))})
        if reasons:
            warnings.append(
                Warning(
                    item=item,
                    message=_("“%(item)s”填报 %(count)s，超过%(reasons)s的 3 倍，请确认无误。")
                    % {"item": item.name, "count": count, "reasons": "、".join(reasons)},
                )
            )
    if errors:
        raise CountsRefused(errors, warnings)
    return warnings


@transaction.atomic
def save_report(
    *,
    user: User | None,
    year: int,
    month: int,
    counts: dict[int, int],
    submit: bool,
    confirmed_warnings: bool = False,
    today: date | None = None,
) -> tuple[ServiceReport, list[Warning]]:
    """A village doctor saves (and optionally submits) their clinic's report for a month."""

    today = today or timezone.localdate()
    scope = get_scope(user)
    if not scope.is_doctor:
        raise PermissionDenied
    permission = practice_permission(user=user, on=today)
    if not permission.allowed:
        raise ValidationError(permission.reason)
    check_report_month(year=year, month=month, today=today)
    assert scope.clinic_id is not None  # a doctor's scope is their clinic
    clinic = Clinic.objects.get(pk=scope.clinic_id)
    if not period_selectors.may_submit(township_id=clinic.township_id, year=year, month=month, today=today):
        raise ValidationError(
            _("%(year)s年%(month)s月的填报已截止。如需补报，请联系乡镇卫生院重新开放。")
            % {"year": year, "month": month}
        )
    with audit.action(user=user):
        report, _created = ServiceReport.objects.select_for_update().get_or_create(
            clinic=clinic, year=year, month=month
        )
        if report.status in (Status.SUBMITTED, Status.VERIFIED):
            raise ValidationError(_("该月报已提交，不能再修改。如需修改，请联系乡镇卫生院退回。"))
        warnings = check_counts(clinic=clinic, year=year, month=month, counts=counts)
        if submit and warnings and not confirmed_warnings:
            raise NeedsConfirmation(warnings)
        existing = {line.item_id: line for line in report.lines.all()}
        for item_id, count in counts.items():
            line = existing.get(item_id)
            if line is None:
                ServiceReportLine.objects.create(report=report, item_id=item_id, declared_count=count)
            elif line.declared_count != count:
                line.declared_count = count
                line.save(update_fields=["declared_count"])
        if submit:
            with audit.action(reason=_("确认了超常数字") if warnings else ""):
                report.status = Status.SUBMITTED
                report.submitted_by = user
                report.submitted_at = timezone.now()
                report.save(update_fields=["status", "submitted_by", "submitted_at", *bump(report, user)])
        else:
            report.save(update_fields=bump(report, user))
    return report, warnings


def _ensure_staff_may_change(user: User | None, report: ServiceReport) -> None:
    if not can_manage_clinic(user, report.clinic):
        raise PermissionDenied
    state = period_selectors.period_state(township_id=report.clinic.township_id, year=report.year, month=report.month)
    if state == ReportingPeriod.State.LOCKED:
        raise ValidationError(_("该月已结算锁定，只能通过更正单修改。"))


@transaction.atomic
def verify_report(
    *,
    user: User | None,
    report: ServiceReport,
    samples: dict[int, tuple[str, int | None, int | None]],
    version: int | None = None,
) -> ServiceReport:
    """Record the verification sample of each line (method, checked n, confirmed k) and the verified counts.
    ``version``: the one the verification page showed; a change meanwhile (another clerk's verification, a
    return) is refused with who changed it and when, instead of being overwritten."""
    report = ServiceReport.objects.select_for_update().select_related("clinic__township").get(pk=report.pk)
    _ensure_staff_may_change(user, report)
    check_version(report, version)
    if report.status not in (Status.SUBMITTED, Status.VERIFIED):
        raise ValidationError(_("只有已提交的月报才能核实。"))
    errors = {}
    lines = {line.item_id: line for line in report.lines.select_related("item")}
    changed: list[ServiceReportLine] = []
    for item_id, (method, checked, confirmed) in samples.items():
        line = lines.get(item_id)
        if line is None:
            continue
        try:
            for value in (checked, confirmed):
                if value is not None:
                    check_count(value, limits=SAMPLE_LIMITS)
        except ValidationError as exc:
            errors[str(item_id)] = _("“%(item)s”：%(problem)s") % {
                "item": line.item.name,
                "problem": joined_messages(exc),
            }
            continue
        if checked is None or checked == 0:
            checked = confirmed = None
            method = ""
        elif method and method not in ServiceReportLine.Method.values:
            errors[str(item_id)] = _("“%(item)s”：请选择核实方式（电话回访或入户核实）。") % {"item": line.item.name}
            continue
        elif confirmed is None or confirmed < 0 or checked < 0 or confirmed > checked:
            errors[str(item_id)] = _("“%(item)s”：属实数必须在 0 到抽查数之间。") % {"item": line.item.name}
            continue
        elif not method:
            errors[str(item_id)] = _("“%(item)s”：请选择核实方式（电话回访或入户核实）。") % {"item": line.item.name}
            continue
        elif checked > line.declared_count:
            errors[str(item_id)] = _("“%(item)s”：抽查数不能超过申报数 %(n)s。") % {
                "item": line.item.name,
                "n": line.declared_count,
            }
            continue
        verified = verified_quantity(declared=line.declared_count, checked=checked, confirmed=confirmed)
        after = (method, checked, confirmed, verified)
        if (line.sample_method, line.sample_checked, line.sample_confirmed, line.verified_count) != after:
            line.sample_method, line.sample_checked, line.sample_confirmed, line.verified_count = after
            changed.append(line)
    if errors:
        raise ValidationError(errors)  # before anything is written: data and history stay as they were
    with audit.action(user=user):
        for line in changed:
            line.save(update_fields=["sample_method", "sample_checked", "sample_confirmed", "verified_count"])
        for line in lines.values():
            if line.verified_count is None:
                line.verified_count = line.declared_count
                line.save(update_fields=["verified_count"])
        report.status = Status.VERIFIED
        report.verified_by = user
        report.verified_at = timezone.now()
        report.save(update_fields=["status", "verified_by", "verified_at", *bump(report, user)])
    return report


@transaction.atomic
def return_report(
    *, user: User | None, report: ServiceReport, comment: str, version: int | None = None
) -> ServiceReport:
    """Send a report back to the doctor with a comment; the doctor may then change and resubmit it."""
    report = ServiceReport.objects.select_for_update().select_related("clinic__township").get(pk=report.pk)
    _ensure_staff_may_change(user, report)
    check_version(report, version)
    if not comment.strip():
        raise ValidationError({"comment": _("请填写退回意见，告诉村医需要修改什么。")})
    if report.status not in (Status.SUBMITTED, Status.VERIFIED):
        raise ValidationError(_("只有已提交的月报才能退回。"))
    cleared = {"verified_count": None, "sample_method": "", "sample_checked": None, "sample_confirmed": None}
    with audit.action(user=user, reason=comment):
        lines = list(report.lines.all())
        history.record_bulk_update(
            ServiceReportLine,
            (
                (
                    line,
                    {
                        name: (getattr(line, name), value)
                        for name, value in cleared.items()
                        if getattr(line, name) != value
                    },
                )
                for line in lines
            ),
        )
        report.lines.update(**cleared)
        report.status = Status.RETURNED
        report.return_comment = comment
        report.save(update_fields=["status", "return_comment", *bump(report, user)])
    return report


@transaction.atomic
def generate_quotas(
    *, user: User | None, clinics: Iterable[Clinic], year: int, item: ServiceItem, rate: Decimal, basis: str
) -> int:
    """Quota = rate × the clinic's population of the basis (e.g. 70% of its 65+ residents), rounded half up."""

    if rate < 0 or rate > 10:
        raise ValidationError({"rate": _("比例应在 0 到 10 之间（如 0.7 表示 70%）。")})
    if basis not in ("resident", "registered", "insured", "aged_65_plus", "children_0_6"):
        raise ValidationError({"basis": _("请选择人口口径。")})
    clinic_list = list(clinics)
    for clinic in clinic_list:
        if not can_manage_clinic(user, clinic):
            raise PermissionDenied
    populations = {p.clinic_id: p for p in ClinicPopulation.objects.filter(clinic__in=clinic_list, year=year)}
    count = 0
    for clinic in clinic_list:
        population = populations.get(clinic.pk)
        if population is None:
            continue
        target = int((Decimal(getattr(population, basis)) * rate).quantize(Decimal("1"), rounding="ROUND_HALF_UP"))
        Quota.objects.update_or_create(clinic=clinic, item=item, year=year, defaults={"target": target})
        count += 1
    return count
