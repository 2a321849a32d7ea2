"""Every staff listing's export (``?export=xlsx`` / ``?export=csv``) is read back: its header row, and cells that
hold the values of the objects in the user's scope, none of the others. The viewsets come from Wagtail's registry,
so a new listing is covered as soon as it is registered; the import-export resources likewise from their registry."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.db import models
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.viewsets import viewsets as wagtail_viewsets
from wagtail.admin.viewsets.model import ModelViewSet

from core import dataio
from doctors import services as doctor_services
from doctors.models import DoctorAssessment, TrainingRule
from programs.models import (
    Complaint,
    ComplaintRule,
    Quota,
    SampleEntry,
    SamplingRule,
    ServiceItem,
    ServiceItemPrice,
    ServiceRecord,
    VerificationSample,
)
from programs.services import complaints as complaint_services
from programs.services import drugs as drug_services
from residents.crypto import keyed_hash
from subsidies.models import (
    Advance,
    AdvanceBatch,
    Assessment,
    AssessmentEntry,
    PolicyItem,
    ScoreItem,
    ScoreSheet,
    SubsidyPolicy,
)
from tests.doctors.helpers import make_doctor, make_licence, make_session
from tests.residents.helpers import register as register_resident

OUR_APPS = {"clinics", "doctors", "programs", "subsidies", "cms"}
TODAY = timezone.localdate()


def our_viewsets() -> list[ModelViewSet]:
    reverse("wagtailadmin_home")  # loads the admin URLconf, which populates Wagtail's viewset registry
    return [
        vs for vs in wagtail_viewsets.viewsets if isinstance(vs, ModelViewSet) and vs.model._meta.app_label in OUR_APPS
    ]


VIEWSETS = {vs.get_url_name("index"): vs for vs in our_viewsets()}


def test_the_registry_is_read():
    assert {"clinic:index", "township:index", "advance:index"} <= set(VIEWSETS)


# --------------------------------------------------------------------------- data in both counties


def populate(org, tag=""):
    """Rows of every listed model for clinics A1a (township A1), A2a (A2) and B1a (county B)."""
    drug = drug_services.save_drug(
        code=f"YP{tag}1", generic_name=f"阿莫西林胶囊{tag}", dosage_form="胶囊剂", specification="0.25g×24粒", unit="盒"
    )
    items = list(ServiceItem.objects.order_by("code")[:2])
    batches, sheets = {}, {}
    for county in (org.county_a, org.county_b):
        code = f"{county.code}{tag}"
        ServiceItemPrice.objects.create(
            county=county,
            year=2026 + len(tag),
            item=items[1],
            unit_price=Decimal("40.00"),
            work_points=Decimal("15.00"),
        )
        SamplingRule.objects.create(county=county, year=2026 + len(tag), share=Decimal("0.1"))
        policy = SubsidyPolicy.objects.create(
            county=county,
            year=2026 + len(tag),
            name=f"补助政策{code}",
            per_capita_rate=Decimal("99.00"),
            village_share=Decimal("0.4"),
            drug_amount=Decimal("5.00"),
            status="active",
            quality_bands=[[90, 1.0, "优秀"], [60, 0.8, "合格"]],
            gap_tolerance=Decimal("0.05"),
            budget_cap=Decimal("1000000.00"),
            effective_from=date(2026, 1, 1),
            notice_url="https://example.org/policy.pdf",
        )
        batches[county.pk] = AdvanceBatch.objects.create(
            county=county,
            policy=policy,
            year=policy.year,
            quarter=2,
            method="quarterly_share",
            paid_on=date(2026, 4, 1),
            total=Decimal("1234.50"),
            clinic_count=1,
        )
        PolicyItem.objects.create(
            policy=policy, item=items[0], unit_price=Decimal("40.00"), work_points=Decimal("15.00")
        )
        sheet = sheets[county.pk] = ScoreSheet.objects.create(county=county, year=2026 + len(tag), name=f"考核表{code}")
        ScoreItem.objects.create(
            sheet=sheet,
            code=f"K{code}",
            category="medical",
            name=f"处方书写{code}",
            max_points=Decimal("20"),
            mode="deduction",
            points_per_occurrence=Decimal("2"),
            target=Decimal("1"),
        )
        ScoreItem.objects.create(
            sheet=sheet,
            code=f"R{code}",
            category="public_health",
            name=f"任务完成率{code}",
            max_points=Decimal("40"),
            mode="indicator",
            indicator="all",
            target=Decimal("0.9"),
        )
        ScoreItem.objects.create(
            sheet=sheet,
            code=f"H{code}",
            category="public_health",
            name=f"高血压规范管理率{code}",
            max_points=Decimal("10"),
            mode="rate",
            indicator="PH05",
            denominator="register_hypertension",
            target=Decimal("0.6"),
            lower_is_better=False,
        )
        if not tag:
            TrainingRule.objects.get_or_create(county=county, defaults={"min_sessions": 3, "min_days": 10})
            ComplaintRule.objects.get_or_create(county=county, defaults={"answer_within_hours": 16})
    for n, clinic in enumerate((org.ca1a, org.ca2a, org.cb1a)):
        code = f"{clinic.code}{tag}"
        county = clinic.township.county
        complaint = complaint_services.record_complaint(
            user=None,
            clinic=clinic,
            source=Complaint.Source.HOTLINE,
            kind=Complaint.Kind.FEES,
            received_at=timezone.now() - timedelta(days=n + 1),
            description=f"药价偏高{code}",
            complainant="张三",
        )
        complaint_services.handle_complaint(
            user=None, complaint=complaint, answer="已核实", finding=Complaint.Finding.FOUNDED
        )
        drug_services.record_purchase(
            clinic=clinic,
            drug=drug,
            on=TODAY - timedelta(days=5),
            batch_no=f"PH{code}",
            expiry=TODAY + timedelta(days=20),
            quantity=10,
            unit_price="6.80",
        )
        drug_services.record_sale(clinic=clinic, drug=drug, on=TODAY - timedelta(days=2), quantity=2, unit_price="7.25")
        clinic.address = f"{clinic.village}1号"
        clinic.opened_on = date(2010, 6, 1)
        clinic.save(update_fields=["address", "opened_on"])
        doctor = make_doctor(clinic, name=f"医生{code}", email=f"d{code.lower()}@example.com")
        make_licence(doctor, issued_on=date(2024, 1, 1), number=f"LIC{code}")
        session = make_session(county, date(2026, 3, 1) + timedelta(days=n), code=f"S{code}", township=clinic.township)
        doctor_services.record_attendance(
            session=session, doctor=doctor, user=None, written_score=Decimal("81.5"), oral_score=Decimal("90")
        )
        DoctorAssessment.objects.create(
            doctor=doctor,
            assessed_on=date(2026, 2, 3),
            score=Decimal("88.5"),
            result=DoctorAssessment.Result.PASSED,
            is_reassessment=bool(n % 2),
        )
        Quota.objects.create(clinic=clinic, item=items[0], year=2026 + len(tag), target=120 + n)
        Advance.objects.create(
            clinic=clinic,
            paid_on=date(2026, 4, 1),
            amount=Decimal("1234.50"),
            reference=f"PZ{code}",
            batch=None if clinic == org.ca2a else batches[county.pk],
        )
        register_resident(clinic, 700 + n + 10 * len(tag), name=f"居民{code}", year=2026 + len(tag))
        record = ServiceRecord.objects.create(
            clinic=clinic,
            item=items[0],
            service_date=date(2026, 3, 2 + n),
            resident_name=f"居民{code}",
            id_number_hash=keyed_hash(f"ID{code}"),
            id_number_masked="3201**********1234",
            doctor=doctor,
            note=f"随访{code}",
            source=ServiceRecord.Source.IMPORT,
        )
        verification = VerificationSample.objects.create(
            clinic=clinic, item=items[0], year=2026 + len(tag), month=3, seed=n, record_count=1, size=1
        )
        SampleEntry.objects.create(sample=verification, record=record, position=1, outcome="confirmed", attempts=1)
        assessment = Assessment.objects.create(
            clinic=clinic,
            year=2026 + len(tag),
            quarter=1,
            sheet=sheets[county.pk],
            assessor=org.users.county,
            assessed_on=date(2026, 4, 8),
        )
        AssessmentEntry.objects.bulk_create(
            AssessmentEntry(assessment=assessment, item=item, occurrences=1, score=item.max_points)
            for item in sheets[county.pk].items.all()
        )


@pytest.fixture
def data(org):
    populate(org)
    return org


# --------------------------------------------------------------------------- reading files back


def read_xlsx(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def read_csv(content: bytes) -> list[list]:
    assert content.startswith("\ufeff".encode())  # Excel reads the Chinese only with the BOM
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def download(client, url, fmt):
    response = client.get(url + ("&" if "?" in url else "?") + f"export={fmt}")
    assert response.status_code == 200, (url, fmt, response.status_code)
    assert response["Content-Disposition"].startswith("attachment")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return read_xlsx(content) if fmt == "xlsx" else read_csv(content)


def texts(rows) -> set[str]:
    return {str(v) for row in rows for v in row if v not in ("", None)}


def identifiers(obj) -> set[str]:
    """What names an object in a table: its own text values, and the codes and names of what it belongs to."""
    found = set()
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.name, None)
        if isinstance(field, models.CharField) and not field.choices and value and field.name != "id_number":
            found.add(value)
        elif isinstance(field, models.ForeignKey) and value is not None:
            found |= {str(value), *(str(getattr(value, a)) for a in ("code", "name") if getattr(value, a, None))}
    return found


def listing(client, viewset):
    response = client.get(reverse(viewset.get_url_name("index")))
    assert response.status_code == 200
    return response


def out_of_county_b(org):
    """Names of county B and its places, which no user of county A may see in any file."""
    return {
        "LS",
        "绿水县",
        "B1",
        "柳河乡",
        "柳河乡卫生院",
        "B1a",
        "赵寨村卫生室",
        "医生B1a",
        "LICB1a",
        "SB1a",
        "PZB1a",
        "补助政策LS",
        "考核表LS",
        "KLS",
        "处方书写LS",
    }


USERS = ["township", "county"]


@pytest.mark.parametrize("url_name", sorted(VIEWSETS))
def test_every_listing_exports_its_rows_with_their_cells(data, client_for, url_name):
    checked = 0
    # The registers above the county (市, 省) are the superuser's alone: read back as the superuser, who sees all.
    for who in [*USERS, "superuser"]:
        if who == "superuser" and checked:
            break
        user = getattr(data.users, who)
        client = client_for(user)
        response = client.get(reverse(url_name))
        if response.status_code in (302, 403):
            continue  # not this user's listing
        assert response.status_code == 200
        for fmt in ("xlsx", "csv"):
            check_listing_export(data, client, response, VIEWSETS[url_name], user, fmt)
            checked += 1
    assert checked, f"nobody sees {url_name}"


def check_listing_export(data, client, response, viewset, user, fmt):
    where = f"{viewset.get_url_name('index')} as {user.username}, {fmt}"
    view = response.context["view"]
    shown = list(view.get_queryset())
    assert shown, f"populate() makes no row for {where}: add some"
    rows = download(client, response.wsgi_request.path, fmt)
    header, body = rows[0], rows[1:]

    # The header: Chinese, and the resource's columns (the import template) or the listing's.
    if viewset.data_resource:
        expected = dataio.get_resource_class(viewset.data_resource)(user=user).get_export_headers()
    else:
        expected = [
            str(view.export_headings.get(c.name) or c.label)
            for c in response.context["table"].columns.values()
            if getattr(c, "accessor", None) is not None
        ]
    assert [str(h) for h in header] == [str(h) for h in expected], where
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in str(h)) for h in header), (where, header)

    # One row per object the listing shows, none blank, every column filled somewhere.
    assert len(body) == len(shown), where
    assert all(len(row) == len(header) for row in body), where
    assert all(any(v not in ("", None) for v in row) for row in body), where
    empty = [h for i, h in enumerate(header) if all(row[i] in ("", None) for row in body)]
    assert not empty, f"columns without a value in {where}: {empty} (fill them in populate())"

    # The cells are the objects' values: each shown object is named in the file, no hidden one.
    cells = texts(rows)
    for obj in shown:
        assert identifiers(obj) & cells, (where, obj, sorted(cells))
    hidden = view.get_queryset().model._default_manager.exclude(pk__in=[o.pk for o in shown])
    only_hidden = set().union(*(identifiers(o) for o in hidden)) - set().union(*(identifiers(o) for o in shown))
    assert not only_hidden & cells, where
    if not user.is_superuser:
        assert not out_of_county_b(data) & cells, where


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_clinic_list_export_holds_names_codes_labels_and_booleans(data, client_for, fmt):
    rows = download(client_for(data.users.county), reverse("clinic:index"), fmt)
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == {"A1a", "A1b", "A2a"}  # county A's clinics, not county B's
    header = rows[0]
    a1a = dict(zip(header, by_code["A1a"], strict=True))
    assert a1a["卫生室名称"] == "张庄村卫生室" and a1a["乡镇编码"] == "A1"
    assert a1a["状态"] == "正常运行"  # the label, not "active"
    assert (a1a["新农合门诊统筹定点"], a1a["实行基本药物零差率"]) == ("否", "是")
    assert str(a1a["常住人口"]) == "1000"
    assert not {"B1a", "赵寨村卫生室"} & texts(rows)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_township_list_export_is_the_staff_member_s_own(data, client_for, fmt):
    rows = download(client_for(data.users.township), reverse("township:index"), fmt)
    assert rows == [
        ["乡镇编码", "乡镇名称", "卫生院名称", "县编码", "偏远地区"],
        ["A1", "城关镇", "城关镇卫生院", "QS", "否"],
    ]


def test_export_follows_the_listing_filters_and_search(data, client_for):
    client = client_for(data.users.county)
    url = reverse("clinic:index")
    assert [r[0] for r in download(client, url + f"?township={data.ta2.pk}", "csv")[1:]] == ["A2a"]
    assert [r[0] for r in download(client, url + "?q=张庄", "csv")[1:]] == ["A1a"]
    # A filter never widens the scope: county B's township is no choice, the file is the listing's (county A).
    assert [r[0] for r in download(client, url + f"?township={data.tb1.pk}", "csv")[1:]] == ["A1a", "A1b", "A2a"]


def test_money_is_a_number_with_two_places(data, client_for):
    client = client_for(data.users.township)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(reverse("advance:index"), {"export": "xlsx"}).content)).active
    header = [c.value for c in sheet[1]]
    amount = sheet.cell(row=2, column=header.index("金额（元）") + 1)
    assert amount.data_type == "n" and amount.value == 1234.5 and amount.number_format == "0.00"
    paid_on = sheet.cell(row=2, column=header.index("拨付日期") + 1)
    assert paid_on.value == "2026-04-01"
    rows = download(client, reverse("advance:index"), "csv")
    assert dict(zip(rows[0], rows[1], strict=True))["金额（元）"] == "1234.50"
    # The resource export (sales: 售价) writes money the same way.
    rows = download(client, reverse(VIEWSETS_BY_MODEL["drugsale"]), "csv")
    assert dict(zip(rows[0], rows[1], strict=True))["售价（元）"] == "7.25"


VIEWSETS_BY_MODEL = {vs.model._meta.model_name: vs.get_url_name("index") for vs in VIEWSETS.values()}


def test_choice_labels_booleans_and_dates_in_a_listing_export(data, client_for):
    rows = download(client_for(data.users.county), reverse(VIEWSETS_BY_MODEL["doctorassessment"]), "xlsx")
    header = rows[0]
    records = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert {r["考核结果"] for r in records} == {"合格"}
    assert sorted(r["补考（再次考核）"] for r in records) == ["否", "是"]
    assert {r["考核日期"] for r in records} == {"2026-02-03"}
    assert {r["考核得分"] for r in records} == {88.5}


def test_export_buttons_point_at_the_listing_with_its_filters(data, client_for):
    page = client_for(data.users.county).get(reverse("clinic:index"), {"status": "active"}).content.decode()
    assert "/admin/clinic/?status=active&amp;export=xlsx" in page and "导出 Excel" in page and "导出 CSV" in page
    assert "Download XLSX" not in page and reverse("data:export", args=["clinics"]) not in page


@pytest.mark.parametrize("url_name", sorted(VIEWSETS))
def test_export_queries_do_not_grow_with_the_rows(data, client_for, django_assert_max_num_queries, url_name):
    client = client_for(data.users.county)
    if client.get(reverse(url_name)).status_code != 200:
        pytest.skip("not the county admin's")
    url = reverse(url_name) + "?export=xlsx"
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    populate(data, tag="x")
    populate(data, tag="xy")
    with django_assert_max_num_queries(40) as large:
        assert client.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


# --------------------------------------------------------------------------- the import-export resources


def resource_data(org):
    """Monthly service reports of A1a and B1a (the other resources' rows come from ``populate``)."""
    for user, code in ((org.users.county, "A1a"), (org.users.other_county, "B1a")):
        report = dataio.run_import(
            resource_name="service_reports",
            user=user,
            filename="r.csv",
            data=f"卫生室编码,项目编码,年度,月份,申报数\n{code},PH09,2026,3,12\n".encode(),
        )
        assert report.ok, report.error_lines()


@pytest.mark.parametrize("name", sorted(dataio.registry()))
def test_every_resource_export_carries_cells(data, client_for, django_assert_max_num_queries, name):
    resource_data(data)
    user = data.users.county
    resource_class = dataio.get_resource_class(name)
    for fmt in ("xlsx", "csv"):
        with django_assert_max_num_queries(20):
            content = dataio.export_bytes(resource_name=name, fmt=fmt, user=user)
        rows = read_xlsx(content) if fmt == "xlsx" else read_csv(content)
        assert [str(h) for h in rows[0]] == resource_class(user=user).get_export_headers()
        assert len(rows) > 1, f"no {name} rows: add some to populate()"
        assert all(any(v not in ("", None) for v in row) for row in rows[1:])
        assert not out_of_county_b(data) & texts(rows)
        # The admin's download of the same resource is the same table.
        response = client_for(user).get(reverse("data:export", args=[name]), {"format": fmt})
        assert response.status_code == 200
        assert (read_xlsx(response.content) if fmt == "xlsx" else read_csv(response.content)) == rows
