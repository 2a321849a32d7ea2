"""A policy's item standards as Excel (policy_items): export → import gives the same prices; the policy is named by
县编码 + 年度 + 政策名称 and must exist; a frozen policy's items are refused (an unchanged row passes); scope."""

import io
from decimal import Decimal as D

import openpyxl

from core import dataio
from programs.models import ServiceItem
from subsidies.models import PolicyItem
from tests.spreadsheets import xlsx_bytes
from tests.subsidies.test_settlement_approvals import approved

HEADERS = ["县编码", "年度", "政策名称", "项目编码", "单价（元）", "工分"]


def run(rows, user):
    return dataio.run_import(resource_name="policy_items", data=xlsx_bytes(HEADERS, rows), filename="i.xlsx", user=user)


def prices(policy):
    return sorted(policy.items.values_list("item__code", "unit_price", "work_points"))


def test_export_then_import_gives_the_same_prices_and_new_rows_add_items(org, policy):
    content = dataio.export_bytes(resource_name="policy_items", fmt="xlsx", user=org.users.county)
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0] == ("县编码", "年度", "政策名称", "项目编码", "项目名称", "单价（元）", "工分")
    assert rows[1][:4] == (org.county_a.code, 2026, policy.name, "PH09")
    before = prices(policy)
    report = dataio.run_import(resource_name="policy_items", data=content, filename="i.xlsx", user=org.users.county)
    assert report.ok, report.error_lines()
    assert prices(policy) == before
    report = run(
        [
            [org.county_a.code, 2026, policy.name, "PH09", "45.00", "16"],
            [org.county_a.code, 2026, policy.name, "PH10", "12.50", "5"],
        ],
        org.users.county,
    )
    assert report.ok, report.error_lines()
    assert prices(policy) == [("PH09", D("45.00"), D("16.00")), ("PH10", D("12.50"), D("5.00"))]


def test_bad_rows_are_named_and_nothing_is_written(org, policy):
    report = run(
        [
            [org.county_a.code, 2026, "没有这个政策", "PH10", "12.50", "5"],
            [org.county_a.code, 2026, policy.name, "XX99", "12.50", "5"],
            [org.county_a.code, 2026, policy.name, "PH10", "-1", "5"],
            [org.county_a.code, 2026, policy.name, "PH11", "1e20", "5"],
            [org.county_b.code, 2026, policy.name, "PH10", "12.50", "5"],
        ],
        org.users.county,
    )
    assert not report.ok
    lines = report.error_lines()
    for row, column in (("第 2 行", "政策名称"), ("第 3 行", "项目编码"), ("第 4 行", "单价（元）")):
        assert any(row in line and f"“{column}”" in line for line in lines), (row, column, lines)
    assert any("第 5 行" in line and "“单价（元）”" in line for line in lines), lines
    assert any("第 6 行" in line and "“县编码”" in line for line in lines), lines
    assert not PolicyItem.objects.filter(item__code="PH10").exists()


def test_a_frozen_policys_items_are_refused_but_unchanged_rows_pass(org, policy):
    approved(org, policy)
    content = dataio.export_bytes(resource_name="policy_items", fmt="xlsx", user=org.users.county)
    assert dataio.run_import(resource_name="policy_items", data=content, filename="i.xlsx", user=org.users.county).ok
    report = run([[org.county_a.code, 2026, policy.name, "PH09", "41.00", "15"]], org.users.county)
    assert not report.ok and any("请新建一个政策" in line for line in report.error_lines())
    assert PolicyItem.objects.get(policy=policy, item=ServiceItem.objects.get(code="PH09")).unit_price == D("40.00")


def test_other_counties_see_and_touch_nothing(org, policy):
    exported = dataio.export_bytes(resource_name="policy_items", fmt="xlsx", user=org.users.other_county)
    assert len(list(openpyxl.load_workbook(io.BytesIO(exported)).active.iter_rows())) == 1
    report = run([[org.county_a.code, 2026, policy.name, "PH09", "1.00", "1"]], org.users.other_county)
    assert not report.ok
    assert policy.items.get().unit_price == D("40.00")
