"""A county's subsidy policies as Excel (policies): export → import gives the same policy; a blank optional
column keeps the default; every bad value is named by row and column with the policy form's own rules; a
policy an approved settlement used is refused (an unchanged row passes); the importer's county only."""

import io
from decimal import Decimal as D

import openpyxl

from core import dataio
from subsidies.models import SubsidyPolicy
from tests.spreadsheets import xlsx_bytes
from tests.subsidies.test_settlement_approvals import approved

HEADERS = ["县编码", "年度", "名称", "人均补助标准（元/人·年）", "村级任务比例", "基本药物补助标准"]
COMPARED = [
    f.name for f in SubsidyPolicy._meta.concrete_fields if f.name not in ("id", "version", "changed_by", "changed_at")
]


def run(headers, rows, user):
    return dataio.run_import(resource_name="policies", data=xlsx_bytes(headers, rows), filename="p.xlsx", user=user)


def values(policy):
    return {name: getattr(policy, name) for name in COMPARED}


def test_export_then_import_gives_the_same_policy(org, policy):
    SubsidyPolicy.objects.filter(pk=policy.pk).update(
        quality_bands=[[90, 1.0, "优秀"], [60, 0.8, "合格"]],
        gap_tolerance=D("0.05"),
        advance_method="quarterly_share",
        advance_q1_share=D("0.25"),
        method="work_points",
    )
    policy.refresh_from_db()
    before = values(policy)
    content = dataio.export_bytes(resource_name="policies", fmt="xlsx", user=org.users.county)
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("县编码", "年度", "名称", "状态")
    assert rows[1][:3] == (org.county_a.code, 2026, "2026年村级补助")
    assert "按工分" in rows[1] and '[[90, 1.0, "优秀"], [60, 0.8, "合格"]]' in rows[1]
    report = dataio.run_import(resource_name="policies", data=content, filename="p.xlsx", user=org.users.county)
    assert report.ok, report.error_lines()
    policy.refresh_from_db()
    assert values(policy) == before
    # The file under another name is a second policy with the same parameters.
    book = openpyxl.load_workbook(io.BytesIO(content))
    book.active.cell(row=2, column=3).value = "2026年村级补助（修订）"
    out = io.BytesIO()
    book.save(out)
    report = dataio.run_import(resource_name="policies", data=out.getvalue(), filename="p.xlsx", user=org.users.county)
    assert report.ok and report.new == 1
    copy = SubsidyPolicy.objects.get(name="2026年村级补助（修订）")
    assert {k: v for k, v in values(copy).items() if k != "name"} == {k: v for k, v in before.items() if k != "name"}


def test_a_new_policy_from_the_required_columns_takes_the_defaults(org):
    report = run(HEADERS, [[org.county_a.code, 2027, "2027年村级补助", "99", "0.4", "5"]], org.users.county)
    assert report.ok, report.error_lines()
    made = SubsidyPolicy.objects.get(name="2027年村级补助")
    assert made.status == "draft" and made.method == "unit_price" and made.quota_cap == D("1.2")
    assert made.quality_threshold == D("60") and made.quality_bands == [] and made.advance_method == "none"


def test_every_bad_value_is_named_by_row_and_column(org):
    headers = [*HEADERS, "公共卫生补助方式", "质量系数分档", "第一季度预拨比例", "第二季度预拨比例", "政策文件链接"]
    good = [org.county_a.code, 2027, "好政策", "99", "0.4", "5", "按工分", "", "", "", ""]
    rows = [
        good,
        [org.county_a.code, 2027, "方式错", "99", "0.4", "5", "按人头", "", "", "", ""],
        [org.county_a.code, 2027, "比例超", "99", "1.4", "5", "", "", "", "", ""],
        [org.county_a.code, 2027, "分档错", "99", "0.4", "5", "", "[[90, 0.8], [60, 0.9]]", "", "", ""],
        [org.county_a.code, 2027, "分档写法错", "99", "0.4", "5", "", "九十分", "", "", ""],
        [org.county_a.code, 2027, "预拨超", "99", "0.4", "5", "", "", "0.6", "0.6", ""],
        [org.county_a.code, 2027, "链接错", "99", "0.4", "5", "", "", "", "", "不是网址"],
        [org.county_a.code, 2027, "好政策", "99", "0.4", "5", "", "", "", "", ""],
        [org.county_a.code, 2027, "", "abc", "0.4", "5", "", "", "", "", ""],
    ]
    report = run(headers, rows, org.users.county)
    assert not report.ok
    lines = report.error_lines()
    expected = [
        ("第 3 行", "公共卫生补助方式", "不是可选值"),
        ("第 4 行", "村级任务比例", ""),
        ("第 5 行", "质量系数分档", "分数高的档不能拨得更少"),
        ("第 6 行", "质量系数分档", "不是有效的分档写法"),
        ("第 7 行", "第四季度预拨比例", "合计不能超过 1"),
        ("第 8 行", "政策文件链接", ""),
        ("第 9 行", "县编码", "与第 2 行重复"),
        ("第 10 行", "名称", ""),
        ("第 10 行", "人均补助标准（元/人·年）", ""),
    ]
    for row, column, words in expected:
        assert any(row in line and f"“{column}”" in line and words in line for line in lines), (row, column, lines)
    assert not SubsidyPolicy.objects.filter(year=2027).exists()  # all or nothing


def test_a_policy_an_approved_settlement_used_is_refused_but_its_unchanged_row_passes(org, policy):
    approved(org, policy)
    content = dataio.export_bytes(resource_name="policies", fmt="xlsx", user=org.users.county)
    report = dataio.run_import(resource_name="policies", data=content, filename="p.xlsx", user=org.users.county)
    assert report.ok, report.error_lines()
    report = run(HEADERS, [[org.county_a.code, 2026, policy.name, "120", "0.4", "5"]], org.users.county)
    assert not report.ok and any("请新建一个政策" in line for line in report.error_lines())
    policy.refresh_from_db()
    assert policy.per_capita_rate == D("99.00")


def test_only_the_importers_county(org, policy):
    report = run(HEADERS, [[org.county_b.code, 2027, "别县政策", "99", "0.4", "5"]], org.users.county)
    assert not report.ok and any("“县编码”" in line for line in report.error_lines())
    exported = dataio.export_bytes(resource_name="policies", fmt="xlsx", user=org.users.other_county)
    rows = list(openpyxl.load_workbook(io.BytesIO(exported)).active.iter_rows(values_only=True))
    assert len(rows) == 1  # county B sees none of county A's policies
    assert not SubsidyPolicy.objects.filter(county=org.county_b).exists()
