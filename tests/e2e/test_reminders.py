"""The township clerk chases last month's missing report: the dashboard tile opens the missing list, 提醒 reaches
the doctor, whose phone home shows the reminder until it is read."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from doctors.models import OutboxMessage, VillageDoctor
from programs.models import ServiceReport
from tests.e2e.conftest import login, screenshot, watch_csp
from tests.factories import PASSWORD


def test_clerk_reminds_a_missing_clinic_and_the_doctor_sees_it(browser, live_server, org):
    from tests.programs.conftest import register_doctors

    register_doctors(org)
    VillageDoctor.objects.filter(clinic=org.ca1b).update(name="李秀英", mobile="13912345678", email="li@example.com")
    last = timezone.localdate().replace(day=1) - timedelta(days=1)
    ServiceReport.objects.create(clinic=org.ca1a, year=last.year, month=last.month, status="submitted")

    desk = watch_csp(browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page())
    desk.goto_path = lambda path: desk.goto(live_server.url + path)
    login(desk, "staff_a1", PASSWORD)
    desk.goto_path("/admin/")
    desk.click(f'[data-tile="{last.month}月月报未报"] h3 a')
    expect(desk.locator("[data-testid=missing-list]")).to_contain_text("李家村卫生室")
    listing = desk.locator("[data-testid=missing-list]").inner_text()
    assert "张庄村卫生室" not in listing and "13912345678" in listing and "李秀英" in listing
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshot(desk, "reminders-missing-list-1366")
    desk.click('[data-clinic="A1b"] [data-testid=remind]')
    expect(desk.locator(".messages")).to_contain_text("已提醒 李家村卫生室")
    assert set(OutboxMessage.objects.values_list("channel", "status")) == {
        ("portal", "sent"),
        ("email", "sent"),
        ("sms", "sent"),
    }
    screenshot(desk, "reminders-missing-list-reminded-1366")
    desk.click('[data-clinic="A1b"] [data-testid=remind]')
    expect(desk.locator(".messages")).to_contain_text("小时内不再重复提醒")
    desk.goto_path("/admin/outbox/")
    expect(desk.locator("[data-testid=outbox]")).to_contain_text("13912345678")
    screenshot(desk, "reminders-outbox-1366")

    county = watch_csp(browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page())
    county.goto_path = lambda path: county.goto(live_server.url + path)
    login(county, "county_a", PASSWORD)
    county.goto_path(f"/admin/services/missing/?year={last.year}&month={last.month}")
    listing = county.locator("[data-testid=missing-list]").inner_text()
    assert "139****5678" in listing and "13912345678" not in listing and "王营村卫生室" in listing
    assert county.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshot(county, "reminders-missing-list-county-1366")

    phone = watch_csp(
        browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True).new_page()
    )
    phone.goto_path = lambda path: phone.goto(live_server.url + path)
    login(phone, "doc_a1b", PASSWORD)
    phone.goto_path("/portal/")
    reminder = phone.locator('[data-tile="新提醒"]')
    expect(reminder).to_contain_text(f"请上报{last.year}年{last.month}月月报")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "reminders-doctor-home-390")
    reminder.locator("h3 a").click()
    expect(phone.locator("[data-testid=portal-messages]")).to_contain_text("还没有提交")
    screenshot(phone, "reminders-doctor-messages-390")
    phone.click("button[name=open]")
    phone.wait_for_load_state("networkidle")
    assert f"/portal/services/{last.year}/{last.month}/" in phone.url
    phone.goto_path("/portal/")
    expect(phone.locator('[data-tile="新提醒"]')).to_have_count(0)
