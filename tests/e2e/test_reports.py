"""A doctor submits a month on a phone; the township verifies it; both see the verified numbers."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from programs.models import Quota, ServiceItem
from programs.services.periods import reopen_period
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD


def test_doctor_submits_and_township_verifies(browser, live_server, org):
    from tests.programs.conftest import register_doctors

    register_doctors(org)
    items = {i.code: i for i in ServiceItem.objects.filter(code__in=["PH09", "PH10"])}
    # Last month: a month is submitted once it has ended (reopened so that the test runs on any day of the month).
    today = timezone.localdate()
    last = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    reopen_period(township_id=org.ta1.pk, year=last.year, month=last.month, user=None, until=today, reason="测试")
    Quota.objects.create(clinic=org.ca1a, item=items["PH09"], year=last.year, target=120)

    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True).new_page()
    phone.goto_path = lambda path: phone.goto(live_server.url + path)
    login(phone, "doc_a1a", PASSWORD)
    phone.goto_path(f"/portal/services/{last.year}/{last.month}/")
    phone.fill(f"#item_{items['PH09'].pk}", "9")
    phone.fill(f"#item_{items['PH10'].pk}", "57")
    phone.click("button[name=submit]")
    # 57 follow-ups with no quota is fine; the page confirms submission.
    expect(phone.locator("[data-testid=report-status]")).to_contain_text("已提交")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "services-portal-submitted-phone")

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    desk.goto_path = lambda path: desk.goto(live_server.url + path)
    login(desk, "staff_a1", PASSWORD)
    desk.goto_path("/admin/services/reports/")
    assert "张庄村卫生室" in desk.locator("table.listing").inner_text()
    desk.click('table.listing a.button:has-text("核实")')
    pk = items["PH10"].pk
    desk.select_option(f"select[name=method_{pk}]", "phone")
    desk.fill(f"input[name=checked_{pk}]", "10")
    desk.fill(f"input[name=confirmed_{pk}]", "9")
    desk.click("button[name=verify]")
    expect(desk.locator("[data-testid=verified-PH10]")).to_have_text("51")
    expect(desk.locator("[data-testid=report-status]")).to_contain_text("已核实")
    screenshot(desk, "services-admin-verified")

    phone.reload()
    expect(phone.locator("[data-testid=verified-PH10]")).to_have_text("51")
    expect(phone.locator("[data-testid=verified-PH09]")).to_have_text("9")
    screenshot(phone, "services-portal-verified-phone")
    phone.goto_path(f"/portal/services/progress/?year={last.year}")
    expect(phone.locator("[data-testid=progress-PH09]")).to_contain_text("9 / 120")
    screenshot(phone, "services-progress-phone")
