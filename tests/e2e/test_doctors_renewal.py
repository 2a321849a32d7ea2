"""The whole renewal in the browser: the doctor applies in the portal, the township reviews,
the county approves, and the doctor sees the new licence."""

from django.utils import timezone
from playwright.sync_api import expect

from tests.doctors.helpers import eligible_doctor
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD


def _desktop(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto_path = lambda path: page.goto(live_server.url + path)
    return context, page


def test_whole_renewal(phone, browser, live_server, org):
    today = timezone.localdate()
    doctor, licence = eligible_doctor(org.ca1a, user=org.users.doctor, today=today, expires_in=40, name="张建国")

    # 1. The doctor sees the licence, the window and applies from the phone.
    login(phone, "doc_a1a", PASSWORD)
    phone.click("text=我的执业证书")
    assert licence.number in phone.locator("[data-testid=current-licence]").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "doctors-portal-licence")
    phone.fill("#id_note", "证书即将到期，申请再注册")
    phone.click("[data-testid=apply-form] button")
    phone.locator(".messages").wait_for()
    assert "再注册申请已提交" in phone.locator(".messages").inner_text()
    # Focus is on the message after the reload, not at the top of the page (a screen reader says it first).
    expect(phone.locator(".messages .msg").first).to_be_focused()
    assert "待卫生院审核" in phone.locator("[data-testid=applications]").inner_text()
    screenshot(phone, "doctors-portal-applied")

    # 2. The township clerk finds it on the work list, sees the eligibility check and forwards it.
    context, page = _desktop(browser, live_server)
    login(page, "staff_a1", PASSWORD)
    page.goto_path("/admin/doctors/worklist/")
    assert "张建国" in page.locator("[data-testid=pending]").inner_text()
    screenshot(page, "doctors-admin-worklist")
    page.locator("[data-testid=pending] a", has_text="查看").first.click()
    assert "符合再注册条件" in page.locator("[data-testid=eligibility]").inner_text()
    screenshot(page, "doctors-admin-review")
    page.click("button[value=forward]")
    page.locator("[data-testid=status]", has_text="待卫健局审批").wait_for()
    assert "已报送卫健局审批" in page.locator(".messages").inner_text()
    detail_url = page.url
    context.close()

    # 3. The county admin sees the 15-day deadline and approves.
    context, page = _desktop(browser, live_server)
    login(page, "county_a", PASSWORD)
    page.goto_path("/admin/doctors/renewals/")
    assert "还剩 15 天" in page.locator("[data-testid=renewals]").inner_text()
    screenshot(page, "doctors-admin-renewals")
    page.goto(detail_url)
    screenshot(page, "doctors-admin-decide")
    page.click("button[value=approve]")
    page.locator("[data-testid=status]", has_text="已批准").wait_for()
    new_number = page.locator("[data-testid=new-licence]").inner_text()
    assert "已批准" in page.locator("[data-testid=status]").inner_text()
    context.close()

    # 4. The doctor sees the new licence.
    phone.goto_path("/portal/doctor/")
    applications = phone.locator("[data-testid=applications]").inner_text()
    assert "已批准" in applications and new_number.split("（")[0] in applications
    doctor.refresh_from_db()
    new = doctor.licences.order_by("-issued_on").first()
    assert new.number in applications and new.previous_id == licence.pk
    screenshot(phone, "doctors-portal-approved")


def test_training_compliance_page(page, org):
    today = timezone.localdate()
    eligible_doctor(org.ca1a, today=today, expires_in=400, name="李秀英")
    login(page, "staff_a1", PASSWORD)
    page.goto_path("/admin/doctors/training/")
    table = page.locator("[data-testid=compliance]").inner_text()
    assert "李秀英" in table
    screenshot(page, "doctors-admin-training")


def test_refused_renewal_reason_on_a_390px_phone(browser, live_server, org):
    """The county refuses with a reason; the 55-year-old doctor reads why on the phone, without zooming."""
    from doctors import services

    today = timezone.localdate()
    _doctor, licence = eligible_doctor(org.ca1a, user=org.users.doctor, today=today, expires_in=40, name="张建国")
    application = services.apply_for_renewal(licence=licence, user=org.users.doctor, on=today)
    services.township_review(application=application, user=org.users.township, forward=True, on=today)
    context, page = _desktop(browser, live_server)
    login(page, "county_a", PASSWORD)
    page.goto_path(f"/admin/doctors/renewals/{application.pk}/")
    page.fill("#id_note", "2025 年培训不足两周（只参加了 1 次、5 天），请补训后由卫生院重新申请。")
    page.click("button[value=refuse]")
    page.locator("[data-testid=status]", has_text="未批准").wait_for()
    context.close()

    phone_context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True, device_scale_factor=2
    )
    phone = phone_context.new_page()
    phone.goto_path = lambda path: phone.goto(live_server.url + path)
    login(phone, "doc_a1a", PASSWORD)
    phone.goto_path("/portal/doctor/")
    applications = phone.locator("[data-testid=applications]").inner_text()
    assert "未批准" in applications and "请补训后由卫生院重新申请" in applications
    # The reason is also at the top, next to "may not report", with whom to ask.
    assert "请补训后由卫生院重新申请" in phone.locator("[data-testid=refusal-reason]").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "doctors-portal-refused-390")
    phone_context.close()
