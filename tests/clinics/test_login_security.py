"""Log-in protection (django-axes), county admins' unlock and log-in records, session lifetime, security headers."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
LOCKED = "登录失败次数过多，账号已被锁定 30 分钟"


def fail(client, username, times, path=LOGIN):
    response = None
    for _ in range(times):
        response = client.post(path, {"username": username, "password": "wrong-password"})
    return response


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_failures_lock_the_user_and_the_right_password_is_refused(org):
    client = Client()
    response = fail(client, "staff_a1", settings.AXES_FAILURE_LIMIT - 1)
    assert response.status_code == 200 and LOCKED not in response.content.decode()
    response = fail(client, "staff_a1", 1)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    response = client.post(LOGIN, {"username": "staff_a1", "password": PASSWORD})
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not logged_in(client)
    # Another user at the same address (a health centre's shared router) still gets in.
    other = Client()
    response = other.post(LOGIN, {"username": "staff_a2", "password": PASSWORD})
    assert response.status_code == 302 and logged_in(other)


def test_many_failures_from_one_address_lock_the_address(org):
    client = Client()
    for n in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        fail(client, f"guess{n}", 1)
    response = client.post(LOGIN, {"username": "staff_a2", "password": PASSWORD})
    assert response.status_code == 429 and not logged_in(client)
    # From another address the user is not locked.
    elsewhere = Client(REMOTE_ADDR="10.9.8.7")
    assert elsewhere.post(LOGIN, {"username": "staff_a2", "password": PASSWORD}).status_code == 302


def test_wagtail_admin_login_is_throttled_too(org):
    client = Client()
    response = fail(client, "county_a", settings.AXES_FAILURE_LIMIT, path="/admin/login/")
    assert response.status_code == 429 and LOCKED in response.content.decode()
    response = client.post("/admin/login/", {"username": "county_a", "password": PASSWORD})
    assert response.status_code == 429 and not logged_in(client)


def test_success_starts_the_count_again(org):
    client = Client()
    fail(client, "staff_a1", settings.AXES_FAILURE_LIMIT - 1)
    assert client.post(LOGIN, {"username": "staff_a1", "password": PASSWORD}).status_code == 302
    client.logout()
    response = fail(client, "staff_a1", settings.AXES_FAILURE_LIMIT - 1)
    assert response.status_code == 200


def test_county_admin_unlocks_a_user_of_the_county(org, client_for):
    fail(Client(), "staff_a1", settings.AXES_FAILURE_LIMIT)
    admin = client_for(org.users.county)
    page = admin.get(reverse("login_security:locked"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "staff_a1" in content and "已锁定" in content
    response = admin.post(reverse("login_security:locked"), {"username": "staff_a1"}, follow=True)
    assert "已解锁账号“staff_a1”" in response.content.decode()
    client = Client()
    assert client.post(LOGIN, {"username": "staff_a1", "password": PASSWORD}).status_code == 302


def test_other_county_admin_can_neither_see_nor_unlock(org, client_for):
    fail(Client(), "staff_a1", settings.AXES_FAILURE_LIMIT)
    other = client_for(org.users.other_county)
    assert "staff_a1" not in other.get(reverse("login_security:locked")).content.decode()
    response = other.post(reverse("login_security:locked"), {"username": "staff_a1"}, follow=True)
    assert "不在您的管辖范围内" in response.content.decode()
    assert Client().post(LOGIN, {"username": "staff_a1", "password": PASSWORD}).status_code == 429


@pytest.mark.parametrize("role", ["township", "doctor", "editor", "norole"])
def test_only_county_admins_open_the_login_pages(org, client_for, role):
    client = client_for(getattr(org.users, role))
    for name in ("login_security:locked", "login_security:log"):
        response = client.get(reverse(name))
        assert response.status_code in (302, 403), name
        assert (
            response.status_code == 403
            or response.headers["Location"].rstrip("/") in ("/admin", LOGIN)
            or "login" in response.headers["Location"]
        )


def test_login_log_lists_the_county_users_only(org, client_for):
    Client().post(LOGIN, {"username": "staff_a1", "password": PASSWORD})
    Client().post(LOGIN, {"username": "doc_b1a", "password": PASSWORD})
    fail(Client(), "doc_a1a", 1)
    fail(Client(), "county_b", 1)
    admin = client_for(org.users.county)
    ok = admin.get(reverse("login_security:log")).content.decode()
    assert "staff_a1" in ok and "doc_b1a" not in ok
    failed = admin.get(reverse("login_security:log"), {"kind": "failed"}).content.decode()
    assert "doc_a1a" in failed and "county_b" not in failed
    assert admin.get(reverse("login_security:log"), {"kind": "LSB", "p": "²"}).status_code == 200


def test_staff_session_expires_after_two_hours_idle_and_at_browser_close(org):
    assert settings.SESSION_COOKIE_AGE == 2 * 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    client = Client()
    client.post(LOGIN, {"username": "staff_a1", "password": PASSWORD})
    client.get("/admin/")
    assert client.session.get_expire_at_browser_close()
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == ""


def test_doctor_session_lasts_a_week_on_the_phone(org):
    client = Client()
    client.post(LOGIN, {"username": "doc_a1a", "password": PASSWORD})
    client.get("/portal/")
    assert not client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == settings.DOCTOR_SESSION_AGE
    assert int(client.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == settings.DOCTOR_SESSION_AGE


def test_password_validators_speak_chinese():
    with pytest.raises(ValidationError) as error:
        password_validation.validate_password("123")
    text = " ".join(error.value.messages)
    assert "密码" in text and "This password" not in text


@pytest.mark.parametrize(
    "who,path", [("doctor", "/portal/"), ("county", "/admin/"), (None, "/notices-index"), (None, LOGIN)]
)
def test_security_headers(org, client_for, who, path):
    if path == "/notices-index":
        from cms.models import NoticeIndexPage

        path = NoticeIndexPage.objects.get(county=org.county_a).url
    response = client_for(getattr(org.users, who) if who else None).get(path)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    scripts = csp.split("script-src")[1].split(";")[0]
    assert "'self'" in scripts
    # Wagtail's admin runs inline scripts of its own; our portal and public pages need none.
    assert ("'unsafe-inline'" in scripts) == path.startswith("/admin/")
    assert "object-src 'none'" in csp and "frame-ancestors 'self'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_client_address_behind_proxies(settings):
    from django.test import RequestFactory

    from clinics.login_security import client_address

    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4", REMOTE_ADDR="10.0.0.1")
    assert client_address(request) == "10.0.0.1"  # no proxy configured: the header is not trusted
    settings.LOGIN_PROXY_COUNT = 1
    assert client_address(request) == "1.2.3.4"  # the entry our proxy added, not the forged one
