"""Demo data for settlement: the county's subsidy policy and an approved first-quarter settlement."""

from decimal import Decimal

from django.contrib.auth import get_user_model

from clinics import audit as history
from clinics.models import Clinic
from core import audit
from programs.models import ServiceItemPrice
from subsidies.models import Advance, PolicyItem, SubsidyPolicy
from subsidies.services import settlement

DEMO_SOURCE = "演示数据（seed_demo）"


def seed(ctx):
    User = get_user_model()
    preparer = User.objects.get(username="staff01")
    county_admin = User.objects.get(username="county")
    with audit.action(user=county_admin, source=DEMO_SOURCE):
        policy = _policy_and_advances(ctx)
    township = preparer.scope.township
    assert township is not None  # the demo's township staff
    with audit.action(user=preparer, source=DEMO_SOURCE):
        run = settlement.create_run(user=preparer, policy=policy, year=ctx.year, quarter=1, township=township)
        settlement.confirm_run(user=preparer, run=run)
    with audit.action(user=county_admin, source=DEMO_SOURCE):
        settlement.approve_run(user=county_admin, run=run)
        settlement.create_run(user=county_admin, policy=policy, year=ctx.year, quarter=2)
    ctx.stdout.write(f"补助结算：政策 1 份，{township.name}第一季度结算已审批，全县第二季度结算草稿 1 份。")


def _policy_and_advances(ctx):
    policy = SubsidyPolicy.objects.create(
        county=ctx.county,
        year=ctx.year,
        name=f"{ctx.year}年基本公共卫生服务村级补助",
        status=SubsidyPolicy.Status.ACTIVE,
        per_capita_rate=Decimal("99"),
        village_share=Decimal("0.4"),
        method=SubsidyPolicy.Method.UNIT_PRICE,
        quota_cap=Decimal("1.2"),
        quality_threshold=Decimal("60"),
        quality_bands=[[90, 1.0, "优秀"], [80, 0.9, "合格"], [60, 0.8, "基本合格"]],
        drug_method=SubsidyPolicy.DrugMethod.PER_RESIDENT,
        drug_amount=Decimal("6"),
        violation_deduction=Decimal("50"),
        gap_tolerance=Decimal("0.05"),
        remote_coefficient=Decimal("1.1"),
    )
    items = PolicyItem.objects.bulk_create(
        PolicyItem(policy=policy, item=p.item, unit_price=p.unit_price, work_points=p.work_points)
        for p in ServiceItemPrice.objects.filter(county=ctx.county, year=ctx.year).select_related("item")
    )
    if items and items[0].pk is None:  # backends without RETURNING
        ids = dict(PolicyItem.objects.filter(policy=policy).values_list("item_id", "pk"))
        for item in items:
            item.pk = ids[item.item_id]
    history.record_bulk_create(PolicyItem, items, ["item", "unit_price", "work_points"])
    for clinic in Clinic.objects.filter(township__county=ctx.county)[:10]:
        Advance.objects.create(clinic=clinic, paid_on=f"{ctx.year}-02-15", amount=Decimal("1500.00"), reference="YB-Q1")
    return policy
