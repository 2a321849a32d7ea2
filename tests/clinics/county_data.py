"""Data for the county dashboard tests: a quarter of reports, quotas, licences, scores, markup sales and
settlement runs in county A (and some in county B that must never show up there)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from clinics.models import Clinic, ClinicPopulation, Township
from programs.models import Drug, DrugSale, Quota, ServiceItem, ServiceReport, ServiceReportLine
from subsidies.models import Assessment, ScoreSheet, SettlementLine, SettlementRun, SubsidyPolicy
from tests.doctors.helpers import make_doctor, make_licence

TODAY = date(2026, 4, 20)  # the dashboard looks at March 2026, the last finished month


def at(day: date):
    return timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=9)))


def report(clinic, month, status, submitted_on, lines=()):
    r = ServiceReport.objects.create(
        clinic=clinic, year=2026, month=month, status=status, submitted_at=at(submitted_on)
    )
    for item, declared, verified in lines:
        ServiceReportLine.objects.create(report=r, item=item, declared_count=declared, verified_count=verified)
    return r


def build_county_a(org):
    """The figures every test checks (township A1 = 城关镇: clinics A1a, A1b; A2 = 石桥镇: clinic A2a)."""
    ph09 = ServiceItem.objects.get(code="PH09")
    Quota.objects.create(clinic=org.ca1a, item=ph09, year=2026, target=120)
    Quota.objects.create(clinic=org.ca1b, item=ph09, year=2026, target=60)
    Quota.objects.create(clinic=org.ca2a, item=ph09, year=2026, target=100)
    # A1a: January on time, February late, March on time but not yet verified.
    report(org.ca1a, 1, "verified", date(2026, 2, 5), [(ph09, 12, 12)])
    report(org.ca1a, 2, "verified", date(2026, 3, 15), [(ph09, 20, 20)])
    report(org.ca1a, 3, "submitted", date(2026, 4, 5), [(ph09, 30, None)])
    # A2a: only March, on time (the 9th), verified; 40 of 100 done.
    report(org.ca2a, 3, "verified", date(2026, 4, 9), [(ph09, 40, 40)])
    # County B: reports that must not be counted in county A.
    report(org.cb1a, 3, "submitted", date(2026, 4, 1), [(ph09, 5, None)])

    # Licences: A1a's doctor expires in 30 days; A2a's lapsed 10 days ago; B1a's lapsed too (county B).
    make_licence(make_doctor(org.ca1a, name="张建国"), expires_in=30, today=TODAY)
    make_licence(make_doctor(org.ca2a, name="王秀英"), expires_in=-10, today=TODAY)
    make_licence(make_doctor(org.cb1a, name="赵志强"), expires_in=-10, today=TODAY)

    # Scores: A1 averages 70 in 2025 Q4 and 75 in 2026 Q1; A2 scores 55 in 2026 Q1.
    sheet = ScoreSheet.objects.create(county=org.county_a, year=2026, name="表")
    sheet_b = ScoreSheet.objects.create(county=org.county_b, year=2026, name="表")
    assessor = org.users.township
    for clinic, year, quarter, score, the_sheet in [
        (org.ca1a, 2025, 4, "70", sheet),
        (org.ca1a, 2026, 1, "80", sheet),
        (org.ca1b, 2026, 1, "70", sheet),
        (org.ca2a, 2026, 1, "55", sheet),
        (org.cb1a, 2026, 2, "99", sheet_b),
    ]:
        Assessment.objects.create(
            clinic=clinic,
            year=year,
            quarter=quarter,
            sheet=the_sheet,
            status="submitted",
            total_score=Decimal(score),
            assessor=assessor,
            assessed_on=TODAY,
        )
    Assessment.objects.create(
        clinic=org.ca1b,
        year=2025,
        quarter=4,
        sheet=sheet,
        status="draft",
        total_score=Decimal("10"),
        assessor=assessor,
        assessed_on=TODAY,
    )

    # Markup sales: two at A2a in 2026 (one in 2025, not counted), one at B1a.
    drug = Drug.objects.create(
        code="D001", generic_name="阿莫西林胶囊", dosage_form="胶囊", specification="0.25g×24", unit="盒"
    )
    for clinic, day, overcharge in [
        (org.ca2a, date(2026, 2, 1), "1.50"),
        (org.ca2a, date(2026, 3, 1), "2.00"),
        (org.ca2a, date(2025, 12, 1), "9.00"),
        (org.cb1a, date(2026, 3, 1), "3.00"),
        (org.ca1a, date(2026, 3, 1), "0.00"),
    ]:
        DrugSale.objects.create(
            clinic=clinic,
            drug=drug,
            date=day,
            quantity=1,
            unit_price=Decimal("10.00"),
            unit_cost=Decimal("10.00") - Decimal(overcharge),
            overcharge=Decimal(overcharge),
        )

    # Settlement: an older approved run for A1, then a newer county-wide draft (the estimate shown).
    policy = SubsidyPolicy.objects.create(
        county=org.county_a, year=2026, name="p", per_capita_rate=99, village_share=Decimal("0.4"), drug_amount=5
    )
    old = SettlementRun.objects.create(
        county=org.county_a,
        township=org.ta1,
        year=2026,
        quarter=1,
        policy=policy,
        status="approved",
        total_balance=Decimal("999.00"),
    )
    SettlementLine.objects.create(
        run=old, clinic=org.ca1a, public_health=1, drug_subsidy=0, deductions=0, advances=0, balance=Decimal("999.00")
    )
    run = SettlementRun.objects.create(
        county=org.county_a, year=2026, quarter=1, policy=policy, status="draft", total_balance=Decimal("1800.50")
    )
    for clinic, balance in [(org.ca1a, "1000.25"), (org.ca1b, "500.00"), (org.ca2a, "300.25")]:
        SettlementLine.objects.create(
            run=run, clinic=clinic, public_health=1, drug_subsidy=0, deductions=0, advances=0, balance=Decimal(balance)
        )
    return run


def add_townships(org, count: int, clinics_per_township: int):
    """More townships in county A, each clinic with a quota, a quarter of reports, a doctor, a score and a sale."""
    ph09 = ServiceItem.objects.get(code="PH09")
    sheet = ScoreSheet.objects.get(county=org.county_a, year=2026)
    drug = Drug.objects.get(code="D001")
    run = SettlementRun.objects.filter(county=org.county_a, township=None).latest("pk")
    start = Township.objects.count()
    for t in range(count):
        township = Township.objects.create(
            county=org.county_a, code=f"X{start + t}", name=f"新{start + t}镇", health_center_name="卫生院"
        )
        clinics = Clinic.objects.bulk_create(
            Clinic(township=township, code=f"X{start + t}C{c}", name=f"新{c}村卫生室", village=f"新{c}村")
            for c in range(clinics_per_township)
        )
        ClinicPopulation.objects.bulk_create(
            ClinicPopulation(
                clinic=c, year=2026, resident=1000, registered=1000, insured=1000, aged_65_plus=100, children_0_6=50
            )
            for c in clinics
        )
        Quota.objects.bulk_create(Quota(clinic=c, item=ph09, year=2026, target=100) for c in clinics)
        for c in clinics:
            for month in (1, 2, 3):
                report(c, month, "verified", date(2026, month + 1, 3), [(ph09, 9, 9)])
            make_licence(make_doctor(c, name="李桂兰"), expires_in=60, today=TODAY)
            Assessment.objects.create(
                clinic=c,
                year=2026,
                quarter=1,
                sheet=sheet,
                status="submitted",
                total_score=Decimal("88"),
                assessor=org.users.township,
                assessed_on=TODAY,
            )
            DrugSale.objects.create(
                clinic=c,
                drug=drug,
                date=date(2026, 3, 2),
                quantity=1,
                unit_price=Decimal("11"),
                unit_cost=Decimal("10"),
                overcharge=Decimal("1"),
            )
            SettlementLine.objects.create(
                run=run, clinic=c, public_health=1, drug_subsidy=0, deductions=0, advances=0, balance=Decimal("100.00")
            )
