"""A clerk scores a clinic; the doctor sees the deduction and appeals; the clerk accepts it."""

from decimal import Decimal

from playwright.sync_api import expect

from subsidies.models import ScoreItem, ScoreSheet
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD


def test_score_appeal_accept(browser, live_server, org):
    sheet = ScoreSheet.objects.create(county=org.county_a, year=2026, name="村卫生室绩效考核表")
    ScoreItem.objects.create(
        sheet=sheet,
        code="B1",
        category="medical",
        name="处方书写不规范",
        max_points=Decimal(60),
        mode="deduction",
        points_per_occurrence=Decimal(5),
    )
    ScoreItem.objects.create(
        sheet=sheet, code="D1", category="finance", name="财务账目", max_points=Decimal(40), mode="manual"
    )

    def page_at(width, height):
        page = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN").new_page()
        page.goto_path = lambda path: page.goto(live_server.url + path)
        return page

    clerk = page_at(1280, 900)
    login(clerk, "staff_a1", PASSWORD)
    clerk.goto_path("/admin/assessments/")
    clerk.select_option("select[name=clinic]", label="城关镇 · 张庄村卫生室")
    clerk.fill("input[name=year]", "2026")
    clerk.select_option("select[name=quarter]", "1")
    clerk.click("text=开始考核")
    clerk.fill("tr[data-item=B1] input[name^=occurrences_]", "2")
    clerk.fill("tr[data-item=B1] input[name^=reason_]", "两张处方缺诊断")
    clerk.fill("tr[data-item=D1] input[name^=manual_score_]", "40")
    clerk.click("button[name=submit]")
    expect(clerk.locator("[data-testid=total-score]")).to_have_text("90.00")
    screenshot(clerk, "assessments-admin-submitted")

    doctor = page_at(360, 740)
    login(doctor, "doc_a1a", PASSWORD)
    doctor.goto_path("/portal/assessments/")
    doctor.click("text=2026年第1季度")
    b1 = doctor.locator("[data-entry=B1]")
    assert "扣 10.00 分" in b1.inner_text() and "两张处方缺诊断" in b1.inner_text()
    b1.locator("summary").click()
    b1.locator("textarea").fill("其中一张处方有诊断，已拍照")
    b1.locator("button").click()
    expect(doctor.locator("[data-entry=B1] [data-testid=appeal-status]")).to_contain_text("待处理")
    screenshot(doctor, "assessments-portal-appealed-phone")

    clerk.goto_path("/admin/assessments/appeals/")
    clerk.fill("input[name=occurrences]", "1")
    clerk.fill("input[name=decision]", "核实属实，改为 1 次")
    clerk.click("button[name=accept][value='1']")
    clerk.locator("text=申诉已采纳").first.wait_for()
    assert "已采纳" in clerk.locator("section[data-appeal]").first.inner_text()
    screenshot(clerk, "assessments-admin-appeal-accepted")

    doctor.reload()
    expect(doctor.locator("[data-testid=portal-total]")).to_have_text("95.00")
    expect(doctor.locator("[data-entry=B1] [data-testid=appeal-status]")).to_contain_text("已采纳")
    screenshot(doctor, "assessments-portal-accepted-phone")
