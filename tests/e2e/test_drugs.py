"""A village doctor records sales on a phone by pinyin search; the township sees the overpriced one."""

from datetime import timedelta

from django.utils import timezone

from programs.services import drugs as services
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD


def _stock(org):
    drug = services.save_drug(
        code="YP001",
        generic_name="阿莫西林胶囊",
        dosage_form="胶囊剂",
        specification="0.25g×24粒",
        unit="盒",
        category="anti_infective",
    )
    services.record_purchase(
        clinic=org.ca1a,
        drug=drug,
        on=timezone.localdate() - timedelta(days=10),
        batch_no="2601A",
        expiry=timezone.localdate() + timedelta(days=40),
        quantity=20,
        unit_price="6.80",
    )
    return drug


def _sell(phone, qty, price):
    phone.goto_path("/portal/drugs/sell/")
    phone.fill("input[name=q]", "amxl")
    phone.click("button:has-text('查找')")
    phone.click("[data-testid=results] a:has-text('阿莫西林胶囊')")
    phone.fill("input[name=quantity]", str(qty))
    phone.fill("input[name=unit_price]", price)
    phone.click("button:has-text('保存销售')")
    phone.wait_for_load_state("networkidle")


def test_doctor_sells_by_pinyin_and_township_sees_violation(phone, page, org):
    _stock(org)
    login(phone, "doc_a1a", PASSWORD)
    phone.goto_path("/portal/drugs/sell/")
    phone.fill("input[name=q]", "amxl")
    phone.click("button:has-text('查找')")
    assert "库存 20盒" in phone.locator("[data-testid=results]").inner_text()
    screenshot(phone, "drugs-portal-search-phone")
    _sell(phone, 2, "6.80")
    assert "已记录：阿莫西林胶囊 2盒" in phone.locator(".messages").inner_text()
    _sell(phone, 1, "8.00")
    assert "违反零差率销售" in phone.locator(".messages").inner_text()
    assert "17盒" in phone.locator("[data-testid=stock]").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "drugs-portal-home-phone")
    # Too many: refused in Chinese, nothing written.
    _sell(phone, 50, "6.80")
    assert "库存不足" in phone.locator("[data-testid=sale-form]").inner_text()
    screenshot(phone, "drugs-portal-error-phone")

    login(page, "staff_a1", PASSWORD)
    page.goto_path("/admin/drugs/violations/")
    listing = page.locator("table.listing").inner_text()
    assert "张庄村卫生室" in listing and "阿莫西林胶囊" in listing and "1.20" in listing
    assert "6.80" in listing and "8.00" in listing
    screenshot(page, "drugs-admin-violations")
    page.goto_path("/admin/drugs/violation-totals/")
    totals = page.locator("[data-testid=violation-totals]").inner_text()
    assert "张庄村卫生室" in totals and "1.20" in totals
    screenshot(page, "drugs-admin-violation-totals")
    page.goto_path("/admin/drugs/expiring/")
    assert "2601A" in page.locator("table.listing").inner_text()
    screenshot(page, "drugs-admin-expiring")


def test_other_township_does_not_see_the_violation(page, org):
    drug = _stock(org)
    services.record_sale(clinic=org.ca1a, drug=drug, on=timezone.localdate(), quantity=1, unit_price="9.00")
    login(page, "staff_a2", PASSWORD)
    page.goto_path("/admin/drugs/violations/")
    assert "张庄村卫生室" not in page.locator("body").inner_text()
