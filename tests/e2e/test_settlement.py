"""The county approves a settlement; the doctor reads the explanation and downloads the PDF statement."""

import subprocess
from decimal import Decimal as D

from playwright.sync_api import expect

from programs.models import ServiceItem
from subsidies.calculation import ClinicInputs, ItemFigures
from subsidies.models import PolicyItem, SubsidyPolicy
from subsidies.services import settlement
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD


def test_county_approves_and_doctor_downloads_statement(browser, live_server, org, tmp_path):
    policy = SubsidyPolicy.objects.create(
        county=org.county_a,
        year=2026,
        name="2026年村级补助",
        per_capita_rate=D("99"),
        village_share=D("0.4"),
        drug_amount=D("5"),
        quality_threshold=D("60"),
    )
    PolicyItem.objects.create(
        policy=policy, item=ServiceItem.objects.get(code="PH09"), unit_price=D("40"), work_points=D("15")
    )
    inputs = [
        ClinicInputs(
            clinic_id=org.ca1a.pk,
            name="张庄村卫生室",
            population=1000,
            score=D("80"),
            items={"PH09": ItemFigures(declared=100, verified=100, quota=480)},
        )
    ]
    run = settlement.create_run(
        user=org.users.township, policy=policy, year=2026, quarter=1, township=org.ta1, inputs=inputs
    )
    settlement.confirm_run(user=org.users.township, run=run)

    def page_at(width, height):
        page = browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-CN", accept_downloads=True
        ).new_page()
        page.goto_path = lambda path: page.goto(live_server.url + path)
        return page

    county = page_at(1280, 900)
    login(county, "county_a", PASSWORD)
    county.goto_path(f"/admin/settlement/{run.pk}/")
    county.click("[data-testid=to-approve]")  # the confirmation step: what approving locks
    expect(county.locator("[data-testid=decide-total]")).to_contain_text("4450.00")
    screenshot(county, "settlement-admin-approve-step")
    county.click("button[value=approve]")
    expect(county.locator("[data-testid=run-status]")).to_contain_text("卫健局已审批")
    expect(county.locator("[data-testid=run-total]")).to_have_text("4450.00")
    screenshot(county, "settlement-admin-approved")

    doctor = page_at(360, 740)
    login(doctor, "doc_a1a", PASSWORD)
    doctor.goto_path("/portal/settlements/")
    doctor.click("text=城关镇2026年第1季度结算")
    explanation = doctor.locator("[data-testid=explanation]")
    expect(explanation).to_contain_text("质量系数 0.8")
    # Every figure from the doctor's own counts: 100 × 40.00 = 4,000.00; × 0.8 = 3,200.00; + 1,250.00 drugs.
    expect(explanation.locator("[data-testid=item]")).to_contain_text(
        "申报 100，核实 100，按核实数计：100 × 40.00 元 = 4000.00 元。"
    )
    expect(explanation.locator("[data-testid=subtotal]")).to_have_text("各项合计 4000 元 × 质量系数 0.8 = 3200.00 元。")
    expect(explanation.locator("[data-testid=result]")).to_contain_text("3200.00 元 + 基本药物补助 1250.00 元")
    expect(explanation.locator("[data-testid=balance]")).to_have_text("4450.00")
    screenshot(doctor, "settlement-portal-explanation-phone")
    with doctor.expect_download() as download_info:
        doctor.click("[data-testid=statement-link]")
    path = tmp_path / "statement.pdf"
    download_info.value.save_as(path)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "张庄村卫生室" in text and "4450.00" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts or "Noto" in fonts
