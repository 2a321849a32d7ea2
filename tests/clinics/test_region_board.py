"""The levels above the county (市/省): scope of the city and province officials, the comparison of counties
(各县工作对比) with hand-computed figures year on year, its page, bounded queries and the user-assignment form."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from clinics.forms import NewLoginForm
from clinics.models import City, Clinic, County, Township, UserScope
from clinics.roles import Role
from clinics.selectors import cities_for, clinics_for, counties_for, provinces_for, townships_for
from core.dashboard import region_board
from programs.models import Quota, ServiceItem, ServiceReport, ServiceReportLine
from subsidies.models import AdvanceBatch, Assessment, ScoreSheet, SettlementRun
from tests.doctors.helpers import make_doctor, make_licence
from tests.factories import make_clinic, make_county, make_township
from tests.subsidies.test_settlement_advances import make_policy

TODAY = date(2026, 7, 15)  # the comparison covers January–June


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


# --------------------------------------------------------------------------- scope


def test_city_official_sees_the_city_s_counties_and_province_official_the_province_s(org):
    city, province = org.users.city, org.users.province
    assert codes(counties_for(city)) == ["QS"]
    assert codes(counties_for(province)) == ["LS", "QS"]
    assert codes(townships_for(city)) == ["A1", "A2"]
    assert codes(clinics_for(province)) == ["A1a", "A1b", "A2a", "B1a"]
    assert codes(cities_for(city)) == ["X"]
    assert codes(cities_for(province)) == ["X", "Y"]
    assert codes(provinces_for(city)) == ["P"]
    # A county of another province, and a county in no city, are nobody's above the county.
    other = make_county("ZZ", "远山县")
    make_clinic(make_township(other, "Z1", "远山镇"), "Z1a", "远山村卫生室")
    assert "ZZ" not in codes(counties_for(province))
    assert "Z1a" not in codes(clinics_for(province))
    # Those below see nothing of the levels above.
    assert codes(cities_for(org.users.county)) == []
    assert codes(provinces_for(org.users.township)) == []


def test_a_regional_scope_names_its_place_and_nothing_else(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        UserScope.objects.filter(user=org.users.city).update(county=org.county_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        UserScope.objects.filter(user=org.users.province).update(province=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        UserScope.objects.filter(user=org.users.county).update(city=org.city_x)


def test_a_county_admin_cannot_give_a_regional_role_and_a_superuser_can(org):
    data = {"username": "shi01", "full_name": "市里", "password": "Zq8#mvTw2", "role": Role.CITY_OFFICIAL}
    form = NewLoginForm(data={**data, "city": org.city_x.pk}, for_user=org.users.county)
    assert "city" not in form.fields
    assert Role.CITY_OFFICIAL not in dict(form.fields["role"].choices)
    assert not form.is_valid() and "role" in form.errors

    missing = NewLoginForm(data=data, for_user=org.users.superuser)
    assert not missing.is_valid()
    assert missing.errors["city"] == ["角色“市卫健委（只读）”必须选择市。"]
    form = NewLoginForm(data={**data, "city": org.city_x.pk}, for_user=org.users.superuser)
    assert form.is_valid(), form.errors
    scope = form.save()
    assert (scope.role, scope.city, scope.place) == (Role.CITY_OFFICIAL, org.city_x, org.city_x)
    assert codes(counties_for(scope.user)) == ["QS"]


# --------------------------------------------------------------------------- the figures, by hand


def _report(clinic, year, month, lines, status=ServiceReport.Status.VERIFIED):
    report = ServiceReport.objects.create(clinic=clinic, year=year, month=month, status=status)
    for item, declared, verified in lines:
        ServiceReportLine.objects.create(report=report, item=item, declared_count=declared, verified_count=verified)


@pytest.fixture
def figures(org):
    """County A (clinic A1a) and county B (clinic B1a), 2026 against 2025.

    Quotas: A1a PH09 120 (2026) and 100 (2025); B1a PH09 50 (2026).
    Verified reports: A1a 2026-03 80 declared / 70 verified, 2026-08 (after June) 50 / 50; 2025-03 40 / 40 and a
    submitted (unverified) 2026-05 report of 30; B1a 2026-02 60 / 60 (10 above its quota).
    Assessments of A1a: Q1 80.00 and Q2 90.00 submitted, a Q2 draft of A1b and a Q3 one left out; 2025 Q1 70.00.
    Money for county A: advances paid 2026-04-01 (1,000.00) and 2026-07-02 (after June: left out), a paid Q1
    settlement with a balance of 234.56, an approved (unpaid) Q2 one of 999.99 left out.
    Doctors: A1a's licence is in force, A1b's doctor has none (1 of 2); B1a's doctor is licensed.
    """
    ph09 = ServiceItem.objects.get(code="PH09")
    Quota.objects.create(clinic=org.ca1a, item=ph09, year=2026, target=120)
    Quota.objects.create(clinic=org.ca1a, item=ph09, year=2025, target=100)
    Quota.objects.create(clinic=org.cb1a, item=ph09, year=2026, target=50)
    _report(org.ca1a, 2026, 3, [(ph09, 80, 70)])
    _report(org.ca1a, 2026, 8, [(ph09, 50, 50)])
    _report(org.ca1a, 2025, 3, [(ph09, 40, 40)])
    _report(org.ca1a, 2026, 5, [(ph09, 30, None)], status=ServiceReport.Status.SUBMITTED)
    _report(org.cb1a, 2026, 2, [(ph09, 60, 60)])

    sheet = ScoreSheet.objects.create(county=org.county_a, year=2026, name="考核表")
    sheet_2025 = ScoreSheet.objects.create(county=org.county_a, year=2025, name="考核表")
    for clinic, year, quarter, score, status in (
        (org.ca1a, 2026, 1, "80.00", "submitted"),
        (org.ca1a, 2026, 2, "90.00", "submitted"),
        (org.ca1b, 2026, 2, "10.00", "draft"),
        (org.ca1b, 2026, 3, "10.00", "submitted"),
        (org.ca1a, 2025, 1, "70.00", "submitted"),
    ):
        Assessment.objects.create(
            clinic=clinic,
            year=year,
            quarter=quarter,
            sheet=sheet if year == 2026 else sheet_2025,
            status=status,
            total_score=D(score),
            assessed_on=date(year, quarter * 3, 28),
            assessor=org.users.township,
        )

    policy = make_policy(org)
    for quarter, paid_on, total in ((2, date(2026, 4, 1), "1000.00"), (3, date(2026, 7, 2), "500.00")):
        AdvanceBatch.objects.create(
            county=org.county_a,
            policy=policy,
            year=2026,
            quarter=quarter,
            method="quarterly_share",
            paid_on=paid_on,
            total=D(total),
        )
    for quarter, status, balance in ((1, "paid", "234.56"), (2, "approved", "999.99")):
        SettlementRun.objects.create(
            county=org.county_a,
            year=2026,
            quarter=quarter,
            policy=policy,
            status=status,
            total_balance=D(balance),
            prepared_by=org.users.township,
        )

    make_licence(make_doctor(org.ca1a, name="张一"), issued_on=date(2024, 1, 1))
    make_doctor(org.ca1b, name="李二")
    make_licence(make_doctor(org.cb1a, name="赵三"), issued_on=date(2025, 9, 1))


def _board(user):
    board = region_board(
        user=user, counties=counties_for(user).order_by("code"), year=2026, through_month=6, today=TODAY
    )
    return {column.title: column for column in board.columns}, board


def test_province_board_by_hand(org, figures):
    columns, board = _board(org.users.province)
    a, b = org.county_a.pk, org.county_b.pk
    assert [c.code for c in board.counties] == ["LS", "QS"]

    completion = columns["任务完成率"]
    assert completion.cells[a].value == "58.3%"  # 70 of 120 (August's 50 comes after June)
    assert completion.cells[a].detail == "去年同期 40.0%，+18.3 个百分点"
    assert completion.cells[b].value == "100.0%"  # 60 verified, counted up to the quota of 50
    assert completion.cells[b].detail == "去年同期无数据"
    assert completion.total.value == "70.6%"  # (70 + 50) / (120 + 50)

    verification = columns["核实真实率"]
    assert verification.cells[a].value == "87.5%"  # 70 of 80 declared on verified reports; May is not verified
    assert verification.cells[b].value == "100.0%"
    assert verification.total.value == "92.9%"  # 130 / 140

    scores = columns["考核平均分"]
    assert scores.cells[a].value == "85.0"  # Q1 80 and Q2 90; the draft and Q3 are left out
    assert scores.cells[a].detail == "2 份考核；去年同期 70.0，+15.0"
    assert scores.cells[b].value == "—"

    money = columns["补助已拨付（元）"]
    assert money.cells[a].value == "1,234.56"  # the April advance and the paid Q1 settlement
    assert money.cells[b].value == "—"

    licences = columns["执业证书有效率"]
    assert licences.cells[a].value == "50.0%"  # 张一 of 张一 and 李二
    assert licences.cells[b].value == "100.0%"
    assert licences.cells[b].detail == "去年同期 0.0%，+100.0 个百分点"  # 赵三's licence dates from September 2025

    clinics = columns["在运行的村卫生室"]
    assert (clinics.cells[a].value, clinics.cells[a].detail) == ("3", "2 个乡镇")
    assert clinics.total.value == "4"


def test_city_board_shows_only_the_city_s_county(org, figures):
    columns, board = _board(org.users.city)
    assert [c.code for c in board.counties] == ["QS"]
    assert set(columns["任务完成率"].cells) == {org.county_a.pk}
    assert columns["任务完成率"].total.value == "58.3%"  # county B's figures are not in the city's total


def test_falling_figures_are_marked(org, figures):
    ph09 = ServiceItem.objects.get(code="PH09")
    Quota.objects.create(clinic=org.cb1a, item=ph09, year=2025, target=50)
    _report(org.cb1a, 2025, 3, [(ph09, 50, 50)])
    ServiceReportLine.objects.filter(report__clinic=org.cb1a, report__year=2026).update(verified_count=20)
    columns, _ = _board(org.users.province)
    cell = columns["任务完成率"].cells[org.county_b.pk]
    assert (cell.value, cell.detail, cell.level) == ("40.0%", "去年同期 100.0%，−60.0 个百分点", "warn")


def test_queries_do_not_grow_with_the_counties(org, figures, django_assert_max_num_queries):
    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            _board(org.users.province)
        return len(ctx)

    _board(org.users.province)  # the user's scope is read once, then kept on the user
    before = count_queries()
    for n in range(8):
        county = County.objects.create(code=f"N{n}", name=f"新{n}县", city=org.city_y)
        township = Township.objects.create(county=county, code=f"N{n}T", name=f"新{n}镇", health_center_name="卫生院")
        Clinic.objects.create(township=township, code=f"N{n}C", name=f"新{n}村卫生室", village=f"新{n}")
    assert count_queries() == before
    with django_assert_max_num_queries(30):
        _board(org.users.province)


# --------------------------------------------------------------------------- the page


def test_page_for_the_province_official(org, figures, client_for):
    response = client_for(org.users.province).get(reverse("dashboard:region"), {"year": "2026"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "示范省各县工作对比" in html
    assert 'data-county="QS"' in html and 'data-county="LS"' in html
    assert "东山市" in html and "西河市" in html  # two cities: a column names each county's city
    # One city chosen: only its county.
    response = client_for(org.users.province).get(reverse("dashboard:region"), {"city": "Y"})
    html = response.content.decode()
    assert 'data-county="LS"' in html and 'data-county="QS"' not in html


def test_page_for_the_city_official_and_its_home(org, client_for):
    client = client_for(org.users.city)
    html = client.get(reverse("dashboard:region"), {"year": "abc", "city": "Y"}).content.decode()
    assert "东山市各县工作对比" in html
    assert 'data-county="QS"' in html and 'data-county="LS"' not in html  # city Y is not theirs
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert 'data-testid="region-panel"' in home and "东山市共有 1 个县使用本系统" in home
    assert reverse("dashboard:region") in home


def test_staff_below_the_county_are_refused(org, client_for):
    for user in (org.users.county, org.users.township, org.users.editor):
        response = client_for(user).get(reverse("dashboard:region"))
        assert response.status_code in (302, 403)
        assert 'data-testid="region-table"' not in response.content.decode()


def test_empty_region_says_what_to_do(org, client_for):
    County.objects.filter(city=org.city_x).update(city=None)
    html = client_for(org.users.city).get(reverse("dashboard:region")).content.decode()
    assert 'data-testid="region-empty"' in html
    home = client_for(org.users.city).get(reverse("wagtailadmin_home")).content.decode()
    assert "还没有县归入" in home


def test_city_register_for_the_superuser(org, client_for):
    client = client_for(org.users.superuser)
    response = client.post(reverse("city:add"), {"province": org.province.pk, "code": "Z", "name": "南湖市"})
    assert response.status_code == 302
    city = City.objects.get(code="Z")
    response = client.post(
        reverse("county:edit", args=[org.county_b.pk]),
        {"code": "LS", "name": "绿水县", "health_bureau_name": "绿水县卫生健康局", "city": city.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert County.objects.get(pk=org.county_b.pk).city == city


def test_year_on_year_cells():
    from core.dashboard import amount_cell, percent_cell

    assert percent_cell((1, 3), (1, 3)).detail == "去年同期 33.3%，持平"
    assert percent_cell((0, 0), (1, 4)).value == "—"
    assert percent_cell((0, 0), (1, 4)).detail == "去年同期 25.0%"
    assert amount_cell(D("1234.50"), D("1000.00")).detail == "去年同期 1,000.00，+234.50"
    assert amount_cell(D("5"), D("5")).detail == "去年同期 5，持平"
    assert amount_cell(None, None).value == "—"
