from clinics.models import ImportJob
from programs.models import Quota, ServiceItem, ServiceItemPrice, ServiceReport
from tests.permissions import DENIED, LOGIN, NOT_FOUND, OK, Case, doctor_portal, staff_admin

STAFF = staff_admin(editor=DENIED)
A1 = staff_admin(other_township=NOT_FOUND, other_county=NOT_FOUND, editor=DENIED)


def report_a1a(org):
    return [
        ServiceReport.objects.get_or_create(clinic=org.ca1a, year=2026, month=3, defaults={"status": "submitted"})[0].pk
    ]


def quota_a1a(org):
    item = ServiceItem.objects.get(code="PH09")
    return [Quota.objects.get_or_create(clinic=org.ca1a, item=item, year=2026, defaults={"target": 100})[0].pk]


def price_a(org):
    item = ServiceItem.objects.get(code="PH09")
    return [
        ServiceItemPrice.objects.get_or_create(
            county=org.county_a, year=2026, item=item, defaults={"unit_price": 40, "work_points": 15}
        )[0].pk
    ]


def item(org):
    return [ServiceItem.objects.get(code="PH09").pk]


def job_of_township(org):
    return [
        ImportJob.objects.create(
            resource="service_reports",
            filename="x.xlsx",
            stored_file="x.xlsx",
            created_by=org.users.township,
            state="checked",
        ).pk
    ]


def job_file_of_township(org):
    from clinics.services import import_upload_dir

    folder = import_upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "matrix-job.xlsx").write_bytes(b"matrix rows")
    return [
        ImportJob.objects.create(
            resource="service_reports",
            filename="名单.xlsx",
            stored_file="matrix-job.xlsx",
            created_by=org.users.township,
            state="invalid",
        ).pk
    ]


ITEM_STAFF = staff_admin(editor=DENIED)
ITEM_CHANGE = staff_admin(township=DENIED, other_township=DENIED, editor=DENIED)
PRICE_A = staff_admin(other_county=NOT_FOUND, editor=DENIED)
QUOTA_DELETE = A1 | {"township": DENIED}

CASES = [
    Case("portal_reports:index", doctor_portal(doctor=302, other_doctor=302, far_doctor=302)),
    Case("portal_reports:report", doctor_portal(), args=lambda o: [2026, 3]),
    Case(
        "portal_reports:report",
        doctor_portal(doctor=NOT_FOUND, other_doctor=NOT_FOUND, far_doctor=NOT_FOUND),
        args=lambda o: [2026, 13],
        id="month 13",
    ),
    Case("portal_reports:progress", doctor_portal()),
    Case("portal_reports:progress_export", doctor_portal()),
    Case("reports:list", STAFF),
    Case("reports:verify", A1, args=report_a1a),
    Case(
        "reports:verify",
        A1 | {"township": NOT_FOUND, "county": NOT_FOUND, "superuser": NOT_FOUND, "editor": NOT_FOUND},
        args=lambda o: [987654],
        id="guessed report id",
    ),
    Case("reports:matrix", STAFF),
    Case("reports:matrix_export", STAFF),
    Case("reports:periods", STAFF),
    Case("reports:generate_quotas", STAFF),
    # within the uploader's scope: their township's staff and their county's admins
    Case(
        "data:job",
        staff_admin(other_township=NOT_FOUND, other_county=NOT_FOUND, editor=NOT_FOUND),
        args=job_of_township,
    ),
    Case(
        "data:job_file",
        staff_admin(other_township=NOT_FOUND, other_county=NOT_FOUND, editor=NOT_FOUND),
        args=job_file_of_township,
    ),
    Case("data:import", STAFF, args=lambda o: ["service_reports"], id="import service reports"),
    Case("data:export", STAFF, args=lambda o: ["quotas"], id="export quotas"),
    # quotas
    Case("quota:index", STAFF),
    Case("quota:index_results", STAFF),
    Case("quota:add", STAFF),
    Case("quota:edit", A1, args=quota_a1a),
    Case("quota:copy", A1, args=quota_a1a),
    Case("quota:history", A1, args=quota_a1a),
    Case("quota:history_results", A1, args=quota_a1a),
    Case("quota:usage", A1, args=quota_a1a),
    Case("quota:delete", QUOTA_DELETE, args=quota_a1a),
    # the national catalogue
    Case("serviceitem:index", ITEM_STAFF),
    Case("serviceitem:index_results", ITEM_STAFF),
    Case("serviceitem:add", ITEM_CHANGE),
    Case("serviceitem:edit", ITEM_CHANGE, args=item),
    Case("serviceitem:copy", ITEM_CHANGE, args=item),
    Case("serviceitem:history", ITEM_CHANGE, args=item),
    Case("serviceitem:history_results", ITEM_CHANGE, args=item),
    Case("serviceitem:usage", ITEM_CHANGE, args=item),
    Case("serviceitem:delete", ITEM_CHANGE | {"county": DENIED, "other_county": DENIED}, args=item),
    # county prices
    Case("serviceitemprice:index", ITEM_STAFF),
    Case("serviceitemprice:index_results", ITEM_STAFF),
    Case("serviceitemprice:add", ITEM_CHANGE),
    Case("serviceitemprice:edit", PRICE_A | {"township": DENIED, "other_township": DENIED}, args=price_a),
    Case("serviceitemprice:copy", PRICE_A | {"township": DENIED, "other_township": DENIED}, args=price_a),
    Case("serviceitemprice:history", PRICE_A | {"township": DENIED, "other_township": DENIED}, args=price_a),
    Case("serviceitemprice:history_results", PRICE_A | {"township": DENIED, "other_township": DENIED}, args=price_a),
    Case("serviceitemprice:usage", PRICE_A | {"township": DENIED, "other_township": DENIED}, args=price_a),
    Case("serviceitemprice:delete", PRICE_A | {"township": DENIED, "other_township": DENIED}, args=price_a),
]
_ = (LOGIN, OK)
