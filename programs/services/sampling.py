"""Resident-level verification (抽查核实, issue #17): drawing the month's sample of service records per clinic and
item, redrawing it with a reason, recording each call's outcome, and carrying the tallies into the report.

Rules (documented here, shown on the samples page):

- **Size** of a clinic's sample of an item: ``min(record_count, max(minimum, min(maximum, ceil(share ×
  record_count))))`` with the county's SamplingRule of the year (the model's defaults when it has none), and never
  more than the month's distinct residents (no resident twice in one sample). ``reserve`` more records follow as the
  reserve list (positions after the sample).
- **Seeds.** One seed per draw (given, or drawn from the system's randomness); each sample's own seed is derived
  from it and the clinic's and item's codes and the month (``derived_seed``), so the same seed draws the same
  sample, whichever other clinics are drawn with it. The sample records its own seed.
- **Drawn once.** A clinic, item and month with a current sample is skipped; ``redraw_sample`` needs a reason and
  keeps the old sample (``superseded_by``).
- **Risk bands.** A clinic's authenticity rate over the current samples of its previous 3 months: below 80% high,
  below 95% medium, otherwise low; no sampled history is medium. The rule's share of each band (high / medium /
  low) decides how many of the band's clinics are checked: ``ceil(share × clinics in the band)``, picked with the
  draw's seed. Clinics not picked get no sample; their verified count is the declared count or their historical
  rate (``rule.unchecked_basis``, see ``programs.selectors.sampling.unchecked_clinics``).
- **Who calls.** The staff member the sample is assigned to; while nobody is assigned, any township staff of the
  clinic's township (county admins assign, and call only samples assigned to them).
- **Outcomes.** Each unreachable try counts an attempt; after ``rule.max_attempts`` the entry is 无法联系. 无法联系
  and 拒绝 are replaced by the next unused reserve entry (moved into the sample), which keeps the sample's size
  while the reserve lasts. Authenticity = 属实 ÷ (属实 + 不属实 + 服务内容不符).
- **Into the report.** ``apply_samples_to_report`` passes each sampled line's (电话回访, checked, confirmed) to
  ``programs.services.reports.verify_report``, whose rule gives the verified count (declared × rate, rounded down).
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import Clinic
from clinics.selectors import AnyUser, can_manage_clinic, clinics_for, get_scope
from core import audit
from programs.models import (
    SampleEntry,
    SamplingRule,
    ServiceRecord,
    ServiceReport,
    ServiceReportLine,
    VerificationSample,
)
from programs.selectors import periods as period_selectors
from programs.services import reports as report_services

if TYPE_CHECKING:
    from django.contrib.auth.models import User

__all__ = [
    "DISPUTE_DAYS",
    "apply_samples_to_report",
    "assign_sample",
    "authenticity",
    "derived_seed",
    "dispute_entry",
    "draw_samples",
    "plan_sample",
    "record_outcome",
    "redraw_sample",
    "rule_for",
    "sample_size",
    "sample_tallies",
]

Outcome = SampleEntry.Outcome
RiskBand = VerificationSample.RiskBand
REPLACED = (Outcome.UNREACHABLE, Outcome.REFUSED)
HISTORY_MONTHS = 3
HIGH_RISK_BELOW = Decimal("0.80")
MEDIUM_RISK_BELOW = Decimal("0.95")
# The clinic may dispute a 不属实 within this many days of the call (no appeal-window setting in the project fits a
# single call's outcome: subsidies' appeals run against a published settlement).
DISPUTE_DAYS = 10
SEED_LIMIT = 2**62


def rule_for(*, county_id: int, year: int) -> SamplingRule:
    """The county's rule of the year, or an unsaved one with the model's defaults."""
    rule = SamplingRule.objects.filter(county_id=county_id, year=year).first()
    return rule or SamplingRule(county_id=county_id, year=year)


def sample_size(*, rule: SamplingRule, record_count: int) -> int:
    """min(record_count, max(minimum, min(maximum, ceil(share × record_count))))."""
    share = math.ceil(Decimal(rule.share) * record_count)
    return min(record_count, max(rule.minimum, min(rule.maximum, share)))


def derived_seed(seed: int, *parts: object) -> int:
    """A sample's own seed from the draw's seed and what the sample is of (stable across processes)."""
    text = "|".join(str(p) for p in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") % SEED_LIMIT


def authenticity(sample: VerificationSample) -> tuple[int, int]:
    """(checked, confirmed): checked = 属实 + 不属实 + 服务内容不符 of the sample proper, confirmed = 属实."""
    outcomes = list(sample.entries.filter(reserve=False).values_list("outcome", flat=True))
    checked = sum(1 for o in outcomes if o in SampleEntry.COUNTED)
    return checked, sum(1 for o in outcomes if o == Outcome.CONFIRMED)


def _months_before(year: int, month: int, count: int) -> list[tuple[int, int]]:
    months = []
    for _i in range(count):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        months.append((year, month))
    return months


def historical_rate(*, clinic_id: int, year: int, month: int) -> Decimal | None:
    """Authenticity over the clinic's current samples of the previous 3 months; None without any call counted."""
    checked = confirmed = 0
    for y, m in _months_before(year, month, HISTORY_MONTHS):
        for sample in VerificationSample.objects.filter(
            clinic_id=clinic_id, year=y, month=m, superseded_by__isnull=True
        ):
            c, k = authenticity(sample)
            checked, confirmed = checked + c, confirmed + k
    return Decimal(confirmed) / checked if checked else None


def risk_band(rate: Decimal | None) -> str:
    """<80% high, <95% medium, else low; no history medium."""
    if rate is None:
        return RiskBand.MEDIUM
    if rate < HIGH_RISK_BELOW:
        return RiskBand.HIGH
    if rate < MEDIUM_RISK_BELOW:
        return RiskBand.MEDIUM
    return RiskBand.LOW


def band_share(rule: SamplingRule, band: str) -> Decimal:
    if band == RiskBand.HIGH:
        return Decimal(rule.high_risk_share)
    if band == RiskBand.MEDIUM:
        return Decimal(rule.medium_risk_share)
    return Decimal(rule.low_risk_share)


@dataclass(frozen=True)
class ClinicSelection:
    clinic: Clinic
    band: str
    rate: Decimal | None
    selected: bool


def select_clinics(*, clinics: list[Clinic], year: int, month: int, seed: int) -> list[ClinicSelection]:
    """Each clinic's risk band and whether it is checked: ceil(share × clinics in the band) per band and county,
    picked with a seed derived from the draw's seed."""
    rows = []
    by_band: dict[tuple[int, str], list[tuple[Clinic, Decimal | None]]] = {}
    for clinic in clinics:
        rate = historical_rate(clinic_id=clinic.pk, year=year, month=month)
        by_band.setdefault((clinic.township.county_id, risk_band(rate)), []).append((clinic, rate))
    for (county_id, band), members in sorted(by_band.items()):
        rule = rule_for(county_id=county_id, year=year)
        members.sort(key=lambda m: m[0].code)
        count = math.ceil(band_share(rule, band) * len(members))
        picked = {c.pk for c, _r in random.Random(derived_seed(seed, "band", county_id, band)).sample(members, count)}
        rows += [ClinicSelection(clinic=c, band=band, rate=r, selected=c.pk in picked) for c, r in members]
    return rows


def plan_sample(records: Sequence[tuple[int, str]], *, rule: SamplingRule, seed: int) -> tuple[int, list[int]]:
    """(size, drawn record ids): the sample's ``size`` first, then up to ``rule.reserve`` reserve ones, from
    ``records`` as (id, resident hash) in a fixed order; one record per resident, the first of each."""
    distinct: dict[str, int] = {}
    for pk, resident in records:
        distinct.setdefault(resident, pk)
    population = list(distinct.values())
    size = min(len(population), sample_size(rule=rule, record_count=len(records)))
    return size, random.Random(seed).sample(population, min(len(population), size + rule.reserve))


def _ensure_may_draw(user: User | None, clinic: Clinic) -> None:
    if user is not None and not can_manage_clinic(user, clinic):
        raise PermissionDenied


def _ensure_open(clinic: Clinic, year: int, month: int) -> None:
    if period_selectors.locked_months(township_id=clinic.township_id, year=year, months=[month]):
        raise ValidationError(_("该月已结算锁定，不能再抽查。"), code="frozen")


def _draw_one(
    *,
    user: User | None,
    clinic: Clinic,
    item_id: int,
    year: int,
    month: int,
    seed: int,
    band: str,
    rule: SamplingRule,
    reason: str = "",
) -> VerificationSample:
    records = list(
        ServiceRecord.objects.filter(
            clinic=clinic, item_id=item_id, service_date__year=year, service_date__month=month
        ).order_by("service_date", "pk")
    )
    size, picked = plan_sample([(r.pk, r.id_number_hash) for r in records], rule=rule, seed=seed)
    by_pk = {r.pk: r for r in records}
    drawn = [by_pk[pk] for pk in picked]
    sample = VerificationSample.objects.create(
        clinic=clinic,
        item_id=item_id,
        year=year,
        month=month,
        seed=seed,
        record_count=len(records),
        size=size,
        risk_band=band,
        drawn_by=user,
        redraw_reason=reason,
    )
    SampleEntry.objects.bulk_create(
        SampleEntry(sample=sample, record=record, position=i + 1, reserve=i >= size) for i, record in enumerate(drawn)
    )
    return sample


def _sampleable_lines(clinic_ids: list[int], year: int, month: int) -> dict[int, set[int]]:
    """Clinic → items with a submitted or verified report line of the month."""
    lines: dict[int, set[int]] = {}
    for clinic_id, item_id in ServiceReportLine.objects.filter(
        report__clinic_id__in=clinic_ids,
        report__year=year,
        report__month=month,
        report__status__in=(ServiceReport.Status.SUBMITTED, ServiceReport.Status.VERIFIED),
    ).values_list("report__clinic_id", "item_id"):
        lines.setdefault(clinic_id, set()).add(item_id)
    return lines


@transaction.atomic
def draw_samples(
    *,
    user: User | None,
    year: int,
    month: int,
    township: int | None = None,
    county: int | None = None,
    seed: int | None = None,
) -> list[VerificationSample]:
    """Draw the month's samples of every clinic in reach (the user's scope; narrowed to a township or county id)
    and item with records and a submitted/verified report line. Returns the samples drawn (those already drawn
    are skipped; clinics of a locked month and clinics not selected by their risk band get none)."""
    report_services.check_report_month(year=year, month=month)
    if seed is None:
        seed = random.SystemRandom().randrange(SEED_LIMIT)
    clinics = clinics_for(user) if user is not None else Clinic.objects.all()
    if user is not None and not (get_scope(user).is_township_staff or get_scope(user).is_county_admin):
        raise PermissionDenied
    if township:
        clinics = clinics.filter(township_id=township)
    if county:
        clinics = clinics.filter(township__county_id=county)
    clinic_list = list(clinics.select_related("township").order_by("code"))
    lines = _sampleable_lines([c.pk for c in clinic_list], year, month)
    with_records = set(
        ServiceRecord.objects.filter(
            clinic_id__in=list(lines), service_date__year=year, service_date__month=month
        ).values_list("clinic_id", "item_id", "item__code")
    )
    candidates = [c for c in clinic_list if any(r[0] == c.pk for r in with_records)]
    current = set(
        VerificationSample.objects.filter(
            clinic__in=candidates, year=year, month=month, superseded_by__isnull=True
        ).values_list("clinic_id", "item_id")
    )
    drawn: list[VerificationSample] = []
    with audit.action(user=user, reason=_("抽取样本（种子 %(seed)s）") % {"seed": seed}):
        for selection in select_clinics(clinics=candidates, year=year, month=month, seed=seed):
            clinic = selection.clinic
            if not selection.selected or period_selectors.locked_months(
                township_id=clinic.township_id, year=year, months=[month]
            ):
                continue
            rule = rule_for(county_id=clinic.township.county_id, year=year)
            for clinic_id, item_id, item_code in sorted(with_records):
                if clinic_id != clinic.pk or item_id not in lines.get(clinic_id, ()) or (clinic_id, item_id) in current:
                    continue
                drawn.append(
                    _draw_one(
                        user=user,
                        clinic=clinic,
                        item_id=item_id,
                        year=year,
                        month=month,
                        seed=derived_seed(seed, clinic.code, item_code, year, month),
                        band=selection.band,
                        rule=rule,
                    )
                )
    return drawn


@transaction.atomic
def redraw_sample(
    *, user: User | None, sample: VerificationSample, reason: str, seed: int | None = None
) -> VerificationSample:
    """A new sample for the same clinic, item and month; the old one is kept, superseded by the new one."""
    sample = VerificationSample.objects.select_for_update().select_related("clinic__township", "item").get(pk=sample.pk)
    _ensure_may_draw(user, sample.clinic)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写重新抽取的原因。")})
    if sample.superseded_by_id is not None:
        raise ValidationError(_("这份样本已被重新抽取，请在当前样本上操作。"))
    _ensure_open(sample.clinic, sample.year, sample.month)
    if seed is None:
        seed = random.SystemRandom().randrange(SEED_LIMIT)
    with audit.action(user=user, reason=reason):
        # The one-current-sample constraint: the old one points at itself while the new one is made.
        sample.superseded_by = sample
        sample.save(update_fields=["superseded_by"])
        new = _draw_one(
            user=user,
            clinic=sample.clinic,
            item_id=sample.item_id,
            year=sample.year,
            month=sample.month,
            seed=seed,
            band=sample.risk_band,
            rule=rule_for(county_id=sample.clinic.township.county_id, year=sample.year),
            reason=reason.strip(),
        )
        new.assigned_to = sample.assigned_to
        new.save(update_fields=["assigned_to"])
        sample.superseded_by = new
        sample.save(update_fields=["superseded_by"])
    return new


@transaction.atomic
def assign_sample(*, user: User | None, sample: VerificationSample, assignee: User | None) -> VerificationSample:
    """Give the sample's calls to a staff member of the clinic's township (None: anyone of that township)."""
    sample = VerificationSample.objects.select_for_update().select_related("clinic__township").get(pk=sample.pk)
    _ensure_may_draw(user, sample.clinic)
    if assignee is not None and get_scope(assignee).township_id != sample.clinic.township_id:
        raise ValidationError({"assignee": _("只能分配给该卫生室所在乡镇的工作人员。")})
    with audit.action(user=user):
        sample.assigned_to = assignee
        sample.save(update_fields=["assigned_to"])
    return sample


def may_call(user: AnyUser, sample: VerificationSample) -> bool:
    """The assigned staff member; nobody assigned: any township staff of the clinic's township."""
    if user is None or not user.is_authenticated:
        return False
    if sample.assigned_to_id is not None:
        return sample.assigned_to_id == user.pk
    scope = get_scope(user)
    return scope.is_township_staff and scope.township_id == sample.clinic.township_id


@transaction.atomic
def record_outcome(*, user: User | None, entry: SampleEntry, outcome: str, note: str = "") -> SampleEntry:
    """One call's outcome. 无法联系 counts an attempt and is final after the rule's attempts; 无法联系 (final) and
    拒绝 bring in the next reserve entry. Returns the entry (and, after a replacement, the reserve entry is in
    the sample)."""
    entry = SampleEntry.objects.select_for_update().get(pk=entry.pk)
    sample = VerificationSample.objects.select_related("clinic__township").get(pk=entry.sample_id)
    if not may_call(user, sample):
        raise PermissionDenied
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("请选择核实结果。")})
    if sample.superseded_by_id is not None:
        raise ValidationError(_("这份样本已被重新抽取，请在当前样本上操作。"))
    if entry.reserve:
        raise ValidationError(_("备选记录只在替换后才能回访。"))
    if entry.outcome in REPLACED:
        raise ValidationError(_("这条记录已由备选替换，不能再改。"))
    _ensure_open(sample.clinic, sample.year, sample.month)
    rule = rule_for(county_id=sample.clinic.township.county_id, year=sample.year)
    with audit.action(user=user):
        entry.attempts += 1
        entry.note = note.strip()[:200]
        entry.called_by = user
        entry.called_at = timezone.now()
        if outcome == Outcome.UNREACHABLE and entry.attempts < rule.max_attempts:
            entry.outcome = ""
        else:
            entry.outcome = outcome
        entry.save(update_fields=["attempts", "note", "called_by", "called_at", "outcome"])
        if entry.outcome in REPLACED:
            spare = (
                SampleEntry.objects.select_for_update().filter(sample=sample, reserve=True).order_by("position").first()
            )
            if spare is not None:
                spare.reserve = False
                spare.save(update_fields=["reserve"])
    return entry


def sample_tallies(report: ServiceReport) -> dict[int, tuple[str, int | None, int | None]]:
    """Item → (电话回访, checked, confirmed) of each current sample of the report's clinic and month."""
    tallies: dict[int, tuple[str, int | None, int | None]] = {}
    for sample in VerificationSample.objects.filter(
        clinic_id=report.clinic_id, year=report.year, month=report.month, superseded_by__isnull=True
    ):
        checked, confirmed = authenticity(sample)
        tallies[sample.item_id] = (ServiceReportLine.Method.PHONE, checked, confirmed)
    return tallies


def with_tallies(
    report: ServiceReport, samples: dict[int, tuple[str, int | None, int | None]]
) -> dict[int, tuple[str, int | None, int | None]]:
    """The verification page's samples with each sampled line's tallies from the call list in place of what was
    typed: the township never types tallies for a line with a drawn sample."""
    return {**samples, **sample_tallies(report)}


@transaction.atomic
def apply_samples_to_report(*, user: User | None, report: ServiceReport, version: int | None = None) -> ServiceReport:
    """Verify the report with its samples' tallies (verify_report's rules: verified = declared × rate, rounded
    down); lines without a sample keep what they had."""
    lines = report.lines.all()
    current = {line.item_id: (line.sample_method, line.sample_checked, line.sample_confirmed) for line in lines}
    return report_services.verify_report(
        user=user, report=report, samples=with_tallies(report, current), version=version
    )


def dispute_deadline(entry: SampleEntry) -> date | None:
    if entry.called_at is None:
        return None
    return timezone.localdate(entry.called_at) + timedelta(days=DISPUTE_DAYS)


@transaction.atomic
def dispute_entry(*, user: User | None, entry: SampleEntry, note: str, today: date | None = None) -> SampleEntry:
    """The clinic's doctor disputes a 不属实 with a reason, within DISPUTE_DAYS days of the call."""
    entry = SampleEntry.objects.select_for_update().select_related("sample").get(pk=entry.pk)
    scope = get_scope(user)
    if not scope.is_doctor or scope.clinic_id != entry.sample.clinic_id:
        raise PermissionDenied
    if not note.strip():
        raise ValidationError({"note": _("请填写申诉理由。")})
    if entry.outcome != Outcome.NOT_CONFIRMED:
        raise ValidationError(_("只有“不属实”的结果可以申诉。"))
    if entry.disputed_at is not None:
        raise ValidationError(_("这条结果已申诉过。"))
    deadline = dispute_deadline(entry)
    if deadline is not None and (today or timezone.localdate()) > deadline:
        raise ValidationError(_("申诉期已过（回访后 %(days)s 天内）。") % {"days": DISPUTE_DAYS})
    with audit.action(user=user, reason=note.strip()):
        entry.dispute_note = note.strip()[:500]
        entry.disputed_at = timezone.now()
        entry.save(update_fields=["dispute_note", "disputed_at"])
    return entry


def current_samples(queryset: QuerySet[VerificationSample]) -> QuerySet[VerificationSample]:
    return queryset.filter(superseded_by__isnull=True)
