"""The county admin opens the county dashboard from the admin home on demo data: one row per township,
links to the lists behind the figures, monthly trend charts; the printed version keeps the table and charts."""

from io import StringIO

from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, login, screenshot


def test_county_admin_reads_the_county_dashboard(page, live_server):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    call_command("seed_demo", "--townships", "8", "--clinics-per-township", "3", stdout=StringIO())
    login(page, "county", settings.DEMO_PASSWORD)
    page.goto_path("/admin/")
    page.click("[data-testid=county-dashboard-link]")
    expect(page.locator("h1")).to_contain_text("青山县各乡镇工作对比")
    table = page.locator("[data-testid=county-table]")
    expect(table.locator("tbody tr")).to_have_count(8)
    expect(table.locator("tbody tr").first.locator("th")).to_have_text("城关镇")
    header = table.locator("thead").inner_text()
    for title in ("在运行的村卫生室", "月报未报", "任务完成率", "90天内到期的执业证书", "考核平均分", "最新补助结算"):
        assert title in header
    expect(page.locator("[data-testid=trend] svg.chart")).to_have_count(3)
    assert page.locator("svg.multiples").first.locator("text", has_text="石桥镇").count() >= 1
    # Nothing is fetched from the internet: every request went to the live server.
    assert all(url.startswith((live_server.url, "data:")) for url in requested), requested
    screenshot(page, "county-dashboard")
    page.locator(".county-trend").nth(1).screenshot(path=str(SCREENSHOTS / "county-dashboard-on-time.png"))
    page.locator(".county-trend").nth(2).screenshot(path=str(SCREENSHOTS / "county-dashboard-completion.png"))
    page.locator(".county-trend").nth(0).screenshot(path=str(SCREENSHOTS / "county-dashboard-county.png"))
    page.emulate_media(media="print")
    screenshot(page, "county-dashboard-print")
    assert not page.locator(".sidebar").first.is_visible()
    page.emulate_media(media="screen")
    # A figure opens the list behind it, narrowed to the township.
    table.locator("tbody tr").first.locator("td").nth(0).locator("a").click()
    expect(page.locator("h1")).to_contain_text("村卫生室")
    assert "township=" in page.url
