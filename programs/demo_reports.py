"""Demo data for public-health services: 2026 prices, quotas from population, a year of reports."""

from __future__ import annotations

import random
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from clinics import audit as history
from clinics.models import Clinic, ClinicPopulation, Role, UserScope
from core import audit
from programs.models import Quota, ServiceItem, ServiceItemPrice, ServiceReport, ServiceReportLine
from programs.selectors.periods import submission_deadline

# item code: (unit price 元, work points, quota basis, quota rate)
PLAN: dict[str, tuple[str, str, str | None, str | int]] = {
    "PH01": ("2.00", "1.0", "resident", "0.05"),
    "PH02": ("100.00", "20", None, 12),
    "PH03": ("150.00", "30", None, 9),
    "PH04": ("3.00", "1.5", "children_0_6", "1.2"),
    "PH05": ("10.00", "4", "children_0_6", "0.12"),
    "PH06": ("8.00", "3", "children_0_6", "1.5"),
    "PH07": ("10.00", "4", "resident", "0.008"),
    "PH08": ("12.00", "5", "resident", "0.008"),
    "PH09": ("40.00", "15", "aged_65_plus", "0.7"),
    "PH10": ("10.00", "4", "aged_65_plus", "1.2"),
    "PH11": ("10.00", "4", "aged_65_plus", "0.4"),
    "PH12": ("20.00", "8", "resident", "0.016"),
    "PH13": ("20.00", "8", "resident", "0.002"),
    "PH14": ("8.00", "3", "aged_65_plus", "0.5"),
    "PH15": ("8.00", "3", "children_0_6", "0.6"),
    "PH16": ("5.00", "2", None, 4),
    "PH17": ("10.00", "4", None, 12),
}


def _submitted_at(timing, year, month, *, late):
    """A time in the following month: by the deadline day (the 10th by default), or late."""
    deadline = submission_deadline(year=year, month=month)
    day = timing.randint(deadline.day + 1, 25) if late else timing.randint(1, deadline.day)
    moment = datetime(deadline.year, deadline.month, day, timing.randint(8, 20), timing.randint(0, 59))  # noqa: DTZ001 (made aware below)
    return timezone.make_aware(moment)


DEMO_SOURCE = "演示数据（seed_demo）"


def _prices_and_quotas(ctx, items, clinics):
    """The county's unit prices and each clinic's yearly quotas (from its population), with their history."""
    year = ctx.year
    prices = ServiceItemPrice.objects.bulk_create(
        [
            ServiceItemPrice(
                county=ctx.county, year=year, item=items[code], unit_price=Decimal(price), work_points=Decimal(points)
            )
            for code, (price, points, _b, _r) in PLAN.items()
        ]
    )
    populations = {p.clinic_id: p for p in ClinicPopulation.objects.filter(clinic__in=clinics, year=year)}
    quotas = []
    for clinic in clinics:
        population = populations[clinic.pk]
        for code, (_price, _points, basis, rate) in PLAN.items():
            target = int(Decimal(getattr(population, basis)) * Decimal(rate)) if basis else int(rate)
            quotas.append(Quota(clinic=clinic, item=items[code], year=year, target=max(target, 1)))
    Quota.objects.bulk_create(quotas)
    if prices[0].pk is not None:  # the backend returned the new ids (SQLite ≥ 3.35, PostgreSQL)
        history.record_bulk_create(ServiceItemPrice, prices, ["item", "unit_price", "work_points"])
        history.record_bulk_create(Quota, quotas, ["item", "year", "target"])
    return quotas


def seed(ctx):
    items = {i.code: i for i in ServiceItem.objects.all()}
    year = ctx.year
    clinics = list(Clinic.objects.filter(township__county=ctx.county).order_by("code"))
    county_admin = UserScope.objects.filter(role=Role.COUNTY_ADMIN, county=ctx.county).select_related("user").first()
    with audit.action(user=county_admin.user if county_admin else None, source=DEMO_SOURCE):
        quotas = _prices_and_quotas(ctx, items, clinics)
    quota_of = {(q.clinic_id, q.item_id): q.target for q in quotas}

    today = timezone.localdate()
    last_month = 12 if year < today.year else max(0, today.month - 1)
    now = timezone.now()
    rng = ctx.rng
    timing = random.Random(rng.random())  # submission days: most before the deadline, some late
    reports, line_specs = [], []
    for clinic in clinics:
        diligence = rng.uniform(0.65, 1.15)  # some clinics fall behind pace
        honesty = rng.choice([1.0, 1.0, 1.0, 0.9, 0.8])
        for month in range(1, last_month + 1):
            if month == last_month and rng.random() < 0.25:
                continue  # not yet reported this month
            status = (
                ServiceReport.Status.VERIFIED
                if month < last_month
                else rng.choice([ServiceReport.Status.SUBMITTED, ServiceReport.Status.VERIFIED])
            )
            submitted_at = min(now, _submitted_at(timing, year, month, late=timing.random() > 0.8 * diligence + 0.1))
            reports.append(
                ServiceReport(
                    clinic=clinic,
                    year=year,
                    month=month,
                    status=status,
                    submitted_at=submitted_at,
                    verified_at=now if status == ServiceReport.Status.VERIFIED else None,
                )
            )
            line_specs.append((clinic.pk, month, status, diligence, honesty))
    ServiceReport.objects.bulk_create(reports)
    report_ids = {(r.clinic_id, r.month): r.pk for r in ServiceReport.objects.filter(clinic__in=clinics, year=year)}
    lines = []
    for clinic_id, month, status, diligence, honesty in line_specs:
        for item in items.values():
            monthly = quota_of.get((clinic_id, item.pk), 0) / 12
            declared = max(0, int(rng.gauss(monthly * diligence, max(1.0, monthly * 0.2))))
            verified = None
            checked = confirmed = None
            method = ""
            if status == ServiceReport.Status.VERIFIED:
                if declared >= 5 and rng.random() < 0.4:
                    checked = min(declared, 10)
                    confirmed = min(checked, round(checked * honesty))
                    method = rng.choice(["phone", "home"])
                    verified = declared * confirmed // checked
                else:
                    verified = declared
            lines.append(
                ServiceReportLine(
                    report_id=report_ids[(clinic_id, month)],
                    item=item,
                    declared_count=declared,
                    verified_count=verified,
                    sample_method=method,
                    sample_checked=checked,
                    sample_confirmed=confirmed,
                )
            )
    ServiceReportLine.objects.bulk_create(lines, batch_size=5000)
    _record_history(ctx, clinics, reports, report_ids, lines, now)
    ctx.stdout.write(
        f"公共卫生服务：{len(quotas)} 条年度任务，{len(reports)} 份月报（截至 {date(year, max(1, last_month), 1):%Y年%m月}）。"
    )


def _record_history(ctx, clinics, reports, report_ids, lines, now):
    """The change history the reports would have had through the portal and the verification page: each
    report and its declared counts entered by the clinic's doctor, the verified ones then verified by the
    township's staff (who is also recorded as the verifier). Written in bulk (clinics.audit), so that on the
    demo data an approved amount can be traced back to who entered and who verified each count."""
    scopes = UserScope.objects.filter(role__in=[Role.VILLAGE_DOCTOR, Role.TOWNSHIP_STAFF]).select_related("user")
    doctor_of = {s.clinic_id: s.user for s in scopes if s.role == Role.VILLAGE_DOCTOR}
    staff_of = {s.township_id: s.user for s in scopes if s.role == Role.TOWNSHIP_STAFF}
    clinic_of = {c.pk: c for c in clinics}
    for r in reports:
        r.pk = report_ids[(r.clinic_id, r.month)]
    by_pk = {r.pk: r for r in reports}
    for line in lines:
        line.report = by_pk[line.report_id]

    def report_label(r):
        return f"{clinic_of[r.clinic_id].name} {r.year}年{r.month}月"

    def line_label(line):
        return f"{report_label(line.report)} {line.item.name}"

    verified = ServiceReport.Status.VERIFIED
    for clinic in clinics:
        own = [r for r in reports if r.clinic_id == clinic.pk]
        own_lines = [line for line in lines if line.report.clinic_id == clinic.pk]
        doctor = doctor_of.get(clinic.pk)
        with audit.action(user=doctor, source=DEMO_SOURCE):
            ServiceReport.objects.filter(pk__in=[r.pk for r in own]).update(submitted_by=doctor)
            final = [r.status for r in own]
            for r in own:  # as the doctor submitted it (the verification below takes it on)
                r.status, r.submitted_by = ServiceReport.Status.SUBMITTED, doctor
            history.record_bulk_create(
                ServiceReport, own, ["status", "submitted_by", "submitted_at"], label=report_label
            )
            for r, status in zip(own, final, strict=True):
                r.status = status
            history.record_bulk_create(ServiceReportLine, own_lines, ["item", "declared_count"], label=line_label)
        staff = staff_of.get(clinic.township_id)
        done = [r for r in own if r.status == verified]
        with audit.action(user=staff, source=DEMO_SOURCE):
            ServiceReport.objects.filter(pk__in=[r.pk for r in done]).update(verified_by=staff)
            history.record_bulk_update(
                ServiceReport,
                [(r, {"status": (ServiceReport.Status.SUBMITTED, verified), "verified_at": (None, now)}) for r in done],
                label=report_label,
            )
            history.record_bulk_update(
                ServiceReportLine,
                [
                    (
                        line,
                        {
                            name: (None, getattr(line, name))
                            for name in ("verified_count", "sample_method", "sample_checked", "sample_confirmed")
                            if getattr(line, name) not in (None, "")
                        },
                    )
                    for line in own_lines
                    if line.report.status == verified
                ],
                label=line_label,
            )
