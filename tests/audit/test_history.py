"""The change history (修改记录, issue #18): one mechanism (django-auditlog → clinics.AuditEntry) for every model
that carries money, counts, scores, licences, policies, settlements, advances, samples, residents and service
records; changes through the admin, the portal, an import and a service; refused changes; scope; readable
pages with bounded queries; the audit_log command."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from decimal import Decimal as D

import openpyxl
import pytest
from auditlog.registry import auditlog
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from clinics import audit
from clinics.models import AuditEntry, ClinicPopulation
from core import audit as context
from core import dataio
from programs.models import ServiceReport, ServiceReportLine
from programs.services import periods
from programs.services import reports as report_services
from subsidies.models import PolicyItem, SubsidyPolicy
from tests.spreadsheets import xlsx_bytes

# The models the issue names, by what they carry. A model that is added to the list must be registered (and
# one that is registered must be on the list: the list is the documentation of what is audited).
AUDITED = [
    "clinics.Province",
    "clinics.City",
    "clinics.County",
    "clinics.Township",
    "clinics.Clinic",
    "clinics.ClinicPopulation",  # residents (served population)
    "doctors.VillageDoctor",
    "residents.ResidentRegistration",  # residents (moves between clinics)
    "doctors.Licence",
    "doctors.RenewalApplication",
    "doctors.TrainingAttendance",
    "doctors.DoctorAssessment",
    "programs.ServiceItemPrice",  # money
    "programs.Quota",  # counts
    "programs.ServiceReport",  # service records
    "programs.ServiceReportLine",  # counts and verification samples
    "programs.ReportingPeriod",
    "programs.ServiceRecord",  # records entered in the portal
    "programs.SamplingRule",  # the county's sampling rule (sizes, risk shares)
    "programs.VerificationSample",  # samples
    "programs.SampleEntry",
    "programs.Complaint",  # the complaints register: every answer and finding
    "programs.ComplaintRule",
    "programs.DrugPurchase",
    "programs.DrugSale",
    "subsidies.SubsidyPolicy",  # policies
    "subsidies.PolicyItem",
    "subsidies.AdvanceBatch",  # advances
    "subsidies.Advance",
    "subsidies.SettlementRun",  # settlements
    "subsidies.Assessment",  # scores
    "subsidies.AssessmentEntry",
    "subsidies.Appeal",
    "subsidies.Inspection",
    "subsidies.Finding",
    "subsidies.SatisfactionSurvey",
]
HEADERS = ["卫生室编码", "项目编码", "年度", "月份", "申报数"]


@pytest.mark.parametrize("label", AUDITED)
def test_every_model_on_the_list_is_audited(label):
    model = apps.get_model(label)
    assert auditlog.contains(model) and model in audit.AUDITED


def test_nothing_is_audited_that_is_not_on_the_list():
    assert sorted(m._meta.label for m in audit.AUDITED) == sorted(AUDITED)


def entries_of(obj):
    return AuditEntry.objects.filter(content_type__model=obj._meta.model_name, object_id=obj.pk)


def make_policy(org, rate="99.00"):
    return SubsidyPolicy.objects.create(
        county=org.county_a,
        year=2026,
        name="2026年村级补助",
        per_capita_rate=D(rate),
        village_share=D("0.4"),
        drug_amount=D("5"),
        quality_threshold=D("60"),
    )


def policy_form_data(client, url):
    form = client.get(url).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else value
    return data


# --------------------------------------------------------------------------------------------- through the admin


def test_the_issue_s_example_a_policy_rate_edited_in_the_admin_shows_before_and_after(org, client_for):
    policy = make_policy(org)
    client = client_for(org.users.county)
    url = reverse("subsidypolicy:edit", args=[policy.pk])
    data = policy_form_data(client, url) | {"per_capita_rate": "999.00"}
    assert client.post(url, data).status_code == 302
    entry = entries_of(policy).filter(action=AuditEntry.Action.UPDATE).get()
    assert entry.changes == {"per_capita_rate": ["99.00", "999.00"]}
    assert entry.actor == org.users.county and entry.county == org.county_a and entry.cid
    page = client.get(url).content.decode()
    panel = page[page.index("history-panel") :]
    assert "<td>人均补助标准（元/人·年）</td><td>99.00</td><td>999.00</td>" in panel
    assert audit.person(org.users.county) in panel  # who


def test_a_refused_admin_edit_leaves_data_and_history_as_they_were(org, client_for):
    policy = make_policy(org)
    client = client_for(org.users.county)
    url = reverse("subsidypolicy:edit", args=[policy.pk])
    before = AuditEntry.objects.count()
    response = client.post(url, policy_form_data(client, url) | {"per_capita_rate": "1e3"})
    assert response.status_code == 200 and response.context["form"].errors
    policy.refresh_from_db()
    assert policy.per_capita_rate == D("99.00") and AuditEntry.objects.count() == before


# -------------------------------------------------------------------------------------------- through the portal


def test_a_doctor_s_report_through_the_portal_is_one_action_of_the_doctor(org, services, client_for):
    # Last month (a month is submitted once it has ended), reopened so that the test runs on any day.
    today = timezone.localdate()
    last = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    periods.reopen_period(
        township_id=org.ta1.pk, year=last.year, month=last.month, user=None, until=today, reason="测试"
    )
    client = client_for(org.users.doctor)
    url = reverse("portal_reports:report", args=[last.year, last.month])
    response = client.post(url, {f"item_{services['PH09'].pk}": "3", f"item_{services['PH10'].pk}": "", "submit": "1"})
    assert response.status_code == 302
    report = ServiceReport.objects.get()
    line = report.lines.get(item=services["PH09"])
    created = entries_of(line).get()
    assert created.action == AuditEntry.Action.CREATE and created.changes["declared_count"] == ["None", "3"]
    assert created.actor == org.users.doctor and created.clinic == org.ca1a and created.township == org.ta1
    assert created.parent_id == report.pk
    submitted = entries_of(report).filter(action=AuditEntry.Action.UPDATE).get()
    assert submitted.changes["status"] == ["draft", "submitted"] and submitted.cid == created.cid


# ------------------------------------------------------------------------------------------- through an import


def test_an_import_and_a_background_job_record_the_file_or_the_job(org, services, settings):
    from clinics.models import ImportJob
    from clinics.tasks import run_import_job

    report = dataio.run_import(
        resource_name="service_reports",
        data=xlsx_bytes(HEADERS, [["A1a", "PH09", 2025, 3, 12]]),
        filename="三月.xlsx",
        user=org.users.township,
    )
    assert report.committed
    line = ServiceReportLine.objects.get(report__clinic=org.ca1a, item__code="PH09")
    created = entries_of(line).get()
    assert created.changes == {"item": ["None", str(services["PH09"].pk)], "declared_count": ["None", "12"]}
    assert created.source == "Excel 导入：三月.xlsx" and created.actor == org.users.township
    assert created.clinic == org.ca1a and created.parent_id == line.report_id
    assert entries_of(line.report).get().source == "Excel 导入：三月.xlsx"

    from pathlib import Path

    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "audit-job.xlsx").write_bytes(xlsx_bytes(HEADERS, [["A1a", "PH09", 2025, 3, 15]]))
    job = ImportJob.objects.create(
        resource="service_reports",
        filename="补报.xlsx",
        stored_file="audit-job.xlsx",
        created_by=org.users.township,
        total_rows=1,
        state=ImportJob.State.IMPORTING,
    )
    run_import_job.enqueue(job.pk)
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    changed = entries_of(line).filter(action=AuditEntry.Action.UPDATE).get()
    assert changed.changes == {"declared_count": ["12", "15"]}
    assert changed.source == f"后台导入 #{job.pk}：补报.xlsx" and changed.actor == org.users.township


def test_a_refused_import_leaves_data_and_history_as_they_were(org, services):
    before = AuditEntry.objects.count()
    report = dataio.run_import(
        resource_name="service_reports",
        data=xlsx_bytes(HEADERS, [["A1a", "PH09", 2025, 3, 12], ["A1a", "PH09", 2025, 13, 5]]),
        filename="bad.xlsx",
        user=org.users.township,
    )
    assert not report.ok and not ServiceReportLine.objects.exists() and AuditEntry.objects.count() == before


# ------------------------------------------------------------------------------------------ through a service


def submitted_report(org, services, counts=None):
    report, _warnings = report_services.save_report(
        user=org.users.doctor,
        year=2026,
        month=3,
        submit=True,
        confirmed_warnings=True,
        today=date(2026, 4, 5),
        counts={services[code].pk: n for code, n in (counts or {"PH09": 57, "PH10": 20}).items()},
    )
    return report


def test_a_verification_is_one_action_in_chinese(org, services):
    report = submitted_report(org, services)
    report_services.verify_report(
        user=org.users.township, report=report, samples={services["PH09"].pk: ("phone", 10, 9)}
    )
    actions = audit.actions_for(report, org.users.township)
    verification = actions[0]
    assert verification.actor == audit.person(org.users.township)
    rows = {(e.label.rsplit(" ", 1)[-1], c.label): (c.before, c.after) for e in verification.entries for c in e.changes}
    ph09 = services["PH09"].name
    assert rows[(ph09, "核实方式")] == ("—", "电话回访")
    assert rows[(ph09, "抽查数")] == ("—", "10") and rows[(ph09, "属实数")] == ("—", "9")
    assert rows[(ph09, "核实数")] == ("—", "51")
    assert rows[(services["PH10"].name, "核实数")] == ("—", "20")
    status = next(c for e in verification.entries for c in e.changes if c.label == "状态")
    assert (status.before, status.after) == ("已提交，待核实", "已核实")
    verified_by = next(c for e in verification.entries for c in e.changes if c.label == "核实人")
    assert verified_by.after == audit.person(org.users.township)  # a foreign key by its name, not its id


def test_a_refused_verification_leaves_data_and_history_as_they_were(org, services):
    report = submitted_report(org, services)
    before = list(AuditEntry.objects.values_list("pk", flat=True))
    with pytest.raises(ValidationError):
        report_services.verify_report(
            user=org.users.township,
            report=report,
            samples={services["PH09"].pk: ("phone", 10, 9), services["PH10"].pk: ("phone", 5, 6)},
        )
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == before
    assert not ServiceReportLine.objects.filter(verified_count__isnull=False).exists()


def test_a_returned_report_keeps_the_comment_as_reason_and_the_cleared_samples(org, services):
    report = submitted_report(org, services)
    report_services.verify_report(user=org.users.township, report=report, samples={services["PH09"].pk: ("home", 4, 4)})
    report_services.return_report(user=org.users.township, report=report, comment="高血压随访人次与记录不符")
    line = report.lines.get(item=services["PH09"])
    cleared = entries_of(line).latest("pk")  # written by update(): recorded explicitly
    assert cleared.changes["verified_count"] == ["57", "None"] and cleared.changes["sample_method"] == ["home", ""]
    assert cleared.reason == "高血压随访人次与记录不符"
    returned = audit.actions_for(report, org.users.township)[0]
    assert returned.reason == "高血压随访人次与记录不符" and len({e.entry.cid for e in returned.entries}) == 1


def test_a_reopening_s_reason_reaches_the_history(org, services):
    periods.close_period(township_id=org.ta1.pk, year=2026, month=3, user=org.users.township)
    period = periods.reopen_period(
        township_id=org.ta1.pk, year=2026, month=3, user=org.users.township, until=date(2026, 4, 20), reason="补报漏报"
    )
    entry = entries_of(period).latest("pk")
    assert entry.reason == "补报漏报" and entry.changes["state"] == ["closed", "open"]
    assert entry.township == org.ta1 and entry.clinic is None


def test_a_service_run_from_the_command_line_has_no_user_but_is_recorded(org):
    population = ClinicPopulation.objects.filter(clinic=org.ca1a).first()
    with context.action(reason="人口普查更正", source="script"):
        population.resident += 10
        population.save()
    entry = entries_of(population).latest("pk")
    assert entry.actor is None and entry.reason == "人口普查更正" and entry.source == "script"
    assert audit.describe([entry])[0].actor == "系统（命令行或后台任务）"


def test_masked_fields_are_never_stored_whole(org):
    from tests.doctors.helpers import make_doctor

    doctor = make_doctor(org.ca1a)
    doctor.mobile = "13900001111"
    doctor.save()
    entry = entries_of(doctor).latest("pk")
    assert "13900001111" not in json.dumps(entry.changes) and "13900001111" not in json.dumps(entry.serialized_data)


# -------------------------------------------------------------------------------------------------- the pages


def test_the_audit_page_is_scoped_and_searchable(org, services, client_for):
    submitted_report(org, services)  # clinic A1a, township A1, county A
    policy = make_policy(org)
    policy.per_capita_rate = D("100.00")
    policy.save()
    township = client_for(org.users.township).get(reverse("audit:log")).content.decode()
    assert org.ca1a.name in township and "人均补助标准" not in township  # county-wide entries are the county's
    other = client_for(org.users.other_township).get(reverse("audit:log")).content.decode()
    assert org.ca1a.name not in other and "人均补助标准" not in other
    county = client_for(org.users.county).get(reverse("audit:log"), {"model": "subsidies.subsidypolicy"})
    page = county.content.decode()
    assert "<td>人均补助标准（元/人·年）</td><td>99.00</td><td>100.00</td>" in page and "申报数" not in page
    far = client_for(org.users.other_county).get(reverse("audit:log")).content.decode()
    assert org.ca1a.name not in far and "人均补助标准" not in far
    found = client_for(org.users.county).get(reverse("audit:log"), {"user": "doc_a1a", "clinic": org.ca1a.pk})
    assert "申报数" in found.content.decode()
    nobody = client_for(org.users.county).get(reverse("audit:log"), {"user": "nobody-at-all"})
    assert "暂无修改记录" in nobody.content.decode()
    outside = client_for(org.users.township).get(reverse("audit:log"), {"clinic": org.cb1a.pk})
    assert "筛选条件无效" in outside.content.decode()
    bad_date = client_for(org.users.county).get(reverse("audit:log"), {"since": "2026-13-01"})
    assert bad_date.status_code == 200 and "筛选条件无效" in bad_date.content.decode()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_audit_page_exports_what_it_shows(org, services, client_for, fmt):
    submitted_report(org, services)
    make_policy(org)
    response = client_for(org.users.township).get(reverse("audit:log"), {"export": fmt})
    assert response.status_code == 200
    if fmt == "xlsx":
        rows = [[c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.rows]
    else:
        import csv

        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["时间", "操作人", "乡镇"] and rows[0][7:10] == ["字段", "修改前", "修改后"]
    body = rows[1:]
    assert body and all(r[2] == org.ta1.name for r in body)  # the township's own rows only
    assert any(r[7] == "申报数" and r[9] == "57" for r in body) and not any(r[4] == "补助政策" for r in body)
    assert client_for(org.users.township).get(reverse("audit:log"), {"export": "pdf"}).status_code == 404


def many_changes(org, services, n):
    """n actions on one report page (a line changed n times) and n policy changes: the data of a page."""
    report = ServiceReport.objects.create(clinic=org.ca1a, year=2026, month=3)
    line = ServiceReportLine.objects.create(report=report, item=services["PH09"], declared_count=0)
    policy = make_policy(org)
    for i in range(n):
        with context.action(user=org.users.township if i % 2 else org.users.county):
            line.declared_count = i + 1
            line.save()
            policy.per_capita_rate = D(100 + i)
            policy.save()
            PolicyItem.objects.create(
                policy=policy, item=services[("PH09", "PH10")[i % 2]], unit_price=D(i), work_points=D(1)
            ).delete()
    return report


@pytest.mark.parametrize("n", [4, 12])
def test_history_panel_and_audit_list_queries_are_bounded(org, services, client_for, django_assert_max_num_queries, n):
    report = many_changes(org, services, n)
    township, county = client_for(org.users.township), client_for(org.users.county)
    township.get(reverse("reports:verify", args=[report.pk]))  # warm caches (content types, sessions)
    with django_assert_max_num_queries(40):
        page = township.get(reverse("reports:verify", args=[report.pk]))
    assert page.content.decode().count('class="history-action"') >= n
    county.get(reverse("audit:log"))
    with django_assert_max_num_queries(30):
        listing = county.get(reverse("audit:log"))
    assert listing.content.decode().count('class="history-action"') >= n
    with django_assert_max_num_queries(30):
        assert county.get(reverse("audit:log"), {"export": "xlsx"}).status_code == 200


def test_history_panel_query_count_does_not_grow_with_the_data(org, services, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (3, 9):
        report = many_changes(org, services, n)
        client = client_for(org.users.township)
        client.get(reverse("reports:verify", args=[report.pk]))
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("reports:verify", args=[report.pk]))
        counts.append(len(queries))
        with CaptureQueriesContext(connection) as queries:
            client_for(org.users.county).get(reverse("audit:log"))
        counts.append(len(queries))
        ServiceReport.objects.all().delete()
        SubsidyPolicy.objects.all().delete()
    assert counts[2] <= counts[0] and counts[3] <= counts[1], counts


# ------------------------------------------------------------------------------------------- audit_log command


def test_audit_log_command_prints_one_object_s_history(org, services):
    report = submitted_report(org, services)
    report_services.verify_report(
        user=org.users.township, report=report, samples={services["PH09"].pk: ("phone", 10, 9)}
    )
    out = io.StringIO()
    call_command("audit_log", "--model", "programs.ServiceReport", "--id", str(report.pk), stdout=out)
    text = out.getvalue()
    assert (
        "核实数：— → 51" in text
        and "状态：已提交，待核实 → 已核实" in text
        and audit.person(org.users.township) in text
    )
    assert text.index("申报数") < text.index("核实数")  # oldest first
    out = io.StringIO()
    call_command("audit_log", "--model", "programs.ServiceReport", "--id", str(report.pk), "--json", stdout=out)
    data = json.loads(out.getvalue())
    last = data[-1]
    assert last["user"] == audit.person(org.users.township) and last["time"]
    fields = {
        (c["object"].rsplit(" ", 1)[-1], f["field"]): (f["before"], f["after"])
        for c in last["changes"]
        for f in c["fields"]
    }
    assert fields[(services["PH09"].name, "verified_count")] == ("—", "51")
    assert {c["model"] for c in last["changes"]} == {"programs.ServiceReport", "programs.ServiceReportLine"}


def test_audit_log_command_refuses_unknown_models():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("audit_log", "--model", "nothing.Here", "--id", "1")
    with pytest.raises(CommandError, match="不在修改记录"):
        call_command("audit_log", "--model", "clinics.ImportJob", "--id", "1")


def test_a_settlement_run_page_shows_its_history(org, services, client_for):
    from subsidies.services import settlement

    policy = make_policy(org)
    run = settlement.create_run(user=org.users.township, policy=policy, year=2026, quarter=1, township=org.ta1)
    settlement.confirm_run(user=org.users.township, run=run)
    entry = entries_of(run).filter(action=AuditEntry.Action.UPDATE).latest("pk")
    assert entry.changes["status"][1] == "confirmed" and entry.township == org.ta1
    page = client_for(org.users.county).get(reverse("settlement:run", args=[run.pk])).content.decode()
    panel = page[page.index("history-panel") :]
    assert "<td>状态</td>" in panel and audit.person(org.users.township) in panel


def test_wagtail_s_history_page_of_an_audited_object_is_the_change_history(org, client_for):
    policy = make_policy(org)
    client = client_for(org.users.county)
    url = reverse("subsidypolicy:edit", args=[policy.pk])
    client.post(url, policy_form_data(client, url) | {"per_capita_rate": "999.00"})
    for name in ("subsidypolicy:history", "subsidypolicy:history_results"):
        page = client.get(reverse(name, args=[policy.pk]))
        assert page.status_code == 200
        assert "<td>人均补助标准（元/人·年）</td><td>99.00</td><td>999.00</td>" in page.content.decode()


def test_writes_without_signals_are_recorded_explicitly(org):
    """update() and bulk_create send no signals: cancelled and lapsed licences, generated advances."""
    from doctors import services as doctor_services
    from doctors.models import Licence, VillageDoctor
    from subsidies.services import advances
    from tests.doctors.helpers import make_doctor, make_licence
    from tests.subsidies.test_settlement_advances import make_policy as advance_policy

    doctor = make_doctor(org.ca1a)
    licence = make_licence(doctor, issued_on=date(2024, 1, 1))
    doctor_services.cancel_licence(licence=licence, reason=Licence.CancelReason.DEATH, user=org.users.county)
    doctor_entry = entries_of(doctor).latest("pk")
    assert doctor_entry.changes == {"status": ["practising", VillageDoctor.Status.DEREGISTERED.value]}
    assert doctor_entry.actor == org.users.county and doctor_entry.clinic == org.ca1a
    assert doctor_entry.reason == Licence.CancelReason.DEATH.label

    old = make_licence(make_doctor(org.ca1b, name="李四", born=date(1975, 3, 3)), issued_on=date(2019, 1, 1))
    assert doctor_services.expire_lapsed_licences(on=date(2026, 1, 1)) >= 1
    lapsed = entries_of(old).latest("pk")
    assert lapsed.changes["status"][1] == "expired" and lapsed.reason == "证书到期未再注册"
    assert lapsed.clinic == org.ca1b and lapsed.parent_id == old.doctor_id

    batch, created = advances.generate_advances(user=org.users.county, policy=advance_policy(org), quarter=1)
    assert created
    recorded = AuditEntry.objects.filter(content_type__model="advance", parent_id=batch.pk)
    assert recorded.count() == batch.advances.count() > 0
    assert {e.actor for e in recorded} == {org.users.county} and all(e.clinic_id for e in recorded)


def test_a_deleted_clinic_keeps_its_history_and_the_database_stays_consistent(org):
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from clinics.models import Clinic

    pk = org.ca2a.pk
    org.ca2a.delete()
    connection.check_constraints()  # the entries written after the delete name a clinic that no longer exists
    deleted = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Clinic), object_id=pk, action=AuditEntry.Action.DELETE
    )
    assert deleted.clinic_id == pk and deleted.township_id == org.ta2.pk
    assert audit.search(org.users.county).filter(pk=deleted.pk).exists()
    assert audit.search(org.users.township, clinic_id=pk).count() == 0  # staff of township A1 do not see A2's
