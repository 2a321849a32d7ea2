"""A county's score sheet as Excel (score_sheets): export → import gives the same sheet; a sheet already used
by an assessment is frozen (a change is a new version); every bad row is named; scope."""

import io
from decimal import Decimal

import openpyxl
import pytest

from core import dataio
from subsidies.models import ScoreItem, ScoreSheet
from subsidies.services import assessments
from tests.spreadsheets import xlsx_bytes
from tests.subsidies.conftest import ASSESSED_ON

HEADERS = ["县编码", "年度", "版本", "评分表名称", "项目编号", "类别", "考核内容", "满分", "评分方式", "每次扣分"]


def items_of(sheet):
    return [
        (i.code, i.category, i.name, i.max_points, i.mode, i.points_per_occurrence, i.indicator, i.target, i.sort_order)
        for i in sheet.items.order_by("sort_order", "code")
    ]


def run(rows, user, headers=HEADERS):
    return dataio.run_import(resource_name="score_sheets", data=xlsx_bytes(headers, rows), filename="s.xlsx", user=user)


def test_export_then_import_gives_the_same_sheet_under_a_new_version(org, sheet):
    content = dataio.export_bytes(resource_name="score_sheets", fmt="xlsx", user=org.users.county)
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("县编码", "年度", "版本", "评分表名称", "项目编号")
    assert len(rows) == 1 + sheet.items.count()
    assert {r[0] for r in rows[1:]} == {org.county_a.code}
    # The same file re-imported changes nothing; with the version column set to 2 it makes a copy.
    report = dataio.run_import(resource_name="score_sheets", data=content, filename="s.xlsx", user=org.users.county)
    assert report.ok and report.updated == sheet.items.count() and report.new == 0
    book = openpyxl.load_workbook(io.BytesIO(content))
    for row in book.active.iter_rows(min_row=2):
        row[2].value = 2
    out = io.BytesIO()
    book.save(out)
    report = dataio.run_import(
        resource_name="score_sheets", data=out.getvalue(), filename="s.xlsx", user=org.users.county
    )
    assert report.ok and report.new == sheet.items.count()
    copy = ScoreSheet.objects.get(county=org.county_a, year=2026, version=2)
    assert copy.name == sheet.name and items_of(copy) == items_of(sheet)


def test_a_sheet_used_by_an_assessment_is_frozen(org, sheet):
    assessments.start_assessment(
        user=org.users.township, clinic=org.ca1a, year=2026, quarter=1, assessed_on=ASSESSED_ON
    )
    row = ["QS", 2026, 1, sheet.name, "B1", "medical", "处方书写不规范", "20", "deduction", "3"]
    report = run([row], org.users.county)
    assert not report.ok
    assert any("已用于考核" in line and "改为 2" in line for line in report.error_lines())
    assert ScoreItem.objects.get(sheet=sheet, code="B1").points_per_occurrence == Decimal("2")


def test_bad_rows_are_named_and_nothing_is_written(org):
    rows = [
        ["QS", 2027, 1, "新表", "A1", "public_health", "任务完成率", "40", "indicator", "0"],  # good
        ["QS", 2027, 1, "新表", "A2", "nope", "x", "10", "manual", "0"],  # bad category
        ["QS", 2027, 1, "新表", "A3", "medical", "y", "10", "deduction", "12"],  # per occurrence above the cap
        ["LS", 2027, 1, "新表", "A4", "medical", "z", "10", "manual", "0"],  # another county
        ["QS", 2027, 0, "新表", "A5", "medical", "w", "10", "manual", "0"],  # version 0
        ["QS", 2027, 1, "新表", "A1", "medical", "dup", "10", "manual", "0"],  # same item twice
    ]
    report = run(rows, org.users.county)
    assert not report.ok
    lines = report.error_lines()
    for n in (3, 4, 5, 6, 7):
        assert any(f"第 {n} 行" in line for line in lines), (n, lines)
    assert not any(line.startswith("第 2 行") for line in lines), lines
    assert any("第 4 行" in line and "每次扣分" in line and "不能大于满分" in line for line in lines)
    assert not ScoreSheet.objects.filter(year=2027).exists()


def test_township_staff_read_but_do_not_import(org, sheet):
    resource = dataio.get_resource_class("score_sheets")
    assert not dataio.user_may_import(org.users.township, resource)
    assert dataio.user_may_export(org.users.township, resource)
    other = dataio.export_bytes(resource_name="score_sheets", fmt="csv", user=org.users.other_county)
    assert sheet.name not in other.decode("utf-8-sig")


@pytest.mark.parametrize("mode", [m for m, _label in ScoreItem.Mode.choices])
def test_every_mode_reads_back_by_its_chinese_label(org, mode):
    label = str(dict(ScoreItem.Mode.choices)[mode])
    # A rate needs its numerator (指标) and denominator; a yearly minimum its points per missing one.
    indicator, denominator = ("PH05", "居民登记：高血压患者") if mode == "rate" else ("", "")
    headers = [*HEADERS, "指标", "分母"]
    row = ["QS", 2028, 1, "表", "X1", "基本医疗", "项目", "10", label, "1", indicator, denominator]
    report = run([row], org.users.county, headers=headers)
    assert report.ok, report.error_lines()
    assert ScoreItem.objects.get(sheet__year=2028, code="X1").mode == mode
