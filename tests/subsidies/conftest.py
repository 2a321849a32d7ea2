from datetime import date
from decimal import Decimal

import pytest

from programs.models import ServiceItem
from subsidies.models import PolicyItem, ScoreItem, ScoreSheet, SubsidyPolicy
from tests.reference import ensure_service_catalogue
from tests.shared_data import shared


@shared("sheet", needs=("org",))
def build_sheet(org):
    """A 100-point sheet for county A in 2026 with one item of every mode."""
    sheet = ScoreSheet.objects.create(county=org.county_a, year=2026, name="村卫生室绩效考核表")
    specs = [
        ("A1", "public_health", "公共卫生任务完成率", "40", "indicator", "0", "all", "1"),
        ("B1", "medical", "处方书写不规范", "20", "deduction", "2", "", "1"),
        ("C1", "drugs", "药品零差率执行", "10", "pass_fail", "0", "", "1"),
        ("D1", "finance", "财务账目", "10", "manual", "0", "", "1"),
        ("E1", "satisfaction", "群众满意度", "10", "satisfaction", "1", "", "1"),
        ("F1", "records", "制度上墙与档案", "10", "deduction", "5", "", "1"),
    ]
    for order, (code, category, name, top, mode, per, indicator, target) in enumerate(specs):
        ScoreItem.objects.create(
            sheet=sheet,
            code=code,
            category=category,
            name=name,
            max_points=Decimal(top),
            mode=mode,
            points_per_occurrence=Decimal(per),
            indicator=indicator,
            target=Decimal(target),
            sort_order=order,
        )
    return sheet


@pytest.fixture
def sheet(_shared_data, request, org):
    """A 100-point sheet for county A in 2026 with one item of every mode (built once and shared, see
    tests/conftest.py)."""
    return _shared_data.value_for(request, "sheet", org)


ASSESSED_ON = date(2026, 4, 8)


def assessed_on(year: int, quarter: int) -> date:
    """A day a week after the quarter ends: when townships assess it."""
    from datetime import timedelta

    from subsidies.selectors.assessments import quarter_end

    return quarter_end(year, quarter) + timedelta(days=8)


@pytest.fixture
def policy(org):
    """County A's 2026 unit-price policy that prices PH09 only (40 元, 15 工分): the settlement tests' policy."""
    ensure_service_catalogue()
    p = SubsidyPolicy.objects.create(
        county=org.county_a,
        year=2026,
        name="2026年村级补助",
        per_capita_rate=Decimal("99"),
        village_share=Decimal("0.4"),
        drug_amount=Decimal("5"),
        quality_threshold=Decimal("60"),
    )
    PolicyItem.objects.create(
        policy=p, item=ServiceItem.objects.get(code="PH09"), unit_price=Decimal("40"), work_points=Decimal("15")
    )
    return p
