"""The county's rules as Excel: the counties file and the yearly price table (项目单价与工分), both ways."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from clinics.models import County
from core import dataio
from programs.models import ServiceItemPrice
from tests.spreadsheets import xlsx_bytes

PRICE_HEADERS = ["县编码", "年度", "项目编码", "单价（元）", "工分"]


def run(resource, rows, headers, user=None, dry_run=False):
    return dataio.run_import(
        resource_name=resource, data=xlsx_bytes(headers, rows), filename="x.xlsx", user=user, dry_run=dry_run
    )


def sheet_rows(content):
    return list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_price_table_round_trip_gives_the_same_prices(org, services):
    county = org.users.county
    before = {
        (p.item.code, p.year): (p.unit_price, p.work_points)
        for p in ServiceItemPrice.objects.filter(county=org.county_a).select_related("item")
    }
    assert before, "the services fixture holds county A's 2026 prices"
    content = dataio.export_bytes(resource_name="item_prices", fmt="xlsx", user=county)
    rows = sheet_rows(content)
    assert list(rows[0]) == ["县编码", "年度", "项目编码", "项目名称", "单价（元）", "工分"]
    assert {r[0] for r in rows[1:]} == {org.county_a.code}  # county B's table is not in county A's file
    ServiceItemPrice.objects.filter(county=org.county_a).update(unit_price=0, work_points=0)
    report = dataio.run_import(resource_name="item_prices", data=content, filename="p.xlsx", user=county)
    assert report.ok and report.updated == len(before)
    after = {
        (p.item.code, p.year): (p.unit_price, p.work_points)
        for p in ServiceItemPrice.objects.filter(county=org.county_a).select_related("item")
    }
    assert after == before


def test_new_year_of_prices_is_created_and_money_keeps_its_places(org, services):
    report = run("item_prices", [["QS", 2027, "PH09", "12.5", "1.25"]], PRICE_HEADERS, user=org.users.county)
    assert report.ok and report.new == 1
    price = ServiceItemPrice.objects.get(county=org.county_a, year=2027, item__code="PH09")
    assert price.unit_price == Decimal("12.50") and price.work_points == Decimal("1.25")


def test_bad_price_rows_are_all_named_and_nothing_is_written(org, services):
    rows = [
        ["QS", 2027, "PH09", "-1", "1"],  # negative price
        ["QS", 2027, "NOPE", "3", "1"],  # unknown item
        ["LS", 2027, "PH01", "3", "1"],  # another county: unknown to county A's clerk
        ["QS", 2027, "PH02", "3.456", "1"],  # more than 2 places
        ["QS", 2027, "PH03", "3", "1"],  # the one good row is not written either
    ]
    report = run("item_prices", rows, PRICE_HEADERS, user=org.users.county)
    assert not report.ok
    lines = report.error_lines()
    for n in (2, 3, 4, 5):
        assert any(f"第 {n} 行" in line for line in lines), (n, lines)
    assert not any("第 6 行" in line for line in lines)
    assert not ServiceItemPrice.objects.filter(year=2027).exists()


def test_township_staff_may_not_import_the_price_table(org, services):
    resource = dataio.get_resource_class("item_prices")
    assert not dataio.user_may_import(org.users.township, resource)
    assert dataio.user_may_import(org.users.county, resource)


def test_counties_file_creates_a_county_for_the_system_administrator(org):
    report = run("counties", [["NC", "新川县", "新川县卫生健康局"]], ["县编码", "县名", "卫健局名称"])
    assert report.ok and report.new == 1
    assert County.objects.get(code="NC").health_bureau_name == "新川县卫生健康局"
    bad = run("counties", [["N C", "", ""]], ["县编码", "县名", "卫健局名称"])
    assert not bad.ok and any("第 2 行" in line for line in bad.error_lines())


def test_a_county_admin_exports_only_their_county_and_imports_none(org):
    resource = dataio.get_resource_class("counties")
    assert not dataio.user_may_import(org.users.county, resource)
    rows = sheet_rows(dataio.export_bytes(resource_name="counties", fmt="xlsx", user=org.users.county))
    assert rows[1:] == [(org.county_a.code, org.county_a.name, org.county_a.health_bureau_name or None)]


@pytest.mark.parametrize("name", ["item_prices"])
def test_price_list_has_the_import_button(org, services, client_for, name):
    page = client_for(org.users.county).get(reverse("serviceitemprice:index"))
    assert page.status_code == 200
    assert reverse("data:import", args=[name]) in page.content.decode()
