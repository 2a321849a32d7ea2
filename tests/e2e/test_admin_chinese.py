"""What the county clerk and the notice editor read in Wagtail's admin, as the browser renders it (the sidebar,
the page explorer and other parts are drawn by JavaScript): Chinese, with no English words."""

import pytest

from cms.models import NoticeIndexPage
from tests.chinese import ALLOWED, WORD
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD


def english_words(text: str, username: str) -> list[str]:
    return sorted({w for w in WORD.findall(text.replace(username, "")) if w not in ALLOWED})


@pytest.mark.parametrize("username", ["county_a", "editor_a"])
def test_wagtail_admin_reads_in_chinese(page, org, username):
    index = NoticeIndexPage.objects.get(county=org.county_a)
    login(page, username, PASSWORD)
    found = {}
    for name, path in [
        ("home", "/admin/"),
        ("explorer", f"/admin/pages/{index.pk}/"),
        ("add-notice", f"/admin/pages/add/cms/noticepage/{index.pk}/"),
        ("documents", "/admin/documents/"),
        ("account", "/admin/account/"),
    ]:
        page.goto_path(path)
        page.wait_for_load_state("networkidle")
        if name == "home":
            # The page explorer menu opens a panel drawn by JavaScript.
            page.get_by_role("button", name="页面").first.click()
            page.locator(".w-sidebar__explorer, [data-w-sidebar-explorer], .c-page-explorer").first.wait_for()
            page.wait_for_timeout(500)
        screenshot(page, f"admin-chinese-{username}-{name}")
        words = english_words(page.locator("body").inner_text(), username)
        if words:
            found[path] = words
    assert not found, found
