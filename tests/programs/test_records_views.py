"""Service records on screen: the admin list (scope, filters, masking, bounded queries), its export (masked,
recorded), the county's column mapping page and the doctor's quick entry in the portal."""

import io
from datetime import date

import openpyxl
from django.urls import reverse
from django.utils import timezone

from programs.models import RecordColumnMapping, ServiceItem, ServiceRecord
from residents.crypto import keyed_hash, mask_id_number
from residents.models import PersonalDataAccess
from tests.programs.records_helpers import id_number, make_resident


def record(clinic, item, day, number, name, resident=None):
    return ServiceRecord.objects.create(
        clinic=clinic,
        item=item,
        service_date=day,
        resident=resident,
        resident_name=name,
        id_number_hash=keyed_hash(number),
        id_number_masked=mask_id_number(number),
        source=ServiceRecord.Source.IMPORT,
    )


def test_list_defaults_to_the_latest_month_masks_and_flags(org, services, client_for):
    known = make_resident("张三", id_number(1), clinic=org.ca1a)
    record(org.ca1a, services["PH09"], date(2026, 11, 3), id_number(1), "张三", resident=known)
    record(org.ca1a, services["PH10"], date(2026, 11, 4), id_number(2), "李四")
    record(org.ca1a, services["PH10"], date(2026, 10, 4), id_number(3), "王五")
    record(org.ca2a, services["PH10"], date(2026, 11, 4), id_number(4), "外镇人")
    page = client_for(org.users.township).get(reverse("records:list")).content.decode()
    assert "张三" in page and "李四" in page and "王五" not in page and "外镇人" not in page
    assert mask_id_number(id_number(2)) in page and id_number(2) not in page and id_number(1) not in page
    assert page.count("未匹配居民") >= 2  # the filter's option and 李四's flag
    unmatched = client_for(org.users.township).get(reverse("records:list"), {"matched": "unmatched"})
    assert "李四" in unmatched.content.decode() and "张三" not in unmatched.content.decode()
    october = client_for(org.users.county).get(reverse("records:list"), {"year": 2026, "month": 10})
    assert "王五" in october.content.decode()


def test_list_queries_are_bounded(org, services, client_for, django_assert_max_num_queries):
    ServiceRecord.objects.bulk_create(
        ServiceRecord(
            clinic=org.ca1a if n % 2 else org.ca1b,
            item=services["PH09"],
            service_date=date(2026, 11, 1 + n % 28),
            resident_name=f"居民{n}",
            id_number_hash=keyed_hash(id_number(n)),
            id_number_masked=mask_id_number(id_number(n)),
            source="import",
        )
        for n in range(300)
    )
    client = client_for(org.users.township)
    client.get(reverse("records:list"))  # warm the per-user caches
    with django_assert_max_num_queries(25):
        response = client.get(reverse("records:list"))
    assert response.status_code == 200 and "共 300 条记录" in response.content.decode()


def test_empty_state_says_how_to_import(org, services, client_for):
    page = client_for(org.users.township).get(reverse("records:list")).content.decode()
    assert "还没有服务记录" in page and reverse("data:import", args=["service_records"]) in page


def test_export_is_masked_and_recorded(org, services, client_for):
    known = make_resident("张三", id_number(1), clinic=org.ca1a)
    record(org.ca1a, services["PH09"], date(2026, 11, 3), id_number(1), "张三", resident=known)
    record(org.ca1a, services["PH10"], date(2026, 11, 4), id_number(2), "李四")
    response = client_for(org.users.township).get(reverse("records:list"), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert mask_id_number(id_number(1)) in cells and mask_id_number(id_number(2)) in cells
    assert not any(id_number(1) in c or id_number(2) in c for c in cells)
    access = PersonalDataAccess.objects.get(kind=PersonalDataAccess.Kind.EXPORT)
    assert access.user == org.users.township and list(access.residents.all()) == [known]
    assert access.county == org.county_a


def test_the_resource_export_is_recorded_too(org, services, client_for):
    """The generic export (导出 of the import page, export_data) of service_records is a personal-data export."""
    known = make_resident("张三", id_number(1), clinic=org.ca1a)
    record(org.ca1a, services["PH09"], date(2026, 11, 3), id_number(1), "张三", resident=known)
    response = client_for(org.users.township).get(reverse("data:export", args=["service_records"]), {"format": "xlsx"})
    assert response.status_code == 200
    cells = [
        str(c.value) for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows() for c in row
    ]
    assert id_number(1) not in "".join(cells)
    access = PersonalDataAccess.objects.get(kind=PersonalDataAccess.Kind.EXPORT)
    assert access.user == org.users.township and list(access.residents.all()) == [known]


def test_county_saves_its_column_mapping(org, services, client_for):
    data = {
        f"column_{i}": name
        for i, name in enumerate(["机构编码", "项目编码", "服务日期", "证件号码", "居民姓名", "医生姓名", "备注"])
    }
    response = client_for(org.users.county).post(reverse("records:mapping"), data)
    assert response.status_code == 302
    assert RecordColumnMapping.objects.get(county=org.county_a).columns == {
        "卫生室编码": "机构编码",
        "身份证号": "证件号码",
    }
    page = client_for(org.users.county).get(reverse("records:mapping")).content.decode()
    assert 'value="机构编码"' in page and 'value="项目编码"' in page
    twice = dict(data, column_1="机构编码")
    refused = client_for(org.users.county).post(reverse("records:mapping"), twice)
    assert refused.status_code == 200 and "一列只能对应一项" in refused.content.decode()
    other = client_for(org.users.other_county).get(reverse("records:mapping"), {"county": org.county_a.pk})
    assert other.status_code == 404


# --------------------------------------------------------------------------- portal quick entry


def test_doctor_finds_residents_of_their_own_clinic_only(org, services, client_for):
    make_resident("张三", id_number(1), clinic=org.ca1a, phone="13800001234")
    make_resident("张四", id_number(2), clinic=org.ca1b)
    client = client_for(org.users.doctor)
    by_name = client.get(reverse("portal_records:entry"), {"q": "张"}).content.decode()
    assert "张三" in by_name and "张四" not in by_name and id_number(1) not in by_name
    assert mask_id_number(id_number(1)) in by_name
    by_id = client.get(reverse("portal_records:entry"), {"q": id_number(1)[-4:]}).content.decode()
    assert "张三" in by_id
    by_phone = client.get(reverse("portal_records:entry"), {"q": "1234"}).content.decode()
    assert "张三" in by_phone


def test_doctor_records_and_a_duplicate_is_refused(org, services, client_for):
    resident = make_resident("张三", id_number(1), clinic=org.ca1a)
    client = client_for(org.users.doctor)
    url = reverse("portal_records:entry")
    assert client.get(url, {"resident": resident.pk}).status_code == 200
    data = {"resident": resident.pk, "item": services["PH09"].pk, "service_date": "2026-11-20", "note": ""}
    assert client.post(url, data).status_code == 302
    assert ServiceRecord.objects.get().source == ServiceRecord.Source.PORTAL
    again = client.post(url, data)
    assert again.status_code == 200 and "已有记录" in again.content.decode()
    page = client.get(url).content.decode()
    assert id_number(1) not in page


def test_doctor_cannot_pick_another_clinics_resident(org, services, client_for):
    theirs = make_resident("李四", id_number(2), clinic=org.ca1b)
    client = client_for(org.users.doctor)
    url = reverse("portal_records:entry")
    assert client.get(url, {"resident": theirs.pk}).status_code == 404
    data = {"resident": theirs.pk, "item": services["PH09"].pk, "service_date": "2026-11-20"}
    refused = client.post(url, data)
    assert refused.status_code == 200 and not ServiceRecord.objects.exists()


def test_month_counts_per_item(org, services, client_for):
    resident = make_resident("张三", id_number(1), clinic=org.ca1a)
    today = timezone.localdate()
    record(org.ca1a, services["PH09"], today, id_number(1), "张三", resident=resident)
    record(org.ca1a, services["PH10"], today, id_number(1), "张三", resident=resident)
    page = client_for(org.users.doctor).get(reverse("portal_records:entry")).content.decode()
    assert "共 2 条" in page and ServiceItem.objects.get(code="PH09").name in page


# --------------------------------------------------------------------------- monthly report: 记录数 beside 申报数


def report_with_records(org, services):
    from programs.models import ServiceReport, ServiceReportLine

    report = ServiceReport.objects.create(clinic=org.ca1a, year=2026, month=11, status="submitted")
    ServiceReportLine.objects.create(report=report, item=services["PH09"], declared_count=3)
    ServiceReportLine.objects.create(report=report, item=services["PH10"], declared_count=1)
    record(org.ca1a, services["PH09"], date(2026, 11, 3), id_number(1), "张三")
    record(org.ca1a, services["PH10"], date(2026, 11, 3), id_number(1), "张三")
    record(org.ca1a, services["PH10"], date(2026, 11, 4), id_number(2), "李四")
    return report


def test_verification_page_shows_record_counts_and_warns(org, services, client_for):
    report = report_with_records(org, services)
    page = client_for(org.users.township).get(reverse("reports:verify", args=[report.pk])).content.decode()
    assert "记录数" in page and 'data-testid="records-PH09"' in page
    assert (
        'data-testid="records-short"' in page
        and services["PH09"].name in page.split('data-testid="records-short"')[1][:200]
    )
    assert services["PH10"].name not in page.split('data-testid="records-short"')[1][:120]


def test_doctor_report_page_shows_record_counts(org, services, client_for):
    from programs.models import ServiceReport

    report_with_records(org, services)
    ServiceReport.objects.filter(clinic=org.ca1a).update(status="draft")
    page = client_for(org.users.doctor).get(reverse("portal_reports:report", args=[2026, 11])).content.decode()
    assert "记录数" in page and 'data-testid="records-short"' in page


def test_no_records_no_column(org, services, client_for):
    page = client_for(org.users.doctor).get(reverse("portal_reports:report", args=[2026, 11])).content.decode()
    assert "记录数" not in page
