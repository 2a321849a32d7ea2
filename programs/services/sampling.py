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
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics import audit as history
from clinics.models import Clinic
from clinics.selectors import AnyUser, can_manage_clinic, clinics_for, get_scope
from core import audit
from programs.models import (
    Complaint,
    SampleEntry,
    SamplingRule,
    ServiceItem,
    ServiceRecord,
    ServiceReport,
    ServiceReportLine,
    VerificationSample,
)
from programs.selectors import periods as period_selectors
from programs.services import complaints
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
    "historical_rates",
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
SAMPLE_HISTORY_FIELDS = ["clinic", "item", "year", "month", "seed", "record_count", "size", "risk_band", "drawn_by"]


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


def historical_rates(*, clinic_ids: Sequence[int], year: int, month: int) -> dict[int, Decimal | None]:
    """Clinic → authenticity over its current samples of the previous 3 months (None without any call counted),
    for many clinics in one query (a county's draw reads every clinic's)."""
    months = Q()
    for y, m in _months_before(year, month, HISTORY_MONTHS):
        months |= Q(sample__year=y, sample__month=m)
    rates: dict[int, Decimal | None] = dict.fromkeys(clinic_ids)
    rows = (
        SampleEntry.objects.filter(months, sample__clinic_id__in=list(clinic_ids), sample__superseded_by__isnull=True)
        .filter(reserve=False)
        .values("sample__clinic_id")
        .annotate(
            checked=Count("pk", filter=Q(outcome__in=SampleEntry.COUNTED)),
            confirmed=Count("pk", filter=Q(outcome=Outcome.CONFIRMED)),
        )
        .order_by()
    )
    for row in rows:
        if row["checked"]:
            rates[row["sample__clinic_id"]] = Decimal(row["confirmed"]) / row["checked"]
    return rates


def historical_rate(*, clinic_id: int, year: int, month: int) -> Decimal | None:
    """Authenticity over the clinic's current samples of the previous 3 months; None without any call counted."""
    return historical_rates(clinic_ids=[clinic_id], year=year, month=month)[clinic_id]


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
    rates = historical_rates(clinic_ids=[c.pk for c in clinics], year=year, month=month)
    for clinic in clinics:
        rate = rates[clinic.pk]
        by_band.setdefault((clinic.township.county_id, risk_band(rate)), []).append((clinic, rate))
    rules: dict[int, SamplingRule] = {}
    for (county_id, band), members in sorted(by_band.items()):
        rule = rules.get(county_id) or rules.setdefault(county_id, rule_for(county_id=county_id, year=year))
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
    """One sample, saved (a redraw; a month's draw plans all its samples and writes them in bulk)."""
    records = list(
        _month_records(ServiceRecord.objects.filter(clinic=clinic, item_id=item_id), year, month).values_list(
            "pk", "id_number_hash"
        )
    )
    sample, drawn = _planned(
        user=user,
        clinic=clinic,
        item_id=item_id,
        year=year,
        month=month,
        seed=seed,
        band=band,
        rule=rule,
        reason=reason,
        records=records,
    )
    sample.save()
    SampleEntry.objects.bulk_create(_entries(sample, drawn))
    return sample


def _planned(
    *,
    user: User | None,
    clinic: Clinic,
    item_id: int,
    year: int,
    month: int,
    seed: int,
    band: str,
    rule: SamplingRule,
    reason: str,
    records: list[tuple[int, str]],
) -> tuple[VerificationSample, list[int]]:
    """The sample (unsaved) and its drawn record ids, sample first, then the reserve."""
    size, drawn = plan_sample(records, rule=rule, seed=seed)
    sample = VerificationSample(
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
    return sample, drawn


def _entries(sample: VerificationSample, drawn: list[int]) -> list[SampleEntry]:
    return [
        SampleEntry(sample=sample, record_id=record_id, position=i + 1, reserve=i >= sample.size)
        for i, record_id in enumerate(drawn)
    ]


def _month_records(records: QuerySet[ServiceRecord], year: int, month: int) -> QuerySet[ServiceRecord]:
    """A month's records in the order a sample is drawn from (date, then id) — a date range, which the
    (clinic, date, item) index serves, not ``__month``."""
    first = date(year, month, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return records.filter(service_date__gte=first, service_date__lt=following).order_by("service_date", "pk")


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
    # Every record of the month of those clinics, once (clinic, item, then date order): a county's draw is a
    # handful of queries, not one per clinic and item.
    month_records: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for clinic_id, item_id, pk, resident in _month_records(
        ServiceRecord.objects.filter(clinic_id__in=list(lines)), year, month
    ).values_list("clinic_id", "item_id", "pk", "id_number_hash"):
        month_records.setdefault((clinic_id, item_id), []).append((pk, resident))
    codes = dict(ServiceItem.objects.filter(pk__in={i for _c, i in month_records}).values_list("pk", "code"))
    with_records = {(c, i, codes[i]) for c, i in month_records}
    clinics_with_records = {c for c, _i in month_records}
    candidates = [c for c in clinic_list if c.pk in clinics_with_records]
    current = set(
        VerificationSample.objects.filter(
            clinic__in=candidates, year=year, month=month, superseded_by__isnull=True
        ).values_list("clinic_id", "item_id")
    )
    planned: list[tuple[VerificationSample, list[int]]] = []
    locked: dict[int, bool] = {}
    rules: dict[int, SamplingRule] = {}
    by_clinic: dict[int, list[tuple[int, int, str]]] = {}
    for row in sorted(with_records):
        by_clinic.setdefault(row[0], []).append(row)
    with audit.action(user=user, reason=_("抽取样本（种子 %(seed)s）") % {"seed": seed}):
        for selection in select_clinics(clinics=candidates, year=year, month=month, seed=seed):
            clinic = selection.clinic
            if clinic.township_id not in locked:
                locked[clinic.township_id] = bool(
                    period_selectors.locked_months(township_id=clinic.township_id, year=year, months=[month])
                )
            if not selection.selected or locked[clinic.township_id]:
                continue
            county_id = clinic.township.county_id
            rule = rules.get(county_id) or rules.setdefault(county_id, rule_for(county_id=county_id, year=year))
            for clinic_id, item_id, item_code in by_clinic.get(clinic.pk, ()):
                if clinic_id != clinic.pk or item_id not in lines.get(clinic_id, ()) or (clinic_id, item_id) in current:
                    continue
                planned.append(
                    _planned(
                        user=user,
                        clinic=clinic,
                        item_id=item_id,
                        year=year,
                        month=month,
                        seed=derived_seed(seed, clinic.code, item_code, year, month),
                        band=selection.band,
                        rule=rule,
                        reason="",
                        records=month_records[(clinic_id, item_id)],
                    )
                )
        # A county's month is thousands of samples: written in bulk, their creation recorded in the history.
        drawn = VerificationSample.objects.bulk_create([sample for sample, _ids in planned], batch_size=2000)
        history.record_bulk_create(VerificationSample, drawn, SAMPLE_HISTORY_FIELDS)
        SampleEntry.objects.bulk_create(
            [entry for sample, ids in planned for entry in _entries(sample, ids)], batch_size=5000
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
def record_outcome(
    *, user: User | None, entry: SampleEntry, outcome: str, note: str = "", open_complaint: bool = False
) -> SampleEntry:
    """One call's outcome. 无法联系 counts an attempt and is final after the rule's attempts; 无法联系 (final) and
    拒绝 bring in the next reserve entry. Returns the entry (and, after a replacement, the reserve entry is in
    the sample). ``open_complaint``: a 服务内容不符 also opens a complaint in the register (once per entry), the
    resident as complainant."""
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
        if open_complaint and entry.outcome == Outcome.CONTENT_MISMATCH and not entry.complaints.exists():
            record = entry.record
            complaints.record_complaint(
                user=user,
                clinic=sample.clinic,
                source=Complaint.Source.CALL,
                kind=Complaint.Kind.FALSE_SERVICE,
                received_at=entry.called_at,
                complainant=record.resident_name,
                description=_("核实回访：%(item)s（%(day)s）服务内容与记录不符。%(note)s")
                % {"item": record.item.name, "day": f"{record.service_date:%Y-%m-%d}", "note": entry.note},
                sample_entry=entry,
            )
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
