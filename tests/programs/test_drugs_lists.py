"""Township lists and exports use a bounded number of queries whatever the amount of data."""

from datetime import timedelta

import pytest
from django.utils import timezone

from programs.services import drugs as services

DAY = timezone.localdate() - timedelta(days=3)


def _data(org, n):
    for i in range(n):
        drug = services.save_drug(
            code=f"YP{i:03d}", generic_name=f"阿莫西林{i}", dosage_form="胶囊剂", specification="0.25g", unit="盒"
        )
        for clinic in (org.ca1a, org.ca1b):
            services.record_purchase(
                clinic=clinic,
                drug=drug,
                on=DAY,
                batch_no=f"B{i}",
                expiry=timezone.localdate() + timedelta(days=30),
                quantity=5,
                unit_price="6.80",
            )
            services.record_sale(clinic=clinic, drug=drug, on=DAY, quantity=1, unit_price="7.00")


@pytest.mark.parametrize("n", [1, 25])
@pytest.mark.parametrize(
    "url",
    [
        "/admin/drugs/violations/",
        "/admin/drugs/stock/",
        "/admin/drugs/expiring/",
        "/admin/drugs/sales/",
        "/admin/drugs/purchases/",
        "/admin/drugs/violation-totals/",
        "/admin/data/export/drug_violations/?format=xlsx",
        "/admin/data/export/drug_stock/?format=xlsx",
        "/admin/data/export/drug_expiring/?format=xlsx",
    ],
)
def test_township_lists_bounded(org, client_for, django_assert_max_num_queries, url, n):
    _data(org, n)
    client = client_for(org.users.township)
    with django_assert_max_num_queries(40):
        response = client.get(url)
    assert response.status_code == 200


def test_portal_pages_bounded(org, client_for, django_assert_max_num_queries):
    _data(org, 25)
    client = client_for(org.users.doctor)
    for url in ("/portal/drugs/", "/portal/drugs/sell/?q=amxl", "/portal/drugs/daily/"):
        with django_assert_max_num_queries(15):
            assert client.get(url).status_code == 200


def test_sale_search_offers_what_is_in_stock_first_and_its_example(org, client_for):
    out_of_stock = services.save_drug(
        code="YP900", generic_name="阿莫西林胶囊", dosage_form="胶囊剂", specification="0.25g", unit="盒"
    )
    in_stock = services.save_drug(
        code="YP901", generic_name="阿莫西林颗粒", dosage_form="颗粒剂", specification="0.125g", unit="盒"
    )
    client = client_for(org.users.doctor)
    empty = client.get("/portal/drugs/sell/").content.decode()
    assert "进货入库后才能录入销售" in empty and "例如" not in empty
    services.record_purchase(
        clinic=org.ca1a,
        drug=in_stock,
        on=DAY,
        batch_no="B1",
        expiry=timezone.localdate() + timedelta(days=60),
        quantity=5,
        unit_price="3.20",
    )
    page = client.get("/portal/drugs/sell/", {"q": "amxl"}).content.decode()
    assert f"例如：阿莫西林颗粒 或 {in_stock.pinyin_initials}" in page and "进货入库后" not in page
    listing = page[page.index('data-testid="results"') :]
    assert listing.index(in_stock.generic_name) < listing.index(out_of_stock.generic_name)
