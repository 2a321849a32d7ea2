"""The county's sampling rule (抽查规则) at 1280 px: set on its form, then stated on the samples page."""

from django.urls import reverse

from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD


def test_county_sets_the_rule_and_the_samples_page_states_it(page, org):
    login(page, org.users.county.username, PASSWORD)
    page.goto_path(reverse("samplingrule:add"))
    assert "0.05 表示 5%" in page.inner_text("main")
    page.select_option("select[name=county]", str(org.county_a.pk))
    page.fill("input[name=year]", "2026")
    page.fill("input[name=share]", "0.08")
    page.fill("input[name=maximum]", "15")
    page.fill("input[name=medium_risk_share]", "0.5")
    screenshot(page, "sampling_rule_form_1280")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**" + reverse("samplingrule:index"))
    listing = page.inner_text("main")
    assert "8%" in listing and "中 50%" in listing
    screenshot(page, "sampling_rule_list_1280")
    page.goto_path(reverse("sampling:list") + "?year=2026&month=3")
    stated = page.inner_text("[data-testid=rule]")
    assert "本县 2026 年抽查规则" in stated and "抽查比例 8%" in stated and "最多 15 人" in stated
    screenshot(page, "sampling_rule_on_samples_1280")
