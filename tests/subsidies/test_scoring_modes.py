"""The scoring modes of real county sheets beyond the first five: "at least N a year, each one short −k"
(minimum), rates with a numerator and a denominator read from verified counts and the population or the
residents register (rate), "lower is better" indicators, and judgement scores that override a formula with a
mandatory reason — by hand, as properties, through the services, the score page, the import and the
doctor's explanation."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from clinics.models import ClinicPopulation
from core import dataio
from programs.models import ServiceItem, ServiceReport, ServiceReportLine
from subsidies import explaining, scoring
from subsidies.models import AssessmentEntry, ScoreItem, ScoreSheet
from subsidies.selectors.assessments import rate_achieved, score_facts
from subsidies.services import assessments as services
from tests.residents.helpers import register
from tests.spreadsheets import xlsx_bytes
from tests.subsidies.conftest import assessed_on


def item(mode, **kwargs):
    return scoring.ItemInput(mode=mode, max_points=D(kwargs.pop("max_points", "10")), **kwargs)


# ---------------------------------------------------------------------------------------------- by hand


@pytest.mark.parametrize(
    ("yearly", "quarter", "due"),
    [(12, 1, 3), (12, 2, 6), (12, 4, 12), (5, 1, 2), (5, 2, 3), (5, 3, 4), (1, 1, 1), (2, 1, 1)],
)
def test_a_yearly_minimum_is_due_in_quarters_rounded_up(yearly, quarter, due):
    assert scoring.due_by_quarter(D(yearly), quarter) == due


def test_each_one_short_of_a_yearly_minimum_costs_its_points_until_the_item_is_spent():
    # 12 a year, quarter 2: 6 due. 4 done → 2 short × 1.5 = 3.00.
    assert scoring.item_deduction(
        item("minimum", target=D(12), per_occurrence=D("1.5"), achieved=D(4), quarter=2)
    ) == D("3.00")
    # Exactly the due number, or more: nothing deducted.
    for done in (6, 9):
        assert (
            scoring.item_deduction(item("minimum", target=D(12), per_occurrence=D(2), achieved=D(done), quarter=2)) == 0
        )
    # None done in quarter 4: 12 short × 2 = 24, but the item is worth 10 (扣完为止).
    assert scoring.item_deduction(item("minimum", target=D(12), per_occurrence=D(2), achieved=D(0), quarter=4)) == D(
        "10.00"
    )
    with pytest.raises(scoring.ScoringError):
        scoring.item_deduction(item("minimum", target=D(12), per_occurrence=D(1), achieved=D("2.5")))
    with pytest.raises(scoring.ScoringError):
        scoring.item_deduction(item("minimum", target=D(12), per_occurrence=D(1)))


def test_lower_is_better_mirrors_the_indicator():
    # An error rate of 10% against a target of at most 5%: 5 ÷ 10 of 10 points → 5 lost.
    low = {"target": D("0.05"), "lower_is_better": True}
    assert scoring.item_deduction(item("indicator", achieved=D("0.10"), **low)) == D("5.00")
    assert scoring.item_deduction(item("rate", achieved=D("0.10"), **low)) == D("5.00")
    # On the target, under it, and at 0: full points.
    for value in ("0.05", "0.01", "0"):
        assert scoring.item_deduction(item("indicator", achieved=D(value), **low)) == 0
    # The same figures "higher is better": 0.10 of a 0.05 target is over it → nothing lost; 0.01 → 8 lost.
    assert scoring.item_deduction(item("indicator", achieved=D("0.10"), target=D("0.05"))) == 0
    assert scoring.item_deduction(item("indicator", achieved=D("0.01"), target=D("0.05"))) == D("8.00")


def test_a_judgement_score_replaces_the_formula_within_the_items_points():
    found_often = item("deduction", per_occurrence=D(2), occurrences=4)
    assert scoring.item_deduction(found_often) == D("8.00")
    judged = item("deduction", per_occurrence=D(2), occurrences=4, override=D("9.5"))
    assert scoring.item_deduction(judged) == D("0.50")
    # Even an input the formula could not use: the judgement stands for it.
    assert scoring.item_deduction(item("manual", override=D(3))) == D("7.00")
    for bad in (D("-1"), D("10.01")):
        with pytest.raises(scoring.ScoringError):
            scoring.item_deduction(item("manual", override=bad))


values = st.decimals(min_value=0, max_value=5, places=4, allow_nan=False, allow_infinity=False)


@given(
    achieved=values,
    target=st.decimals(min_value=D("0.01"), max_value=2, places=2),
    lower=st.booleans(),
    mode=st.sampled_from(["indicator", "rate"]),
)
def test_a_rate_never_loses_more_than_its_points_nor_less_than_none(achieved, target, lower, mode):
    lost = scoring.item_deduction(item(mode, achieved=achieved, target=target, lower_is_better=lower))
    assert D(0) <= lost <= D(10)


@given(
    yearly=st.integers(min_value=1, max_value=60),
    quarter=st.integers(min_value=1, max_value=4),
    done=st.integers(min_value=0, max_value=80),
    per=st.decimals(min_value=0, max_value=10, places=2),
)
def test_doing_one_more_never_loses_more_points(yearly, quarter, done, per):
    def lost(n):
        return scoring.item_deduction(
            item("minimum", target=D(yearly), per_occurrence=per, achieved=D(n), quarter=quarter)
        )

    assert D(0) <= lost(done + 1) <= lost(done) <= D(10)


# ------------------------------------------------------------------------------------ the sheet's own rules


def new_item(sheet, code, mode, **kwargs):
    return ScoreItem(sheet=sheet, code=code, category="public_health", name=code, max_points=D(10), mode=mode, **kwargs)


def test_a_rate_needs_its_numerator_and_denominator_and_a_minimum_whole_times(org):
    sheet = ScoreSheet.objects.create(county=org.county_a, year=2030, name="表")
    with pytest.raises(ValidationError) as caught:
        new_item(sheet, "R1", "rate").full_clean()
    assert {"indicator", "denominator"} <= set(caught.value.message_dict)
    with pytest.raises(ValidationError) as caught:
        new_item(sheet, "M1", "minimum", target=D("2.5"), points_per_occurrence=D(1)).full_clean()
    assert "整数" in caught.value.message_dict["target"][0]
    with pytest.raises(ValidationError) as caught:
        new_item(sheet, "D1", "deduction", denominator="resident").full_clean()
    assert "denominator" in caught.value.message_dict
    new_item(sheet, "R2", "rate", indicator="PH05", denominator="register_hypertension").full_clean()


def test_the_sheet_import_says_the_same_per_column(org):
    headers = [
        "县编码",
        "年度",
        "版本",
        "评分表名称",
        "项目编号",
        "类别",
        "考核内容",
        "满分",
        "评分方式",
        "每次扣分",
        "目标值",
    ]
    rows = [
        ["QS", 2031, 1, "表", "R1", "基本医疗", "比率", "10", "按比率（分子 ÷ 分母）", "", "0.6"],
        ["QS", 2031, 1, "表", "M1", "基本医疗", "讲座", "10", "每年至少完成次数，少一次扣分", "1", "2.5"],
    ]
    report = dataio.run_import(
        resource_name="score_sheets", data=xlsx_bytes(headers, rows), filename="s.xlsx", user=org.users.county
    )
    lines = report.error_lines()
    assert any("第 2 行" in line and "“分母”列" in line for line in lines), lines
    assert any("第 2 行" in line and "“指标”列" in line for line in lines), lines
    assert any("第 3 行" in line and "“目标值”列" in line and "整数" in line for line in lines), lines
    assert not ScoreSheet.objects.filter(year=2031).exists()


# --------------------------------------------------------------------------------------- through the services


@pytest.fixture
def modes_sheet(org):
    """County A's 2026 sheet: a hypertension management rate over the residents register, a health-education
    minimum of 12 a year, an error rate where lower is better, and a manual item."""
    sheet = ScoreSheet.objects.create(county=org.county_a, year=2026, name="新评分方式")
    ScoreItem.objects.create(
        sheet=sheet, code="H1", category="public_health", name="高血压规范管理率", max_points=D(20), mode="rate",
        indicator="PH05", denominator="register_hypertension", target=D("0.8"), sort_order=1,
    )  # fmt: skip
    ScoreItem.objects.create(
        sheet=sheet, code="E1", category="public_health", name="健康教育讲座", max_points=D(10), mode="minimum",
        target=D(12), points_per_occurrence=D(2), sort_order=2,
    )  # fmt: skip
    ScoreItem.objects.create(
        sheet=sheet, code="P1", category="medical", name="处方差错率", max_points=D(10), mode="indicator",
        target=D("0.05"), lower_is_better=True, sort_order=3,
    )  # fmt: skip
    ScoreItem.objects.create(
        sheet=sheet, code="K1", category="records", name="档案管理", max_points=D(60), mode="manual", sort_order=4
    )
    return sheet


def verified(org, code, month, count, clinic=None):
    report, _ = ServiceReport.objects.get_or_create(
        clinic=clinic or org.ca1a, year=2026, month=month, defaults={"status": "verified"}
    )
    ServiceReportLine.objects.create(
        report=report, item=ServiceItem.objects.get(code=code), declared_count=count, verified_count=count
    )


def start(org, quarter=2):
    return services.start_assessment(
        user=org.users.township, clinic=org.ca1a, year=2026, quarter=quarter, assessed_on=assessed_on(2026, quarter)
    )


def by_code(assessment):
    return {e.item.code: e for e in assessment.entries.select_related("item")}


def test_a_rate_is_read_from_verified_counts_over_the_residents_register(org, modes_sheet):
    for serial in range(1, 6):  # 5 hypertension patients on the register, 1 resident without the flag
        register(org.ca1a, serial, flags={"hypertension": True})
    register(org.ca1a, 9)
    verified(org, "PH05", 2, 2)
    verified(org, "PH05", 5, 2)
    verified(org, "PH05", 8, 7)  # after quarter 2: not counted for it
    # Quarter 2: 4 verified ÷ 5 patients = 0.8, the target → full points.
    assert rate_achieved(
        clinic_id=org.ca1a.pk, year=2026, quarter=2, numerator="PH05", denominator="register_hypertension"
    ) == D("0.8000")
    assessment = start(org)
    h1 = by_code(assessment)["H1"]
    assert h1.achieved == D("0.8000") and h1.deduction == 0
    # Over a population figure instead, and nothing to divide by.
    ClinicPopulation.objects.update_or_create(
        clinic=org.ca1a, year=2026, defaults={"resident": 1000, "aged_65_plus": 40}
    )
    assert rate_achieved(
        clinic_id=org.ca1a.pk, year=2026, quarter=2, numerator="PH05", denominator="aged_65_plus"
    ) == D("0.1000")
    assert (
        rate_achieved(clinic_id=org.ca1b.pk, year=2026, quarter=2, numerator="PH05", denominator="register_total")
        is None
    )


def test_a_rate_without_a_denominator_waits_for_the_assessor(org, modes_sheet):
    assessment = start(org)
    entries = by_code(assessment)
    assert entries["H1"].achieved is None
    services.update_entries(
        user=org.users.township,
        assessment=assessment,
        values={
            entries["E1"].pk: {"achieved": 6},
            entries["P1"].pk: {"achieved": D("0.02")},
            entries["K1"].pk: {"manual_score": D(60)},
        },
    )
    with pytest.raises(ValidationError, match="高血压规范管理率"):
        services.submit_assessment(user=org.users.township, assessment=assessment)


def test_scores_of_the_new_modes_by_hand(org, modes_sheet):
    assessment = start(org)
    entries = by_code(assessment)
    services.update_entries(
        user=org.users.township,
        assessment=assessment,
        values={
            entries["H1"].pk: {"achieved": D("0.6")},  # 20 × 0.6 ÷ 0.8 = 15 → −5
            entries["E1"].pk: {"achieved": 3},  # 6 due by quarter 2, 3 short × 2 → −6
            entries["P1"].pk: {"achieved": D("0.08")},  # 10 × 0.05 ÷ 0.08 = 6.25 → −3.75
            entries["K1"].pk: {"manual_score": D(50)},  # −10
        },
    )
    assessment.refresh_from_db()
    assert assessment.total_score == D("75.25")  # 100 − 5 − 6 − 3.75 − 10
    with pytest.raises(ValidationError, match="整数"):
        services.update_entries(
            user=org.users.township, assessment=assessment, values={entries["E1"].pk: {"achieved": D("3.5")}}
        )
    assert AssessmentEntry.objects.get(pk=entries["E1"].pk).achieved == 3  # the refused value was not written


def test_a_judgement_needs_a_reason_and_then_stands_for_the_formula(org, modes_sheet):
    assessment = start(org)
    entries = by_code(assessment)
    k1 = entries["K1"]
    with pytest.raises(ValidationError, match="调整理由"):
        services.update_entries(
            user=org.users.township, assessment=assessment, values={k1.pk: {"override_score": D(55)}}
        )
    assert AssessmentEntry.objects.get(pk=k1.pk).override_score is None
    with pytest.raises(ValidationError, match="0 到 60"):
        services.update_entries(
            user=org.users.township,
            assessment=assessment,
            values={k1.pk: {"override_score": D(61), "override_reason": "档案齐全"}},
        )
    services.update_entries(
        user=org.users.township,
        assessment=assessment,
        values={
            entries["H1"].pk: {"override_score": D(18), "override_reason": "登记名单有 1 人已迁出，按 4 人计"},
            entries["E1"].pk: {"achieved": 6},
            entries["P1"].pk: {"achieved": D("0.01")},
            k1.pk: {"manual_score": D(40), "override_score": D(55), "override_reason": "档案经复查基本齐全"},
        },
    )
    # The rate had no denominator: the judgement stands for it, so the quarter can be submitted.
    services.submit_assessment(user=org.users.township, assessment=assessment)
    entries = by_code(assessment)
    assert (entries["H1"].score, entries["K1"].score) == (D("18.00"), D("55.00"))
    assessment.refresh_from_db()
    assert assessment.total_score == D("93.00")  # 100 − 2 − 0 − 0 − 5
    facts = score_facts(clinic_ids=[org.ca1a.pk], year=2026, quarter=2)[org.ca1a.pk]
    sentences = [explaining.entry_sentence(e) for q in facts.quarters for e in q.entries]
    assert any("考核人评定本项得 55 分" in s and "档案经复查基本齐全" in s for s in sentences), sentences
    assert any("考核人评定本项得 18 分" in s for s in sentences), sentences


def test_the_doctor_reads_how_each_new_mode_was_scored(org, modes_sheet, client_for):
    for serial in range(1, 6):
        register(org.ca1a, serial, flags={"hypertension": True})
    verified(org, "PH05", 2, 3)
    assessment = start(org)
    entries = by_code(assessment)
    services.update_entries(
        user=org.users.township,
        assessment=assessment,
        values={
            entries["E1"].pk: {"achieved": 4},
            entries["P1"].pk: {"achieved": D("0.10")},
            entries["K1"].pk: {"manual_score": D(30), "override_score": D(45), "override_reason": "现场复核"},
        },
    )
    services.submit_assessment(user=org.users.township, assessment=assessment)
    page = client_for(org.users.doctor).get(reverse("portal_assessments:detail", args=[assessment.pk]))
    text = page.content.decode()
    assert "比率 60%（分母：居民登记：高血压患者；目标 80%" in text
    assert "完成 4 次，到本季度末应完成 6 次，每少一次扣 2.00 分" in text
    assert "实际 10%（越低越好，不超过 5% 得满分）" in text
    assert "考核人按判断评定本项 45.00 分（不按公式计），理由：现场复核" in text
    facts = score_facts(clinic_ids=[org.ca1a.pk], year=2026, quarter=2)[org.ca1a.pk]
    sentences = " ".join(explaining.entry_sentence(e) for q in facts.quarters for e in q.entries)
    assert (
        "高血压规范管理率：PH05 核实数 ÷ 居民登记：高血压患者 = 60%，目标 80%，得 20 × 完成 ÷ 目标 = 15 分，扣 5 分"
        in sentences
    )
    assert "全年至少 12 次，到本季度末应完成 6 次，实际完成 4 次，少 2 次，每少一次扣 2 分，扣 4 分" in sentences
    assert "越低越好，目标不超过 5%，得 10 × 目标 ÷ 实际 = 5 分，扣 5 分" in sentences


def test_the_score_page_shows_each_rule_and_takes_a_judgement_with_its_reason(org, modes_sheet, client_for):
    assessment = start(org)
    entries = by_code(assessment)
    client = client_for(org.users.township)
    url = reverse("assessments:edit", args=[assessment.pk])
    page = client.get(url).content.decode()
    assert "比率 = PH05 本年累计核实数 ÷ 居民登记：高血压患者" in page
    assert "全年至少 12 次" in page and "到本季度末应完成 6 次" in page
    assert "越低越好：不超过 5% 得满分 10 分" in page
    assert f'name="override_score_{entries["K1"].pk}"' in page
    data = {"version": assessment.version, f"override_score_{entries['K1'].pk}": "50", "save": "1"}
    refused = client.post(url, data)
    assert refused.status_code == 200 and "调整得分要写明调整理由" in refused.content.decode()
    assert AssessmentEntry.objects.get(pk=entries["K1"].pk).override_score is None
    data[f"override_reason_{entries['K1'].pk}"] = "台账经补充后齐全"
    assert client.post(url, data).status_code == 302
    k1 = AssessmentEntry.objects.get(pk=entries["K1"].pk)
    assert (k1.override_score, k1.override_reason, k1.score) == (D("50.00"), "台账经补充后齐全", D("50.00"))


def test_paper_scores_carry_judgements_and_counts_through_the_import(org, modes_sheet):
    headers = ["卫生室编码", "年度", "季度", "项目编号", "完成值", "人工评分", "调整得分", "调整理由", "提交"]
    rows = [
        ["A1a", 2026, 2, "H1", "0.7", "", "", "", "是"],
        ["A1a", 2026, 2, "E1", "5", "", "", "", "是"],
        ["A1a", 2026, 2, "P1", "0.05", "", "", "", "是"],
        ["A1a", 2026, 2, "K1", "", "40", "48", "纸质台账复核", "是"],
    ]
    report = dataio.run_import(
        resource_name="assessment_scores", data=xlsx_bytes(headers, rows), filename="s.xlsx", user=org.users.township
    )
    assert report.ok, report.error_lines()
    entries = {
        e.item.code: e for e in AssessmentEntry.objects.filter(assessment__clinic=org.ca1a).select_related("item")
    }
    assert entries["K1"].score == D("48.00") and entries["K1"].override_reason == "纸质台账复核"
    assert entries["E1"].deduction == D("2.00")  # 6 due, 5 done
    assert entries["H1"].deduction == D("2.50")  # 20 × 0.7 ÷ 0.8 = 17.5
    # A judgement without its reason is refused on its row, and nothing of the file is kept.
    rows = [["A1b", 2026, 2, "K1", "", "40", "48", "", "否"]]
    report = dataio.run_import(
        resource_name="assessment_scores", data=xlsx_bytes(headers, rows), filename="s.xlsx", user=org.users.township
    )
    assert not report.ok and any("第 2 行" in line and "调整理由" in line for line in report.error_lines())
    assert not AssessmentEntry.objects.filter(assessment__clinic=org.ca1b).exists()


def test_an_appeal_against_a_judgement_changes_the_judgement_with_the_decision_as_its_reason(
    org, modes_sheet, client_for
):
    assessment = start(org)
    entries = by_code(assessment)
    services.update_entries(
        user=org.users.township,
        assessment=assessment,
        values={
            entries["H1"].pk: {"achieved": D("0.8")},
            entries["E1"].pk: {"achieved": 6},
            entries["P1"].pk: {"achieved": D("0.01")},
            entries["K1"].pk: {"manual_score": D(40), "override_score": D(45), "override_reason": "台账不全"},
        },
    )
    services.submit_assessment(user=org.users.township, assessment=assessment)
    appeal = services.file_appeal(user=org.users.doctor, entry=entries["K1"], comment="台账已补齐，见照片")
    client = client_for(org.users.township)
    page = client.get(reverse("assessments:appeals")).content.decode()
    assert "改为调整得分（本项按判断评分）" in page
    response = client.post(
        reverse("assessments:appeals"),
        {"appeal": appeal.pk, "accept": "1", "decision": "复核台账已补齐", "override_score": "58"},
    )
    assert response.status_code == 302
    k1 = AssessmentEntry.objects.get(pk=entries["K1"].pk)
    assert (k1.override_score, k1.override_reason, k1.score) == (D("58.00"), "复核台账已补齐", D("58.00"))
