"""Every input of the subsidies screens goes through a form (subsidies/forms.py): odd digits, "1e3", blanks
where required and numbers too big for their column are a Chinese error on that field of the page (status
200, nothing written), never a 500 or a value parsed by hand; a valid post still works."""

import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from subsidies.models import (
    AdvanceBatch,
    Appeal,
    Assessment,
    Finding,
    Inspection,
    SatisfactionSurvey,
    SettlementRun,
    StatementBatch,
    SubsidyPolicy,
)
from subsidies.services import assessments as services
from subsidies.services import settlement as settlement_services
from tests.subsidies.test_assessments_services import entries, start, submitted

TOO_BIG = "1" + "0" * 30
BAD = ["²", "１２", "1e3", TOO_BIG]  # refused in every field, required or not
BAD_REQUIRED = [*BAD, ""]  # and blank where the field is required
CJK = re.compile(r"[\u4e00-\u9fff]")


def field_error(response, field, *, form="form"):
    """The field's errors: Chinese, shown on the page, which is answered with 200."""
    assert response.status_code == 200
    bound = response.context[form]
    errors = [str(e) for e in bound.errors.get(field, ())]
    assert errors, bound.errors
    assert all(CJK.search(e) for e in errors), errors
    page = response.content.decode()
    assert all(escape(e) in page for e in errors)
    return errors


# --------------------------------------------------------------------------- assessments: start


def start_data(org, **changes):
    return {"clinic": org.ca1a.pk, "year": "2026", "quarter": "1", "assessed_on": "2026-04-08", **changes}


@pytest.mark.parametrize("field, bad", [(f, b) for f in ("year", "quarter") for b in BAD_REQUIRED])
def test_start_assessment_refuses_bad_numbers(org, sheet, client_for, field, bad):
    response = client_for(org.users.township).post(reverse("assessments:list"), start_data(org, **{field: bad}))
    field_error(response, field)
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("bad", BAD)
def test_start_assessment_refuses_bad_dates(org, sheet, client_for, bad):
    response = client_for(org.users.township).post(reverse("assessments:list"), start_data(org, assessed_on=bad))
    field_error(response, "assessed_on")
    assert not Assessment.objects.exists()


def test_start_assessment_errors_and_valid_post(org, sheet, client_for):
    client = client_for(org.users.township)
    today = timezone.localdate()
    blank = client.get(reverse("assessments:list")).content.decode()
    assert f'name="year" value="{today.year}"' in blank and f'name="assessed_on" value="{today.isoformat()}"' in blank
    assert f'<option value="{(today.month - 1) // 3 + 1}" selected>' in blank
    typed = client.post(reverse("assessments:list"), start_data(org, year="１２", quarter="3")).content.decode()
    assert 'name="year" value="１２"' in typed and '<option value="3" selected>' in typed
    assert field_error(client.post(reverse("assessments:list"), start_data(org, quarter="5")), "quarter")
    response = client.post(reverse("assessments:list"), start_data(org, assessed_on=""))
    assessment = Assessment.objects.get()
    assert response["Location"] == reverse("assessments:edit", args=[assessment.pk])
    # The service's refusal shows on the page, with what was typed.
    again = client.post(reverse("assessments:list"), start_data(org, year="2026"))
    assert again.status_code == 200 and "不能重复考核" in again.content.decode()
    assert Assessment.objects.count() == 1
    # A clinic out of scope, or a junk id, is a 404 as before.
    assert client.post(reverse("assessments:list"), start_data(org, clinic=org.ca2a.pk)).status_code == 404
    assert client.post(reverse("assessments:list"), start_data(org, clinic="²")).status_code == 404


# --------------------------------------------------------------------------- assessments: the score sheet


def sheet_data(assessment, **changes):
    e = entries(assessment)
    data = {
        f"achieved_{e['A1'].pk}": "0.5",
        f"occurrences_{e['B1'].pk}": "2",
        f"reason_{e['B1'].pk}": "缺诊断",
        f"passed_{e['C1'].pk}": "1",
        f"manual_score_{e['D1'].pk}": "8",
        f"occurrences_{e['F1'].pk}": "0",
        "notes": "按时完成",
    }
    for key, value in changes.items():
        column, code = key.rsplit("_", 1)
        data[f"{column}_{e[code].pk}"] = value
    return data


@pytest.mark.parametrize(
    "column, code, bad",
    [(c, i, b) for c, i in (("occurrences", "B1"), ("achieved", "A1"), ("manual_score", "D1")) for b in BAD],
)
def test_score_sheet_refuses_bad_numbers(org, sheet, client_for, column, code, bad):
    assessment = start(org, sheet)
    before = {c: (e.occurrences, e.achieved, e.manual_score) for c, e in entries(assessment).items()}
    response = client_for(org.users.township).post(
        reverse("assessments:edit", args=[assessment.pk]), {**sheet_data(assessment, **{f"{column}_{code}": bad})}
    )
    field_error(response, f"{column}_{entries(assessment)[code].pk}")
    assert {c: (e.occurrences, e.achieved, e.manual_score) for c, e in entries(assessment).items()} == before
    assessment.refresh_from_db()
    assert assessment.notes == "" and assessment.status == Assessment.Status.DRAFT


def test_score_sheet_valid_post_and_service_errors_on_the_item(org, sheet, client_for):
    assessment = start(org, sheet)
    client = client_for(org.users.township)
    url = reverse("assessments:edit", args=[assessment.pk])
    errors = field_error(
        client.post(url, sheet_data(assessment, manual_score_D1="12")), f"manual_score_{entries(assessment)['D1'].pk}"
    )
    assert any("得分必须在 0 到 10" in e for e in errors)
    # Blank figures are allowed on a draft (no count: 0, no value: not scored yet).
    assert client.post(url, sheet_data(assessment, occurrences_F1="")).status_code == 302
    assert client.post(url, {**sheet_data(assessment), "submit": "1"}).status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED and assessment.total_score == D("74.00")
    assert assessment.notes == "按时完成" and entries(assessment)["B1"].reason == "缺诊断"


def test_evidence_upload_without_a_file_is_a_field_error(org, sheet, client_for):
    assessment = start(org, sheet)
    response = client_for(org.users.township).post(
        reverse("assessments:edit", args=[assessment.pk]), {"upload": "1", "evidence_description": "照片"}
    )
    field_error(response, "evidence", form="evidence_form")
    assert not assessment.evidence.exists()


# --------------------------------------------------------------------------- assessments: inspections


def inspection_data(org, **changes):
    return {
        "clinic": org.ca1a.pk,
        "inspected_on": "2026-03-02",
        "notes": "季度督导",
        "item_1": "F1",
        "description_1": "制度未上墙",
        "deadline_1": "2026-03-20",
        **changes,
    }


@pytest.mark.parametrize("field, bad", [("inspected_on", b) for b in BAD_REQUIRED] + [("deadline_2", b) for b in BAD])
def test_inspection_refuses_bad_dates(org, client_for, field, bad):
    response = client_for(org.users.township).post(
        reverse("assessments:inspections"), inspection_data(org, **{field: bad})
    )
    field_error(response, field)
    assert not Inspection.objects.exists()


def test_inspection_valid_post_and_reinspection(org, client_for):
    client = client_for(org.users.township)
    url = reverse("assessments:inspections")
    # The service refuses a deadline before the visit: on the page, nothing written.
    early = client.post(url, inspection_data(org, deadline_1="2026-03-01"))
    assert early.status_code == 200 and "整改期限不能早于检查日期" in early.content.decode()
    assert not Inspection.objects.exists()
    assert client.post(url, inspection_data(org)).status_code == 302
    finding = Finding.objects.get()
    assert finding.status == Finding.Status.OPEN and finding.deadline == date(2026, 3, 20)
    for bad in BAD:
        field_error(
            client.post(url, {"finding": finding.pk, "rectified": "1", "reinspected_on": bad}),
            "reinspected_on",
            form="reinspect_form",
        )
    field_error(
        client.post(url, {"finding": finding.pk, "rectified": "x", "reinspected_on": "2026-03-21"}),
        "rectified",
        form="reinspect_form",
    )
    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN and finding.reinspected_on is None
    assert (
        client.post(url, {"finding": finding.pk, "rectified": "0", "reinspected_on": "2026-03-21"}).status_code == 302
    )
    finding.refresh_from_db()
    assert finding.status == Finding.Status.UNRECTIFIED and finding.reinspected_on == date(2026, 3, 21)
    # Another township's staff cannot re-inspect it.
    other = client_for(org.users.other_township).post(url, {"finding": finding.pk, "rectified": "1"})
    assert other.status_code == 404


# --------------------------------------------------------------------------- assessments: satisfaction


def survey_data(org, **changes):
    return {"clinic": org.ca1a.pk, "year": "2026", "quarter": "1", "surveyed": "20", "satisfied": "18", **changes}


@pytest.mark.parametrize(
    "field, bad", [(f, b) for f in ("year", "quarter", "surveyed", "satisfied") for b in BAD_REQUIRED]
)
def test_satisfaction_refuses_bad_numbers(org, client_for, field, bad):
    response = client_for(org.users.township).post(
        reverse("assessments:satisfaction"), survey_data(org, **{field: bad})
    )
    field_error(response, field)
    assert not SatisfactionSurvey.objects.exists()


def test_satisfaction_valid_post_and_service_errors(org, client_for):
    client = client_for(org.users.township)
    url = reverse("assessments:satisfaction")
    assert field_error(client.post(url, survey_data(org, surveyed="0")), "surveyed")
    assert field_error(client.post(url, survey_data(org, satisfied="-1")), "satisfied")
    more = client.post(url, survey_data(org, satisfied="21"))
    assert more.status_code == 200 and "满意人数必须在 0 到回访人数之间" in more.content.decode()
    assert not SatisfactionSurvey.objects.exists()
    assert client.post(url, survey_data(org)).status_code == 302
    survey = SatisfactionSurvey.objects.get()
    assert (survey.surveyed, survey.satisfied, survey.quarter) == (20, 18, 1)


# --------------------------------------------------------------------------- assessments: appeals


@pytest.fixture
def appeal(org, sheet):
    assessment = submitted(org, sheet)
    return services.file_appeal(user=org.users.doctor, entry=entries(assessment)["B1"], comment="有一张写了诊断")


@pytest.mark.parametrize("field, bad", [(f, b) for f in ("occurrences", "achieved", "manual_score") for b in BAD])
def test_appeal_decision_refuses_bad_numbers(org, appeal, client_for, field, bad):
    response = client_for(org.users.township).post(
        reverse("assessments:appeals"), {"appeal": appeal.pk, "accept": "1", "decision": "核实", field: bad}
    )
    field_error(response, field)
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.PENDING and appeal.entry.occurrences == 2


def test_appeal_decision_valid_post_and_service_errors(org, appeal, client_for):
    client = client_for(org.users.township)
    url = reverse("assessments:appeals")
    assert any(
        "请填写处理意见" in e for e in field_error(client.post(url, {"appeal": appeal.pk, "accept": "1"}), "decision")
    )
    assert (
        client.post(url, {"appeal": appeal.pk, "accept": "1", "occurrences": "1", "decision": "属实"}).status_code
        == 302
    )
    appeal.refresh_from_db()
    appeal.entry.refresh_from_db()
    assert appeal.status == Appeal.Status.ACCEPTED and appeal.entry.occurrences == 1
    assert client_for(org.users.other_county).post(url, {"appeal": appeal.pk, "accept": "0"}).status_code == 404


def test_portal_appeal_needs_a_reason_and_a_real_entry(org, sheet, client_for):
    assessment = submitted(org, sheet)
    client = client_for(org.users.doctor)
    url = reverse("portal_assessments:detail", args=[assessment.pk])
    b1 = entries(assessment)["B1"]
    blank = client.post(url, {"entry": b1.pk, "comment": "  "})
    assert blank.status_code == 200 and "请写明申诉理由" in blank.content.decode()
    assert client.post(url, {"entry": "１２", "comment": "理由"}).status_code == 404
    assert not Appeal.objects.exists()
    assert client.post(url, {"entry": b1.pk, "comment": "有一张写了诊断"}).status_code == 302
    assert Appeal.objects.get().entry == b1


# --------------------------------------------------------------------------- settlement


@pytest.fixture
def policy(org):
    return SubsidyPolicy.objects.create(
        county=org.county_a,
        year=2026,
        name="2026年村级补助",
        status=SubsidyPolicy.Status.ACTIVE,
        per_capita_rate=D("99"),
        village_share=D("0.4"),
        drug_amount=D("5"),
        advance_method=SubsidyPolicy.AdvanceMethod.QUARTERLY_SHARE,
        advance_q1_share=D("0.25"),
        advance_q2_share=D("0.25"),
        advance_q3_share=D("0.25"),
        advance_q4_share=D("0.25"),
    )


@pytest.mark.parametrize("bad", [*BAD, "5", "0"])
def test_new_run_refuses_bad_quarters(org, policy, client_for, bad):
    response = client_for(org.users.county).post(reverse("settlement:runs"), {"policy": policy.pk, "quarter": bad})
    field_error(response, "quarter")
    assert not SettlementRun.objects.exists()


def test_new_run_valid_posts(org, policy, client_for):
    client = client_for(org.users.county)
    response = client.post(reverse("settlement:runs"), {"policy": policy.pk, "quarter": "", "township": ""})
    run = SettlementRun.objects.get()
    assert response["Location"] == reverse("settlement:run", args=[run.pk])
    assert run.quarter is None and run.township is None
    client.post(reverse("settlement:runs"), {"policy": policy.pk, "quarter": "2", "township": org.ta1.pk})
    assert SettlementRun.objects.filter(quarter=2, township=org.ta1).exists()
    assert client.post(reverse("settlement:runs"), {"policy": policy.pk, "township": org.tb1.pk}).status_code == 404
    assert client.post(reverse("settlement:runs"), {"policy": "1e3"}).status_code == 404


def test_run_actions_go_through_the_form(org, policy, client_for):
    run = settlement_services.create_run(user=org.users.township, policy=policy, year=2026, quarter=1, township=org.ta1)
    client = client_for(org.users.county)
    url = reverse("settlement:run", args=[run.pk])
    field_error(client.post(url, {"action": "bogus"}), "action")
    not_yet = client.post(url, {"action": "approve"})
    assert not_yet.status_code == 200 and "只有卫生院已确认的结算才能审批" in not_yet.content.decode()
    settlement_services.confirm_run(user=org.users.township, run=run)
    assert client.post(url, {"action": "approve"}).status_code == 302
    assert any(
        "请填写拨付凭证号" in e
        for e in field_error(client.post(url, {"action": "paid", "reference": " "}), "reference")
    )
    field_error(client.post(url, {"action": "paid", "reference": "x" * 61}), "reference")
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.APPROVED
    assert client.post(url, {"action": "paid", "reference": "BK-2026-1"}).status_code == 302
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.PAID and run.payment_reference == "BK-2026-1"


@pytest.mark.parametrize("bad", ["q5", "m13", "q²", "m１２", "q1e3", "", "m" + TOO_BIG])
def test_advances_refuse_bad_periods(org, policy, client_for, bad):
    response = client_for(org.users.county).post(reverse("settlement:advances"), {"policy": policy.pk, "period": bad})
    field_error(response, "period")
    assert not AdvanceBatch.objects.exists()


def test_advances_valid_post_and_service_errors_on_the_period(org, policy, client_for):
    client = client_for(org.users.county)
    url = reverse("settlement:advances")
    monthly = client.post(url, {"policy": policy.pk, "period": "m4"})
    assert any("请选择季度" in e for e in field_error(monthly, "period"))
    assert client.post(url, {"policy": "²", "period": "q1"}).status_code == 404
    response = client.post(url, {"policy": policy.pk, "period": "q1"})
    batch = AdvanceBatch.objects.get()
    assert response["Location"] == reverse("settlement:advance_batch", args=[batch.pk]) and batch.quarter == 1


def test_statement_batch_query_string(org, policy, client_for):
    run = settlement_services.create_run(user=None, policy=policy, year=2026, quarter=1)
    batch = StatementBatch.objects.create(run=run, created_by=org.users.county)
    client = client_for(org.users.county)
    url = reverse("settlement:batch", args=[batch.pk])
    assert client.get(url, {"format": "json"}).json()["state"] == batch.state
    for junk in ("xml", "²"):
        page = client.get(url, {"format": junk, "download": junk})
        assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
