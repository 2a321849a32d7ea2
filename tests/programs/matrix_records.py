"""Service records (服务记录): the listing, its export, the county's column mapping and the doctor's quick entry
× every role (see tests/permissions.py)."""

from tests.permissions import DENIED, NOT_FOUND, Case, doctor_portal, staff_admin

STAFF = staff_admin(editor=DENIED)
COUNTY = staff_admin(township=DENIED, other_township=DENIED, editor=DENIED)
# A guessed clinic or county: staff who may open the page get 404.
GUESSED = staff_admin(
    township=NOT_FOUND,
    other_township=NOT_FOUND,
    county=NOT_FOUND,
    other_county=NOT_FOUND,
    superuser=NOT_FOUND,
    editor=DENIED,
)
POSTED = staff_admin(township=DENIED, other_township=DENIED, editor=DENIED, county=302, other_county=302, superuser=302)


def mapping(org):
    return {
        f"column_{i}": name
        for i, name in enumerate(["机构编码", "项目编码", "服务日期", "证件号码", "姓名", "医生", "备注"])
    }


CASES = [
    Case("records:list", STAFF),
    Case("records:list", STAFF, query="year=2026&month=11&matched=unmatched", id="records-filtered"),
    Case("records:list", STAFF, query="year=abc&month=13&clinic=987654&item=x", id="records-bad-query"),
    Case("records:list", STAFF, query="export=xlsx&year=2026&month=11", id="records-export"),
    Case("records:list", GUESSED, query="export=xlsx&clinic=987654", id="records-export-guessed-clinic"),
    Case("records:mapping", COUNTY),
    Case(
        "records:mapping",
        {**GUESSED, "township": DENIED, "other_township": DENIED},
        query="county=987654",
        id="records-mapping-guessed-county",
    ),
    Case("records:mapping", POSTED, method="post", data=mapping, id="records-mapping-save"),
    Case("portal_records:entry", doctor_portal()),
    Case("portal_records:entry", doctor_portal(), query="q=张", id="portal-records-search"),
    Case(
        "portal_records:entry",
        doctor_portal(doctor=200, other_doctor=200, far_doctor=200),
        method="post",
        data=lambda org: {"resident": "987654", "item": "1", "service_date": "2026-11-20"},
        id="portal-records-guessed-resident",
    ),
]
