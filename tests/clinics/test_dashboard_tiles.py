"""Each app's dashboard tiles against the data behind them, in a bounded number of queries."""

from datetime import date
from decimal import Decimal

from django.urls import reverse

from core.dashboard import doctor_tiles, staff_tiles
from programs.models import Quota, ServiceItem, ServiceReport, ServiceReportLine

TODAY = date(2026, 4, 20)


def tile(tiles, prefix):
    return next(t for t in tiles if t.title.startswith(prefix))


def test_report_tiles(org):
    ServiceReport.objects.create(clinic=org.ca1a, year=2026, month=3, status="submitted")
    ServiceReport.objects.create(clinic=org.ca2a, year=2026, month=3, status="verified")
    tiles = staff_tiles(user=org.users.township, today=TODAY)
    assert tile(tiles, "3月月报未报").value == "1"  # A1b of township A1
    assert tile(tiles, "3月月报待核实").value == "1"
    county = staff_tiles(user=org.users.county, today=TODAY)
    assert tile(county, "3月月报未报").value == "1" and tile(county, "3月月报待核实").value == "1"


def test_pace_and_completion_tiles(org):
    item = ServiceItem.objects.get(code="PH09")
    Quota.objects.create(clinic=org.ca1a, item=item, year=2026, target=120)
    report = ServiceReport.objects.create(clinic=org.ca1a, year=2026, month=1, status="verified")
    ServiceReportLine.objects.create(report=report, item=item, declared_count=12, verified_count=12)
    tiles = staff_tiles(user=org.users.township, today=TODAY)
    behind = tile(tiles, "任务进度落后")
    assert behind.value == "1" and behind.rows[0][0] == "张庄村卫生室"  # 12 of the 30 due by March
    assert "65岁以上老年人健康体检" in tile(tiles, "2026年各项目任务完成率").chart


def test_doctor_tiles(org):
    tiles = doctor_tiles(user=org.users.doctor, clinic=org.ca1a, today=TODAY)
    assert tile(tiles, "2026年4月月报").value == "未填报"  # past the 10th: the current month
    assert tile(tiles, "执业证书").value == "未登记"


def test_the_doctors_pace_tile_lists_only_the_items_behind_most_behind_first(org):
    items = {i.code: i for i in ServiceItem.objects.filter(code__in=["PH09", "PH10", "PH11"])}
    for code in items:
        Quota.objects.create(clinic=org.ca1a, item=items[code], year=2026, target=120)  # 40 due by April
    report = ServiceReport.objects.create(clinic=org.ca1a, year=2026, month=3, status="verified")
    for code, verified in (("PH09", 50), ("PH10", 10), ("PH11", 30)):  # on pace, 30 short, 10 short
        ServiceReportLine.objects.create(
            report=report, item=items[code], declared_count=verified, verified_count=verified
        )
    pace = tile(doctor_tiles(user=org.users.doctor, clinic=org.ca1a, today=TODAY), "任务进度")
    assert pace.value == "2 项落后" and not pace.chart
    assert [(name, value) for name, value, _url in pace.rows] == [
        (items["PH10"].name, "差 30"),
        (items["PH11"].name, "差 10"),
    ]
    Quota.objects.filter(clinic=org.ca1a).update(target=12)
    pace = tile(doctor_tiles(user=org.users.doctor, clinic=org.ca1a, today=TODAY), "任务进度")
    assert pace.value == "进度正常" and not pace.rows and pace.detail == "全部项目都跟上了进度。"


def test_settlement_and_score_tiles(org):
    from subsidies.models import Assessment, ScoreSheet, SettlementLine, SettlementRun, SubsidyPolicy

    sheet = ScoreSheet.objects.create(county=org.county_a, year=2026, name="表")
    Assessment.objects.create(
        clinic=org.ca1a,
        year=2026,
        quarter=1,
        sheet=sheet,
        status="submitted",
        total_score=Decimal("55"),
        assessor=org.users.township,
        assessed_on=TODAY,
    )
    policy = SubsidyPolicy.objects.create(
        county=org.county_a, year=2026, name="p", per_capita_rate=99, village_share=Decimal("0.4"), drug_amount=5
    )
    run = SettlementRun.objects.create(
        county=org.county_a,
        township=org.ta1,
        year=2026,
        quarter=1,
        policy=policy,
        status="approved",
        total_balance=Decimal("1234.50"),
    )
    SettlementLine.objects.create(
        run=run, clinic=org.ca1a, public_health=1, drug_subsidy=0, deductions=0, advances=0, balance=Decimal("1234.50")
    )
    tiles = staff_tiles(user=org.users.township, today=TODAY)
    assert tile(tiles, "2026年第1季度考核").value == "1 个不合格"
    assert tile(tiles, "最新补助结算").value == "1,234.50 元"
    assert staff_tiles(user=org.users.other_township, today=TODAY) and not any(
        t.title == "最新补助结算" for t in staff_tiles(user=org.users.other_township, today=TODAY)
    )
    mine = doctor_tiles(user=org.users.doctor, clinic=org.ca1a, today=TODAY)
    assert tile(mine, "最近考核得分").value == "55.00" and tile(mine, "最近一次补助").value == "1234.50 元"


def test_dashboards_use_bounded_queries(org, client_for, django_assert_max_num_queries):
    from clinics.models import Clinic

    client = client_for(org.users.county)
    client.get(reverse("wagtailadmin_home"))
    with django_assert_max_num_queries(80) as small:
        client.get(reverse("wagtailadmin_home"))
    Clinic.objects.bulk_create(Clinic(township=org.ta1, code=f"X{i}", name=f"X{i}", village="X") for i in range(200))
    with django_assert_max_num_queries(80) as large:
        client.get(reverse("wagtailadmin_home"))
    assert len(large.captured_queries) == len(small.captured_queries)
    doctor = client_for(org.users.doctor)
    doctor.get(reverse("portal:home"))
    with django_assert_max_num_queries(40):
        assert doctor.get(reverse("portal:home")).status_code == 200
