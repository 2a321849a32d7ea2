from tests.permissions import DENIED, NOT_FOUND, Case, staff_admin

# County admins and superusers only; a county admin sees their own county (county B's admin gets county B's
# figures) and another county's code is 404.
COUNTY_DASHBOARD = staff_admin(township=DENIED, other_township=DENIED, editor=DENIED)

CASES = [
    Case("dashboard:county", COUNTY_DASHBOARD),
    Case(
        "dashboard:county",
        COUNTY_DASHBOARD | {"other_county": NOT_FOUND},
        query="county=QS",
        id="county dashboard of county A by code",
    ),
    Case(
        "dashboard:county",
        COUNTY_DASHBOARD | {"county": NOT_FOUND, "other_county": NOT_FOUND, "superuser": NOT_FOUND},
        query="county=NOPE",
        id="county dashboard of an unknown county",
    ),
]
