"""Scores from paper (assessment_scores): one row per clinic × quarter × item, each item in the column of its
scoring mode; the rows go through the assessment services, so their rules hold; all-or-nothing, every bad row
named by row and column; export → import round trip; the command needs an assessor."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse

from core import dataio
from subsidies.models import Assessment, AssessmentEntry
from tests.spreadsheets import xlsx_bytes

HEADERS = ["卫生室编码", "年度", "季度", "项目编号", "发现次数", "完成值", "达标", "人工评分", "扣分理由", "提交"]


def paper_rows(clinic="A1a", quarter=1, submit="是"):
    """A whole quarter of the test sheet, scored by hand:
    A1 indicator 40 × 0.8 = 32 (−8); B1 3 × 2 = −6; C1 not passed −10; D1 7.5 of 10 (−2.5);
    E1 no survey, nothing deducted; F1 5 × 5 = 25, capped at −10. 100 − 36.5 = 63.50."""
    return [
        [clinic, 2026, quarter, "A1", None, "0.8", None, None, None, submit],
        [clinic, 2026, quarter, "B1", 3, None, None, None, "处方 3 张不规范", submit],
        [clinic, 2026, quarter, "C1", None, None, "否", None, "有加价销售", submit],
        [clinic, 2026, quarter, "D1", None, None, None, "7.5", None, submit],
        [clinic, 2026, quarter, "F1", 5, None, None, None, "档案缺失", submit],
    ]


def run(rows, user, headers=HEADERS, dry_run=False):
    return dataio.run_import(
        resource_name="assessment_scores",
        data=xlsx_bytes(headers, rows),
        filename="scores.xlsx",
        user=user,
        dry_run=dry_run,
    )


def scores(assessment):
    return {e.item.code: (e.deduction, e.score) for e in assessment.entries.select_related("item")}


def test_a_paper_quarter_is_scored_and_submitted_as_computed_by_hand(org, sheet):
    report = run(paper_rows(), org.users.township)
    assert report.ok, report.error_lines()
    assert report.new == 5
    assessment = Assessment.objects.get(clinic=org.ca1a, year=2026, quarter=1)
    assert assessment.status == Assessment.Status.SUBMITTED
    assert assessment.assessor == org.users.township
    assert assessment.total_score == Decimal("63.50")
    assert scores(assessment) == {
        "A1": (Decimal("8.00"), Decimal("32.00")),
        "B1": (Decimal("6.00"), Decimal("14.00")),
        "C1": (Decimal("10.00"), Decimal("0.00")),
        "D1": (Decimal("2.50"), Decimal("7.50")),
        "E1": (Decimal("0.00"), Decimal("10.00")),
        "F1": (Decimal("10.00"), Decimal("0.00")),
    }
    assert assessment.entries.get(item__code="B1").reason == "处方 3 张不规范"


def test_without_submit_the_quarter_stays_a_draft_the_township_can_still_change(org, sheet):
    report = run(paper_rows(submit=None), org.users.township)
    assert report.ok, report.error_lines()
    assessment = Assessment.objects.get(clinic=org.ca1a, year=2026, quarter=1)
    assert assessment.status == Assessment.Status.DRAFT
    # A second file corrects one item of the draft: counted as updated, the total follows.
    report = run([["A1a", 2026, 1, "B1", 1, None, None, None, None, None]], org.users.township)
    assert report.ok and report.updated == 1 and report.new == 0
    assessment.refresh_from_db()
    assert assessment.total_score == Decimal("67.50")  # B1 now −2 instead of −6


def test_export_is_the_import_template_and_reimports_unchanged(org, sheet):
    assert run(paper_rows(), org.users.township).ok
    content = dataio.export_bytes(resource_name="assessment_scores", fmt="xlsx", user=org.users.township)
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("卫生室编码", "年度", "季度", "项目编号")
    header = list(rows[0])
    by_item = {r[header.index("项目编号")]: r for r in rows[1:]}
    assert set(by_item) == {"A1", "B1", "C1", "D1", "E1", "F1"}
    assert by_item["C1"][header.index("达标")] == "否"
    assert by_item["A1"][header.index("达标")] in (None, "")
    assert by_item["F1"][header.index("得分")] in ("0.00", 0, Decimal("0.00"))
    assert by_item["B1"][header.index("提交")] == "是"
    # The same scores of a submitted quarter import again without a change and without an error.
    report = dataio.run_import(
        resource_name="assessment_scores", data=content, filename="s.xlsx", user=org.users.township
    )
    assert report.ok, report.error_lines()
    assessment = Assessment.objects.get(clinic=org.ca1a, year=2026, quarter=1)
    assert assessment.total_score == Decimal("63.50") and assessment.version == 1 + 1  # started, then submitted


def test_every_bad_row_is_named_and_nothing_is_written(org, sheet):
    rows = [
        ["A1a", 2026, 2, "A1", None, "0.9", None, None, None, None],  # good
        ["A1a", 2026, 2, "B1", None, "0.5", None, None, None, None],  # 完成值 on a per-occurrence item
        ["A1a", 2026, 2, "Z9", 1, None, None, None, None, None],  # not on the sheet
        ["A1a", 2026, 2, "D1", None, None, None, "12", None, None],  # above the item's 10 points
        ["A1a", 2026, 2, "E1", 1, None, None, None, None, None],  # satisfaction is computed
        ["A2a", 2026, 2, "A1", None, "1", None, None, None, None],  # another township's clinic
        ["A1b", 2026, 4, "A1", None, "1", None, None, None, None],  # the quarter is not over
        ["A1a", 2026, 2, "C1", None, None, "也许", None, None, None],  # not 是 / 否
        ["A1a", 2026, 2, "A1", None, "0.7", None, None, None, None],  # same item twice
    ]
    report = run(rows, org.users.township)
    assert not report.ok
    lines = report.error_lines()
    expected = {
        3: "完成值",  # the column a wrong-mode value was typed in
        4: "项目编号",
        6: "发现次数",
        7: "卫生室编码",
        8: "季度",
        9: "达标",
        10: "项目编号",
    }
    for number, column in expected.items():
        assert any(f"第 {number} 行，“{column}”列" in line for line in lines), (number, column, lines)
    assert any("第 3 行" in line and "请填在“发现次数”列" in line for line in lines)
    assert any("第 8 行" in line and "季度结束后才能考核" in line for line in lines)
    assert not any(line.startswith("第 2 行") for line in lines), lines
    assert not Assessment.objects.filter(year=2026, quarter__in=(2, 4)).exists()


def test_a_score_above_the_maximum_is_named_on_its_row(org, sheet):
    report = run([["A1a", 2026, 3, "D1", None, None, None, "12", None, None]], org.users.township)
    assert not report.ok
    assert any("第 2 行，“人工评分”列" in line and "0 到 10" in line for line in report.error_lines())
    assert not Assessment.objects.filter(year=2026, quarter=3).exists()


def test_submitting_an_incomplete_quarter_is_refused_on_the_submit_column(org, sheet):
    report = run([["A1a", 2026, 1, "B1", 2, None, None, None, None, "是"]], org.users.township)
    assert not report.ok
    line = next(line for line in report.error_lines() if "提交" in line)
    assert "第 2 行" in line and "还没有评分" in line and "药品零差率执行" in line
    assert not Assessment.objects.filter(clinic=org.ca1a, year=2026, quarter=1).exists()


def test_a_submitted_quarter_changes_only_through_an_appeal(org, sheet):
    assert run(paper_rows(), org.users.township).ok
    report = run([["A1a", 2026, 1, "B1", 0, None, None, None, None, None]], org.users.township)
    assert not report.ok
    assert any("第 2 行" in line and "只能通过申诉更改" in line for line in report.error_lines())
    entry = AssessmentEntry.objects.get(assessment__clinic=org.ca1a, assessment__year=2026, item__code="B1")
    assert entry.occurrences == 3


def test_a_dry_run_checks_everything_and_writes_nothing(org, sheet):
    report = run(paper_rows(), org.users.township, dry_run=True)
    assert report.ok and report.new == 5 and not report.committed
    assert not Assessment.objects.filter(clinic=org.ca1a).exists()


def test_export_holds_only_the_users_own_clinics(org, sheet):
    assert run(paper_rows(), org.users.township).ok
    assert run(paper_rows(clinic="A2a"), org.users.county).ok
    for user, codes in (
        (org.users.township, {"A1a"}),
        (org.users.county, {"A1a", "A2a"}),
        (org.users.other_county, set()),
    ):
        content = dataio.export_bytes(resource_name="assessment_scores", fmt="xlsx", user=user)
        rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
        assert {r[0] for r in rows[1:]} == codes, user


def test_a_doctor_may_not_import_scores(org, sheet):
    with pytest.raises(PermissionDenied):
        run(paper_rows(), org.users.doctor)
    assert not Assessment.objects.exists()


def test_the_command_imports_as_the_named_assessor(org, sheet, tmp_path):
    path = tmp_path / "scores.xlsx"
    path.write_bytes(xlsx_bytes(HEADERS, paper_rows()))
    with pytest.raises(CommandError) as caught:
        call_command("import_data", "assessment_scores", str(path))
    assert caught.value.returncode == 1
    assert not Assessment.objects.exists()
    with pytest.raises(CommandError, match="找不到登录名"):
        call_command("import_data", "assessment_scores", str(path), user="no-such-login")
    out = io.StringIO()
    call_command("import_data", "assessment_scores", str(path), user=org.users.township.username, stdout=out)
    assert "导入完成" in out.getvalue()
    assert Assessment.objects.get(clinic=org.ca1a, quarter=1).assessor == org.users.township


def test_the_assessment_list_offers_the_import_and_export(org, sheet, client_for):
    assert run(paper_rows(), org.users.township).ok
    page = client_for(org.users.township).get(reverse("assessments:list"), {"year": 2026}).content.decode()
    assert reverse("data:import", args=["assessment_scores"]) in page
    assert reverse("data:export", args=["assessment_scores"]) + "?format=xlsx&year=2026" in page


def test_the_blank_template_says_which_column_each_scoring_mode_takes(org):
    from core.dataio.blank import blank_template

    book = openpyxl.load_workbook(
        io.BytesIO(blank_template(dataio.get_resource_class("assessment_scores"), user=org.users.township))
    )
    assert [c.value for c in book.worksheets[0][1]] == [*HEADERS[:9], "调整得分", "调整理由", "考核日期", "提交"]
    guide = {row[0]: row[2] for row in book["填写说明"].iter_rows(min_row=2, values_only=True) if row and row[0]}
    assert guide["发现次数"] == "整数，0 到 32767。只填评分方式为“按次扣分”的项目"
    assert guide["人工评分"].endswith("只填“人工评分”的项目，不超过该项满分")
    assert "提交后只能通过申诉更改" in guide["提交"]
