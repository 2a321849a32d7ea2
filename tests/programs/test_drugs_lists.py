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
