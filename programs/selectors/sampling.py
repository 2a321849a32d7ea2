"""Scoped reads of verification samples: the township-month's samples with their progress, the call list of a staff
member (whole phone numbers only for the sample's assignee, recorded), clinics left unchecked and their basis, and a
clinic's findings for the portal."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from clinics.models import Clinic
from clinics.selectors import AnyUser, get_scope, restrict
from programs.models import SampleEntry, SamplingRule, ServiceRecord, ServiceReportLine, VerificationSample
from programs.services import sampling as sampling_services
from residents import crypto
from residents.models import PersonalDataAccess
from residents.services import record_access

Outcome = SampleEntry.Outcome


def samples_for(user: AnyUser) -> QuerySet[VerificationSample]:
    return restrict(VerificationSample.objects.all(), user, clinic="clinic")


def entries_for(user: AnyUser) -> QuerySet[SampleEntry]:
    return restrict(SampleEntry.objects.all(), user, clinic="sample__clinic")


def month_samples(*, user: AnyUser, year: int, month: int, township: int | None = None) -> list[VerificationSample]:
    """The current samples of a month in the user's reach, with ``called`` (entries with an outcome or an attempt
    in the sample proper), ``checked`` and ``confirmed``."""
    qs = samples_for(user).filter(year=year, month=month, superseded_by__isnull=True)
    if township:
        qs = qs.filter(clinic__township_id=township)
    in_sample = Q(entries__reserve=False)
    qs = qs.annotate(
        called=Count("entries", filter=in_sample & (~Q(entries__outcome="") | Q(entries__attempts__gt=0))),
        checked=Count("entries", filter=in_sample & Q(entries__outcome__in=SampleEntry.COUNTED)),
        confirmed=Count("entries", filter=in_sample & Q(entries__outcome=Outcome.CONFIRMED)),
        replaced=Count("entries", filter=in_sample & Q(entries__outcome__in=sampling_services.REPLACED)),
    )
    return list(qs.select_related("clinic", "item", "assigned_to").order_by("clinic__code", "item__code"))


def history_of(sample: VerificationSample) -> list[VerificationSample]:
    """The samples this one replaced, newest first (a redraw keeps the old one)."""
    older = []
    current = sample
    while (
        previous := VerificationSample.objects.filter(superseded_by=current).exclude(pk=current.pk).first()
    ) is not None:
        older.append(previous)
        current = previous
    return older


@dataclass(frozen=True)
class CallRow:
    entry: SampleEntry
    record: ServiceRecord
    phone: str
    whole: bool


def call_list(*, user: AnyUser, sample: VerificationSample, page: str) -> list[CallRow]:
    """The sample proper's entries, each with the resident's phone: whole only for the staff member assigned to the
    sample (logged through residents.services.record_access), masked for everyone else."""
    whole = isinstance(user, User) and sample.assigned_to_id is not None and sample.assigned_to_id == user.pk
    entries = list(
        sample.entries.filter(reserve=False)
        .select_related("record__resident", "record__item")
        .prefetch_related("complaints")
        .order_by("position")
    )
    rows = []
    shown = []
    for entry in entries:
        resident = entry.record.resident
        if resident is None or not resident.phone_encrypted:
            phone = ""
        elif whole:
            phone = crypto.decrypt(resident.phone_encrypted)
            shown.append(resident.pk)
        else:
            phone = resident.phone_masked
        rows.append(CallRow(entry=entry, record=entry.record, phone=phone, whole=whole and bool(phone)))
    record_access(
        user=user if isinstance(user, User) else None,
        kind=PersonalDataAccess.Kind.WHOLE_PHONE,
        page=page,
        residents=shown,
        county_id=sample.clinic.township.county_id,
    )
    return rows


def my_samples(*, user: AnyUser) -> list[VerificationSample]:
    """Current samples the user calls: assigned to them, or unassigned in their township (township staff)."""
    scope = get_scope(user)
    if user is None or not user.is_authenticated:
        return []
    mine = Q(assigned_to_id=user.pk)
    if scope.is_township_staff:
        mine |= Q(assigned_to__isnull=True, clinic__township_id=scope.township_id)
    qs = samples_for(user).filter(mine, superseded_by__isnull=True)
    return list(qs.select_related("clinic", "item").order_by("-year", "-month", "clinic__code", "item__code"))


@dataclass(frozen=True)
class Unchecked:
    clinic: Clinic
    item_name: str
    declared: int
    verified: int
    explanation: str


def unchecked_clinics(*, user: AnyUser, year: int, month: int, township: int | None = None) -> list[Unchecked]:
    """Report lines of the month without a sample: their verified count is the declared count or, when the rule's
    basis is the historical rate, declared × the clinic's rate of the last 3 months (rounded down), with the
    sentence that says which."""
    lines = restrict(ServiceReportLine.objects.all(), user, clinic="report__clinic").filter(
        report__year=year, report__month=month, report__status__in=("submitted", "verified")
    )
    if township:
        lines = lines.filter(report__clinic__township_id=township)
    sampled = set(
        samples_for(user).filter(year=year, month=month, superseded_by__isnull=True).values_list("clinic_id", "item_id")
    )
    rows = []
    rules: dict[int, SamplingRule] = {}
    unsampled = [
        line
        for line in lines.select_related("report__clinic__township", "item").order_by(
            "report__clinic__code", "item__code"
        )
        if (line.report.clinic_id, line.item_id) not in sampled
    ]
    # Every clinic's rate in one query (a county has hundreds of clinics), read only if some rule needs it.
    rates: dict[int, Decimal | None] | None = None
    for line in unsampled:
        clinic = line.report.clinic
        county_id = clinic.township.county_id
        rule = rules.get(county_id) or rules.setdefault(
            county_id, sampling_services.rule_for(county_id=county_id, year=year)
        )
        rate = None
        if rule.unchecked_basis == SamplingRule.UncheckedBasis.HISTORICAL_RATE:
            if rates is None:
                rates = sampling_services.historical_rates(
                    clinic_ids=sorted({x.report.clinic_id for x in unsampled}), year=year, month=month
                )
            rate = rates[clinic.pk]
        if rate is None:
            verified = line.declared_count
            explanation = _("本月未抽查，核实数按申报数计。")
            if rule.unchecked_basis == SamplingRule.UncheckedBasis.HISTORICAL_RATE:
                explanation = _("本月未抽查，近 3 个月没有回访结果，核实数按申报数计。")
        else:
            verified = int(line.declared_count * rate)
            explanation = _("本月未抽查，核实数按近 3 个月的真实率 %(rate)s%% 计（申报数 × 真实率，向下取整）。") % {
                "rate": (rate * 100).quantize(Decimal("0.1"))
            }
        rows.append(
            Unchecked(
                clinic=clinic,
                item_name=line.item.name,
                declared=line.declared_count,
                verified=verified,
                explanation=explanation,
            )
        )
    return rows


def clinic_findings(*, clinic_id: int, year: int, month: int) -> list[SampleEntry]:
    """The clinic's sampled records of a month with an outcome (resident masked in the template), for the portal."""
    return list(
        SampleEntry.objects.filter(
            sample__clinic_id=clinic_id,
            sample__year=year,
            sample__month=month,
            sample__superseded_by__isnull=True,
            reserve=False,
        )
        .exclude(outcome="")
        .select_related("record__item", "sample")
        .order_by("sample__item__code", "position")
    )


def finding_months(*, clinic_id: int) -> list[tuple[int, int]]:
    return list(
        VerificationSample.objects.filter(clinic_id=clinic_id, superseded_by__isnull=True)
        .values_list("year", "month")
        .distinct()
        .order_by("-year", "-month")
    )


def progress_of(sample_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """Sample → (called, checked, confirmed) of its sample proper, in one query."""
    rows = (
        SampleEntry.objects.filter(sample_id__in=sample_ids, reserve=False)
        .values("sample_id")
        .annotate(
            called=Count("pk", filter=~Q(outcome="") | Q(attempts__gt=0)),
            checked=Count("pk", filter=Q(outcome__in=SampleEntry.COUNTED)),
            confirmed=Count("pk", filter=Q(outcome=Outcome.CONFIRMED)),
        )
    )
    return {r["sample_id"]: (r["called"], r["checked"], r["confirmed"]) for r in rows}
