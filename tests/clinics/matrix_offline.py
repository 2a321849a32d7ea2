"""Permission matrix of the offline portal: the manifest and the worker are public files (no data in them); the
sync endpoint and the pending-queue page are the logged-in doctor's only."""

from tests.permissions import OK, Case, doctor_portal

CASES = [
    Case("portal_offline:manifest", {}, default=OK),
    Case("portal_offline:service_worker", {}, default=OK),
    Case("portal_offline:queue", doctor_portal()),
    Case("portal_offline:sync", doctor_portal()),
    Case(
        "portal_offline:sync",
        doctor_portal(doctor=400, other_doctor=400, far_doctor=400),
        method="post",
        data=lambda o: {"not": "json"},
        id="sync: posting an entry (a form post is no entry: refused)",
    ),
]
