"""A doctor sees their own clinic; a township clerk sees only their township's clinics."""

from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD


def test_doctor_logs_in_and_sees_own_clinic(phone, org):
    login(phone, "doc_a1a", PASSWORD)
    assert phone.url.endswith("/portal/")
    card = phone.locator("[data-testid=clinic-card]")
    assert "张庄村卫生室" in card.inner_text()
    assert "城关镇" in card.inner_text()
    body = phone.locator("body").inner_text()
    assert "李家村卫生室" not in body and "赵寨村卫生室" not in body
    # Readable at 360 px: nothing wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "portal-home-phone")


def test_wrong_password_shows_chinese_error(phone, org):
    login(phone, "doc_a1a", "wrong-password")
    assert "用户名或密码不正确" in phone.locator(".errors").inner_text()


def test_township_clerk_sees_only_own_township(page, org):
    login(page, "staff_a1", PASSWORD)
    page.goto_path("/admin/clinic/")
    listing = page.locator("table.listing").inner_text()
    assert "张庄村卫生室" in listing and "李家村卫生室" in listing
    assert "王营村卫生室" not in listing  # township A2
    assert "赵寨村卫生室" not in listing  # county B
    screenshot(page, "admin-clinics-township")
