"""Report verification (issue #18): return with a comment the doctor reads, frozen months refused on the
verification page, and no lost updates — a second clerk's verification of a report changed meanwhile is
refused with who changed it and when (on the page, and with two real connections on PostgreSQL)."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse

from programs.models import ServiceReport, ServiceReportLine
from programs.services import periods
from programs.services import reports as report_services


def submitted_report(org, services, declared=57) -> ServiceReport:
    report = ServiceReport.objects.create(clinic=org.ca1a, year=2026, month=3, status="submitted")
    ServiceReportLine.objects.create(report=report, item=services["PH09"], declared_count=declared)
    return report


def sample(services, checked, confirmed) -> dict:
    item = services["PH09"].pk
    return {f"method_{item}": "phone", f"checked_{item}": str(checked), f"confirmed_{item}": str(confirmed)}


def test_returned_report_the_doctor_reads_why(org, services, client_for):
    report = submitted_report(org, services)
    staff = client_for(org.users.township)
    url = reverse("reports:verify", args=[report.pk])
    page = staff.post(url, {"return": "1", "comment": "", "version": report.version}).content.decode()
    assert "请填写退回意见" in page
    response = staff.post(url, {"return": "1", "comment": "高血压随访人次与随访记录不符", "version": report.version})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ServiceReport.Status.RETURNED
    page = client_for(org.users.doctor).get(reverse("portal_reports:report", args=[2026, 3])).content.decode()
    assert "卫生院退回意见" in page and "高血压随访人次与随访记录不符" in page


def test_verification_of_a_settled_month_is_refused_on_the_page(org, services, client_for):
    report = submitted_report(org, services)
    periods.lock_periods(township_ids=[org.ta1.pk], year=2026, months=[3], user=org.users.county)
    response = client_for(org.users.township).post(
        reverse("reports:verify", args=[report.pk]), {**sample(services, 10, 9), "version": report.version}
    )
    assert response.status_code == 200 and "已结算锁定" in response.content.decode()
    line = ServiceReportLine.objects.get()
    assert line.verified_count is None and line.sample_checked is None


def test_second_clerk_is_told_who_verified_meanwhile(org, services, client_for):
    report = submitted_report(org, services)
    url = reverse("reports:verify", args=[report.pk])
    first, second = client_for(org.users.township), client_for(org.users.township)
    page = first.get(url).content.decode()
    assert f'name="version" value="{report.version}"' in page
    shown = report.version
    assert second.post(url, {**sample(services, 10, 9), "version": shown}).status_code == 302
    response = first.post(url, {**sample(services, 10, 5), "version": shown})
    body = response.content.decode()
    assert response.status_code == 200 and "已被" in body and "修改，请刷新后再改" in body
    assert ServiceReportLine.objects.get().verified_count == 51  # the second clerk's 57 × 9 ÷ 10, kept
    # After refreshing (the page's current version) the first clerk may change it.
    report.refresh_from_db()
    assert first.post(url, {**sample(services, 10, 5), "version": report.version}).status_code == 302
    assert ServiceReportLine.objects.get().verified_count == 28


@pytest.fixture
def catalogue(transactional_db):
    """The service items the migrations create (an earlier transactional test may have flushed them)."""
    from tests.reference import ensure_service_catalogue

    ensure_service_catalogue()


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_clerks_verifying_at_once_on_postgresql(catalogue, org, services):
    """Two threads, two real connections. Clerk A verifies and holds the row lock until B has started; B's
    verification, made from the same page version, waits on the lock and is then refused — not applied
    over A's."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite takes one write lock per database, so the two never overlap on a row")
    report = submitted_report(org, services)
    shown = report.version
    item = services["PH09"].pk
    a_holds_lock = threading.Event()
    outcomes: dict[str, str] = {}

    def clerk_a():
        try:
            with transaction.atomic():
                report_services.verify_report(
                    user=org.users.township, report=report, samples={item: ("phone", 10, 9)}, version=shown
                )
                a_holds_lock.set()
                time.sleep(0.5)  # B is now waiting on the row lock
            outcomes["a"] = "ok"
        except ValidationError as exc:
            outcomes["a"] = "; ".join(exc.messages)
        finally:
            a_holds_lock.set()
            connection.close()

    def clerk_b():
        try:
            a_holds_lock.wait(10)
            report_services.verify_report(
                user=org.users.township, report=report, samples={item: ("home", 10, 2)}, version=shown
            )
            outcomes["b"] = "ok"
        except ValidationError as exc:
            outcomes["b"] = "; ".join(exc.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=clerk_a), threading.Thread(target=clerk_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcomes["a"] == "ok"
    assert "已被" in outcomes["b"] and "修改，请刷新后再改" in outcomes["b"]
    line = ServiceReportLine.objects.get()
    assert (line.sample_method, line.sample_confirmed, line.verified_count) == ("phone", 9, 51)
    assert ServiceReport.objects.get(pk=report.pk).version == shown + 1
