"""Every numeric (and date) input of the programs screens goes through a form: odd numbers posted through the
real URL by the right user are a Chinese error on that field (shown on the page), a 200, and nothing is
written; a valid post still works."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from programs.models import (
    DrugPurchase,
    DrugSale,
    DrugStock,
    PeriodTransition,
    Quota,
    ReportingPeriod,
    ServiceItem,
    ServiceReport,
    ServiceReportLine,
)
from programs.services import drugs as drug_services
from programs.services import reports as report_services
from tests.programs.conftest import register_doctors

CJK = re.compile(r"[\u4e00-\u9fff]")
ODD = ["²", "１２", "1e3", "1" + "0" * 30]
TODAY = timezone.localdate()
DAY = TODAY - timedelta(days=3)


def field_error(response, field: str) -> str:
    """The Chinese error of one field of the page's form, also shown on the page."""
    assert response.status_code == 200
    form = response.context["form"]
    errors = form.errors.get(field)
    assert errors, f"no error on {field}: {form.errors}"
    message = errors[0]
    assert CJK.search(message), message
    assert html.escape(message) in response.content.decode() or message in response.content.decode()
    return message


@pytest.fixture
def stocked(org, drug):
    drug_services.record_purchase(
        clinic=org.ca1a,
        drug=drug,
        on=TODAY - timedelta(days=30),
        batch_no="B1",
        expiry=TODAY + timedelta(days=300),
        quantity=50,
        unit_price="6.80",
    )
    return drug


# --------------------------------------------------------------------------- portal: one sale


SALE_FIELDS = {"quantity": "2", "unit_price": "6.80"}


@pytest.mark.parametrize("field", ["quantity", "unit_price"])
@pytest.mark.parametrize("value", [*ODD, ""])
def test_portal_sale_numbers(org, stocked, client_for, field, value):
    data = {"drug": stocked.pk, "date": DAY.isoformat(), **SALE_FIELDS, field: value}
    response = client_for(org.users.doctor).post(reverse("portal_drugs:sell"), data)
    field_error(response, field)
    assert not DrugSale.objects.exists()


@pytest.mark.parametrize("value", [*ODD, ""])
def test_portal_sale_date(org, stocked, client_for, value):
    data = {"drug": stocked.pk, "date": value, **SALE_FIELDS}
    response = client_for(org.users.doctor).post(reverse("portal_drugs:sell"), data)
    field_error(response, "date")
    assert not DrugSale.objects.exists()


def test_portal_sale_valid_post(org, stocked, client_for):
    data = {"drug": stocked.pk, "date": DAY.isoformat(), **SALE_FIELDS}
    response = client_for(org.users.doctor).post(reverse("portal_drugs:sell"), data)
    assert response.status_code == 302
    assert DrugSale.objects.get().quantity == 2


def test_portal_sale_search_with_an_odd_drug_id_shows_the_results(org, stocked, client_for):
    response = client_for(org.users.doctor).get(reverse("portal_drugs:sell"), {"q": "amxl", "drug": "１２"})
    assert response.status_code == 200
    assert stocked.generic_name in response.content.decode() and response.context["chosen"] is None


# --------------------------------------------------------------------------- portal: a day's sales


@pytest.mark.parametrize("kind", ["qty", "price"])
@pytest.mark.parametrize("value", ODD)
def test_portal_daily_sales_numbers(org, stocked, client_for, kind, value):
    data = {"date": DAY.isoformat(), f"qty_{stocked.pk}": "1", f"price_{stocked.pk}": "6.80"}
    data[f"{kind}_{stocked.pk}"] = value
    response = client_for(org.users.doctor).post(reverse("portal_drugs:daily"), data)
    field_error(response, f"{kind}_{stocked.pk}")
    assert not DrugSale.objects.exists()


@pytest.mark.parametrize("value", [*ODD, ""])
def test_portal_daily_sales_date(org, stocked, client_for, value):
    data = {"date": value, f"qty_{stocked.pk}": "1", f"price_{stocked.pk}": "6.80"}
    response = client_for(org.users.doctor).post(reverse("portal_drugs:daily"), data)
    field_error(response, "date")
    assert not DrugSale.objects.exists()


def test_portal_daily_sales_blank_price_is_refused_and_a_valid_post_works(org, stocked, client_for):
    client = client_for(org.users.doctor)
    response = client.post(
        reverse("portal_drugs:daily"), {"date": DAY.isoformat(), f"qty_{stocked.pk}": "1", f"price_{stocked.pk}": ""}
    )
    assert response.status_code == 200 and "单价" in response.content.decode()
    assert not DrugSale.objects.exists()
    response = client.post(
        reverse("portal_drugs:daily"),
        {"date": DAY.isoformat(), f"qty_{stocked.pk}": "3", f"price_{stocked.pk}": "6.80"},
    )
    assert response.status_code == 302
    assert DrugSale.objects.get().quantity == 3
    assert DrugStock.objects.get(clinic=org.ca1a, drug=stocked).quantity == 47


# --------------------------------------------------------------------------- portal: the monthly report


@pytest.fixture
def items(org):
    register_doctors(org)
    return {i.code: i for i in ServiceItem.objects.all()}


@pytest.mark.parametrize("value", ODD)
def test_portal_monthly_report(org, items, client_for, value):
    from programs.portal.reports import default_month

    year, month = default_month(TODAY)
    item = items["PH09"].pk
    response = client_for(org.users.doctor).post(
        reverse("portal_reports:report", args=[year, month]), {f"item_{item}": value, "submit": ""}
    )
    assert response.status_code == 200
    assert CJK.search(response.context["rows"][0]["error"] or "".join(r["error"] for r in response.context["rows"]))
    errors = re.findall(r'<p class="field-error">([^<]*)</p>', response.content.decode())
    assert len(errors) == 1 and CJK.search(errors[0])
    assert not ServiceReport.objects.exists()


def test_portal_monthly_report_valid_submit(org, items, client_for):
    from programs.portal.reports import default_month

    year, month = default_month(TODAY)
    item = items["PH09"].pk
    response = client_for(org.users.doctor).post(
        reverse("portal_reports:report", args=[year, month]), {f"item_{item}": "4", "submit": ""}
    )
    assert response.status_code == 302
    report = ServiceReport.objects.get()
    assert report.status == ServiceReport.Status.SUBMITTED and report.lines.get(item_id=item).declared_count == 4


# --------------------------------------------------------------------------- admin: verification


def submitted(org, items):
    report = ServiceReport.objects.create(clinic=org.ca1a, year=2026, month=3, status="submitted")
    ServiceReportLine.objects.create(report=report, item=items["PH09"], declared_count=57)
    return report


@pytest.mark.parametrize("field", ["checked", "confirmed"])
@pytest.mark.parametrize("value", ODD)
def test_verification_sample_fields(org, items, client_for, field, value):
    report = submitted(org, items)
    item = items["PH09"].pk
    data = {f"method_{item}": "phone", f"checked_{item}": "10", f"confirmed_{item}": "8", "verify": ""}
    data[f"{field}_{item}"] = value
    response = client_for(org.users.township).post(reverse("reports:verify", args=[report.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors.get(f"{field}_{item}")
    errors = re.findall(r'<p class="error-message"[^>]*>([^<]*)</p>', response.content.decode())
    assert len(errors) == 1 and CJK.search(errors[0])
    assert ServiceReportLine.objects.get().verified_count is None


def test_verification_valid_post_and_return_needs_a_comment(org, items, client_for):
    report = submitted(org, items)
    item = items["PH09"].pk
    client = client_for(org.users.township)
    response = client.post(reverse("reports:verify", args=[report.pk]), {"return": "", "comment": " "})
    assert response.status_code == 200 and "请填写退回意见" in response.content.decode()
    assert ServiceReport.objects.get().status == ServiceReport.Status.SUBMITTED
    response = client.post(
        reverse("reports:verify", args=[report.pk]),
        {f"method_{item}": "phone", f"checked_{item}": "10", f"confirmed_{item}": "8", "verify": ""},
    )
    assert response.status_code == 302
    assert ServiceReportLine.objects.get().verified_count == 57 * 8 // 10


# --------------------------------------------------------------------------- admin: periods


def period_post(org, **changes):
    data = {"township": org.ta1.pk, "year": "2026", "month": "3", "action": "reopen", "until": "2026-04-20"}
    return {**data, "reason": "补报", **changes}


@pytest.mark.parametrize("field", ["township", "year", "month"])
@pytest.mark.parametrize("value", [*ODD, ""])
def test_periods_numbers(org, client_for, field, value):
    response = client_for(org.users.township).post(reverse("reports:periods"), period_post(org, **{field: value}))
    assert response.status_code == 200
    message = response.context["form"].errors[field][0]
    assert CJK.search(message) and message in html.unescape(response.content.decode())
    assert not PeriodTransition.objects.exists() and not ReportingPeriod.objects.exists()


@pytest.mark.parametrize("value", [*ODD, ""])
def test_periods_reopen_date(org, client_for, value):
    response = client_for(org.users.township).post(reverse("reports:periods"), period_post(org, until=value))
    assert response.status_code == 200
    assert CJK.search(response.context["form"].errors["until"][0])
    assert not PeriodTransition.objects.exists()


def test_periods_valid_posts(org, client_for):
    client = client_for(org.users.township)
    response = client.post(reverse("reports:periods"), period_post(org, action="close"))
    assert response.status_code == 302
    assert ReportingPeriod.objects.get().state == ReportingPeriod.State.CLOSED
    response = client.post(reverse("reports:periods"), period_post(org))
    assert response.status_code == 302
    assert ReportingPeriod.objects.get().state == ReportingPeriod.State.OPEN
    # another county's township is not found
    response = client.post(reverse("reports:periods"), period_post(org, township=org.tb1.pk, action="close"))
    assert response.status_code == 404


# --------------------------------------------------------------------------- admin: generating quotas


@pytest.mark.parametrize("field", ["year", "rate"])
@pytest.mark.parametrize("value", [*ODD, ""])
def test_generate_quotas_numbers(org, items, client_for, field, value):
    data = {"year": "2026", "item": items["PH09"].pk, "basis": "resident", "rate": "0.7", field: value}
    response = client_for(org.users.township).post(reverse("reports:generate_quotas"), data)
    field_error(response, field)
    assert not Quota.objects.exists()


# --------------------------------------------------------------------------- admin: purchases, sales, quotas


@pytest.mark.parametrize("field", ["quantity", "unit_price"])
@pytest.mark.parametrize("value", [*ODD, ""])
def test_admin_purchase_numbers(org, drug, client_for, field, value):
    data = {
        "clinic": org.ca1a.pk,
        "drug": drug.pk,
        "date": DAY.isoformat(),
        "batch_no": "B9",
        "expiry": (TODAY + timedelta(days=200)).isoformat(),
        "quantity": "5",
        "unit_price": "6.80",
        field: value,
    }
    response = client_for(org.users.township).post(reverse("drugpurchase:add"), data)
    field_error(response, field)
    assert not DrugPurchase.objects.exists()


@pytest.mark.parametrize("field", ["quantity", "unit_price"])
@pytest.mark.parametrize("value", [*ODD, ""])
def test_admin_sale_numbers(org, stocked, client_for, field, value):
    data = {"clinic": org.ca1a.pk, "drug": stocked.pk, "date": DAY.isoformat(), "quantity": "1", "unit_price": "6.80"}
    response = client_for(org.users.township).post(reverse("drugsale:add"), {**data, field: value})
    field_error(response, field)
    assert not DrugSale.objects.exists()


@pytest.mark.parametrize("field", ["year", "target"])
@pytest.mark.parametrize("value", [*ODD, ""])
def test_admin_quota_numbers(org, items, client_for, field, value):
    data = {"clinic": org.ca1a.pk, "item": items["PH09"].pk, "year": "2026", "target": "12", field: value}
    response = client_for(org.users.township).post(reverse("quota:add"), data)
    field_error(response, field)
    assert not Quota.objects.exists()


def test_admin_valid_purchase_and_quota(org, drug, items, client_for):
    client = client_for(org.users.township)
    response = client.post(
        reverse("drugpurchase:add"),
        {
            "clinic": org.ca1a.pk,
            "drug": drug.pk,
            "date": DAY.isoformat(),
            "batch_no": "B9",
            "expiry": (TODAY + timedelta(days=200)).isoformat(),
            "quantity": "5",
            "unit_price": "6.80",
        },
    )
    assert response.status_code == 302
    assert DrugPurchase.objects.get().unit_price == Decimal("6.80")
    response = client.post(
        reverse("quota:add"), {"clinic": org.ca1a.pk, "item": items["PH09"].pk, "year": "2026", "target": "12"}
    )
    assert response.status_code == 302 and Quota.objects.get().target == 12


@pytest.mark.parametrize("value", [*ODD, ""])
def test_violation_totals_dates(org, client_for, value):
    response = client_for(org.users.township).get(
        reverse("drugs:violation_totals"), {"start": value, "end": TODAY.isoformat()}
    )
    field_error(response, "start")


# --------------------------------------------------------------------------- one rule: 3x the quota's monthly share


def test_the_portal_and_the_import_warn_on_the_same_quota_rule():
    assert report_services.monthly_quota_share(120) == 10
    assert not report_services.exceeds_quota_share(count=30, quota=120)
    assert report_services.exceeds_quota_share(count=31, quota=120)
    assert not report_services.exceeds_quota_share(count=10**6, quota=None)
    assert not report_services.exceeds_quota_share(count=10**6, quota=0)
