"""An editor drafts a notice in Wagtail, a moderator publishes it, an anonymous visitor reads it on a
phone, and a village doctor acknowledges it while the township's unread list shrinks."""

import re
import time

from playwright.sync_api import expect
from wagtail.models import WorkflowState

from cms.caching import notices_version
from cms.models import NoticeIndexPage, NoticePage
from tests.e2e.conftest import login, screenshot, watch_csp
from tests.factories import PASSWORD

TITLE = "关于做好冬季村医高血压随访工作的通知"


def new_page(browser, live_server, width, height):
    page = watch_csp(browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN").new_page())
    page.set_default_timeout(30000)
    page.goto_path = lambda path: page.goto(live_server.url + path)
    return page


def wait_until(condition, seconds=30):
    """The browser's request has returned when the page changed, but the server may still be committing."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def open_action_menu(page):
    page.locator("footer .w-dropdown__toggle, [data-w-dropdown-target='toggle']").last.click()


def test_editor_drafts_moderator_publishes_doctor_acknowledges(browser, live_server, org):
    index = NoticeIndexPage.objects.get(county=org.county_a)

    editor = new_page(browser, live_server, 1280, 900)
    login(editor, "editor_a", PASSWORD)
    editor.goto_path(f"/admin/pages/add/cms/noticepage/{index.pk}/")
    editor.wait_for_load_state("networkidle")
    editor.fill("#id_title", TITLE)
    editor.fill("#id_issuing_body", "青山县卫生健康局")
    editor.fill("#id_document_number", "青卫发〔2026〕20号")
    editor.fill("#id_summary", "请各村医在12月底前完成本季度高血压患者面对面随访。")
    editor.locator("#id_audience").select_option("doctors")
    editor.locator("[data-panel-id] button[title='插入块'], .c-sf-add-button").first.click()
    editor.get_by_role("option", name="正文段落").click()
    draftail = editor.locator(".public-DraftEditor-content").first
    draftail.click()
    editor.keyboard.type("请各村医认真做好高血压患者随访，随访记录当日录入。")
    editor.wait_for_timeout(1000)  # Draftail writes its content to the form at most every 250 ms
    screenshot(editor, "notices-editor-draft")
    open_action_menu(editor)
    editor.locator("button[name=action-submit]").click()
    expect(editor).not_to_have_url(re.compile(r"/add/"), timeout=30000)
    wait_until(lambda: WorkflowState.objects.filter(status=WorkflowState.STATUS_IN_PROGRESS).exists())
    notice = NoticePage.objects.get(title=TITLE)
    assert notice.live is False
    assert WorkflowState.objects.get(object_id=str(notice.pk)).status == WorkflowState.STATUS_IN_PROGRESS

    anonymous = new_page(browser, live_server, 390, 800)
    anonymous.goto_path("/")
    expect(anonymous.locator("body")).not_to_contain_text(TITLE)

    moderator = new_page(browser, live_server, 1280, 900)
    login(moderator, "moderator_a", PASSWORD)
    moderator.goto_path(f"/admin/pages/{notice.pk}/edit/")
    moderator.wait_for_load_state("networkidle")
    expect(moderator.locator(".public-DraftEditor-content").first).to_contain_text("随访记录当日录入")
    moderator.locator("#id_audience").select_option("public")  # the moderator opens it to the public
    cached_version = notices_version()  # the anonymous home page above is cached under this version
    # Approval is the main button of the review page, not hidden in the dropdown behind 保存草稿.
    approve = moderator.locator("button[data-workflow-action-name=approve]:not([data-workflow-action-modal-url])")
    expect(approve).to_be_visible()
    expect(approve).to_contain_text("批准并发布")
    screenshot(moderator, "notices-moderator-review-1280")
    approve.click()
    # Live in the database, and the cached pages' version moved on (after the commit, so a moment later).
    wait_until(lambda: NoticePage.objects.get(pk=notice.pk).live and notices_version() != cached_version)

    anonymous.goto_path("/")
    anonymous.get_by_role("link", name=TITLE).click()
    expect(anonymous.locator("article.notice h1")).to_have_text(TITLE)
    expect(anonymous.locator(".notice-body")).to_contain_text("随访记录当日录入")
    screenshot(anonymous, "notices-public-phone")
    anonymous.goto_path("/notices/search/?q=高血压")
    expect(anonymous.locator(".search-results")).to_contain_text(TITLE)
    screenshot(anonymous, "notices-search-phone")

    township = new_page(browser, live_server, 1280, 900)
    login(township, "staff_a1", PASSWORD)
    township.goto_path(f"/admin/notices/receipts/{notice.pk}/")
    unread = township.locator("[data-testid=unread-list] tbody tr")
    expect(unread).to_have_count(2)

    doctor = new_page(browser, live_server, 360, 740)
    login(doctor, "doc_a1a", PASSWORD)
    doctor.goto_path("/portal/notices/")
    expect(doctor.locator("[data-testid=unread-count]")).to_contain_text("1 条")
    doctor.get_by_role("link", name=TITLE).click()
    screenshot(doctor, "notices-portal-detail-phone")
    doctor.get_by_role("button", name="我已阅读").click()
    expect(doctor.locator("[data-testid=unread-count]")).to_contain_text("通知都已读完")

    township.reload()
    expect(unread).to_have_count(1)
    expect(township.locator("[data-testid=unread-list]")).to_contain_text("doc_a1b")
    expect(township.locator("[data-testid=receipt-summary]")).to_contain_text("已读 1 人")
    screenshot(township, "notices-township-unread")


def test_a_settlement_announcement_fits_a_phone(phone, org):
    """The 公示 of a settlement has five money columns; on a 360 px phone every value, 应拨 included, is on
    the screen (one card per clinic), not scrolled out of a 323 px box."""
    from cms.services import publish_announcement

    page_obj = publish_announcement(
        county=org.county_a,
        title="城关镇第1季度结算公示",
        intro="以下为补助结算结果，公示期 7 天。",
        table_headers=["村卫生室", "公共卫生补助", "基本药物补助", "扣款", "已预拨", "应拨"],
        table_rows=[["城关高洼村卫生室", "3987.00", "3915.00", "0.00", "1500.00", "6402.00"]],
        user=org.users.county,
    )
    phone.goto_path(page_obj.url)
    payout = phone.locator('td[data-label="应拨"]')
    expect(payout).to_contain_text("6402.00")
    box, width = payout.bounding_box(), phone.viewport_size["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)
    table = phone.locator("table.notice-table")
    assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")
    screenshot(phone, "notices-announcement-phone")
