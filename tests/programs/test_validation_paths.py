"""One validation for every way in: a value refused by the portal is refused by the import and by the
service, with a Chinese message, and never a 500 (findings of the reliability review)."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from core.dataio import run_import
from programs.models import DrugSale, DrugStock, ServiceReport, ServiceReportLine
from programs.portal.reports import default_month
from programs.services import drugs as services
from programs.services import reports as report_services
from tests.spreadsheets import xlsx_bytes

CJK = re.compile(r"[\u4e00-\u9fff]")
TODAY = timezone.localdate()
DAY = TODAY - timedelta(days=5)


def buy(clinic, drug, qty=10, price="6.80", on=DAY):
    return services.record_purchase(
        clinic=clinic,
        drug=drug,
        on=on,
        batch_no="B1",
        expiry=TODAY + timedelta(days=300),
        quantity=qty,
        unit_price=price,
    )


def sales_csv(*rows):
    lines = ["卫生室编码,药品编码,销售日期,数量,售价（元）"] + [",".join(str(c) for c in r) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def xlsx(headers, rows):
    return xlsx_bytes(headers, rows)


# --------------------------------------------------------------------------- drug sales: price and dates


def test_a_trillion_yuan_sale_price_is_refused_by_the_import_and_the_service(org, drug):
    buy(org.ca1a, drug)
    report = run_import(
        resource_name="drug_sales",
        data=sales_csv(("A1a", "YP001", DAY, 1, "1000000000000")),
        filename="s.csv",
        user=org.users.township,
    )
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(2, "售价（元）")] and "太大" in report.errors[0].message
    with pytest.raises(ValidationError) as exc:
        services.record_sale(clinic=org.ca1a, drug=drug, on=DAY, quantity=1, unit_price=Decimal("1000000000000"))
    assert "太大" in str(exc.value)
    assert not DrugSale.objects.exists()
    # The largest price the column holds is stored and reads back (SQLite used to raise InvalidOperation).
    sale = services.record_sale(clinic=org.ca1a, drug=drug, on=DAY, quantity=1, unit_price="99999999.99")
    assert DrugSale.objects.get(pk=sale.pk).unit_price == Decimal("99999999.99")


@pytest.mark.parametrize("value", ["1e3", "１２", "6.80abc", "NaN", "6.805"])
def test_odd_prices_are_refused_on_both_paths(org, drug, value):
    buy(org.ca1a, drug)
    report = run_import(
        resource_name="drug_sales",
        data=sales_csv(("A1a", "YP001", DAY, 1, value)),
        filename="s.csv",
        user=org.users.township,
    )
    assert not report.ok and CJK.search(report.errors[0].message)
    with pytest.raises(ValidationError):
        services.record_sale(clinic=org.ca1a, drug=drug, on=DAY, quantity=1, unit_price=value)
    assert not DrugSale.objects.exists()


def test_a_date_with_trailing_junk_is_not_read_as_a_date(org, drug):
    buy(org.ca1a, drug)
    report = run_import(
        resource_name="drug_sales",
        data=sales_csv(("A1a", "YP001", f"{DAY}xyz", 1, "6.80")),
        filename="s.csv",
        user=org.users.township,
    )
    assert not report.ok and report.errors[0].column == "销售日期" and "不是有效日期" in report.errors[0].message
    assert not DrugSale.objects.exists()


@pytest.mark.parametrize(
    "when, message",
    [("1900-01-01", "不能早于"), ("the day before the first purchase", "首次采购日期"), ("tomorrow", "不能晚于今天")],
)
def test_sale_dates_before_the_first_purchase_or_in_the_future_are_refused_everywhere(
    org, drug, client_for, when, message
):
    # Dates taken when the test runs (not when it is collected): a run may pass midnight in Asia/Shanghai.
    today = timezone.localdate()
    on = {
        "1900-01-01": date(1900, 1, 1),
        "the day before the first purchase": DAY - timedelta(days=1),
        "tomorrow": today + timedelta(days=1),
    }[when]
    buy(org.ca1a, drug, on=DAY)
    with pytest.raises(ValidationError) as exc:
        services.record_sale(clinic=org.ca1a, drug=drug, on=on, quantity=1, unit_price="6.80")
    assert message in str(exc.value)
    report = run_import(
        resource_name="drug_sales",
        data=sales_csv(("A1a", "YP001", on, 1, "6.80")),
        filename="s.csv",
        user=org.users.township,
    )
    assert not report.ok and message in report.errors[0].message
    response = client_for(org.users.doctor).post(
        reverse("portal_drugs:sell"), {"drug": drug.pk, "date": on.isoformat(), "quantity": 1, "unit_price": "6.80"}
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not DrugSale.objects.exists()
    assert DrugStock.objects.get(clinic=org.ca1a, drug=drug).quantity == 10


def test_purchases_and_sales_before_the_clinic_opened_are_refused(org, drug):
    org.ca1a.opened_on = DAY
    org.ca1a.save()
    with pytest.raises(ValidationError) as exc:
        buy(org.ca1a, drug, on=DAY - timedelta(days=1))
    assert "开办日期" in str(exc.value)
    buy(org.ca1a, drug, on=DAY)
    csv = (
        "卫生室编码,药品编码,采购日期,批号,有效期至,数量,进价（元）\n"
        f"A1a,YP001,{DAY - timedelta(days=3)},B9,{TODAY + timedelta(days=100)},20,6.80\n"
    ).encode()
    report = run_import(resource_name="drug_purchases", data=csv, filename="p.csv", user=org.users.township)
    assert not report.ok and "开办日期" in report.errors[0].message


def test_a_huge_quantity_is_refused_not_a_database_error(org, drug):
    buy(org.ca1a, drug)
    with pytest.raises(ValidationError) as exc:
        buy(org.ca1a, drug, qty=10**30)
    assert "太大" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        buy(org.ca1a, drug, qty=2_147_483_647)  # the stock would overflow its column
    assert "库存将超过" in str(exc.value)
    assert DrugStock.objects.get(clinic=org.ca1a, drug=drug).quantity == 10


def test_an_odd_drug_id_in_the_sell_page_is_not_a_500(org, drug, client_for):
    buy(org.ca1a, drug)
    client = client_for(org.users.doctor)
    assert client.get(reverse("portal_drugs:sell"), {"drug": "²"}).status_code == 200
    response = client.post(
        reverse("portal_drugs:sell"), {"drug": "²", "date": DAY.isoformat(), "quantity": "1", "unit_price": "6.80"}
    )
    assert response.status_code == 200 and "请先选择药品" in response.content.decode()
    with pytest.raises(ValidationError):
        services.record_sale(clinic=org.ca1a, drug="²", on=DAY, quantity=1, unit_price="6.80")


# --------------------------------------------------------------------------- service reports: months and counts


def test_the_import_refuses_a_future_month_like_the_portal(org, services_items):
    today = timezone.localdate()
    future = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    data = xlsx(["卫生室编码", "项目编码", "年度", "月份", "申报数"], [["A1a", "PH09", future[0], future[1], 3]])
    report = run_import(resource_name="service_reports", data=data, filename="r.xlsx", user=org.users.township)
    assert not report.ok and [(e.row, e.column) for e in report.errors] == [(2, "月份")]
    assert "未来的月份" in report.errors[0].message
    with pytest.raises(ValidationError) as exc:
        report_services.save_report(
            user=org.users.doctor,
            year=future[0],
            month=future[1],
            counts={services_items["PH09"].pk: 3},
            submit=False,
            today=today,
        )
    assert "未来的月份" in str(exc.value)
    assert not ServiceReport.objects.exists()


@pytest.fixture
def services_items(org):
    from programs.models import ServiceItem
    from tests.programs.conftest import register_doctors

    register_doctors(org)
    return {i.code: i for i in ServiceItem.objects.all()}


BAD_NUMBERS = ["²", "１２", "1e3", "12abc", str(10**30), "-1", "3.5"]


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_portal_monthly_report_gives_a_field_error_not_a_500(org, services_items, client_for, value):
    year, month = default_month(timezone.localdate())
    item = services_items["PH09"].pk
    response = client_for(org.users.doctor).post(
        reverse("portal_reports:report", args=[year, month]), {f"item_{item}": value, "save": "1"}
    )
    assert response.status_code == 200
    errors = re.findall(r'<p class="field-error">([^<]*)</p>', response.content.decode())
    assert len(errors) == 1 and CJK.search(errors[0])
    assert not ServiceReport.objects.exists()


def test_portal_monthly_report_blank_means_zero(org, services_items, client_for):
    year, month = default_month(timezone.localdate())
    item = services_items["PH09"].pk
    response = client_for(org.users.doctor).post(
        reverse("portal_reports:report", args=[year, month]), {f"item_{item}": "", "save": "1"}
    )
    assert response.status_code == 302
    assert ServiceReportLine.objects.get(item_id=item).declared_count == 0


def submitted_report(org, items, declared=57):
    report = ServiceReport.objects.create(clinic=org.ca1a, year=2026, month=3, status="submitted")
    ServiceReportLine.objects.create(report=report, item=items["PH09"], declared_count=declared)
    return report


@pytest.mark.parametrize("value", [*BAD_NUMBERS, ""])
def test_verification_page_gives_a_field_error_not_a_500(org, services_items, client_for, value):
    report = submitted_report(org, services_items)
    item = services_items["PH09"].pk
    response = client_for(org.users.township).post(
        reverse("reports:verify", args=[report.pk]),
        {f"method_{item}": "phone", f"checked_{item}": value, f"confirmed_{item}": "1"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    errors = re.findall(r'<p class="error-message"[^>]*>([^<]*)</p>', page)
    assert len(errors) == 1 and CJK.search(errors[0]) and "“" in errors[0]
    assert ServiceReportLine.objects.get().verified_count is None


def test_verification_refuses_an_unknown_method_in_the_service(org, services_items):
    report = submitted_report(org, services_items)
    with pytest.raises(ValidationError) as exc:
        report_services.verify_report(
            user=org.users.township, report=report, samples={services_items["PH09"].pk: ("x" * 50, 5, 4)}
        )
    assert "核实方式" in str(exc.value)
    with pytest.raises(ValidationError):
        report_services.verify_report(
            user=org.users.township, report=report, samples={services_items["PH09"].pk: ("phone", 10**30, 4)}
        )


def test_progress_page_with_an_odd_year_is_not_a_500(org, services_items, client_for):
    client = client_for(org.users.doctor)
    for year in ("²", "１２", str(10**30)):
        # The year filter is checked by clinics.filters.ScopeFilterForm: an invalid year is a 404, never a 500.
        assert client.get(reverse("portal_reports:progress"), {"year": year}).status_code == 404
        assert client.get(reverse("portal_reports:progress_export"), {"year": year}).status_code == 404
    assert client.get(reverse("portal_reports:progress"), {"year": "2026"}).status_code == 200


# --------------------------------------------------------------------------- forms: generated values

count_values = st.one_of(
    st.integers(-10, 10**4).map(str),
    st.integers(-(10**40), 10**40).map(str),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=6),
    st.sampled_from(
        ["", " ", "²", "١٢", "１２", "①", "1e3", "1_000", "12.0", "12.5", "+3", " 7 ", "0x1f", "1,000", "NaN", "inf"]
    ),
)


def _rolled_back(body):
    with transaction.atomic():
        body()
        transaction.set_rollback(True)


@settings(max_examples=60)
@given(value=count_values)
def test_portal_monthly_report_stores_or_refuses_any_value(org, services_items, client_for, value):
    year, month = default_month(timezone.localdate())
    item = services_items["PH09"].pk
    client = client_for(org.users.doctor)

    def body():
        response = client.post(
            reverse("portal_reports:report", args=[year, month]), {f"item_{item}": value, "save": "1"}
        )
        if response.status_code == 302:
            line = ServiceReportLine.objects.get(item_id=item)
            line.refresh_from_db()
            assert line.declared_count == (int(value.strip().replace(",", "").split(".")[0]) if value.strip() else 0)
        else:
            assert response.status_code == 200
            page = response.content.decode()
            errors = re.findall(r'<p class="field-error">([^<]*)</p>', page) + re.findall(
                r'data-testid="form-error">([^<]*)<', page
            )
            assert errors and all(CJK.search(e) for e in errors)
            assert not ServiceReportLine.objects.exists()

    _rolled_back(body)


@settings(max_examples=60)
@given(checked=count_values, confirmed=count_values, method=st.sampled_from(["phone", "home", "", "fax"]))
def test_verification_stores_or_refuses_any_value(org, services_items, client_for, checked, confirmed, method):
    report = (
        submitted_report(org, services_items) if not ServiceReport.objects.exists() else ServiceReport.objects.get()
    )
    item = services_items["PH09"].pk
    client = client_for(org.users.township)

    def body():
        response = client.post(
            reverse("reports:verify", args=[report.pk]),
            {f"method_{item}": method, f"checked_{item}": checked, f"confirmed_{item}": confirmed},
        )
        line = ServiceReportLine.objects.get()
        if response.status_code == 302:
            line.refresh_from_db()
            if line.sample_checked is not None:
                assert str(line.sample_checked) == checked.strip().lstrip("+").split(".")[0].replace(",", "")
                assert line.verified_count == 57 * line.sample_confirmed // line.sample_checked
            else:
                assert line.verified_count == 57
        else:
            assert response.status_code == 200
            errors = re.findall(r'<p class="error-message"[^>]*>([^<]*)</p>', response.content.decode())
            assert errors and all(CJK.search(e) for e in errors)
            assert line.verified_count is None

    _rolled_back(body)


@settings(max_examples=60)
@given(
    quantity=count_values,
    price=st.one_of(
        count_values,
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.sampled_from(["6.80", "6.8", "6.805", "1000000000000", "99999999.99", "0.00"]),
    ),
    day=st.one_of(
        st.dates(min_value=date(1, 1, 1)).map(date.isoformat),
        st.builds(lambda d, junk: d.isoformat() + junk, st.dates(min_value=date(1990, 1, 1)), st.text(max_size=3)),
        st.just(DAY.isoformat()),
    ),
)
def test_portal_sale_stores_or_refuses_any_value(org, drug, client_for, quantity, price, day):
    if not DrugStock.objects.exists():
        buy(org.ca1a, drug, qty=10**6, on=date(2020, 1, 1))
    client = client_for(org.users.doctor)

    def body():
        response = client.post(
            reverse("portal_drugs:sell"), {"drug": drug.pk, "date": day, "quantity": quantity, "unit_price": price}
        )
        if response.status_code == 302:
            sale = DrugSale.objects.get()
            sale.refresh_from_db()
            assert sale.date.isoformat() == day.strip()
            assert sale.quantity == int(quantity.strip().replace(",", "").split(".")[0])
            assert sale.unit_price == Decimal(price.strip().replace(",", ""))
        else:
            assert response.status_code == 200
            errors = re.findall(r'<div class="(?:errors|field-error)">([^<]*)</div>', response.content.decode())
            assert errors and all(CJK.search(e) for e in errors), errors
            assert not DrugSale.objects.exists()

    _rolled_back(body)
