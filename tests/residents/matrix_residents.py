"""Every URL of the residents register × every role (see tests/permissions.py). Doctors get none of these
admin pages (their portal comes later); the access log is the county's."""

from tests.permissions import DENIED, NOT_FOUND, Case, staff_admin
from tests.residents.helpers import register

STAFF = staff_admin(editor=DENIED)
COUNTY_ONLY = staff_admin(township=DENIED, other_township=DENIED, editor=DENIED)


def resident_of_a1a(org):
    """A resident on clinic A1a's register: A1's staff and county A see them; others get 404."""
    if not hasattr(org, "matrix_resident"):
        org.matrix_resident = register(org.ca1a, 901, name="矩阵居民").resident
    return [org.matrix_resident.pk]


CASES = [
    Case("residents:list", STAFF),
    Case("residents:list", STAFF, query="year=abc&flag=x&clinic=999999&q=1234", id="register with bad filters"),
    Case(
        "residents:detail",
        STAFF | {"other_township": NOT_FOUND, "other_county": NOT_FOUND},
        args=resident_of_a1a,
    ),
    Case(
        "residents:detail",
        STAFF
        | {
            "township": NOT_FOUND,
            "other_township": NOT_FOUND,
            "county": NOT_FOUND,
            "other_county": NOT_FOUND,
            "superuser": NOT_FOUND,
        },
        args=lambda o: [999999],
        id="guessed resident id",
    ),
    Case("residents:access_log", COUNTY_ONLY),
    Case("data:import", STAFF, args=lambda o: ["residents"], id="import residents"),
]
