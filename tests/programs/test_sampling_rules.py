"""The verification sample (#17): sizes, seeds, no resident twice, reserve replacement, outcomes and what they do
to the report's verified count, redraw with history, who may call, risk bands."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programs.models import SampleEntry, SamplingRule, ServiceReport, VerificationSample
from programs.selectors import sampling as sampling_selectors
from programs.services import sampling
from tests.programs.sampling_helpers import make_records, make_report

Outcome = SampleEntry.Outcome
pytestmark = pytest.mark.django_db


def rule(**fields):
    return SamplingRule(**{"share": Decimal("0.05"), "minimum": 3, "maximum": 20, "reserve": 3, **fields})


# --------------------------------------------------------------------------- pure rules (no database)


@given(
    count=st.integers(0, 500),
    share=st.decimals(Decimal("0.0001"), Decimal("1"), places=4),
    minimum=st.integers(0, 30),
    extra=st.integers(0, 30),
)
def test_size_is_what_the_rule_says(count, share, minimum, extra):
    r = rule(share=share, minimum=minimum, maximum=minimum + extra)
    size = sampling.sample_size(rule=r, record_count=count)
    assert size <= count
    assert size <= max(r.minimum, r.maximum)
    if count >= r.minimum:
        assert r.minimum <= size <= r.maximum or size == r.minimum
    assert size == min(count, max(r.minimum, min(r.maximum, math.ceil(share * count))))


def test_size_by_hand():
    r = rule()
    assert sampling.sample_size(rule=r, record_count=2) == 2  # fewer records than the minimum: all of them
    assert sampling.sample_size(rule=r, record_count=10) == 3  # 5% of 10 → 1, raised to the minimum 3
    assert sampling.sample_size(rule=r, record_count=100) == 5  # 5%
    assert sampling.sample_size(rule=r, record_count=1000) == 20  # 50, capped at the maximum


records_strategy = st.lists(
    st.tuples(st.integers(1, 10**6), st.sampled_from([f"h{i}" for i in range(40)])),
    max_size=120,
    unique_by=lambda r: r[0],
)


@given(records=records_strategy, seed=st.integers(0, 2**62 - 1), reserve=st.integers(0, 5))
def test_same_seed_same_sample_and_no_resident_twice(records, seed, reserve):
    r = rule(reserve=reserve)
    first = sampling.plan_sample(records, rule=r, seed=seed)
    assert first == sampling.plan_sample(list(records), rule=r, seed=seed)
    size, drawn = first
    hashes = dict(records)
    residents = [hashes[pk] for pk in drawn]
    assert len(residents) == len(set(residents))
    distinct = len(set(hashes.values()))
    assert size == min(distinct, sampling.sample_size(rule=r, record_count=len(records)))
    assert len(drawn) == min(distinct, size + reserve)


def test_derived_seeds_are_stable_and_differ():
    assert sampling.derived_seed(7, "A1a", "PH09", 2026, 3) == sampling.derived_seed(7, "A1a", "PH09", 2026, 3)
    assert sampling.derived_seed(7, "A1a", "PH09", 2026, 3) != sampling.derived_seed(7, "A1a", "PH10", 2026, 3)
    assert sampling.derived_seed(7, "A1a", "PH09", 2026, 3) != sampling.derived_seed(8, "A1a", "PH09", 2026, 3)


@pytest.mark.parametrize(
    ("rate", "band"),
    [
        (None, "medium"),
        (Decimal("0.79"), "high"),
        (Decimal("0.80"), "medium"),
        (Decimal("0.949"), "medium"),
        (Decimal("0.95"), "low"),
    ],
)
def test_risk_bands(rate, band):
    assert sampling.risk_band(rate) == band


# --------------------------------------------------------------------------- with the database


@pytest.fixture
def month(org, services):
    """Clinic A1a, March 2026: 60 records of PH09 and a submitted report declaring 60; rule share 16% → 10."""
    item = services["PH09"]
    make_records(org.ca1a, item, count=60)
    report = make_report(org.ca1a, {item: 60})
    SamplingRule.objects.create(county=org.county_a, year=2026, share=Decimal("0.16"), minimum=3, maximum=20, reserve=3)
    return report, item


def test_draw_once_with_the_rule_and_recorded_seed(org, month):
    _report, _item = month
    [sample] = sampling.draw_samples(user=org.users.township, year=2026, month=3, seed=42)
    assert (sample.record_count, sample.size, sample.risk_band) == (60, 10, "medium")
    assert sample.seed == sampling.derived_seed(42, "A1a", "PH09", 2026, 3)
    entries = list(sample.entries.order_by("position"))
    assert [e.reserve for e in entries] == [False] * 10 + [True] * 3
    assert sampling.draw_samples(user=org.users.township, year=2026, month=3, seed=42) == []  # drawn once
    assert VerificationSample.objects.count() == 1


def test_same_seed_draws_the_same_records(org, month):
    [first] = sampling.draw_samples(user=None, year=2026, month=3, seed=5)
    picked = list(first.entries.order_by("position").values_list("record_id", flat=True))
    first.entries.all().delete()
    first.delete()
    [again] = sampling.draw_samples(user=None, year=2026, month=3, seed=5)
    assert list(again.entries.order_by("position").values_list("record_id", flat=True)) == picked


def test_other_township_may_not_draw_here(org, month):
    assert sampling.draw_samples(user=org.users.other_township, year=2026, month=3, seed=1) == []
    with pytest.raises(PermissionDenied):
        sampling.draw_samples(user=org.users.doctor, year=2026, month=3, seed=1)


def test_no_sample_without_a_submitted_report(org, services):
    make_records(org.ca1a, services["PH10"], count=5)
    make_report(org.ca1a, {services["PH10"]: 5}, status="draft")
    assert sampling.draw_samples(user=None, year=2026, month=3, seed=1) == []


def call(user, sample, outcomes):
    """Work the call list in order: each outcome is recorded on the next open entry of the sample proper."""
    for outcome in outcomes:
        entry = (
            sample.entries.filter(reserve=False, outcome="")
            .exclude(outcome__in=sampling.REPLACED)
            .order_by("position")
            .first()
        )
        sampling.record_outcome(user=user, entry=entry, outcome=outcome)


def test_hand_computed_rate_and_verified_count(org, month):
    """Declared 60, 10 sampled: 8 属实, 1 不属实, 1 无法联系 (3 tries) replaced by a reserve who is 属实 → 9/10 → 54."""
    report, _item = month
    [sample] = sampling.draw_samples(user=org.users.township, year=2026, month=3, seed=42)
    staff = org.users.township
    call(staff, sample, [Outcome.CONFIRMED] * 8 + [Outcome.NOT_CONFIRMED])
    last = sample.entries.filter(reserve=False, outcome="").get()
    for _try in range(3):
        sampling.record_outcome(user=staff, entry=last, outcome=Outcome.UNREACHABLE)
    last.refresh_from_db()
    assert (last.outcome, last.attempts) == (Outcome.UNREACHABLE, 3)
    spare = sample.entries.filter(reserve=False, outcome="").get()
    assert spare.position == 11  # the first reserve, moved into the sample
    sampling.record_outcome(user=staff, entry=spare, outcome=Outcome.CONFIRMED)
    assert sampling.authenticity(sample) == (10, 9)
    sampling.apply_samples_to_report(user=staff, report=report)
    line = report.lines.get()
    assert (line.sample_method, line.sample_checked, line.sample_confirmed, line.verified_count) == ("phone", 10, 9, 54)
    assert ServiceReport.objects.get(pk=report.pk).status == "verified"


def test_two_unreachable_tries_are_not_yet_final(org, month):
    [sample] = sampling.draw_samples(user=None, year=2026, month=3, seed=3)
    entry = sample.entries.filter(reserve=False).first()
    for _try in range(2):
        sampling.record_outcome(user=org.users.township, entry=entry, outcome=Outcome.UNREACHABLE, note="关机")
    entry.refresh_from_db()
    assert (entry.outcome, entry.attempts, entry.note) == ("", 2, "关机")
    assert sample.entries.filter(reserve=False).count() == 10


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(outcomes=st.lists(st.sampled_from([Outcome.CONFIRMED, Outcome.NOT_CONFIRMED, Outcome.REFUSED]), max_size=14))
def test_reserve_replacement_keeps_the_size(org, month, outcomes):
    with transaction.atomic():
        [sample] = sampling.draw_samples(user=None, year=2026, month=3, seed=9)
        replaced = 0
        for outcome in outcomes:
            entry = sample.entries.filter(reserve=False, outcome="").order_by("position").first()
            if entry is None:
                break
            sampling.record_outcome(user=org.users.township, entry=entry, outcome=outcome)
            replaced += outcome == Outcome.REFUSED
        live = sample.entries.filter(reserve=False).exclude(outcome__in=sampling.REPLACED).count()
        assert live == sample.size - max(0, replaced - 3)  # the size holds while the reserve (3) lasts
        transaction.set_rollback(True)


def test_redraw_needs_a_reason_and_keeps_history(org, month):
    [old] = sampling.draw_samples(user=org.users.township, year=2026, month=3, seed=42)
    with pytest.raises(ValidationError) as refused:
        sampling.redraw_sample(user=org.users.township, sample=old, reason="  ")
    assert "原因" in str(refused.value)
    new = sampling.redraw_sample(user=org.users.township, sample=old, reason="名单重复", seed=7)
    old.refresh_from_db()
    assert old.superseded_by == new and new.redraw_reason == "名单重复" and new.seed == 7
    assert old.entries.count() == 13  # kept
    assert sampling_selectors.history_of(new) == [old]
    with pytest.raises(ValidationError):
        sampling.redraw_sample(user=org.users.township, sample=old, reason="再来")
    with pytest.raises(PermissionDenied):
        sampling.redraw_sample(user=org.users.other_township, sample=new, reason="x")


def test_only_the_assignee_records_outcomes(org, month):
    [sample] = sampling.draw_samples(user=None, year=2026, month=3, seed=42)
    entry = sample.entries.filter(reserve=False).first()
    with pytest.raises(PermissionDenied):
        sampling.record_outcome(user=org.users.other_township, entry=entry, outcome=Outcome.CONFIRMED)
    with pytest.raises(PermissionDenied):
        sampling.record_outcome(user=org.users.county, entry=entry, outcome=Outcome.CONFIRMED)
    sampling.assign_sample(user=org.users.county, sample=sample, assignee=org.users.township)
    with pytest.raises(ValidationError):
        sampling.assign_sample(user=org.users.county, sample=sample, assignee=org.users.other_township)
    sampling.record_outcome(user=org.users.township, entry=entry, outcome=Outcome.CONFIRMED)


def test_risk_selection_leaves_low_risk_clinics_unchecked(org, services):
    """A clinic whose February sample was all 属实 is low risk; with low_risk_share 0 it is not checked in March,
    and its verified count follows the rule's basis (declared)."""
    item = services["PH09"]
    SamplingRule.objects.create(county=org.county_a, year=2026, low_risk_share=Decimal("0"))
    make_records(org.ca1a, item, month=2, count=5)
    make_report(org.ca1a, {item: 5}, month=2)
    [feb] = sampling.draw_samples(user=None, year=2026, month=2, seed=1)
    call(org.users.township, feb, [Outcome.CONFIRMED] * feb.size)
    make_records(org.ca1a, item, month=3, count=5, start=100)
    make_report(org.ca1a, {item: 5})
    assert sampling.draw_samples(user=None, year=2026, month=3, seed=1) == []
    [row] = sampling_selectors.unchecked_clinics(user=org.users.township, year=2026, month=3)
    assert (row.declared, row.verified) == (5, 5) and "按申报数" in row.explanation


def test_unchecked_by_historical_rate(org, services):
    item = services["PH09"]
    SamplingRule.objects.create(
        county=org.county_a,
        year=2026,
        low_risk_share=Decimal("0"),
        medium_risk_share=Decimal("0"),
        unchecked_basis="historical",
    )
    make_records(org.ca1a, item, month=2, count=5)
    make_report(org.ca1a, {item: 5}, month=2)
    feb = sampling._draw_one(
        user=None,
        clinic=org.ca1a,
        item_id=item.pk,
        year=2026,
        month=2,
        seed=1,
        band="medium",
        rule=sampling.rule_for(county_id=org.county_a.pk, year=2026),
    )
    call(org.users.township, feb, [Outcome.CONFIRMED, Outcome.CONFIRMED, Outcome.NOT_CONFIRMED])  # 2/3 → high risk
    make_report(org.ca1a, {item: 30})
    [row] = sampling_selectors.unchecked_clinics(user=org.users.township, year=2026, month=3)
    assert row.verified == 20 and "66.7%" in row.explanation
