"""The to-do inbox (待办) in the browser: the doctor's on a 390 px phone, the township's on a 1366 px screen,
with screenshots into bench/out/screens; nothing in the inbox is wider than the screen."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from doctors.models import RenewalApplication
from programs.models import ServiceReport
from programs.selectors.periods import reporting_month
from subsidies.models import SettlementRun
from tests.clinics.test_inbox import appeal, finding, make_sheet, notice, renewal, report, run, submit
from tests.e2e.conftest import login, screenshot, watch_csp
from tests.factories import PASSWORD


def page_at(browser, live_server, width, height, **extra):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", **extra)
    page = watch_csp(context.new_page())
    page.set_default_timeout(15000)
    page.goto_path = lambda path: page.goto(live_server.url + path)
    return page


def overflowing(page):
    """Elements of the inbox wider than their box (cut-off text)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=inbox] *')]
            .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== 'visible')
            .map(e => e.className)
            .concat(document.documentElement.scrollWidth > window.innerWidth ? ['page'] : [])"""
    )


def test_inbox_on_the_doctors_phone_and_the_township_screen(browser, live_server, org):
    from cms.models import Audience

    today = timezone.localdate()
    year, month = reporting_month(today)
    earlier = (year - 1, 12) if month == 1 else (year, month - 1)
    report(org.ca1a, *earlier, ServiceReport.Status.RETURNED, "高血压患者随访人数与随访记录不符，请核对后重报")
    report(org.ca1b, year, month, ServiceReport.Status.SUBMITTED)
    renewal(org.ca1a, RenewalApplication.Status.REFUSED, user=org.users.doctor, decision_reason="年度培训学时不足")
    renewal(org.ca1b, RenewalApplication.Status.SUBMITTED)
    finding(org.ca1a, org, deadline=today + timedelta(days=7), description="药品柜未加锁，处方笺未按日期装订")
    finding(org.ca1b, org, deadline=today - timedelta(days=2))
    notice(org.county_a, "关于开展慢病管理培训的通知", audience=Audience.DOCTORS, publish=True)
    appeal(org.ca1b, org, make_sheet(org.county_a))
    run(org.county_a, org.ta1, SettlementRun.Status.DRAFT, returned_at=timezone.now())

    doctor = page_at(browser, live_server, 390, 844, is_mobile=True, has_touch=True, device_scale_factor=2)
    login(doctor, "doc_a1a", PASSWORD)
    doctor.goto_path("/portal/")
    inbox = doctor.locator("[data-testid=inbox]")
    expect(inbox).to_contain_text("待办")
    expect(inbox).to_contain_text(f"{month}月月报还没有提交")
    expect(inbox).to_contain_text("高血压患者随访人数与随访记录不符")
    expect(inbox).to_contain_text("年度培训学时不足")
    expect(inbox).to_contain_text("药品柜未加锁")
    expect(inbox).to_contain_text("未读通知")
    assert overflowing(doctor) == []
    screenshot(doctor, "inbox-doctor-phone-390")
    doctor.click("text=需要整改的问题")
    expect(doctor.locator("[data-testid=findings]")).to_contain_text("药品柜未加锁")
    assert doctor.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(doctor, "inbox-doctor-findings-390")
    doctor.goto_path("/portal/")
    doctor.click("text=被退回的月报")
    expect(doctor).to_have_url(f"{live_server.url}/portal/services/{earlier[0]}/{earlier[1]}/")

    clerk = page_at(browser, live_server, 1366, 768)
    login(clerk, "staff_a1", PASSWORD)
    clerk.goto_path("/admin/")
    inbox = clerk.locator("[data-testid=inbox]")
    for label in ("待核实的月报", f"{month}月月报未报的村卫生室", "待审核的再注册申请", "待处理的考核申诉"):
        expect(inbox).to_contain_text(label)
    expect(inbox).to_contain_text("已过整改期限的检查发现")
    expect(inbox).to_contain_text("被卫健局退回")
    assert overflowing(clerk) == []
    screenshot(clerk, "inbox-township-1366")
    clerk.click("text=待核实的月报")
    expect(clerk.locator("main")).to_contain_text("李家村卫生室")

    county = page_at(browser, live_server, 1366, 768)
    login(county, "county_a", PASSWORD)
    county.goto_path("/admin/")
    expect(county.locator("[data-testid=inbox]")).to_contain_text("暂无待办事项")
    screenshot(county, "inbox-county-empty-1366")


def test_inbox_of_the_notice_editor_and_moderator(browser, live_server, org):
    editor = org.users.editor
    notice(org.county_a, "关于开展慢病管理培训的通知（草稿）", owner=editor)
    returned = submit(notice(org.county_a, "关于村医补助发放的通知", owner=editor), editor)
    returned.current_task_state.specific.reject(user=org.users.moderator)
    submit(notice(org.county_a, "关于药品零差率检查的通知", owner=editor), editor)

    page = page_at(browser, live_server, 1366, 768)
    login(page, "editor_a", PASSWORD)
    page.goto_path("/admin/")
    inbox = page.locator("[data-testid=inbox]")
    expect(inbox).to_contain_text("被退回修改的通知")
    expect(inbox).to_contain_text("未提交审核的通知草稿")
    expect(inbox).to_contain_text("在“青山县通知公告”下添加子页面")
    assert overflowing(page) == []
    screenshot(page, "inbox-editor-1366")
    page.click("text=未提交审核的通知草稿")
    expect(page.locator("main")).to_contain_text("关于开展慢病管理培训的通知（草稿）")

    page = page_at(browser, live_server, 1366, 768)
    login(page, "moderator_a", PASSWORD)
    page.goto_path("/admin/")
    expect(page.locator("[data-testid=inbox]")).to_contain_text("待审核的通知")
    screenshot(page, "inbox-moderator-1366")
    page.click("text=待审核的通知")
    expect(page.locator("main")).to_contain_text("关于药品零差率检查的通知")
    screenshot(page, "inbox-moderator-awaiting-review-1366")
