"""The verification sample on a phone (390 px): the township draws the month's sample, assigns it, works the call
list (whole numbers as tel: links for the assignee), applies it to the report, whose verified count follows; the
doctor sees the findings with the residents masked."""

from playwright.sync_api import expect

from programs.models import Complaint, ServiceItem, ServiceReportLine, VerificationSample
from tests.e2e.conftest import login, screenshot, watch_csp
from tests.factories import PASSWORD
from tests.programs.sampling_helpers import make_records, make_report


def phone_page(browser, live_server):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto_path = lambda path: page.goto(live_server.url + path)
    watch_csp(page)
    return page


def test_draw_call_apply_and_the_doctor_sees_the_findings(browser, live_server, org):
    from tests.programs.conftest import register_doctors

    register_doctors(org)
    item = ServiceItem.objects.get(code="PH09")
    records = make_records(org.ca1a, item, count=10)
    make_report(org.ca1a, {item: 10})

    staff = phone_page(browser, live_server)
    login(staff, "staff_a1", PASSWORD)
    staff.goto_path("/admin/services/samples/?year=2026&month=3")
    staff.click("[data-testid=draw]")
    expect(staff.locator("[data-sample=A1a-PH09]")).to_contain_text("0 / 3")
    screenshot(staff, "sampling-drawn-390")
    staff.locator("[data-sample=A1a-PH09] a:has-text('查看')").click()
    staff.select_option("select[name=assignee]", label="staff_a1")
    staff.click("[data-testid=assign]")
    staff.click("[data-testid=open-calls]")
    sample = VerificationSample.objects.get()
    first = sample.entries.get(position=1).record
    whole = f"1380000{records.index(first):04d}"
    expect(staff.locator("[data-testid=call-1] [data-testid=phone]")).to_have_attribute("href", f"tel:{whole}")
    assert staff.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(staff, "sampling-call-list-390")
    staff.click("[data-testid=call-1] [data-testid=outcome-confirmed]")
    staff.click("[data-testid=call-2] [data-testid=outcome-not_confirmed]")
    staff.click("[data-testid=call-3] [data-testid=outcome-refused]")
    expect(staff.locator("[data-testid=call-4]")).to_be_visible()  # the first reserve, moved into the sample
    staff.click("[data-testid=call-4] [data-testid=outcome-confirmed]")
    expect(staff.locator("[data-testid=call-progress]")).to_contain_text("已核实 3 人，属实 2 人")
    screenshot(staff, "sampling-called-390")
    staff.goto_path(f"/admin/services/samples/{sample.pk}/")
    staff.click("[data-testid=apply]")
    expect(staff.locator("[data-testid=line]")).to_have_text("10 / 6")  # 10 × 2/3, rounded down
    line = ServiceReportLine.objects.get(report__clinic=org.ca1a)
    staff.goto_path(f"/admin/services/reports/{line.report_id}/")
    expect(staff.locator("[data-testid=verified-PH09]")).to_have_text("6")
    screenshot(staff, "sampling-report-verified-390")

    doctor = phone_page(browser, live_server)
    login(doctor, "doc_a1a", PASSWORD)
    doctor.goto_path("/portal/services/findings/")
    findings = doctor.locator("[data-testid=findings]")
    expect(findings).to_contain_text("不属实")
    assert first.id_number_masked in findings.inner_text() or "**" in findings.inner_text()
    assert first.resident_name not in findings.inner_text() and whole not in doctor.content()
    assert doctor.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(doctor, "sampling-doctor-findings-390")


def test_a_mismatch_on_the_call_list_becomes_a_complaint_the_doctor_reads(browser, live_server, org):
    item = ServiceItem.objects.get(code="PH09")
    make_records(org.ca1a, item, count=10)
    make_report(org.ca1a, {item: 10})
    staff = phone_page(browser, live_server)
    login(staff, "staff_a1", PASSWORD)
    staff.goto_path("/admin/services/samples/?year=2026&month=3")
    staff.click("[data-testid=draw]")
    sample = VerificationSample.objects.get()
    first = sample.entries.get(position=1).record
    staff.goto_path(f"/admin/services/samples/{sample.pk}/calls/")
    card = staff.locator("[data-testid=call-1]")
    card.locator("input[name=note]").fill("只量了血压")
    card.locator("input[name=open_complaint]").check()
    card.locator("[data-testid=outcome-mismatch]").click()
    expect(staff.locator("[data-testid=call-1]")).to_contain_text("已登记为投诉")
    screenshot(staff, "complaint-from-call-390")

    staff.goto_path("/admin/complaint/")
    expect(staff.locator("main")).to_contain_text("虚报或未提供服务")
    staff.goto_path(f"/admin/complaint/edit/{Complaint.objects.get().pk}/")
    expect(staff.locator("[data-testid=complaint-facts]")).to_contain_text("只量了血压")
    staff.fill("textarea[name=answer]", "经核实，随访只测了血压，已责令整改")
    staff.select_option("select[name=finding]", label="属实")
    staff.click("button[type=submit]:has-text('保存')")
    expect(staff.locator("main")).to_contain_text("已办结")
    screenshot(staff, "complaints-list-390")

    doctor = phone_page(browser, live_server)
    login(doctor, "doc_a1a", PASSWORD)
    doctor.goto_path("/portal/complaints/")
    listing = doctor.locator("[data-testid=complaints]")
    expect(listing).to_contain_text("已办结：属实")
    expect(listing).to_contain_text("已责令整改")
    assert first.resident_name not in listing.inner_text() and first.resident_name[:1] + "*" in listing.inner_text()
    assert doctor.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(doctor, "complaints-doctor-390")
