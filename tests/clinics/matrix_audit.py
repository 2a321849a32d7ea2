"""The change history page (设置 → 修改记录): county admins and township staff, each in their own scope."""

from tests.permissions import DENIED, OK, Case, staff_admin

READERS = staff_admin(township=OK, other_township=OK, editor=DENIED, county=OK, other_county=OK, superuser=OK)

CASES = [
    Case("audit:log", READERS),
    Case("audit:log", READERS, query="user=staff&since=2026-01-01&model=programs.servicereport", id="search"),
    Case("audit:log", READERS, query="export=xlsx", id="export"),
]
