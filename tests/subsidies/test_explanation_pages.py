"""The doctor's portal page, the staff's admin page and the PDF statement explain a line with the same
sentences (subsidies.explaining), including the assessment behind the score: each item that lost points with
its reason, and the satisfaction item with the clinic's rate and the county's average."""

import html
import subprocess
from decimal import Decimal as D

from django.urls import reverse

from subsidies.calculation import ClinicInputs, ItemFigures
from subsidies.models import Assessment, AssessmentEntry, SatisfactionSurvey
from subsidies.selectors.settlement import line_explanations
from subsidies.services import settlement as services
from tests.subsidies.conftest import assessed_on


def _run(org, policy):
    inputs = [
        ClinicInputs(
            clinic_id=org.ca1a.pk,
            name="张庄村卫生室",
            population=1000,
            score=D("86"),
            items={"PH09": ItemFigures(declared=60, verified=54, quota=480)},
        ),
        ClinicInputs(clinic_id=org.ca1b.pk, name="李家村卫生室", population=800, score=None),
    ]
    return services.create_run(
        user=org.users.township, policy=policy, year=2026, quarter=1, township=org.ta1, inputs=inputs
    )


def _assessment(org, sheet):
    """Q1 of 张庄: 86 points; the satisfaction item lost 4 (82 % against a county average of 86 %), the
    prescriptions item 10 for 5 findings, with the assessor's reason."""
    assessment = Assessment.objects.create(
        clinic=org.ca1a,
        year=2026,
        quarter=1,
        sheet=sheet,
        status=Assessment.Status.SUBMITTED,
        total_score=D("86"),
        assessor=org.users.township,
        assessed_on=assessed_on(2026, 1),
    )
    items = {item.code: item for item in sheet.items.all()}
    AssessmentEntry.objects.create(
        assessment=assessment,
        item=items["B1"],
        occurrences=5,
        deduction=D("10"),
        score=D("10"),
        reason="5 张处方无诊断",
    )
    AssessmentEntry.objects.create(assessment=assessment, item=items["E1"], deduction=D("4"), score=D("6"))
    AssessmentEntry.objects.create(assessment=assessment, item=items["C1"], passed=True, score=D("10"))
    SatisfactionSurvey.objects.create(clinic=org.ca1a, year=2026, quarter=1, surveyed=50, satisfied=41)  # 82 %
    SatisfactionSurvey.objects.create(clinic=org.ca1b, year=2026, quarter=1, surveyed=50, satisfied=45)  # 90 %
    return assessment


EXPECTED = [
    "考核得分 86 分，达到合格线 60 分，质量系数 = 86 ÷ 100 = 0.86。",
    "第1季度考核 86 分，扣分的项目：",
    "处方书写不规范：发现问题 5 次，每次扣 2 分，扣 10 分（本项最多扣 20 分），理由：5 张处方无诊断",
    "群众满意度：本室满意度 82%，全县平均 86%，每低 1 个百分点扣 1 分，扣 4 分（本项最多扣 10 分）",
    # a quarter: cap 480 × 1.2 × 1/4 = 144 ≥ 54; 54 × 40 = 2,160.00; × 0.86 = 1,857.60
    "申报 60，核实 54，按核实数计：54 × 40.00 元 = 2160.00 元。",
    "各项合计 2160 元 × 质量系数 0.86 = 1857.60 元。",
    "基本药物补助：5.00 元/人·年 × 服务人口 1000 人 × 1/4（一个季度） = 1250.00 元。",
    "本期没有发现加价销售药品，不扣款。",
    "公共卫生服务补助 1857.60 元 + 基本药物补助 1250.00 元 − 扣款 0.00 元 − 已预拨 0.00 元 = 3107.60 元。",
]


def test_portal_admin_and_pdf_say_the_same_sentences(
    org, policy, sheet, client_for, tmp_path, django_assert_max_num_queries
):
    _assessment(org, sheet)
    run = _run(org, policy)
    services.confirm_run(user=org.users.township, run=run)
    services.approve_run(user=org.users.county, run=run)  # doctors see approved runs only
    line = run.lines.get(clinic=org.ca1a)
    portal = html.unescape(
        client_for(org.users.doctor).get(reverse("portal_settlement:line", args=[line.pk])).content.decode()
    )
    admin = html.unescape(
        client_for(org.users.township).get(reverse("settlement:line", args=[line.pk])).content.decode()
    )
    pdf_path = tmp_path / "statement.pdf"
    pdf_path.write_bytes(
        client_for(org.users.doctor).get(reverse("portal_settlement:statement", args=[line.pk])).content
    )
    pdf = subprocess.run(["pdftotext", "-raw", str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout
    pdf = "".join(pdf.split())  # the PDF wraps long sentences; compare without the line breaks
    for sentence in EXPECTED:
        assert sentence in portal, sentence
        assert sentence in admin, sentence
        assert "".join(sentence.split()) in pdf, sentence
    # The clinic without an assessment is told so, with no "或".
    other = run.lines.get(clinic=org.ca1b)
    page = client_for(org.users.township).get(reverse("settlement:line", args=[other.pk])).content.decode()
    assert "本期没有考核结果，质量系数为 0，所以公共卫生服务补助为 0。" in page and "或未达" not in page
    # The explanations of a run's lines are read in a bounded number of queries, whatever their number.
    lines = list(run.lines.select_related("run", "clinic"))
    with django_assert_max_num_queries(5):
        explained = line_explanations(lines)
    assert len(explained) == 2


def test_the_statement_never_prints_minus_zero(org, policy, client_for, tmp_path):
    run = _run(org, policy)
    line = run.lines.get(clinic=org.ca1b)  # no deduction, no advance: both 0.00
    path = tmp_path / "s.pdf"
    path.write_bytes(client_for(org.users.township).get(reverse("settlement:statement", args=[line.pk])).content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "-0.00" not in text and "减：扣款" in text


def test_the_run_page_shows_each_grade_and_names_the_clinics_to_rectify(org, policy, client_for):
    policy.quality_bands = [[90, 1.0, "优秀"], [75, 0.9, "合格"], [60, 0.8, "基本合格"]]
    policy.save()
    inputs = [
        ClinicInputs(clinic_id=org.ca1a.pk, name="张庄村卫生室", population=1000, score=D("86")),
        ClinicInputs(clinic_id=org.ca1b.pk, name="李家村卫生室", population=800, score=D("55")),
    ]
    run = services.create_run(
        user=org.users.township, policy=policy, year=2026, quarter=1, township=org.ta1, inputs=inputs
    )
    page = client_for(org.users.township).get(reverse("settlement:run", args=[run.pk])).content.decode()
    assert "合格" in page and "需整改的村卫生室：1 个" in page
    assert "李家村卫生室（55 分，未达合格线）" in page and "张庄村卫生室（86" not in page
