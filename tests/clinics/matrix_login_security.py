"""The county admins' log-in pages: 被锁定的账号 (with 解锁) and 登录记录."""

from tests.permissions import DENIED, OK, Case, staff_admin

COUNTY_ADMINS = staff_admin(
    township=DENIED, other_township=DENIED, editor=DENIED, county=OK, other_county=OK, superuser=OK
)

CASES = [
    Case("login_security:locked", COUNTY_ADMINS),
    Case(
        "login_security:locked",
        COUNTY_ADMINS | {"county": 302, "other_county": 302, "superuser": 302},
        method="post",
        data=lambda org: {"username": "staff_a1"},
        id="unlock",
    ),
    Case("login_security:log", COUNTY_ADMINS),
    Case("login_security:log", COUNTY_ADMINS, query="kind=failed", id="failed log-ins"),
]
