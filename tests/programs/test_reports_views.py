"""Portal and admin pages of the services feature: what people see, and bounded queries."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clinics.models import Clinic, ClinicPopulation
from programs.models import Quota, ServiceReport, ServiceReportLine
from programs.portal.reports import default_month
from programs.services.periods import reopen_period


@pytest.mark.parametrize(
    "today, expected", [(date(2026, 4, 10), (2026, 3)), (date(2026, 4, 11), (2026, 4)), (date(2026, 1, 5), (2025, 12))]
)
def test_default_month_follows_the_deadline(today, expected):
    assert default_month(today) == expected


def test_doctor_submits_through_the_form(org, services, client_for):
    # Last month: a month is submitted once it has ended (its deadline reopened so that the test runs on any day).
    today = timezone.localdate()
    last = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    reopen_period(
        township_id=org.ta1.pk,
        year=last.year,
        month=last.month,
        user=None,
        until=today,
        reason="测试：任何一天都可补报",
    )
    client = client_for(org.users.doctor)
    url = reverse("portal_reports:report", args=[last.year, last.month])
    page = client.get(url).content.decode()
    assert "65岁以上老年人健康体检" in page and "提交给卫生院" in page
    response = client.post(url, {f"item_{services['PH09'].pk}": "abc", "submit": "1"})
    assert "请填写不小于 0 的整数" in response.content.decode()
    assert not ServiceReport.objects.exists()
    response = client.post(url, {f"item_{services['PH09'].pk}": "3", f"item_{services['PH10'].pk}": "", "submit": "1"})
    assert response.status_code == 302
    report = ServiceReport.objects.get()
    assert report.status == "submitted" and report.lines.get(item=services["PH09"]).declared_count == 3
    assert "已提交，待核实" in client.get(url).content.decode()


def test_the_report_form_shows_last_month_the_monthly_target_and_the_gap(org, services, client_for):
    """Beside each field: last month's count, the month's share of the yearly quota, how far behind the
    year's pace the item is, and the unit right after the field."""
    before = ServiceReport.objects.create(clinic=org.ca1a, year=2026, month=2, status="verified")
    ServiceReportLine.objects.create(report=before, item=services["PH09"], declared_count=8, verified_count=6)
    page = client_for(org.users.doctor).get(reverse("portal_reports:report", args=[2026, 3])).content.decode()
    figures = page[page.index('data-testid="figures-PH09"') :].split("</small>")[0]
    # Quota 120: 10 a month; by March 30 are due and 6 are verified → 24 behind.
    assert "上月 8" in figures and "每月任务约 10" in figures and "进度还差 24" in figures
    ph10 = page[page.index('data-testid="figures-PH10"') :].split("</small>")[0]
    assert "上月" not in ph10 and "每月任务约 20" in ph10  # no line last month for PH10
    row = page[page.index('data-testid="figures-PH09"') :].split("</tr>")[0]
    assert re.search(rf'class="unit"[^>]*>{services["PH09"].unit}</span>', row)  # right after the count


def test_township_verifies_in_the_admin(org, services, client_for):
    report = ServiceReport.objects.create(clinic=org.ca1a, year=2026, month=3, status="submitted")
    ServiceReportLine.objects.create(report=report, item=services["PH09"], declared_count=57)
    client = client_for(org.users.township)
    url = reverse("reports:verify", args=[report.pk])
    item = services["PH09"].pk
    page = client.post(
        url, {f"method_{item}": "phone", f"checked_{item}": "10", f"confirmed_{item}": "12"}
    ).content.decode()
    assert "属实数必须在 0 到抽查数之间" in page
    response = client.post(url, {f"method_{item}": "phone", f"checked_{item}": "10", f"confirmed_{item}": "9"})
    assert response.status_code == 302
    assert ServiceReportLine.objects.get().verified_count == 51
    page = client.get(url).content.decode()
    # The history panel: one action, fields by their Chinese names, choices by their labels.
    history = page[page.index("history-panel") :]
    assert "<td>核实数</td><td>—</td><td>51</td>" in history and "<td>抽查数</td><td>—</td><td>10</td>" in history
    assert "<td>核实方式</td><td>—</td><td>电话回访</td>" in history and "<td>已核实</td>" in history
    verification = next(a for a in history.split('class="history-action"') if "核实数" in a)
    assert "<td>已核实</td>" in verification and "核实人" in verification  # the report's status, same action
    assert "verified" not in history and "sample_checked" not in history


def test_the_verification_page_gives_what_a_clerk_needs_and_reads_back_after_saving(org, services, client_for):
    """The doctor to call, last month's figures, one click to verify all as declared, the results read-only
    after saving (not a blank editable form), and the next report waiting — within the clerk's scope only."""
    ph09, ph10 = services["PH09"], services["PH10"]
    before = ServiceReport.objects.create(clinic=org.ca1a, year=2026, month=2, status="verified")
    ServiceReportLine.objects.create(report=before, item=ph09, declared_count=40, verified_count=36)
    report = ServiceReport.objects.create(clinic=org.ca1a, year=2026, month=3, status="submitted")
    ServiceReportLine.objects.create(report=report, item=ph09, declared_count=57)
    ServiceReportLine.objects.create(report=report, item=ph10, declared_count=8)
    waiting = ServiceReport.objects.create(clinic=org.ca1b, year=2026, month=3, status="submitted")
    ServiceReport.objects.create(clinic=org.ca2a, year=2026, month=3, status="submitted")  # another township
    client = client_for(org.users.township)
    url = reverse("reports:verify", args=[report.pk])
    page = client.get(url).content.decode()
    doctor = org.ca1a.doctors.get()
    assert f'<a href="tel:{doctor.mobile}">{doctor.mobile}</a>' in page and doctor.name in page
    county = client_for(org.users.county).get(url).content.decode()  # not the one who calls: masked, no link
    masked = f"{doctor.mobile[:3]}****{doctor.mobile[-4:]}"
    assert masked in county and doctor.mobile not in county and "tel:" not in county
    assert "上月申报 / 核实" in page and "<td>40 / 36</td>" in page and "<td>—</td>" in page
    assert 'aria-label="65岁以上老年人健康体检的抽查数"' in page
    assert reverse("reports:verify", args=[waiting.pk]) in page and "下一份待核实" in page
    # "不抽查，全部按申报数核实" ignores what was typed in the sample fields.
    response = client.post(
        url,
        {"verify_all": "1", f"method_{ph09.pk}": "phone", f"checked_{ph09.pk}": "10", f"confirmed_{ph09.pk}": "5"},
    )
    assert response.status_code == 302 and response["Location"] == url
    lines = {line.item_id: line for line in report.lines.all()}
    assert lines[ph09.pk].verified_count == 57 and lines[ph09.pk].sample_checked is None
    assert lines[ph10.pk].verified_count == 8
    page = client.get(url).content.decode()
    assert f'name="checked_{ph09.pk}"' not in page and "修改核实结果" in page and "已核实" in page
    assert f"{org.users.township.get_full_name() or org.users.township.username}" in page
    assert f'name="checked_{ph09.pk}"' in client.get(url, {"edit": "1"}).content.decode()
    assert client.get(url, {"edit": "<script>"}).status_code == 200  # any other value: read-only, no error
    # The last one waiting in the township: no next report (the other township's is not offered).
    last = client.get(reverse("reports:verify", args=[waiting.pk])).content.decode()
    assert "没有其他待核实的月报了" in last


def bulk_clinics(township, n, items, prefix="Q"):
    clinics = Clinic.objects.bulk_create(
        Clinic(township=township, code=f"{prefix}{i:04d}", name=f"{prefix}{i}卫生室", village="Q") for i in range(n)
    )
    ClinicPopulation.objects.bulk_create(
        ClinicPopulation(
            clinic=c, year=2026, resident=900, aged_65_plus=100, children_0_6=50, registered=900, insured=900
        )
        for c in clinics
    )
    Quota.objects.bulk_create(Quota(clinic=c, item=i, year=2026, target=10) for c in clinics for i in items.values())
    reports = ServiceReport.objects.bulk_create(
        ServiceReport(clinic=c, year=2026, month=m, status="verified") for c in clinics for m in (1, 2)
    )
    ServiceReportLine.objects.bulk_create(
        ServiceReportLine(report=r, item=i, declared_count=2, verified_count=2) for r in reports for i in items.values()
    )


@pytest.mark.parametrize("url_name", ["reports:matrix", "reports:list", "reports:matrix_export", "quota:index"])
def test_staff_pages_use_bounded_queries(org, services, client_for, django_assert_max_num_queries, url_name):
    client = client_for(org.users.county)
    bulk_clinics(org.ta1, 2, services, prefix="S")
    client.get(reverse(url_name))
    with django_assert_max_num_queries(30) as small:
        assert client.get(reverse(url_name)).status_code == 200
    bulk_clinics(org.ta1, 60, services)
    with django_assert_max_num_queries(30) as large:
        assert client.get(reverse(url_name)).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


@pytest.mark.parametrize("url_name, args", [("portal_reports:progress", []), ("portal_reports:report", [2026, 3])])
def test_portal_pages_use_bounded_queries(org, services, client_for, django_assert_max_num_queries, url_name, args):
    client = client_for(org.users.doctor)
    with django_assert_max_num_queries(25) as small:
        client.get(reverse(url_name, args=args))
    bulk_clinics(org.ta1, 30, services)
    reports = ServiceReport.objects.bulk_create(
        ServiceReport(clinic=org.ca1a, year=2026, month=m, status="verified") for m in (1, 2, 4, 5)
    )
    ServiceReportLine.objects.bulk_create(
        ServiceReportLine(report=r, item=i, declared_count=2, verified_count=2)
        for r in reports
        for i in services.values()
    )
    with django_assert_max_num_queries(25) as large:
        client.get(reverse(url_name, args=args))
    assert len(large.captured_queries) == len(small.captured_queries)


def test_matrix_puts_behind_pace_clinics_first_and_colours_cells(org, services, client_for):
    report = ServiceReport.objects.create(clinic=org.ca1b, year=2026, month=1, status="verified")
    Quota.objects.create(clinic=org.ca1b, item=services["PH09"], year=2026, target=12)
    ServiceReportLine.objects.create(report=report, item=services["PH09"], declared_count=12, verified_count=12)
    page = client_for(org.users.township).get(reverse("reports:matrix"), {"year": 2026}).content.decode()
    assert page.index("张庄村卫生室") < page.index("李家村卫生室")  # A1a is behind, A1b done
    assert "12/12" in page and "王营村卫生室" not in page
    # The rate in text beside the colour (readable without telling the colours apart).
    assert '12/12<br><small class="matrix-percent">✓ 100%</small>' in page
    assert re.search(r'class="fill-danger">\d+/120<br><small class="matrix-percent">▼ \d+%</small>', page)
    assert 'tabindex="0" role="region"' in page  # the sideways-scrolling table can be reached by keyboard
