"""A village doctor records a service on a 390 px phone: finds a resident by the last 4 digits of the ID number,
picks the item, saves; the month's list shows the record masked; the same service again is refused."""

from playwright.sync_api import expect

from programs.models import ServiceItem, ServiceRecord
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD
from tests.programs.records_helpers import id_number, make_resident


def test_doctor_records_a_service_on_a_phone(browser, live_server, org):
    from tests.programs.conftest import register_doctors

    register_doctors(org)
    number = id_number(7)
    make_resident("张秀英", number, clinic=org.ca1a, phone="13800005678")
    make_resident("李四", id_number(8), clinic=org.ca1b)
    item = ServiceItem.objects.filter(active=True).order_by("sort_order").first()

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    phone.goto_path = lambda path: phone.goto(live_server.url + path)
    login(phone, "doc_a1a", PASSWORD)
    phone.goto_path("/portal/records/")
    phone.fill("#id_q", number[-4:])
    phone.click("form[role=search] button")
    results = phone.locator("[data-testid=resident-results]")
    expect(results).to_contain_text("张秀英")
    assert number not in results.inner_text()
    results.locator("a").first.click()
    phone.select_option("#id_item", str(item.pk))
    phone.fill("#id_note", "入户随访")
    phone.click("button.primary")
    expect(phone.locator("[data-testid=month-records]")).to_contain_text("张秀英")
    assert number not in phone.content()
    assert ServiceRecord.objects.get().source == ServiceRecord.Source.PORTAL
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "records-portal-entry-phone")

    # The same resident, item and day again: refused in Chinese, nothing added.
    phone.fill("#id_q", "张秀")
    phone.click("form[role=search] button")
    phone.locator("[data-testid=resident-results] a").first.click()
    phone.select_option("#id_item", str(item.pk))
    phone.click("button.primary")
    expect(phone.locator("[data-testid=form-error]").first).to_contain_text("已有记录")
    assert ServiceRecord.objects.count() == 1
    screenshot(phone, "records-portal-duplicate-phone")
    context.close()
