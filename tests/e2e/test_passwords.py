"""A doctor who forgot the password: the township clerk resets it from the roster and reads out the temporary
password; the doctor logs in with it on the phone and sets their own. The login page shows the way back in."""

from playwright.sync_api import expect

from tests.doctors.helpers import make_doctor
from tests.e2e.conftest import login, screenshot
from tests.factories import PASSWORD


def test_clerk_resets_and_the_doctor_sets_a_new_password_on_the_phone(page, phone, org):
    doctor = make_doctor(org.ca1a, user=org.users.doctor, name="张建国")
    login(page, "staff_a1", PASSWORD)
    page.goto_path(f"/admin/doctors/doctors/{doctor.pk}/password/")
    expect(page.locator("main")).to_contain_text("从未重置")
    screenshot(page, "password-reset-confirm-1280")
    page.click("text=生成临时密码")
    temporary = page.locator("code.temporary-password")
    expect(temporary).to_be_visible()
    password = temporary.inner_text()
    assert len(password) == 10
    expect(page.locator("main")).to_contain_text("此密码只显示这一次")
    screenshot(page, "password-reset-shown-1280")

    phone.goto_path("/accounts/login/")
    phone.click("text=忘记密码？")
    expect(phone.locator("main")).to_contain_text("请联系本乡镇卫生院")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "password-forgotten-phone")
    login(phone, org.users.doctor.username, password)
    phone.click("text=修改密码")
    phone.fill("input[name=old_password]", password)
    phone.fill("input[name=new_password1]", "山河村医2027")
    phone.fill("input[name=new_password2]", "山河村医2027")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "password-change-phone")
    phone.click("text=保存新密码")
    expect(phone.locator("main")).to_contain_text("新密码已生效")
    screenshot(phone, "password-changed-phone")
