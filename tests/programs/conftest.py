from decimal import Decimal

import pytest

from programs.models import Quota, ServiceItem, ServiceItemPrice


@pytest.fixture
def services(org):
    """Items by code, with 2026 prices for county A and quotas for clinic A1a."""
    items = {i.code: i for i in ServiceItem.objects.all()}
    for code in ("PH09", "PH10"):
        ServiceItemPrice.objects.create(county=org.county_a, year=2026, item=items[code], unit_price=Decimal("40.00"),
                                        work_points=Decimal("15"))
    Quota.objects.create(clinic=org.ca1a, item=items["PH09"], year=2026, target=120)
    Quota.objects.create(clinic=org.ca1a, item=items["PH10"], year=2026, target=240)
    return items
