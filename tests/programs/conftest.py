from datetime import date
from decimal import Decimal

import pytest

from programs.models import Quota, ServiceItem, ServiceItemPrice
from tests.shared_data import shared


def register_doctors(org):
    """The doctor logins are registered village doctors with valid licences (2024–2028)."""
    from tests.doctors.helpers import make_doctor, make_licence

    for user, clinic in (
        (org.users.doctor, org.ca1a),
        (org.users.other_doctor, org.ca1b),
        (org.users.far_doctor, org.cb1a),
    ):
        make_licence(make_doctor(clinic, user=user), issued_on=date(2024, 1, 1))


@shared("services", needs=("org",))
def build_services(org):
    """Items by code, with 2026 prices for county A and quotas for clinic A1a; registered doctors."""
    register_doctors(org)
    items = {i.code: i for i in ServiceItem.objects.all()}
    for code in ("PH09", "PH10"):
        ServiceItemPrice.objects.create(
            county=org.county_a, year=2026, item=items[code], unit_price=Decimal("40.00"), work_points=Decimal("15")
        )
    Quota.objects.create(clinic=org.ca1a, item=items["PH09"], year=2026, target=120)
    Quota.objects.create(clinic=org.ca1a, item=items["PH10"], year=2026, target=240)
    return items


@pytest.fixture
def services(_shared_data, request, org):
    """Items by code, with 2026 prices for county A and quotas for clinic A1a; registered doctors (built once and
    shared, see tests/conftest.py)."""
    return _shared_data.value_for(request, "services", org)


@pytest.fixture
def drug(db):
    """One drug of the catalogue (阿莫西林胶囊)."""
    from programs.services import drugs

    return drugs.save_drug(
        code="YP001",
        generic_name="阿莫西林胶囊",
        dosage_form="胶囊剂",
        specification="0.25g×24粒",
        unit="盒",
        category="anti_infective",
    )
