from decimal import Decimal

from subsidies.models import Advance, PolicyItem, SettlementLine, SettlementRun, SubsidyPolicy
from tests.permissions import DENIED, NOT_FOUND, Case, doctor_portal, staff_admin

STAFF = staff_admin(editor=DENIED)
COUNTY_CHANGE = staff_admin(township=DENIED, other_township=DENIED, editor=DENIED)


def policy(org):
    p, _ = SubsidyPolicy.objects.get_or_create(
        county=org.county_a,
        year=2026,
        name="政策",
        defaults={"per_capita_rate": Decimal(99), "village_share": Decimal("0.4"), "drug_amount": Decimal(5)},
    )
    return p


def run_a1(org, status="approved"):
    run, _ = SettlementRun.objects.get_or_create(
        county=org.county_a, township=org.ta1, year=2026, quarter=1, policy=policy(org), defaults={"status": status}
    )
    return run


def line_a1a(org):
    run = run_a1(org)
    line, _ = SettlementLine.objects.get_or_create(
        run=run,
        clinic=org.ca1a,
        defaults={
            "public_health": Decimal("10.00"),
            "drug_subsidy": Decimal("1.00"),
            "deductions": Decimal(0),
            "advances": Decimal(0),
            "balance": Decimal("11.00"),
            "explanation": {"items": [], "drug_basis": {}},
        },
    )
    return [line.pk]


def policy_item(org):
    from programs.models import ServiceItem

    item, _ = PolicyItem.objects.get_or_create(
        policy=policy(org), item=ServiceItem.objects.get(code="PH09"), defaults={"unit_price": 40, "work_points": 15}
    )
    return [item.pk]


def advance(org):
    return [Advance.objects.get_or_create(clinic=org.ca1a, paid_on="2026-02-01", amount=Decimal(100))[0].pk]


RUN_A1 = staff_admin(other_township=NOT_FOUND, other_county=NOT_FOUND, editor=DENIED)
LINE_A1A = RUN_A1
POLICY_A = staff_admin(other_county=NOT_FOUND, editor=DENIED)
POLICY_A_CHANGE = POLICY_A | {"township": DENIED, "other_township": DENIED}
ADVANCE_A1A = staff_admin(other_township=NOT_FOUND, other_county=NOT_FOUND, editor=DENIED, township=DENIED)

CASES = [
    Case("portal_settlement:index", doctor_portal()),
    Case("portal_settlement:line", doctor_portal(other_doctor=NOT_FOUND, far_doctor=NOT_FOUND), args=line_a1a),
    Case("portal_settlement:statement", doctor_portal(other_doctor=NOT_FOUND, far_doctor=NOT_FOUND), args=line_a1a),
    Case("settlement:runs", STAFF),
    Case("settlement:run", RUN_A1, args=lambda o: [run_a1(o).pk]),
    Case(
        "settlement:run",
        RUN_A1 | {"township": NOT_FOUND, "county": NOT_FOUND, "superuser": NOT_FOUND, "editor": NOT_FOUND},
        args=lambda o: [777777],
        id="guessed run",
    ),
    Case("settlement:decide", RUN_A1, args=lambda o: [run_a1(o).pk], query="action=approve"),
    Case("settlement:export", RUN_A1, args=lambda o: [run_a1(o).pk]),
    Case(
        "settlement:statements",
        RUN_A1 | {"township": 302, "county": 302, "superuser": 302},
        args=lambda o: [run_a1(o).pk],
    ),
    Case("settlement:line", LINE_A1A, args=line_a1a),
    Case("settlement:statement", LINE_A1A, args=line_a1a),
    Case("settlement:policy_check", POLICY_A, args=lambda o: [policy(o).pk]),
    Case(
        "settlement:policy_check",
        POLICY_A
        | {
            "township": NOT_FOUND,
            "other_township": NOT_FOUND,
            "county": NOT_FOUND,
            "superuser": NOT_FOUND,
            "editor": NOT_FOUND,
        },
        args=lambda o: [888888],
        id="guessed policy",
    ),
    Case("subsidypolicy:index", STAFF),
    Case("subsidypolicy:index_results", STAFF),
    Case("subsidypolicy:add", COUNTY_CHANGE),
    Case("subsidypolicy:edit", POLICY_A_CHANGE, args=lambda o: [policy(o).pk]),
    Case("subsidypolicy:copy", POLICY_A_CHANGE, args=lambda o: [policy(o).pk]),
    Case("subsidypolicy:history", POLICY_A_CHANGE, args=lambda o: [policy(o).pk]),
    Case("subsidypolicy:history_results", POLICY_A_CHANGE, args=lambda o: [policy(o).pk]),
    Case("subsidypolicy:usage", POLICY_A_CHANGE, args=lambda o: [policy(o).pk]),
    Case(
        "subsidypolicy:delete",
        POLICY_A_CHANGE | {"county": DENIED, "other_county": NOT_FOUND},
        args=lambda o: [policy(o).pk],
    ),
    Case("policyitem:index", STAFF),
    Case("policyitem:index_results", STAFF),
    Case("policyitem:add", COUNTY_CHANGE),
    Case("policyitem:edit", POLICY_A_CHANGE, args=policy_item),
    Case("policyitem:copy", POLICY_A_CHANGE, args=policy_item),
    Case("policyitem:history", POLICY_A_CHANGE, args=policy_item),
    Case("policyitem:history_results", POLICY_A_CHANGE, args=policy_item),
    Case("policyitem:usage", POLICY_A_CHANGE, args=policy_item),
    Case("policyitem:delete", POLICY_A_CHANGE | {"county": DENIED}, args=policy_item),
    Case("advance:index", STAFF),
    Case("advance:index_results", STAFF),
    Case("advance:add", COUNTY_CHANGE),
    Case("advance:edit", ADVANCE_A1A | {"other_township": DENIED}, args=advance),
    Case("advance:copy", ADVANCE_A1A | {"other_township": DENIED}, args=advance),
    Case("advance:history", ADVANCE_A1A, args=advance),
    Case("advance:history_results", ADVANCE_A1A, args=advance),
    Case("advance:usage", ADVANCE_A1A, args=advance),
    Case("advance:delete", ADVANCE_A1A | {"county": DENIED}, args=advance),
]


def batch_of_township(org):
    from subsidies.models import StatementBatch

    return [
        StatementBatch.objects.create(
            run=run_a1(org), township=org.ta1, created_by=org.users.township, state="done", total=0
        ).pk
    ]


# The batch follows the settlement's scope (its run and township), not its creator.
CASES.append(
    Case(
        "settlement:batch",
        staff_admin(other_township=NOT_FOUND, other_county=NOT_FOUND, editor=DENIED),
        args=batch_of_township,
    )
)


# Scheduled advances (预拨计划): county admins of the policy's county only.
def advance_policy(org):
    p, _ = SubsidyPolicy.objects.get_or_create(
        county=org.county_a,
        year=2026,
        name="预拨政策",
        defaults={
            "per_capita_rate": Decimal(99),
            "village_share": Decimal("0.4"),
            "drug_amount": Decimal(5),
            "status": "active",
            "advance_method": "quarterly_share",
            "advance_q1_share": Decimal("0.25"),
        },
    )
    return p


def advance_batch(org):
    from subsidies.services.advances import generate_advances

    return [generate_advances(user=None, policy=advance_policy(org), quarter=1)[0].pk]


COUNTY_ONLY = staff_admin(township=DENIED, other_township=DENIED, editor=DENIED)
CASES += [
    Case("settlement:advances", COUNTY_ONLY),
    # Generating: county A's admin (and the superuser) are sent to the batch; county B's admin gets 404.
    Case(
        "settlement:advances",
        COUNTY_ONLY | {"county": 302, "superuser": 302, "other_county": NOT_FOUND},
        method="post",
        data=lambda o: {"policy": advance_policy(o).pk, "period": "q1"},
        id="generate advances",
    ),
    Case("settlement:advance_batch", COUNTY_ONLY | {"other_county": NOT_FOUND}, args=advance_batch),
]
