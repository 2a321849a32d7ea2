"""Demo data for resident-level verification: the last reported month's service records, one per service the
reports declare (for the items delivered to a person), each matched to a resident of the clinic's register who
belongs to the item's population; then the township's verification sample of that month, partly called."""

from __future__ import annotations

from calendar import monthrange
from datetime import date

from django.contrib.auth import get_user_model
from django.utils import timezone

from clinics.models import Clinic
from core import audit
from doctors.models import VillageDoctor
from programs.demo_reports import DEMO_SOURCE
from programs.models import SampleEntry, ServiceRecord, ServiceReport, ServiceReportLine
from programs.services import sampling
from residents.models import ResidentRegistration

Outcome = SampleEntry.Outcome

# Items delivered to one person, and the register flag that person has ("" = any resident).
PERSONAL_ITEMS = {
    "PH01": "",
    "PH04": "child",
    "PH05": "child",
    "PH06": "child",
    "PH07": "maternal",
    "PH08": "maternal",
    "PH09": "elderly",
    "PH10": "hypertension",
    "PH11": "diabetes",
    "PH12": "severe_mental_disorder",
    "PH13": "tuberculosis",
    "PH14": "elderly",
    "PH15": "child",
}


def last_reported_month(year: int) -> int:
    today = timezone.localdate()
    return 12 if year < today.year else max(1, today.month - 1)


def seed_records(ctx) -> tuple[int, int]:
    """The last month's records; returns (month, how many)."""
    rng = ctx.rng
    year = ctx.year
    month = last_reported_month(year)
    days = monthrange(year, month)[1]
    clinics = {c.pk: c for c in Clinic.objects.filter(township__county=ctx.county)}
    doctors: dict[int, int] = {}
    for clinic_id, doctor_id in (
        VillageDoctor.objects.filter(clinic__in=clinics).order_by("pk").values_list("clinic_id", "pk")
    ):
        doctors.setdefault(clinic_id, doctor_id)
    people: dict[int, list[ResidentRegistration]] = {}
    for registration in ResidentRegistration.objects.filter(clinic__in=clinics, year=year).select_related("resident"):
        people.setdefault(registration.clinic_id, []).append(registration)
    lines = (
        ServiceReportLine.objects.filter(
            report__clinic__in=clinics, report__year=year, report__month=month, item__code__in=PERSONAL_ITEMS
        )
        .exclude(report__status=ServiceReport.Status.DRAFT)
        .filter(declared_count__gt=0)
        .select_related("item", "report")
        .order_by("report__clinic__code", "item__code")
    )
    records = []
    for line in lines:
        clinic_id = line.report.clinic_id
        flag = PERSONAL_ITEMS[line.item.code]
        eligible = [r for r in people.get(clinic_id, ()) if not flag or getattr(r, flag)]
        if not eligible:
            continue
        used: set[tuple[int, int]] = set()
        for _ in range(line.declared_count):
            for _attempt in range(20):  # one service per resident, item and day
                registration, day = rng.choice(eligible), rng.randint(1, days)
                if (registration.resident_id, day) not in used:
                    break
            else:
                continue
            used.add((registration.resident_id, day))
            resident = registration.resident
            records.append(
                ServiceRecord(
                    clinic_id=clinic_id,
                    item=line.item,
                    service_date=date(year, month, day),
                    resident=resident,
                    resident_name=resident.name,
                    id_number_hash=resident.id_number_hash,
                    id_number_masked=resident.id_number_masked,
                    doctor_id=doctors.get(clinic_id),
                    source=ServiceRecord.Source.IMPORT,
                )
            )
    ServiceRecord.objects.bulk_create(records, batch_size=5000)
    return month, len(records)


def seed_samples(ctx, month: int) -> tuple[int, int]:
    """staff01 draws the month's samples of their township, takes the calls, and works through the first
    clinic's list: mostly 属实, one 不属实, one 拒绝 (replaced from the reserve). Returns (samples, calls)."""
    staff = get_user_model().objects.get(username="staff01")
    township = staff.scope.township
    assert township is not None  # the demo's township staff
    with audit.action(user=staff, source=DEMO_SOURCE):
        samples = sampling.draw_samples(
            user=staff, year=ctx.year, month=month, township=township.pk, seed=ctx.rng.randrange(10**9)
        )
        for sample in samples:
            sampling.assign_sample(user=staff, sample=sample, assignee=staff)
        calls = 0
        first_clinic = min((s.clinic.code for s in samples), default=None)
        for sample in (s for s in samples if s.clinic.code == first_clinic):
            entries = list(sample.entries.filter(reserve=False).order_by("position"))
            for index, entry in enumerate(entries[:-1]):  # the last one is still to call
                outcome = Outcome.CONFIRMED
                if index == 1 and sample.item.code == "PH10":
                    outcome = Outcome.NOT_CONFIRMED
                elif index == 2:
                    outcome = Outcome.REFUSED
                sampling.record_outcome(user=staff, entry=entry, outcome=outcome)
                calls += 1
    return len(samples), calls


def seed(ctx):
    month, count = seed_records(ctx)
    ctx.stdout.write(f"服务记录：{ctx.year}年{month}月 {count} 条（按当月申报数生成，均已匹配辖区居民）。")
    samples, calls = seed_samples(ctx, month)
    ctx.stdout.write(f"抽查核实：staff01 已抽取 {month} 月样本 {samples} 份，已回访 {calls} 人次。")
