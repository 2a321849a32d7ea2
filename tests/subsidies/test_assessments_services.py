"""Assessments, inspections with rectification, satisfaction and appeals through the services."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from clinics.models import AuditEntry
from programs.models import Quota, ServiceItem, ServiceReport, ServiceReportLine
from subsidies.models import Appeal, AssessmentEntry, Finding
from subsidies.selectors.assessments import assessment_scores, indicator_achieved
from subsidies.services import assessments as services
from tests.subsidies.conftest import ASSESSED_ON, assessed_on


def start(org, sheet, clinic=None, quarter=1, user=None):
    return services.start_assessment(
        user=user or org.users.township,
        clinic=clinic or org.ca1a,
        year=2026,
        quarter=quarter,
        assessed_on=assessed_on(2026, quarter),
    )


def entries(assessment):
    return {e.item.code: e for e in assessment.entries.select_related("item")}


def fill(org, assessment, **overrides):
    e = entries(assessment)
    values = {
        e["A1"].pk: {"achieved": "0.5"},
        e["B1"].pk: {"occurrences": "2", "reason": "处方缺诊断 2 张"},
        e["C1"].pk: {"passed": "1"},
        e["D1"].pk: {"manual_score": "8"},
        e["F1"].pk: {"occurrences": "0"},
    }
    for code, value in overrides.items():
        values[e[code].pk] = value
    return services.update_entries(user=org.users.township, assessment=assessment, values=values)


def test_assessment_total_by_hand(org, sheet):
    assessment = fill(org, start(org, sheet))
    # A1 40×0.5 → −20; B1 2×2 → −4; C1 passed; D1 8/10 → −2; E1 no survey; F1 none → 100 − 26 = 74
    assert assessment.total_score == D("74.00")
    services.submit_assessment(user=org.users.township, assessment=assessment)
    assert assessment_scores(clinic_ids=[org.ca1a.pk], year=2026, quarter=1) == {org.ca1a.pk: D("74.00")}


def test_incomplete_assessment_cannot_be_submitted(org, sheet):
    assessment = start(org, sheet)
    with pytest.raises(ValidationError, match="还没有评分"):
        services.submit_assessment(user=org.users.township, assessment=assessment)


def test_points_above_an_items_maximum_are_refused(org, sheet):
    assessment = start(org, sheet)
    with pytest.raises(ValidationError, match="0 到 10"):
        fill(org, assessment, D1={"manual_score": "11"})


def test_one_assessment_per_clinic_and_quarter_and_only_in_scope(org, sheet):
    start(org, sheet)
    with pytest.raises(ValidationError, match="不能重复"):
        start(org, sheet)
    with pytest.raises(PermissionDenied):
        start(org, sheet, clinic=org.ca2a)  # another township's clinic


def test_unrectified_finding_deducts_double_in_the_next_assessment(org, sheet):
    inspection = services.record_inspection(
        user=org.users.township,
        clinic=org.ca1a,
        inspected_on=date(2026, 2, 1),
        notes="",
        findings=[{"item_code": "F1", "description": "制度未上墙", "deadline": date(2026, 2, 28)}],
    )
    finding = inspection.findings.get()
    assert finding.status == "open"
    services.reinspect(user=org.users.township, finding=finding, rectified=False, on=date(2026, 3, 5))
    assessment = fill(org, start(org, sheet))
    f1 = entries(assessment)["F1"]
    assert f1.doubled_occurrences == 1 and f1.deduction == D("10.00") and "制度未上墙" in f1.reason
    assert Finding.objects.get().applied_to == assessment
    second = fill(org, start(org, sheet, quarter=2))
    assert entries(second)["F1"].deduction == D("0.00")  # applied once only


def test_satisfaction_below_county_average(org, sheet):
    services.record_satisfaction(
        user=org.users.township, clinic=org.ca1a, year=2026, quarter=1, surveyed=20, satisfied=16
    )
    services.record_satisfaction(
        user=org.users.township, clinic=org.ca1b, year=2026, quarter=1, surveyed=20, satisfied=20
    )
    with pytest.raises(ValidationError):
        services.record_satisfaction(
            user=org.users.township, clinic=org.ca1b, year=2026, quarter=1, surveyed=5, satisfied=6
        )
    assessment = fill(org, start(org, sheet))
    # average 0.90, clinic 0.80 → 10 points below → 10 × 1 = 10, capped at 10
    assert entries(assessment)["E1"].deduction == D("10.00")


def test_indicator_reads_verified_service_data(org, sheet):
    items = {i.code: i for i in ServiceItem.objects.filter(code__in=["PH09", "PH10"])}
    Quota.objects.create(clinic=org.ca1a, item=items["PH09"], year=2026, target=120)
    Quota.objects.create(clinic=org.ca1a, item=items["PH10"], year=2026, target=240)
    report = ServiceReport.objects.create(clinic=org.ca1a, year=2026, month=2, status="verified")
    ServiceReportLine.objects.create(report=report, item=items["PH09"], declared_count=40, verified_count=30)
    ServiceReportLine.objects.create(report=report, item=items["PH10"], declared_count=90, verified_count=90)
    # Q1 due: 30 + 60 = 90; done: min(30,30) + min(90,60) = 90 → 1.0
    assert indicator_achieved(clinic_id=org.ca1a.pk, year=2026, quarter=1, indicator="all") == D("1.0000")
    assert indicator_achieved(clinic_id=org.ca1a.pk, year=2026, quarter=2, indicator="PH09") == D("0.5000")
    assessment = start(org, sheet)
    assert entries(assessment)["A1"].achieved == D("1.0000")


def submitted(org, sheet):
    assessment = fill(org, start(org, sheet))
    return services.submit_assessment(user=org.users.township, assessment=assessment)


def test_appeal_accepted_changes_the_score_and_keeps_both_versions(org, sheet):
    assessment = submitted(org, sheet)
    b1 = entries(assessment)["B1"]
    appeal = services.file_appeal(user=org.users.doctor, entry=b1, comment="其中一张处方有诊断，见附件")
    services.decide_appeal(
        user=org.users.township,
        appeal=appeal,
        accept=True,
        decision="核实属实，改为 1 次",
        new_values={"occurrences": "1"},
    )
    assessment.refresh_from_db()
    assert assessment.total_score == D("76.00")
    # The change history keeps both versions, with the decision as the reason of one action.
    total = AuditEntry.objects.filter(content_type__model="assessment", object_id=assessment.pk).latest("pk")
    assert total.changes["total_score"] == ["74.00", "76.00"] and total.actor == org.users.township
    assert "采纳申诉" in total.reason
    b1 = AssessmentEntry.objects.get(assessment=assessment, item__code="B1")
    changes = {}
    for entry in AuditEntry.objects.filter(content_type__model="assessmententry", object_id=b1.pk, cid=total.cid):
        assert entry.parent_id == assessment.pk
        changes.update(entry.changes)
    assert changes["occurrences"] == ["2", "1"] and changes["deduction"] == ["4.00", "2.00"]
    assert Appeal.objects.get().status == "accepted"
    with pytest.raises(ValidationError, match="处理过"):
        services.decide_appeal(user=org.users.township, appeal=appeal, accept=False, decision="x")


def test_appeal_rejected_keeps_the_score(org, sheet):
    assessment = submitted(org, sheet)
    appeal = services.file_appeal(user=org.users.doctor, entry=entries(assessment)["D1"], comment="账目齐全")
    services.decide_appeal(user=org.users.township, appeal=appeal, accept=False, decision="凭证不全")
    assessment.refresh_from_db()
    assert assessment.total_score == D("74.00") and Appeal.objects.get().status == "rejected"


def test_appeal_deadline_and_who_may_appeal(org, sheet):
    assessment = submitted(org, sheet)
    entry = entries(assessment)["B1"]
    with pytest.raises(PermissionDenied):
        services.file_appeal(user=org.users.other_doctor, entry=entry, comment="x")
    with pytest.raises(ValidationError, match="期限"):
        services.file_appeal(
            user=org.users.doctor, entry=entry, comment="x", now=assessment.submitted_at + timedelta(days=7, seconds=1)
        )
    services.file_appeal(
        user=org.users.doctor, entry=entry, comment="x", now=assessment.submitted_at + timedelta(days=7)
    )
    with pytest.raises(ValidationError, match="处理中"):
        services.file_appeal(user=org.users.doctor, entry=entry, comment="again")


def test_yearly_score_is_the_mean_of_the_quarters(org, sheet):
    services.submit_assessment(user=org.users.township, assessment=fill(org, start(org, sheet, quarter=1)))
    services.submit_assessment(
        user=org.users.township, assessment=fill(org, start(org, sheet, quarter=2), B1={"occurrences": "3"})
    )
    assert assessment_scores(clinic_ids=[org.ca1a.pk], year=2026, quarter=None) == {org.ca1a.pk: D("73.00")}


def test_a_quarter_is_assessed_only_once_it_is_over(org, sheet):
    from django.utils import timezone

    next_year = timezone.localdate().year + 1
    with pytest.raises(ValidationError, match="季度结束后才能考核") as excinfo:
        services.start_assessment(
            user=org.users.township, clinic=org.ca1a, year=next_year, quarter=1, assessed_on=ASSESSED_ON
        )
    assert f"{next_year}年第1季度到 3月31日 才结束" in str(excinfo.value)
    assert not org.ca1a.assessments.exists()


@pytest.mark.parametrize("day", [date(2026, 3, 31), date(2026, 3, 1), "tomorrow"])
def test_the_assessment_day_is_after_the_quarter_and_not_in_the_future(org, sheet, day):
    from django.utils import timezone

    if day == "tomorrow":
        day = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        services.start_assessment(user=org.users.township, clinic=org.ca1a, year=2026, quarter=1, assessed_on=day)
    assert excinfo.value.message_dict == {"assessed_on": ["考核日期应在 2026年3月31日 之后、不晚于今天。"]}
    assert not org.ca1a.assessments.exists()
    assert start(org, sheet).assessed_on == date(2026, 4, 8)
