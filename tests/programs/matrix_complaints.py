"""The complaints register (每诉必录) × every role: the staff list, recording, answering and the history of a
complaint about clinic A1a; the county's answer deadline; the doctor's page in the portal."""

from datetime import timedelta

from django.utils import timezone

from programs.models import Complaint, ComplaintRule
from programs.services import complaints
from tests.permissions import DENIED, NOT_FOUND, Case, doctor_portal, staff_admin

STAFF = staff_admin(editor=DENIED)
# A complaint about A1a: its township and county handle it; another township or county finds nothing.
A1A = staff_admin(other_township=NOT_FOUND, other_county=NOT_FOUND, editor=DENIED)
RULE_EDIT = staff_admin(township=DENIED, other_township=DENIED, other_county=NOT_FOUND, editor=DENIED)
RULE_ADD = staff_admin(township=DENIED, other_township=DENIED, editor=DENIED)


def complaint_a1a(org):
    existing = Complaint.objects.filter(clinic=org.ca1a).first() or complaints.record_complaint(
        user=None,
        clinic=org.ca1a,
        source=Complaint.Source.HOTLINE,
        kind=Complaint.Kind.ATTITUDE,
        received_at=timezone.now() - timedelta(hours=1),
        description="村医态度生硬",
        complainant="王大山",
    )
    return [existing.pk]


def rule_a(org):
    return [ComplaintRule.objects.get_or_create(county=org.county_a)[0].pk]


CASES = [
    Case("complaint:index", STAFF),
    Case("complaint:index_results", STAFF),
    Case("complaint:index", STAFF, query="status=open&kind=nope&q=%E2%80%8B", id="complaints-bad-query"),
    Case("complaint:add", STAFF),
    Case("complaint:edit", A1A, args=complaint_a1a),
    Case("complaint:history", A1A, args=complaint_a1a),
    Case("complaint:history_results", A1A, args=complaint_a1a),
    Case("complaint:usage", A1A, args=complaint_a1a),
    # Nobody is given deletion: a complaint stays on the register (and the superuser's deletion is refused).
    Case("complaint:delete", A1A | {"township": DENIED, "county": DENIED}, args=complaint_a1a),
    Case("complaintrule:index", STAFF),
    Case("complaintrule:index_results", STAFF),
    Case("complaintrule:add", RULE_ADD),
    Case("complaintrule:edit", RULE_EDIT, args=rule_a),
    Case("complaintrule:history", RULE_EDIT, args=rule_a),
    Case("complaintrule:history_results", RULE_EDIT, args=rule_a),
    Case("complaintrule:usage", RULE_EDIT, args=rule_a),
    Case("complaintrule:delete", RULE_EDIT | {"county": DENIED}, args=rule_a),
    Case("portal_complaints:list", doctor_portal()),
    Case("portal_complaints:list", doctor_portal(), query="page=abc", id="portal-complaints-bad-page"),
]
