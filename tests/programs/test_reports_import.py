"""Excel import of monthly service counts: fast path, all-or-nothing, errors by row and column."""

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from clinics.models import AuditEntry, ImportJob
from core import dataio
from programs.models import ServiceReport, ServiceReportLine
from programs.services import periods
from programs.services import reports as report_services
from tests.spreadsheets import xlsx_bytes

HEADERS = ["卫生室编码", "项目编码", "年度", "月份", "申报数"]


def xlsx(rows, headers=HEADERS):
    return xlsx_bytes(headers, rows)


def run(data, user=None, dry_run=False, filename="reports.xlsx"):
    return dataio.run_import(resource_name="service_reports", data=data, filename=filename, user=user, dry_run=dry_run)


def test_import_creates_submitted_reports_and_lines(org, services):
    report = run(
        xlsx([["A1a", "PH09", 2026, 3, 12], ["A1a", "PH10", 2026, 3, 20], ["A1b", "PH09", 2026, 3, 7]]),
        user=org.users.township,
    )
    assert report.ok and report.committed and report.new == 3
    assert ServiceReport.objects.filter(status="submitted", year=2026, month=3).count() == 2
    line = ServiceReportLine.objects.get(report__clinic=org.ca1a, item__code="PH09")
    assert line.declared_count == 12 and line.report.submitted_by == org.users.township


def test_reimport_updates_open_months_and_records_history(org, services):
    run(xlsx([["A1a", "PH09", 2026, 3, 12]]), user=org.users.township)
    report = run(xlsx([["A1a", "PH09", 2026, 3, 15]]), user=org.users.township)
    assert report.ok and report.updated == 1 and report.new == 0
    assert ServiceReportLine.objects.get(item__code="PH09").declared_count == 15
    change = AuditEntry.objects.get(content_type__model="servicereportline", action=AuditEntry.Action.UPDATE)
    assert change.changes == {"declared_count": ["12", "15"]} and change.actor == org.users.township
    assert change.source == "Excel 导入：reports.xlsx" and change.clinic == org.ca1a


def test_reimport_is_a_new_version_that_an_open_verification_page_cannot_overwrite(org, services):
    run(xlsx([["A1a", "PH09", 2026, 3, 12]]), user=org.users.township)
    report = ServiceReport.objects.get(clinic=org.ca1a, year=2026, month=3)
    shown = report.version  # the version a clerk's verification page shows
    run(xlsx([["A1a", "PH09", 2026, 3, 15], ["A1a", "PH10", 2026, 3, 4]]), user=org.users.township)
    report.refresh_from_db()
    assert report.version == shown + 1 and report.changed_by == org.users.township
    line = report.lines.get(item__code="PH09")
    with pytest.raises(ValidationError) as refused:
        report_services.verify_report(
            user=org.users.township, report=report, samples={line.item_id: ("", None, None)}, version=shown
        )
    assert "已被" in refused.value.messages[0] and "请刷新后再改" in refused.value.messages[0]
    line.refresh_from_db()
    assert line.verified_count is None and line.declared_count == 15
    run(xlsx([["A1a", "PH09", 2026, 3, 15]]), user=org.users.township)  # the same count again: no change
    report.refresh_from_db()
    assert report.version == shown + 1


def test_locked_month_is_rejected_and_nothing_written(org, services):
    run(xlsx([["A1a", "PH09", 2026, 2, 12]]), user=org.users.township)
    periods.lock_periods(township_ids=[org.ta1.pk], year=2026, months=[2], user=org.users.county)
    report = run(xlsx([["A1b", "PH09", 2026, 3, 5], ["A1a", "PH09", 2026, 2, 99]]), user=org.users.township)
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(3, "月份")] and "锁定" in report.errors[0].message
    assert ServiceReportLine.objects.get(item__code="PH09", report__month=2).declared_count == 12
    assert not ServiceReport.objects.filter(month=3).exists()


def test_every_bad_row_is_named(org, services):
    report = run(
        xlsx(
            [
                ["A1a", "PH09", 2026, 3, 10],  # 2 fine
                ["A1a", "PH09", 2026, 3, 11],  # 3 duplicate of row 2
                ["ZZZ", "PH09", 2026, 3, 1],  # 4 unknown clinic
                ["A2a", "PH09", 2026, 3, 1],  # 5 clinic of another township
                ["A1a", "XX99", 2026, 3, 1],  # 6 unknown item
                ["A1a", "PH10", 2026, 13, 1],  # 7 bad month
                ["A1a", "PH10", 2026, 4, "十"],  # 8 text in a count
                ["A1a", "PH10", 2026, 5, 2.5],  # 9 decimal in a count
                ["A1a", "PH10", 2026, 6, -1],  # 10 negative
                ["A1a", "PH10", 2026, 7, None],  # 11 missing
            ]
        ),
        user=org.users.township,
    )
    found = [(e.row, e.column) for e in report.errors]
    assert found == [
        (3, "项目编码"),
        (4, "卫生室编码"),
        (5, "卫生室编码"),
        (6, "项目编码"),
        (7, "月份"),
        (8, "申报数"),
        (9, "申报数"),
        (10, "申报数"),
        (11, "申报数"),
    ]
    assert not ServiceReport.objects.exists()


@pytest.mark.parametrize(
    "data, filename, message",
    [
        (b"", "r.xlsx", "空"),
        (b"PK\x03\x04 broken", "r.xlsx", "不是有效的 Excel"),
        (b"MZ\x90\x00 an exe renamed", "r.xlsx", "不是有效的 Excel"),
        ("卫生室编码,年度\nA1a,2026\n".encode(), "r.csv", "缺少列"),
    ],
)
def test_bad_files(org, services, data, filename, message):
    report = run(data, user=org.users.township, filename=filename)
    assert report.file_error and message in report.file_error


def test_english_headers_and_csv(org, services):
    data = b"clinic,item,year,month,declared_count\nA1a,PH09,2026,3,4\n"
    report = run(data, user=org.users.township, filename="r.csv")
    assert report.ok, report.error_lines()


def test_warnings_for_implausible_rows_do_not_block(org, services):
    report = run(xlsx([["A1a", "PH10", 2026, 3, 500]]), user=org.users.township, dry_run=True)
    assert report.ok and report.warnings and report.warnings[0].row == 2


def test_export_is_a_reimportable_template(org, services, tmp_path):
    run(xlsx([["A1a", "PH09", 2026, 3, 12], ["A2a", "PH09", 2026, 3, 3]]), user=org.users.county)
    content = dataio.export_bytes(resource_name="service_reports", fmt="xlsx", user=org.users.township)
    rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == tuple(HEADERS) and [r[0] for r in rows[1:]] == ["A1a"]
    assert run(content, user=org.users.township, dry_run=True).ok
    out = tmp_path / "t.xlsx"
    call_command("export_data", "service_reports", "--out", str(out))
    call_command("import_data", "service_reports", str(out), "--dry-run")


def test_large_file_runs_in_the_background_with_progress(org, services, client_for, settings):
    rows = [["A1a", code, 2026, month, 1] for month in range(1, 4) for code in ("PH01", "PH02", "PH03")]
    from programs.resources.reports import ServiceReportResource

    original = ServiceReportResource.background_threshold
    ServiceReportResource.background_threshold = 5
    try:
        client = client_for(org.users.township)
        upload = io.BytesIO(xlsx(rows))
        upload.name = "big.xlsx"
        response = client.post(reverse("data:import", args=["service_reports"]), {"file": upload})
        job = ImportJob.objects.get()
        assert response["Location"] == reverse("data:job", args=[job.pk])
        assert job.state == "checked" and job.percent == 100  # tests run tasks immediately
        assert not ServiceReportLine.objects.exists()
        status = client.get(reverse("data:job", args=[job.pk]), {"format": "json"}).json()
        assert status == {"state": "checked", "percent": 100, "processed": 9, "total": 9}
        assert "确认导入" in client.get(reverse("data:job", args=[job.pk])).content.decode()
        client.post(reverse("data:job", args=[job.pk]))
        job.refresh_from_db()
        assert job.state == "done" and ServiceReportLine.objects.count() == 9
        # Somebody else's job is not found.
        assert client_for(org.users.other_township).get(reverse("data:job", args=[job.pk])).status_code == 404
    finally:
        ServiceReportResource.background_threshold = original


cell = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=8),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["A1a", "PH09", "2026", "3", " 7 ", "一", "1e3"]),
)


@settings(max_examples=60)
@given(rows=st.lists(st.lists(cell, min_size=5, max_size=5), min_size=1, max_size=6))
def test_malformed_rows_never_crash_or_write(org, services, rows):
    before = ServiceReportLine.objects.count()
    report = run(xlsx(rows), user=org.users.township, dry_run=True)
    assert report.file_error or report.errors or report.ok
    for error in report.errors:
        assert error.row >= 2 and error.column in HEADERS
    assert ServiceReportLine.objects.count() == before


def test_a_file_over_the_size_limit_is_refused(org, services, settings):
    settings.IMPORT_MAX_FILE_SIZE = 1000
    report = run(xlsx([["A1a", "PH09", 2026, 3, n] for n in range(200)]), user=org.users.township)
    assert report.file_error and "文件太大" in report.file_error
    assert not ServiceReport.objects.exists()


def test_doctor_progress_export(org, services, client_for):
    response = client_for(org.users.doctor).get(reverse("portal_reports:progress_export"), {"year": 2026})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "服务项目" and any(r[0] == "65岁以上老年人健康体检" and r[2] == 120 for r in rows[1:])
