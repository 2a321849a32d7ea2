"""The verification samples (抽查核实) × every role: the month's list with 抽取本月样本, a sample's page, the call list
and its outcome posts, 我的回访, and the doctor's findings in the portal."""

from programs.models import SamplingRule, ServiceItem, VerificationSample
from programs.services import sampling
from tests.permissions import DENIED, LOGIN, NOT_FOUND, Case, doctor_portal, staff_admin
from tests.programs.sampling_helpers import make_records, make_report

STAFF = staff_admin(editor=DENIED)
A1 = staff_admin(other_township=NOT_FOUND, other_county=NOT_FOUND, editor=DENIED)
# Drawing answers with a redirect back to the list for every staff member (outsiders draw nothing in A1).
DRAWN = staff_admin(
    township=302, other_township=302, county=302, other_county=302, superuser=302, editor=DENIED, norole=LOGIN
)


def sample_a1a(org):
    existing = VerificationSample.objects.filter(clinic=org.ca1a, superseded_by__isnull=True).first()
    if existing is None:
        item = ServiceItem.objects.get(code="PH09")
        make_records(org.ca1a, item, count=6)
        make_report(org.ca1a, {item: 6})
        [existing] = sampling.draw_samples(user=None, year=2026, month=3, seed=1)
    return [existing.pk]


def rule_a(org):
    return [SamplingRule.objects.get_or_create(county=org.county_a, year=2026)[0].pk]


# County A's rule: its township's staff read it, its county admin edits it; county B gets a 404.
RULE_READ = staff_admin(other_county=NOT_FOUND, editor=DENIED)
RULE_EDIT = staff_admin(township=DENIED, other_township=DENIED, other_county=NOT_FOUND, editor=DENIED)
RULE_ADD = staff_admin(township=DENIED, other_township=DENIED, editor=DENIED)


def first_entry(org):
    sample = VerificationSample.objects.get(pk=sample_a1a(org)[0])
    return {"entry": str(sample.entries.filter(reserve=False).first().pk), "outcome": "confirmed", "note": ""}


CASES = [
    Case("sampling:list", STAFF),
    Case("data:import", STAFF, args=lambda o: ["verification_samples"], id="import verification results"),
    Case("data:export", STAFF, args=lambda o: ["verification_samples"], id="export call lists"),
    Case("data:template", STAFF, args=lambda o: ["verification_samples"], id="template verification results"),
    Case("sampling:list", STAFF, query="year=2026&month=3", id="sampling-month"),
    Case("sampling:list", STAFF, query="year=abc&month=13&township=987654", id="sampling-bad-query"),
    Case(
        "sampling:list",
        DRAWN,
        method="post",
        data=lambda org: {"year": "2026", "month": "3", "draw": ""},
        id="sampling-draw",
    ),
    Case("sampling:mine", STAFF),
    Case("sampling:sample", A1, args=sample_a1a),
    Case(
        "sampling:sample",
        staff_admin(
            township=302, county=302, superuser=302, other_township=NOT_FOUND, other_county=NOT_FOUND, editor=DENIED
        ),
        args=sample_a1a,
        method="post",
        data=lambda org: {"assign": "", "assignee": ""},
        id="sampling-assign",
    ),
    Case("sampling:calls", A1, args=sample_a1a),
    Case(
        "sampling:calls",
        # Nobody assigned: the township's own staff call; the county sees the list but records nothing.
        staff_admin(
            township=302,
            county=DENIED,
            superuser=DENIED,
            other_township=NOT_FOUND,
            other_county=NOT_FOUND,
            editor=DENIED,
        ),
        args=sample_a1a,
        method="post",
        data=first_entry,
        id="sampling-outcome",
    ),
    Case("portal_sampling:findings", doctor_portal()),
    Case("portal_sampling:findings", doctor_portal(), query="year=2026&month=3", id="findings-month"),
    Case("samplingrule:index", STAFF),
    Case("samplingrule:index_results", STAFF),
    Case("samplingrule:add", RULE_ADD),
    Case("samplingrule:edit", RULE_EDIT, args=rule_a),
    Case("samplingrule:copy", RULE_EDIT, args=rule_a),
    Case("samplingrule:history", RULE_EDIT, args=rule_a),
    Case("samplingrule:history_results", RULE_EDIT, args=rule_a),
    Case("samplingrule:usage", RULE_EDIT, args=rule_a),
    Case("samplingrule:delete", RULE_EDIT | {"county": DENIED}, args=rule_a),
]
