"""The province official at 1366 px: the admin home points to 各县工作对比, the table compares the province's
counties year on year, and choosing a city narrows it."""

from playwright.sync_api import expect

from tests.clinics.test_region_board import figures  # noqa: F401  (the hand-computed data, as a fixture)
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD


def test_province_official_compares_counties(page, org, figures):  # noqa: F811
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, org.users.province.username, PASSWORD)
    page.goto_path("/admin/")
    panel = page.locator("[data-testid=region-panel]")
    expect(panel).to_contain_text("示范省共有 2 个县使用本系统")
    screenshot(page, "region_home_1366")
    panel.locator("[data-testid=region-link]").click()
    expect(page.locator("h1")).to_contain_text("示范省各县工作对比")
    table = page.locator("[data-testid=region-table]")
    expect(table.locator("tbody tr")).to_have_count(2)
    header = table.locator("thead").inner_text()
    for title in (
        "在运行的村卫生室",
        "任务完成率",
        "核实真实率",
        "考核平均分",
        "补助已拨付（元）",
        "执业证书有效率",
        "通知阅读率",
    ):
        assert title in header
    row = table.locator("tbody tr[data-county=QS]")
    expect(row).to_contain_text("东山市")
    screenshot(page, "region_board_1366")
    # The table fits the screen: no column is cut off.
    assert (
        page.evaluate("document.querySelector('.county-table-wrap').scrollWidth")
        <= page.evaluate("document.querySelector('.county-table-wrap').clientWidth") + 1
    )
    page.select_option("#region-city", "Y")
    page.locator(".county-form button").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr").first.locator("th")).to_have_text("绿水县")
    screenshot(page, "region_board_city_1366")
