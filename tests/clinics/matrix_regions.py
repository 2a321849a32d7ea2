"""The levels above the county: the comparison of counties, and the county / city / province registers."""

from tests.permissions import DENIED, HIDDEN, OK, Case, staff_admin

# Only the system administrator sets up provinces and cities, and creates or changes counties.
SUPERUSER_ONLY = staff_admin(
    township=DENIED,
    other_township=DENIED,
    county=DENIED,
    other_county=DENIED,
    editor=DENIED,
    city=DENIED,
    province=DENIED,
)
# One of them: refused, or 404 where the view looks the object up in the user's scope first.
SUPERUSER_ONLY_OBJECT = staff_admin(
    **dict.fromkeys(["township", "other_township", "county", "other_county", "editor", "city", "province"], HIDDEN)
)
# A county admin reads their own county's row (the counties export); nobody else below the superuser.
COUNTY_LIST = staff_admin(township=DENIED, other_township=DENIED, editor=DENIED, city=DENIED, province=DENIED)
# The comparison of counties: city and province officials and the superuser; staff below are refused.
REGION_BOARD = staff_admin(
    township=DENIED, other_township=DENIED, county=DENIED, other_county=DENIED, editor=DENIED, city=OK, province=OK
)


def _object_cases(name, args):
    return [
        Case(f"{name}:{view}", SUPERUSER_ONLY_OBJECT, args=args)
        for view in ("edit", "copy", "delete", "history", "history_results", "usage")
    ]


CASES = [
    Case("dashboard:region", REGION_BOARD),
    Case("dashboard:region", REGION_BOARD, query="year=abc&city=%00", id="region board, bad query"),
    Case("dashboard:region", REGION_BOARD, query="year=1999&city=NOPE", id="region board, out-of-range year"),
    Case("county:index", COUNTY_LIST),
    Case("county:index_results", COUNTY_LIST),
    Case("county:add", SUPERUSER_ONLY),
    *_object_cases("county", lambda o: [o.county_a.pk]),
    Case("city:index", SUPERUSER_ONLY),
    Case("city:index_results", SUPERUSER_ONLY),
    Case("city:add", SUPERUSER_ONLY),
    *_object_cases("city", lambda o: [o.city_x.pk]),
    Case("province:index", SUPERUSER_ONLY),
    Case("province:index_results", SUPERUSER_ONLY),
    Case("province:add", SUPERUSER_ONLY),
    *_object_cases("province", lambda o: [o.province.pk]),
]
