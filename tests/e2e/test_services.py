"""A doctor submits a month on a phone; the township verifies it; both see the verified numbers."""

from django.utils import timezone

from programs.models import Quota, ServiceItem
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD


def test_doctor_submits_and_township_verifies(browser, live_server, org):
    items = {i.code: i for i in ServiceItem.objects.filter(code__in=["PH09", "PH10"])}
    Quota.objects.create(clinic=org.ca1a, item=items["PH09"], year=timezone.localdate().year, target=120)
    today = timezone.localdate()

    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True).new_page()
    phone.goto_path = lambda path: phone.goto(live_server.url + path)
    login(phone, "doc_a1a", PASSWORD)
    phone.goto_path(f"/portal/services/{today.year}/{today.month}/")
    phone.fill(f"#item_{items['PH09'].pk}", "9")
    phone.fill(f"#item_{items['PH10'].pk}", "57")
    phone.click("button[name=submit]")
    # 57 follow-ups with no quota is fine; the page confirms submission.
    assert "已提交" in phone.locator("[data-testid=report-status]").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "services-portal-submitted-phone")

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    desk.goto_path = lambda path: desk.goto(live_server.url + path)
    login(desk, "staff_a1", PASSWORD)
    desk.goto_path("/admin/services/reports/")
    assert "张庄村卫生室" in desk.locator("table.listing").inner_text()
    desk.click("table.listing a.button:has-text(\"核实\")")
    pk = items["PH10"].pk
    desk.select_option(f"select[name=method_{pk}]", "phone")
    desk.fill(f"input[name=checked_{pk}]", "10")
    desk.fill(f"input[name=confirmed_{pk}]", "9")
    desk.click("button[name=verify]")
    assert desk.locator("[data-testid=verified-PH10]").inner_text() == "51"
    assert "已核实" in desk.locator("[data-testid=report-status]").inner_text()
    screenshot(desk, "services-admin-verified")

    phone.reload()
    assert phone.locator("[data-testid=verified-PH10]").inner_text() == "51"
    assert phone.locator("[data-testid=verified-PH09]").inner_text() == "9"
    screenshot(phone, "services-portal-verified-phone")
    phone.goto_path("/portal/services/progress/")
    assert "9 / 120" in phone.locator("[data-testid=progress-PH09]").inner_text()
    screenshot(phone, "services-progress-phone")
