"""The settlement arithmetic: hand-computed examples for each method, and invariants (hypothesis)."""

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from subsidies.calculation import (
    ClinicInputs,
    DrugFigures,
    ItemFigures,
    PolicyInputs,
    compute,
    quality_coefficient,
    split_exactly,
)

PRICES = {"PH09": (D("40.00"), D("15")), "PH10": (D("10.00"), D("4"))}


def policy(**kw):
    base = {
        "method": "unit_price",
        "per_capita_rate": D("99"),
        "village_share": D("0.4"),
        "quota_cap": D("1.2"),
        "quality_threshold": D("60"),
        "prices": PRICES,
        "drug_method": "per_resident",
        "drug_amount": D("5"),
    }
    base.update(kw)
    return PolicyInputs(**base)


def clinic(cid=1, score=D("80"), verified_09=100, verified_10=200, declared_09=None, population=1000, **kw):
    items = {
        "PH09": ItemFigures(declared=declared_09 or verified_09, verified=verified_09, quota=120),
        "PH10": ItemFigures(declared=verified_10, verified=verified_10, quota=240),
    }
    return ClinicInputs(clinic_id=cid, name=f"卫生室{cid}", population=population, score=score, items=items, **kw)


def test_unit_price_by_hand():
    lines, totals = compute(policy(), [clinic(advances=D("1000"))])
    line = lines[0]
    # (100 × 40 + 200 × 10) × 0.8 = 4,800.00; drug 5 × 1000 = 5,000.00; − advance 1,000
    assert line.public_health == D("4800.00") and line.drug_subsidy == D("5000.00")
    assert line.balance == D("8800.00") and totals["balance"] == D("8800.00")


def test_quota_cap_limits_what_is_paid():
    line = compute(policy(), [clinic(verified_09=200)])[0][0]
    # PH09 capped at 120 × 1.2 = 144 → (144 × 40 + 2000) × 0.8 = 6,208.00
    assert line.public_health == D("6208.00")
    assert line.explanation["items"][0]["counted"] == "144"


def test_threshold_boundary():
    assert compute(policy(), [clinic(score=D("59.99"))])[0][0].public_health == D("0.00")
    assert compute(policy(), [clinic(score=D("60"))])[0][0].public_health == D("3600.00")
    assert compute(policy(), [clinic(score=None)])[0][0].public_health == D("0.00")


def test_quality_bands():
    p = policy(quality_bands=((90, 1.0), (80, 0.9), (60, 0.8)))
    assert quality_coefficient(D("95"), p) == D("1.0")
    assert quality_coefficient(D("89.99"), p) == D("0.9")
    assert quality_coefficient(D("60"), p) == D("0.8")
    assert quality_coefficient(D("59"), p) == D("0")


def test_work_points_pool_is_split_exactly():
    clinics = [
        clinic(1, verified_09=10, verified_10=0),
        clinic(2, verified_09=20, verified_10=0),
        clinic(3, verified_09=10, verified_10=1),
    ]
    lines, totals = compute(policy(method="work_points"), clinics)
    pool = D("99") * D("0.4") * 3000  # 118,800.00
    assert sum(line.public_health for line in lines) == pool
    # points × 0.8: 120, 240, 123.2 of 483.2
    assert lines[1].public_health == D("59006.62") and lines[0].public_health == D("29503.31")
    assert totals["pool"]["pool"] == "118800.00"


def test_drug_methods_and_markup_deduction():
    figures = DrugFigures(purchase_value=D("12345.67"), violation_count=3)
    c = clinic(drug=figures, doctors=2)
    assert compute(policy(drug_method="per_clinic", drug_amount=D("8000")), [c])[0][0].drug_subsidy == D("8000.00")
    assert compute(policy(drug_method="per_doctor", drug_amount=D("3000")), [c])[0][0].drug_subsidy == D("6000.00")
    line = compute(policy(drug_method="markup_rate", drug_amount=D("0.15"), violation_deduction=D("50")), [c])[0][0]
    assert line.drug_subsidy == D("1851.85") and line.deductions == D("150.00")
    quarter = compute(policy(period_fraction=D("0.25")), [c])[0][0]
    assert quarter.drug_subsidy == D("1250.00")


def test_verification_gap_penalty_and_remote_coefficient():
    line = compute(policy(gap_tolerance=D("0.05")), [clinic(declared_09=110, verified_09=100)])[0][0]
    assert line.public_health == D("1600.00")  # PH09 differs by 9.1% → pays nothing; 200 × 10 × 0.8
    line = compute(policy(gap_tolerance=D("0.10")), [clinic(declared_09=110, verified_09=100)])[0][0]
    assert line.public_health == D("4800.00")
    remote = compute(policy(remote_coefficient=D("1.2")), [clinic(remote=True)])[0][0]
    assert remote.public_health == D("5760.00")


def test_negative_balance_is_a_recovery():
    line = compute(policy(), [clinic(score=D("50"), advances=D("6000"))])[0][0]
    assert line.balance == D("-1000.00")


def test_budget_cap_scales_down_to_the_fen():
    clinics = [clinic(i, verified_09=10 * i, population=777 * i) for i in range(1, 6)]
    lines, totals = compute(policy(budget_cap=D("20000.00")), clinics)
    assert sum(x.public_health + x.drug_subsidy for x in lines) == D("20000.00")
    assert totals["scale"] < 1


@given(
    total=st.decimals(min_value=0, max_value=10**7, places=2),
    weights=st.lists(st.decimals(min_value=0, max_value=10**6, places=3), min_size=1, max_size=40),
)
def test_split_adds_up_exactly(total, weights):
    parts = split_exactly(total, weights)
    if sum(weights) > 0:
        assert sum(parts) == total
        assert all(p >= 0 for p in parts)
        for part, weight in zip(parts, weights, strict=True):
            exact = total * weight / sum(weights)
            assert abs(part - exact) < D("0.01")


clinic_strategy = st.builds(
    lambda cid, v9, v10, score, pop: clinic(cid, verified_09=v9, verified_10=v10, score=score, population=pop),
    st.integers(1, 10**6),
    st.integers(0, 300),
    st.integers(0, 600),
    st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2)),
    st.integers(0, 5000),
)


@given(
    clinics=st.lists(clinic_strategy, min_size=1, max_size=12, unique_by=lambda c: c.clinic_id),
    method=st.sampled_from(["unit_price", "work_points"]),
)
def test_lines_add_up_and_recompute_identically(clinics, method):
    p = policy(method=method)
    lines, totals = compute(p, clinics)
    assert totals["balance"] == sum(x.balance for x in lines)
    for line in lines:
        assert line.balance == line.public_health + line.drug_subsidy - line.deductions - line.advances
        assert line.public_health == line.public_health.quantize(D("0.01"))
    again, _ = compute(p, clinics)
    assert [x.balance for x in again] == [x.balance for x in lines]


@given(
    v9=st.integers(0, 200),
    extra=st.integers(1, 50),
    score=st.decimals(min_value=0, max_value=99, places=2),
    bump=st.decimals(min_value=D("0.01"), max_value=1, places=2),
)
def test_more_services_or_a_higher_score_never_lower_the_payout(v9, extra, score, bump):
    base = compute(policy(), [clinic(verified_09=v9, score=score)])[0][0].public_health
    assert compute(policy(), [clinic(verified_09=v9 + extra, score=score)])[0][0].public_health >= base
    assert compute(policy(), [clinic(verified_09=v9, score=min(D(100), score + bump))])[0][0].public_health >= base
