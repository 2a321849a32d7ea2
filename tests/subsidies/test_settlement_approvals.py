"""Approvals that can say no, approved means frozen, and no lost updates (issue #18) for settlement runs,
policies, advances, assessments and appeals: through the services and through the pages."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from clinics.models import AuditEntry
from programs.services.periods import lock_periods
from subsidies.models import Advance, SettlementRun, SubsidyPolicy
from subsidies.services import advances as advance_services
from subsidies.services import assessments as assessment_services
from subsidies.services import policies as policy_services
from subsidies.services import settlement as services
from tests.subsidies.test_assessments_services import entries, fill, start, submitted
from tests.subsidies.test_settlement_services import inputs


def confirmed(org, policy):
    run = services.create_run(
        user=org.users.township, policy=policy, year=2026, quarter=1, township=org.ta1, inputs=inputs(org)
    )
    return services.confirm_run(user=org.users.township, run=run)


def approved(org, policy):
    return services.approve_run(user=org.users.county, run=confirmed(org, policy))


def text(response) -> str:
    return response.content.decode()


# --------------------------------------------------------------------------- returning a run


def test_county_returns_a_run_with_a_reason_and_it_is_a_draft_again(org, policy):
    run = confirmed(org, policy)
    with pytest.raises(ValidationError, match="请填写退回原因"):
        services.return_run(user=org.users.county, run=run, comment="  ")
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.CONFIRMED
    services.return_run(user=org.users.county, run=run, comment="李家村预拨款重复登记，请核对后重算")
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.DRAFT and run.is_returned
    assert run.returned_by == org.users.county and run.confirmed_by is None
    with pytest.raises(ValidationError, match="只有卫生院已确认"):
        services.return_run(user=org.users.county, run=run, comment="再退一次")
    # The township recomputes and confirms again; then the county approves.
    services.confirm_run(user=org.users.township, run=run)
    services.approve_run(user=org.users.county, run=run, comment="同意")
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.APPROVED and run.approve_comment == "同意"


def test_return_and_the_reason_through_the_pages(org, policy, client_for):
    run = confirmed(org, policy)
    county = client_for(org.users.county)
    url = reverse("settlement:run", args=[run.pk])
    page = text(county.get(url))
    assert reverse("settlement:decide", args=[run.pk]) + "?action=return" in page
    step = text(county.get(reverse("settlement:decide", args=[run.pk]), {"action": "return"}))
    assert "退回原因（必填" in step
    refused = county.post(url, {"action": "return", "comment": "", "version": run.version})
    assert refused.status_code == 200 and "请填写退回原因" in text(refused)
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.CONFIRMED
    done = county.post(url, {"action": "return", "comment": "张庄村考核分未录入", "version": run.version})
    assert done.status_code == 302
    township_page = text(client_for(org.users.township).get(url))
    assert "卫健局退回意见" in township_page and "张庄村考核分未录入" in township_page
    assert "卫健局已退回" in text(client_for(org.users.township).get(reverse("settlement:runs")))


def test_the_township_rejects_a_draft_with_a_reason_and_it_is_kept_read_only(org, policy, client_for):
    run = services.create_run(
        user=org.users.county, policy=policy, year=2026, quarter=1, township=org.ta1, inputs=inputs(org)
    )
    total = run.total_balance
    with pytest.raises(ValidationError, match="请填写驳回原因"):
        services.reject_run(user=org.users.township, run=run, comment=" ")
    with pytest.raises(PermissionDenied):  # another township's staff
        services.reject_run(user=org.users.other_township, run=run, comment="不是我们的")
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.DRAFT
    township = client_for(org.users.township)
    url = reverse("settlement:run", args=[run.pk])
    assert reverse("settlement:decide", args=[run.pk]) + "?action=reject" in text(township.get(url))
    step = text(township.get(reverse("settlement:decide", args=[run.pk]), {"action": "reject"}))
    assert "驳回原因（必填）" in step and "作废" in step and "涉及的月份" in step
    refused = township.post(url, {"action": "reject", "comment": "", "version": run.version})
    assert refused.status_code == 200 and "请填写驳回原因" in text(refused)
    done = township.post(url, {"action": "reject", "comment": "高洼村3月月报漏报，先更正", "version": run.version})
    assert done.status_code == 302
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.REJECTED and run.returned_by == org.users.township
    assert run.total_balance == total and run.lines.exists()  # kept as it was, as evidence
    page = text(client_for(org.users.county).get(url))  # the county, who prepared it, reads why
    assert "驳回原因" in page and "高洼村3月月报漏报，先更正" in page and "确认结算…" not in page
    for refusal in (
        lambda: services.confirm_run(user=org.users.township, run=run),
        lambda: services.recompute_run(user=org.users.township, run=run, inputs=inputs(org)),
        lambda: services.reject_run(user=org.users.township, run=run, comment="再驳回"),
    ):
        with pytest.raises(ValidationError):
            refusal()
    entry = AuditEntry.objects.filter(content_type__model="settlementrun", object_id=run.pk).latest("pk")
    assert entry.actor == org.users.township and entry.changes["status"] == ["draft", "rejected"]
    # A new run for the same quarter is prepared once the data are right.
    again = services.create_run(
        user=org.users.township, policy=policy, year=2026, quarter=1, township=org.ta1, inputs=inputs(org)
    )
    assert again.status == SettlementRun.Status.DRAFT


def test_the_confirmation_step_shows_what_will_be_locked(org, policy, client_for):
    run = confirmed(org, policy)
    county = client_for(org.users.county)
    step = text(county.get(reverse("settlement:decide", args=[run.pk]), {"action": "approve"}))
    assert "下面这些月份的数据全部锁定" in step
    assert org.ta1.name in step and "2026年1月、2026年2月、2026年3月" in step
    assert f"{run.total_balance} 元" in step and str(run.policy) in step
    assert f'name="version" value="{run.version}"' in step
    assert county.get(reverse("settlement:decide", args=[run.pk]), {"action": "bogus"}).status_code == 404
    draft = services.create_run(
        user=org.users.township, policy=policy, year=2026, quarter=2, township=org.ta1, inputs=inputs(org)
    )
    step = text(
        client_for(org.users.township).get(reverse("settlement:decide", args=[draft.pk]), {"action": "confirm"})
    )
    assert "确认后就不能再重新计算" in step and "2026年4月、2026年5月、2026年6月" in step


def test_approving_what_was_not_shown_is_refused(org, policy, client_for):
    """The confirmation page showed version v; the township recomputed meanwhile → refused, not approved."""
    run = services.create_run(
        user=org.users.township, policy=policy, year=2026, quarter=1, township=org.ta1, inputs=inputs(org)
    )
    shown = run.version
    services.recompute_run(user=org.users.township, run=run, inputs=inputs(org, verified=50))
    with pytest.raises(ValidationError, match=r"已被 .* 于 .* 修改，请刷新后再改"):
        services.confirm_run(user=org.users.township, run=run, version=shown)
    run.refresh_from_db()
    run = services.confirm_run(user=org.users.township, run=run, version=run.version)
    stale = run.version
    services.return_run(user=org.users.county, run=run, comment="重算", version=run.version)
    response = client_for(org.users.county).post(
        reverse("settlement:run", args=[run.pk]), {"action": "approve", "version": stale}
    )
    assert response.status_code == 200 and "请刷新后再改" in text(response)
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.DRAFT


# --------------------------------------------------------------------------- frozen policy


def policy_post(policy, **changes) -> dict:
    data = {
        "county": policy.county_id,
        "year": policy.year,
        "name": policy.name,
        "status": policy.status,
        "per_capita_rate": policy.per_capita_rate,
        "village_share": policy.village_share,
        "method": policy.method,
        "quota_cap": policy.quota_cap,
        "quality_threshold": policy.quality_threshold,
        "quality_bands": "[]",
        "drug_method": policy.drug_method,
        "drug_amount": policy.drug_amount,
        "violation_deduction": policy.violation_deduction,
        "gap_tolerance": "",
        "remote_coefficient": policy.remote_coefficient,
        "budget_cap": "",
        "effective_from": "",
        "notice_url": "",
        "advance_method": policy.advance_method,
        "advance_q1_share": policy.advance_q1_share,
        "advance_q2_share": policy.advance_q2_share,
        "advance_q3_share": policy.advance_q3_share,
        "advance_q4_share": policy.advance_q4_share,
        "advance_monthly_amount": policy.advance_monthly_amount,
        "version": policy.version,
    }
    data.update(changes)
    return {k: str(v) for k, v in data.items()}


def test_the_issue_example_a_used_policy_rate_edit_is_refused_on_every_path(org, policy, client_for):
    approved(org, policy)
    # Opening the edit page already says so.
    page = text(client_for(org.users.county).get(reverse("subsidypolicy:edit", args=[policy.pk])))
    assert "请新建一个政策" in page
    # The service.
    policy.per_capita_rate = D("999.00")
    with pytest.raises(ValidationError, match="请新建一个政策"):
        policy_services.save_policy(user=org.users.county, instance=policy)
    policy.refresh_from_db()
    assert policy.per_capita_rate == D("99.00")
    # The viewset's edit form: the message, not a 500; nothing saved.
    response = client_for(org.users.county).post(
        reverse("subsidypolicy:edit", args=[policy.pk]), policy_post(policy, per_capita_rate="999.00")
    )
    assert response.status_code == 200 and "不能再修改" in text(response) and "请新建一个政策" in text(response)
    policy.refresh_from_db()
    assert policy.per_capita_rate == D("99.00")
    # Its item standards too (edit and delete).
    item = policy.items.get()
    client = client_for(org.users.county)
    response = client.post(
        reverse("policyitem:edit", args=[item.pk]),
        {"policy": policy.pk, "item": item.item_id, "unit_price": "400.00", "work_points": "15"},
    )
    assert response.status_code == 200 and "请新建一个政策" in text(response)
    client.post(reverse("policyitem:delete", args=[item.pk]))
    item.refresh_from_db()
    assert item.unit_price == D("40.00")
    # A new policy is fine.
    response = client.post(reverse("subsidypolicy:add"), policy_post(policy, name="2026年村级补助（调整）", version=""))
    assert response.status_code == 302 and SubsidyPolicy.objects.filter(name="2026年村级补助（调整）").exists()


def test_a_policy_not_yet_used_by_an_approved_run_may_change(org, policy, client_for):
    confirmed(org, policy)  # confirmed, not approved
    response = client_for(org.users.county).post(
        reverse("subsidypolicy:edit", args=[policy.pk]), policy_post(policy, per_capita_rate="100.00")
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.per_capita_rate == D("100.00") and policy.version == 1 and policy.changed_by == org.users.county


def test_two_people_editing_a_policy_the_second_is_told(org, policy, client_for):
    from clinics.roles import Role
    from tests.factories import make_user

    second = make_user("county_a2", Role.COUNTY_ADMIN, county=org.county_a)
    second.first_name = "王"
    second.last_name = ""
    second.save()
    first_page = text(client_for(org.users.county).get(reverse("subsidypolicy:edit", args=[policy.pk])))
    assert 'name="version"' in first_page
    shown = policy.version
    assert (
        client_for(second)
        .post(reverse("subsidypolicy:edit", args=[policy.pk]), policy_post(policy, per_capita_rate="101.00"))
        .status_code
        == 302
    )
    response = client_for(org.users.county).post(
        reverse("subsidypolicy:edit", args=[policy.pk]), policy_post(policy, per_capita_rate="102.00", version=shown)
    )
    assert response.status_code == 200
    assert "已被 王 于" in text(response) and "修改，请刷新后再改" in text(response)
    policy.refresh_from_db()
    assert policy.per_capita_rate == D("101.00")


# --------------------------------------------------------------------------- frozen advances


def test_advances_of_a_settled_month_are_frozen(org, policy, client_for):
    advance = Advance.objects.create(clinic=org.ca1a, paid_on=date(2026, 2, 10), amount=D("500.00"))
    approved(org, policy)
    advance.amount = D("5.00")
    with pytest.raises(ValidationError, match="已审批结算"):
        advance_services.save_advance(user=org.users.county, instance=advance)
    client = client_for(org.users.county)
    response = client.post(
        reverse("advance:edit", args=[advance.pk]),
        {"clinic": org.ca1a.pk, "paid_on": "2026-02-10", "amount": "5.00", "reference": ""},
    )
    assert response.status_code == 200 and "该月的预拨款不能再登记、修改或删除" in text(response)
    # Nor a new one dated in the settled months, nor deleting.
    response = client.post(
        reverse("advance:add"), {"clinic": org.ca1a.pk, "paid_on": "2026-03-01", "amount": "5.00", "reference": ""}
    )
    assert response.status_code == 200 and Advance.objects.count() == 1
    client.post(reverse("advance:delete", args=[advance.pk]))
    advance.refresh_from_db()
    assert advance.amount == D("500.00")
    # An unsettled month is fine.
    response = client.post(
        reverse("advance:add"), {"clinic": org.ca1a.pk, "paid_on": "2026-04-01", "amount": "5.00", "reference": ""}
    )
    assert response.status_code == 302 and Advance.objects.count() == 2


# --------------------------------------------------------------------------- frozen assessments


def test_assessment_of_a_settled_quarter_is_frozen(org, sheet, client_for):
    assessment = start(org, sheet)
    lock_periods(township_ids=[org.ta1.pk], year=2026, months=[1, 2, 3], user=None)
    with pytest.raises(ValidationError, match="已审批结算"):
        fill(org, assessment)
    e = entries(assessment)
    response = client_for(org.users.township).post(
        reverse("assessments:edit", args=[assessment.pk]), {f"achieved_{e['A1'].pk}": "0.9"}
    )
    assert response.status_code == 200 and "考核结果不能再修改" in text(response)
    assert entries(assessment)["A1"].achieved is None
    page = text(client_for(org.users.township).get(reverse("assessments:edit", args=[assessment.pk])))
    assert 'data-testid="frozen"' in page  # the page says so before anyone types


def test_two_clerks_scoring_the_same_assessment(org, sheet, client_for):
    assessment = start(org, sheet)
    shown = assessment.version
    fill(org, assessment)  # the other clerk saved meanwhile
    e = entries(assessment)
    response = client_for(org.users.township).post(
        reverse("assessments:edit", args=[assessment.pk]), {f"achieved_{e['A1'].pk}": "0.9", "version": shown}
    )
    assert response.status_code == 200 and "请刷新后再改" in text(response)
    assert entries(assessment)["A1"].achieved == D("0.5")


def test_appeal_rejected_with_a_reason_the_doctor_reads(org, sheet, client_for):
    assessment = submitted(org, sheet)
    appeal = assessment_services.file_appeal(
        user=org.users.doctor, entry=entries(assessment)["B1"], comment="有一张处方写了诊断"
    )
    client = client_for(org.users.township)
    page = client.post(reverse("assessments:appeals"), {"appeal": appeal.pk, "accept": "0", "decision": ""})
    assert "请填写处理意见" in text(page)
    client.post(reverse("assessments:appeals"), {"appeal": appeal.pk, "accept": "0", "decision": "两张处方均缺诊断"})
    appeal.refresh_from_db()
    assert appeal.status == "rejected"
    page = text(client_for(org.users.doctor).get(reverse("portal_assessments:detail", args=[assessment.pk])))
    assert "两张处方均缺诊断" in page
