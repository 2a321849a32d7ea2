"""Issue #18's worked example on the demo data: an amount of the approved settlement traced back to its inputs,
who entered each and who changed it. seed_demo writes its reports in bulk; their history must still say that
the clinic's doctor declared the counts and the township's staff verified them."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clinics.models import AuditEntry, Role, UserScope
from programs.models import Quota, ServiceReport, ServiceReportLine
from subsidies.models import Assessment, PolicyItem, SettlementLine, SettlementRun
from tests.reference import ensure_service_catalogue


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """A small demo county, seeded once for the module inside a transaction that is rolled back after it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            # A transactional test that ran earlier in this process flushed what the data migrations created.
            ensure_service_catalogue()
            call_command("seed_demo", "--townships", "1", "--clinics-per-township", "2", stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _history(model: str, pk: int) -> list[dict]:
    out = io.StringIO()
    call_command("audit_log", "--model", model, "--id", str(pk), "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_every_input_of_an_approved_amount_has_its_author_in_the_history(demo):
    run = SettlementRun.objects.get(status__in=[SettlementRun.Status.APPROVED, SettlementRun.Status.ANNOUNCED])
    line = SettlementLine.objects.filter(run=run, public_health__gt=0).select_related("clinic").first()
    assert line is not None
    doctor = UserScope.objects.get(role=Role.VILLAGE_DOCTOR, clinic=line.clinic).user
    staff = UserScope.objects.get(role=Role.TOWNSHIP_STAFF, township=line.clinic.township).user

    # The counts: each report line of the run's months was declared by the doctor and verified by the staff.
    counts = ServiceReportLine.objects.filter(
        report__clinic=line.clinic, report__year=run.year, report__month__in=[1, 2, 3]
    ).select_related("report")
    assert counts.count() > 0
    for count in counts:
        assert count.report.status == ServiceReport.Status.VERIFIED and count.report.verified_by == staff
        assert count.report.submitted_by == doctor
        entries = AuditEntry.objects.filter(content_type__model="servicereportline", object_id=count.pk)
        created = entries.get(action=AuditEntry.Action.CREATE)
        assert created.actor == doctor and created.changes["declared_count"] == ["None", str(count.declared_count)]
        assert created.clinic_id == line.clinic_id and created.source == "演示数据（seed_demo）"
        verified = entries.get(action=AuditEntry.Action.UPDATE)
        assert verified.actor == staff and verified.changes["verified_count"] == ["None", str(count.verified_count)]

    # audit_log tells the same story: the doctor submitted the report, the staff verified it.
    report = counts[0].report
    steps = [
        (step["user"], field["after"])
        for step in _history("programs.ServiceReport", report.pk)
        for change in step["changes"]
        if change["model"] == "programs.ServiceReport"
        for field in change["fields"]
        if field["field"] == "status"
    ]
    assert [after for _user, after in steps] == ["已提交，待核实", "已核实"]
    assert doctor.username in steps[0][0] and staff.username in steps[1][0]

    # The prices, the quota and the run itself: each has its creator.
    price = PolicyItem.objects.filter(policy=run.policy).first()
    assert AuditEntry.objects.get(content_type__model="policyitem", object_id=price.pk).actor.username == "county"
    quota = Quota.objects.filter(clinic=line.clinic).first()
    assert AuditEntry.objects.get(content_type__model="quota", object_id=quota.pk).actor.username == "county"
    run_entries = AuditEntry.objects.filter(content_type__model="settlementrun", object_id=run.pk)
    assert {e.actor.username for e in run_entries} >= {"staff01", "county"}
    assert run.year == timezone.localdate().year  # the demo is of this year


@pytest.mark.django_db
def test_the_line_page_leads_to_every_source_record_and_its_history(demo, client_for):
    run = SettlementRun.objects.get(status__in=[SettlementRun.Status.APPROVED, SettlementRun.Status.ANNOUNCED])
    line = SettlementLine.objects.filter(run=run).select_related("clinic").first()
    county = UserScope.objects.get(role=Role.COUNTY_ADMIN).user
    page = client_for(county).get(reverse("settlement:line", args=[line.pk])).content.decode()
    assert "五、数据来源与修改记录" in page
    for report in ServiceReport.objects.filter(clinic=line.clinic, year=run.year, month__in=[1, 2, 3]):
        assert reverse("reports:verify", args=[report.pk]) in page
        assert f"{report.month}月服务月报" in page
    assessment = Assessment.objects.get(clinic=line.clinic, year=run.year, quarter=1)
    assert reverse("assessments:edit", args=[assessment.pk]) in page
    assert reverse("subsidypolicy:edit", args=[run.policy_id]) in page
    audit_url = f"{reverse('audit:log')}?township={line.clinic.township_id}&amp;clinic={line.clinic_id}"
    assert audit_url in page and audit_url + "&amp;export=xlsx" in page
    # The Excel export of that trail has the doctor's declarations and the staff's verifications.
    sheet = client_for(county).get(
        reverse("audit:log"), {"township": line.clinic.township_id, "clinic": line.clinic_id, "export": "xlsx"}
    )
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    fields = {row[7] for row in rows[1:]}
    assert {"申报数", "核实数", "状态"} <= fields, fields
