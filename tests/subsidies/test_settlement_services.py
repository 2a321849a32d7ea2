"""Settlement workflow with injected inputs: draft → confirmed → approved → announced → paid."""

import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from programs.selectors.periods import period_state
from subsidies.calculation import ClinicInputs, ItemFigures
from subsidies.models import SettlementRun, SubsidyPolicy
from subsidies.services import settlement as services


def inputs(org, score=D("80"), verified=100):
    return [
        ClinicInputs(
            clinic_id=org.ca1a.pk,
            name="张庄村卫生室",
            population=1000,
            score=score,
            items={"PH09": ItemFigures(declared=verified, verified=verified, quota=480)},
        ),
        ClinicInputs(clinic_id=org.ca1b.pk, name="李家村卫生室", population=800, score=None, advances=D("500")),
    ]


def draft(org, policy, **kw):
    return services.create_run(
        user=org.users.township, policy=policy, year=2026, quarter=1, township=org.ta1, inputs=inputs(org, **kw)
    )


def test_draft_lines_and_totals(org, policy):
    run = draft(org, policy)
    lines = {line.clinic_id: line for line in run.lines.all()}
    # Quarter: cap 480 × 1.2 × 0.25 = 144; 100 × 40 × 0.8 = 3,200; drug 5 × 1000 × 0.25 = 1,250
    assert lines[org.ca1a.pk].public_health == D("3200.00") and lines[org.ca1a.pk].drug_subsidy == D("1250.00")
    assert lines[org.ca1b.pk].public_health == D("0.00") and lines[org.ca1b.pk].balance == D("500.00")
    assert run.total_balance == D("4950.00")


def test_simulation_shows_the_previous_balance(org, policy):
    run = draft(org, policy)
    SubsidyPolicy.objects.filter(pk=policy.pk).update(drug_amount=D("6"))
    run.policy.refresh_from_db()
    run = services.recompute_run(user=org.users.township, run=run, inputs=inputs(org))
    line = run.lines.get(clinic=org.ca1a)
    assert line.previous_balance == D("4450.00") and line.balance == D("4700.00")


def test_workflow_locks_periods_and_is_immutable(org, policy):
    run = draft(org, policy)
    with pytest.raises(ValidationError, match="只有卫生院已确认"):
        services.approve_run(user=org.users.county, run=run)
    services.confirm_run(user=org.users.township, run=run)
    with pytest.raises(ValidationError, match="只有草稿"):
        services.recompute_run(user=org.users.township, run=run, inputs=inputs(org, verified=50))
    with pytest.raises(PermissionDenied):
        services.approve_run(user=org.users.township, run=run)
    with pytest.raises(PermissionDenied):
        services.approve_run(user=org.users.other_county, run=run)
    services.approve_run(user=org.users.county, run=run)
    run.refresh_from_db()
    assert run.status == "approved" and run.approved_by == org.users.county
    assert [period_state(township_id=org.ta1.pk, year=2026, month=m) for m in (1, 2, 3, 4)] == [
        "locked",
        "locked",
        "locked",
        "open",
    ]
    with pytest.raises(ValidationError, match="只有草稿"):
        services.recompute_run(user=org.users.county, run=run)
    with pytest.raises(ValidationError, match="凭证号"):
        services.mark_paid(user=org.users.county, run=run, reference=" ")
    services.mark_paid(user=org.users.county, run=run, reference="BK-2026-0042")
    assert SettlementRun.objects.get(pk=run.pk).status == "paid"


def test_approver_cannot_be_the_preparer(org, policy):
    run = services.create_run(user=org.users.county, policy=policy, year=2026, quarter=1, inputs=inputs(org))
    services.confirm_run(user=org.users.county, run=run)
    with pytest.raises(ValidationError, match="审批人不能是制表人"):
        services.approve_run(user=org.users.county, run=run)


def test_adjustment_runs_reference_the_approved_run(org, policy):
    run = draft(org, policy)
    with pytest.raises(ValidationError):
        services.create_run(
            user=org.users.township,
            policy=policy,
            year=2026,
            quarter=1,
            township=org.ta1,
            inputs=inputs(org),
            adjusts=run,
        )
    services.confirm_run(user=org.users.township, run=run)
    services.approve_run(user=org.users.county, run=run)
    adjustment = services.create_run(
        user=org.users.township,
        policy=policy,
        year=2026,
        quarter=1,
        township=org.ta1,
        inputs=inputs(org, verified=120),
        adjusts=run,
    )
    assert adjustment.adjusts == run and adjustment.status == "draft"
    assert SettlementRun.objects.get(pk=run.pk).total_balance == D("4950.00")  # the original never changes


def test_scope_of_preparation(org, policy):
    with pytest.raises(PermissionDenied):
        services.create_run(
            user=org.users.other_township, policy=policy, year=2026, quarter=1, township=org.ta1, inputs=inputs(org)
        )
    with pytest.raises(PermissionDenied):
        services.create_run(user=org.users.doctor, policy=policy, year=2026, quarter=1, inputs=inputs(org))


def test_announcing_without_the_cms_fails_clearly(org, policy):
    run = draft(org, policy)
    services.confirm_run(user=org.users.township, run=run)
    services.approve_run(user=org.users.county, run=run)
    try:
        import cms.services  # noqa: F401
    except ImportError:
        with pytest.raises(ValidationError, match="通知公告模块尚未启用"):
            services.announce_run(user=org.users.county, run=run)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_record_exactly_one_approval(org, policy):
    from clinics.roles import Role
    from tests.factories import make_user

    second = make_user("county_a2", Role.COUNTY_ADMIN, county=org.county_a)
    run = draft(org, policy)
    services.confirm_run(user=org.users.township, run=run)
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(user):
        try:
            barrier.wait()
            services.approve_run(user=user, run=run)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (org.users.county, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert SettlementRun.objects.get(pk=run.pk).status == "approved"
