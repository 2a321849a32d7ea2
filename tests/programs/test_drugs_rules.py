"""Stock arithmetic, the zero-markup rule at the boundary, bad input, scope, subsidy basis, import."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from core.dataio import run_import
from programs.models import DrugPurchase, DrugSale, DrugStock
from programs.selectors import drugs as selectors
from programs.services import drugs as services
from programs.services.periods import lock_periods

TODAY = timezone.localdate()
DAY = TODAY - timedelta(days=5)


def buy(clinic, drug, qty=10, price="6.80", user=None, on=DAY):
    return services.record_purchase(
        clinic=clinic,
        drug=drug,
        on=on,
        batch_no="B1",
        expiry=TODAY + timedelta(days=300),
        quantity=qty,
        unit_price=price,
        user=user,
    )


def test_pinyin_initials_and_search(drug):
    assert drug.pinyin_initials == "amxljn"
    assert list(selectors.search_drugs("amxl")) == [drug]
    assert list(selectors.search_drugs("阿莫")) == [drug]
    assert list(selectors.search_drugs("tbak")) == []


def test_stock_is_purchases_minus_sales(org, drug):
    buy(org.ca1a, drug, qty=10)
    buy(org.ca1a, drug, qty=5)
    services.record_sale(clinic=org.ca1a, drug=drug, on=DAY, quantity=12, unit_price="6.80")
    assert DrugStock.objects.get(clinic=org.ca1a, drug=drug).quantity == 3
    with pytest.raises(ValidationError) as exc:
        services.record_sale(clinic=org.ca1a, drug=drug, on=DAY, quantity=4, unit_price="6.80")
    assert "库存不足" in str(exc.value)
    assert DrugSale.objects.count() == 1
    assert DrugStock.objects.get(clinic=org.ca1a, drug=drug).quantity == 3


def test_equal_price_is_compliant_one_fen_more_is_a_violation(org, drug):
    buy(org.ca1a, drug, qty=10, price="6.80")
    equal = services.record_sale(clinic=org.ca1a, drug=drug, on=DAY, quantity=2, unit_price="6.80")
    above = services.record_sale(clinic=org.ca1a, drug=drug, on=DAY, quantity=3, unit_price="6.81")
    below = services.record_sale(clinic=org.ca1a, drug=drug, on=DAY, quantity=1, unit_price="6.00")
    assert equal.overcharge == Decimal("0.00") and not equal.is_violation
    assert above.overcharge == Decimal("0.03") and above.is_violation
    assert below.overcharge == Decimal("0.00")
    assert list(selectors.violations_for(org.users.township)) == [above]
    assert list(selectors.violations_for(org.users.other_township)) == []
    totals = selectors.violation_totals(org.users.county, start=DAY, end=DAY)
    assert [(t.clinic_name, t.violation_count, t.overcharge_total) for t in totals] == [
        ("张庄村卫生室", 1, Decimal("0.03"))
    ]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"quantity": 0}, "数量必须大于 0"),
        ({"quantity": -3}, "数量必须大于 0"),
        ({"quantity": "1.5"}, "数量必须是整数"),
        ({"unit_price": None}, "请填写售价"),
        ({"unit_price": "abc"}, "售价必须是数字"),
        ({"unit_price": "1.234"}, "最多保留 2 位小数"),
        ({"drug": 999999}, "找不到该药品"),
        ({"on": TODAY + timedelta(days=2)}, "日期不能晚于今天"),
    ],
)
def test_bad_sale_input_is_refused_in_chinese(org, drug, kwargs, message):
    buy(org.ca1a, drug)
    args = {"clinic": org.ca1a, "drug": drug, "on": DAY, "quantity": 1, "unit_price": "6.80", **kwargs}
    with pytest.raises(ValidationError) as exc:
        services.record_sale(**args)
    assert message in str(exc.value)
    assert DrugSale.objects.count() == 0


def test_purchase_outside_clerk_scope_and_locked_period(org, drug):
    with pytest.raises(ValidationError) as exc:
        buy(org.ca2a, drug, user=org.users.township)
    assert "不在您的管辖范围内" in str(exc.value)
    lock_periods(township_ids=[org.ta1.pk], year=DAY.year, months=[DAY.month], user=org.users.county)
    with pytest.raises(ValidationError) as exc:
        buy(org.ca1a, drug, user=org.users.township)
    assert "已结算锁定" in str(exc.value)
    assert DrugPurchase.objects.count() == 0 and DrugStock.objects.count() == 0
    with pytest.raises(ValidationError):
        services.record_purchase(
            clinic=org.ca1a, drug=drug, on=DAY, batch_no="B", expiry=DAY, quantity=1, unit_price="1.00"
        )


def test_doctor_may_sell_only_for_own_clinic(org, drug):
    buy(org.ca1b, drug)
    with pytest.raises(ValidationError):
        services.record_sale(clinic=org.ca1b, drug=drug, on=DAY, quantity=1, unit_price="6.80", user=org.users.doctor)
    assert DrugSale.objects.count() == 0


def test_daily_summary_is_all_or_nothing(org, drug):
    other = services.save_drug(
        code="YP002", generic_name="对乙酰氨基酚片", dosage_form="片剂", specification="0.5g", unit="盒"
    )
    buy(org.ca1a, drug, qty=5)
    buy(org.ca1a, other, qty=1, price="2.80")
    lines = [services.SaleLine(drug, 2, "6.80"), services.SaleLine(other, 2, "2.80")]
    with pytest.raises(ValidationError) as exc:
        services.record_daily_sales(clinic=org.ca1a, on=DAY, lines=lines)
    assert "第 2 行" in str(exc.value)
    assert DrugSale.objects.count() == 0
    assert DrugStock.objects.get(clinic=org.ca1a, drug=drug).quantity == 5
    sales = services.record_daily_sales(clinic=org.ca1a, on=DAY, lines=lines[:1])
    assert sales[0].source == DrugSale.Source.DAILY


@settings(max_examples=30)
@given(ops=st.lists(st.tuples(st.booleans(), st.integers(min_value=1, max_value=20)), min_size=1, max_size=15))
def test_stock_never_negative_and_equals_purchases_minus_sales(org, drug, ops):
    DrugSale.objects.all().delete()
    DrugPurchase.objects.all().delete()
    DrugStock.objects.all().delete()
    expected = 0
    for is_purchase, qty in ops:
        if is_purchase:
            buy(org.ca1a, drug, qty=qty)
            expected += qty
        else:
            try:
                services.record_sale(clinic=org.ca1a, drug=drug, on=DAY, quantity=qty, unit_price="6.80")
                expected -= qty
            except ValidationError:
                assert qty > expected
    stock = DrugStock.objects.filter(clinic=org.ca1a, drug=drug).first()
    bought = sum(p.quantity for p in DrugPurchase.objects.all())
    sold = sum(s.quantity for s in DrugSale.objects.all())
    assert (stock.quantity if stock else 0) == expected == bought - sold >= 0


def test_subsidy_basis(org, drug):
    buy(org.ca1a, drug, qty=10, price="6.80")
    services.record_sale(clinic=org.ca1a, drug=drug, on=DAY, quantity=2, unit_price="6.80")
    services.record_sale(clinic=org.ca1a, drug=drug, on=DAY, quantity=1, unit_price="7.30")
    basis = selectors.drug_subsidy_basis(clinic_ids=[org.ca1a.pk, org.ca1b.pk], start=DAY, end=DAY)
    a = basis[org.ca1a.pk]
    assert a.purchase_value == Decimal("68.00")
    assert a.sales_value == Decimal("20.90")
    assert a.overcharge_total == Decimal("0.50")
    assert (a.violation_count, a.drug_count) == (1, 1)
    assert basis[org.ca1b.pk] == selectors.DrugBasis(Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), 0, 0)
    outside = selectors.drug_subsidy_basis(clinic_ids=[org.ca1a.pk], start=DAY + timedelta(days=1), end=TODAY)
    assert outside[org.ca1a.pk].sales_value == Decimal("0.00")


def test_subsidy_basis_bounded_queries(org, drug, django_assert_max_num_queries):
    buy(org.ca1a, drug)
    ids = [org.ca1a.pk, org.ca1b.pk, org.ca2a.pk, org.cb1a.pk]
    with django_assert_max_num_queries(2):
        selectors.drug_subsidy_basis(clinic_ids=ids, start=DAY, end=TODAY)


def test_import_purchases_and_sales(org, drug):
    csv = (
        "卫生室编码,药品编码,采购日期,批号,有效期至,数量,进价（元）\n"
        f"A1a,YP001,{DAY},B9,{TODAY + timedelta(days=100)},20,6.80\n"
    ).encode()
    report = run_import(resource_name="drug_purchases", data=csv, filename="p.csv", user=org.users.township)
    assert report.ok, report.error_lines()
    assert DrugStock.objects.get(clinic=org.ca1a, drug=drug).quantity == 20
    bad = (
        "卫生室编码,药品编码,销售日期,数量,售价（元）\n"
        f"A1a,YP001,{DAY},5,6.80\n"
        f"A1a,YP999,{DAY},1,6.80\n"
        f"A1a,YP001,{DAY},0,6.80\n"
        f"A2a,YP001,{DAY},1,6.80\n"
        f"A1a,YP001,{DAY},100,6.80\n"
    ).encode()
    report = run_import(resource_name="drug_sales", data=bad, filename="s.csv", user=org.users.township)
    lines = "\n".join(report.error_lines())
    assert not report.ok
    assert "第 3 行" in lines and "YP999" in lines
    assert "第 4 行" in lines
    assert "第 5 行" in lines
    assert "第 6 行" in lines and "库存不足" in lines
    assert "第 2 行" not in lines
    assert DrugSale.objects.count() == 0
    assert DrugStock.objects.get(clinic=org.ca1a, drug=drug).quantity == 20
    good = (f"卫生室编码,药品编码,销售日期,数量,售价（元）\nA1a,YP001,{DAY},5,6.90\n").encode()
    report = run_import(resource_name="drug_sales", data=good, filename="s.csv", user=org.users.township)
    assert report.ok, report.error_lines()
    sale = DrugSale.objects.get()
    assert sale.overcharge == Decimal("0.50") and sale.source == DrugSale.Source.IMPORT


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_sales_cannot_oversell():
    """PostgreSQL: row locks; SQLite: IMMEDIATE transactions serialise the writers. Either way two sales, not more."""
    from tests.factories import build_org

    org = build_org()
    drug = services.save_drug(
        code="YP001", generic_name="阿莫西林胶囊", dosage_form="胶囊剂", specification="0.25g", unit="盒"
    )
    buy(org.ca1a, drug, qty=5)
    barrier = threading.Barrier(8)
    outcomes = []

    def sell():
        from django.db import connection as conn

        try:
            barrier.wait()
            services.record_sale(clinic=org.ca1a, drug=drug, on=DAY, quantity=2, unit_price="6.80")
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            conn.close()

    threads = [threading.Thread(target=sell) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 2
    assert DrugStock.objects.get(clinic=org.ca1a, drug=drug).quantity == 1
