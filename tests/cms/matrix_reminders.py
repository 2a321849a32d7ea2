"""提醒 on a notice's unread list (the receipts page's POST) × every role (see tests/permissions.py)."""

from tests.cms.matrix_notices import doctors_only
from tests.permissions import DENIED, LOGIN, NOT_FOUND, Case, staff_admin

CASES = [
    Case(
        "receipts:detail",
        staff_admin(
            township=302,
            other_township=302,
            county=302,
            other_county=NOT_FOUND,
            superuser=302,
            editor=DENIED,
            norole=LOGIN,
        ),
        args=doctors_only,
        method="post",
        data=lambda org: {"doctor": str(org.users.doctor.pk)},
        id="receipt-remind",
    ),
    Case(
        "receipts:detail",
        staff_admin(
            township=302,
            other_township=302,
            county=302,
            other_county=NOT_FOUND,
            superuser=302,
            editor=DENIED,
            norole=LOGIN,
        ),
        args=doctors_only,
        method="post",
        data=lambda org: {"remind_all": ""},
        id="receipt-remind-all",
    ),
]
