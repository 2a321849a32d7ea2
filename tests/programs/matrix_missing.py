"""The missing-reports list (月报未报) and its 提醒 × every role (see tests/permissions.py)."""

from tests.permissions import DENIED, LOGIN, Case, staff_admin

STAFF = staff_admin(editor=DENIED)
# A POST answers with a redirect back to the list (the reminder, or the refusal as a message); outsiders are
# refused before anything is sent: a clinic of another township is not in their form's choices.
POSTED = staff_admin(
    township=302, other_township=302, county=302, other_county=302, superuser=302, editor=DENIED, norole=LOGIN
)


def remind_a1b(org):
    return {"year": "2026", "month": "3", "clinic": str(org.ca1b.pk)}


CASES = [
    Case("missing:list", STAFF),
    Case("missing:list", STAFF, query="year=2026&month=3", id="missing-month"),
    Case("missing:list", STAFF, query="year=abc&month=13&township=987654", id="missing-bad-query"),
    Case("missing:list", STAFF, query="township=987654", id="missing-guessed-township"),
    Case("missing:list", POSTED, method="post", data=remind_a1b, id="missing-remind"),
    Case(
        "missing:list",
        POSTED,
        method="post",
        data=lambda org: {"year": "2026", "month": "3", "clinic": "987654"},
        id="missing-remind-guessed-clinic",
    ),
    Case(
        "missing:list",
        POSTED,
        method="post",
        data=lambda org: {"year": "2026", "month": "3", "remind_all": ""},
        id="missing-remind-all",
    ),
]
