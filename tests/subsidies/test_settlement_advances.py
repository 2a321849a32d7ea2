"""The policy's advance schedule (预拨计划): policy checks, generating a period's advances (hand-computed,
idempotent, scoped, recorded), their deduction in settlement lines, the admin pages and the command."""

import json
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.forms import modelform_factory
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from clinics.models import ClinicPopulation
from subsidies.calculation import AdvanceSchedule, money, scheduled_advances
from subsidies.models import Advance, AdvanceBatch, PolicyItem, SubsidyPolicy
from subsidies.services import advances as services
from subsidies.services import settlement

QUARTERLY = {
    "advance_method": "quarterly_share",
    "advance_q1_share": D("0.25"),
    "advance_q2_share": D("0.3333"),
    "advance_q3_share": D("0.25"),
    "advance_q4_share": D("0.15"),
}


def make_policy(org, county=None, **kw):
    name = kw.pop("name", "2026年村级补助")
    fields = {
        "per_capita_rate": D("99"),
        "village_share": D("0.4"),
        "drug_amount": D("5"),
        "status": "active",
        **QUARTERLY,
    }
    fields.update(kw)
    return SubsidyPolicy.objects.create(county=county or org.county_a, year=2026, name=name, **fields)


@pytest.fixture
def populations(org):
    """County A: 张庄 1,000, 李家 800, 王营 333 residents (2,133 in all)."""
    ClinicPopulation.objects.filter(clinic=org.ca1b, year=2026).update(resident=800)
    ClinicPopulation.objects.filter(clinic=org.ca2a, year=2026).update(resident=333)


def amounts(batch):
    return {a.clinic.code: a.amount for a in batch.advances.select_related("clinic")}


# --------------------------------------------------------------------------- the policy's schedule


def test_schedule_is_shown_in_one_sentence(org):
    policy = make_policy(org)
    assert policy.advance_schedule_display == (
        "按季度比例预拨（基数：人均补助标准 × 村级任务比例 × 服务人口）："
        "第1季度 25%，第2季度 33.33%，第3季度 25%，第4季度 15%"
    )
    monthly = make_policy(
        org,
        name="按月",
        advance_method="monthly_fixed",
        advance_monthly_amount=D("500"),
        advance_q1_share=0,
        advance_q2_share=0,
        advance_q3_share=0,
        advance_q4_share=0,
    )
    monthly.refresh_from_db()
    assert monthly.advance_schedule_display == "每月固定预拨 500.00 元/室"


def test_policy_form_gives_chinese_errors_on_the_fields(org):
    Form = modelform_factory(
        SubsidyPolicy,
        fields=[
            "county",
            "year",
            "name",
            "status",
            "per_capita_rate",
            "village_share",
            "method",
            "quota_cap",
            "quality_threshold",
            "drug_method",
            "drug_amount",
            "violation_deduction",
            "remote_coefficient",
            "advance_method",
            "advance_q1_share",
            "advance_q2_share",
            "advance_q3_share",
            "advance_q4_share",
            "advance_monthly_amount",
        ],
    )
    base = {
        "county": org.county_a.pk,
        "year": 2026,
        "name": "政策",
        "status": "draft",
        "per_capita_rate": "99",
        "village_share": "0.4",
        "method": "unit_price",
        "quota_cap": "1.2",
        "quality_threshold": "60",
        "drug_method": "per_resident",
        "drug_amount": "5",
        "violation_deduction": "0",
        "remote_coefficient": "1",
        "advance_method": "quarterly_share",
        "advance_q1_share": "0.4",
        "advance_q2_share": "0.4",
        "advance_q3_share": "0.3",
        "advance_q4_share": "0",
        "advance_monthly_amount": "0",
    }
    form = Form(data=base)
    assert not form.is_valid()
    assert form.errors["advance_q4_share"] == ["四个季度的预拨比例合计不能超过 1（100%），现在是 1.1。"]
    assert "__all__" not in form.errors  # the database check does not repeat it
    form = Form(data=base | {"advance_q1_share": "1.5"})
    assert form.errors["advance_q1_share"] == ["预拨比例不能超过 1（即 100%）。"]
    form = Form(data=base | {"advance_q1_share": "0", "advance_q2_share": "0", "advance_q3_share": "0"})
    assert form.errors["advance_q1_share"] == ["按季度比例预拨时，至少要有一个季度的预拨比例大于 0。"]
    form = Form(data=base | {"advance_method": "monthly_fixed"})
    assert form.errors["advance_monthly_amount"] == ["每月固定预拨时，每月预拨金额必须大于 0。"]
    form = Form(
        data=base
        | {"advance_q1_share": "0.1", "advance_q2_share": "0.2", "advance_q3_share": "0.3", "advance_q4_share": "0.4"}
    )  # exactly 100 %
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    "bad",
    [
        {"advance_q1_share": D("0.6"), "advance_q2_share": D("0.6")},
        {"advance_q3_share": D("-0.1")},
        {
            "advance_method": "quarterly_share",
            "advance_q1_share": 0,
            "advance_q2_share": 0,
            "advance_q3_share": 0,
            "advance_q4_share": 0,
        },
        {"advance_method": "monthly_fixed", "advance_monthly_amount": 0},
        {"advance_monthly_amount": D("-1")},
        {"advance_method": "weekly"},
    ],
)
def test_database_refuses_a_bad_schedule(org, bad):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_policy(org, **bad)


def test_every_constraint_message_can_be_shown():
    """Django fills a constraint's message in with %-formatting: a bare "%" would raise instead of showing it."""
    messages = {c.name: c.get_violation_error_message() for c in SubsidyPolicy._meta.constraints}
    assert messages["policy_advance_shares_sum_le_1"] == "四个季度的预拨比例合计不能超过 1（100%）。"
    assert all(messages.values())


def test_database_accepts_shares_adding_up_to_exactly_one(org):
    policy = make_policy(
        org, advance_q1_share=D("0.1"), advance_q2_share=D("0.2"), advance_q3_share=D("0.3"), advance_q4_share=D("0.4")
    )
    assert sum(policy.advance_shares) == 1


# --------------------------------------------------------------------------- the arithmetic


def test_quarter_by_hand(org, populations):
    policy = make_policy(org)
    batch, created = services.generate_advances(user=org.users.county, policy=policy, quarter=2)
    # 99 × 0.4 × 2,133 × 0.3333 = 28,152.78444 → 28,152.78; by population the exact fen are
    # 1,319,867.79 / 1,055,894.23 / 439,515.97 → floors 13,198.67 + 10,558.94 + 4,395.15 = 28,152.76;
    # the 2 fen left go to the largest remainders (.97 王营, .79 张庄).
    assert created and batch.total == D("28152.78") and batch.quarter == 2 and batch.clinic_count == 3
    assert amounts(batch) == {"A1a": D("13198.68"), "A1b": D("10558.94"), "A2a": D("4395.16")}
    assert sum(amounts(batch).values()) == batch.total
    assert batch.created_by == org.users.county and batch.created_at is not None
    assert {a.paid_on.isoformat() for a in batch.advances.all()} == {"2026-04-01"}
    assert set(batch.advances.values_list("reference", flat=True)) == {"预拨2026年第2季度"}


def test_whole_per_person_quarter_by_hand(org, populations):
    batch, _ = services.generate_advances(user=None, policy=make_policy(org), quarter=1)
    # 99 × 0.4 × 0.25 = 9.90 元 per resident: 9,900.00 / 7,920.00 / 3,296.70 = 21,116.70
    assert amounts(batch) == {"A1a": D("9900.00"), "A1b": D("7920.00"), "A2a": D("3296.70")}
    assert batch.total == D("21116.70") and batch.created_by is None


def test_monthly_fixed_by_hand(org):
    policy = make_policy(org, advance_method="monthly_fixed", advance_monthly_amount=D("450.50"))
    batch, _ = services.generate_advances(user=org.users.county, policy=policy, month=5)
    assert amounts(batch) == {"A1a": D("450.50"), "A1b": D("450.50"), "A2a": D("450.50")}
    assert batch.total == D("1351.50") and batch.paid_on.isoformat() == "2026-05-01"


def test_generating_twice_pays_once(org, populations):
    policy = make_policy(org)
    first, created = services.generate_advances(user=org.users.county, policy=policy, quarter=1)
    again, created_again = services.generate_advances(user=org.users.superuser, policy=policy, quarter=1)
    assert created and not created_again and again == first
    assert Advance.objects.count() == 3 and AdvanceBatch.objects.count() == 1
    # A second policy of the same county cannot pay the same quarter either.
    other = make_policy(org, name="另一份政策")
    assert services.generate_advances(user=org.users.county, policy=other, quarter=1) == (first, False)
    assert Advance.objects.count() == 3


def test_the_database_allows_one_batch_per_county_and_period(org, populations):
    batch, _ = services.generate_advances(user=None, policy=make_policy(org), quarter=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        AdvanceBatch.objects.create(
            county=org.county_a,
            policy=batch.policy,
            year=2026,
            quarter=3,
            method="quarterly_share",
            paid_on=batch.paid_on,
            total=1,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Advance.objects.create(clinic=org.ca1a, paid_on=batch.paid_on, amount=1, batch=batch)


def test_months_and_quarters_do_not_overlap(org):
    monthly = make_policy(org, advance_method="monthly_fixed", advance_monthly_amount=D("300"))
    services.generate_advances(user=None, policy=monthly, month=2)
    quarterly = make_policy(org, name="季度")
    with pytest.raises(ValidationError, match="该期间已有预拨款批次"):
        services.generate_advances(user=None, policy=quarterly, quarter=1)
    services.generate_advances(user=None, policy=quarterly, quarter=2)


def test_period_must_fit_the_schedule(org):
    policy = make_policy(org)
    with pytest.raises(ValidationError, match="请选择季度"):
        services.generate_advances(user=None, policy=policy, month=1)
    with pytest.raises(ValidationError, match="请选择季度"):
        services.generate_advances(user=None, policy=policy, quarter=5)
    with pytest.raises(ValidationError, match="拨付日期必须在预拨期间内"):
        from datetime import date

        services.generate_advances(user=None, policy=policy, quarter=1, paid_on=date(2026, 4, 1))
    draft = make_policy(org, name="草稿", status="draft")
    with pytest.raises(ValidationError, match="只有已发布的政策"):
        services.generate_advances(user=None, policy=draft, quarter=1)
    none = make_policy(org, name="不预拨", advance_method="none")
    with pytest.raises(ValidationError, match="没有设置预拨计划"):
        services.generate_advances(user=None, policy=none, quarter=1)
    assert not Advance.objects.exists()


def test_only_the_county_admin_of_that_county_generates(org):
    policy = make_policy(org)
    for user in (
        org.users.township,
        org.users.other_township,
        org.users.other_county,
        org.users.doctor,
        org.users.editor,
    ):
        with pytest.raises(PermissionDenied):
            services.generate_advances(user=user, policy=policy, quarter=1)
    assert not AdvanceBatch.objects.exists()


def test_generated_advances_are_deducted_in_the_settlement(org, populations):
    policy = make_policy(org)
    from programs.models import ServiceItem

    PolicyItem.objects.create(
        policy=policy, item=ServiceItem.objects.get(code="PH09"), unit_price=D("40"), work_points=D("15")
    )
    batch, _ = services.generate_advances(user=org.users.county, policy=policy, quarter=1)
    Advance.objects.create(clinic=org.ca1a, paid_on="2026-02-15", amount=D("100.00"), reference="BK-7")
    run = settlement.create_run(user=org.users.county, policy=policy, year=2026, quarter=1)
    lines = {line.clinic.code: line for line in run.lines.select_related("clinic")}
    # No assessment → public health 0; drug 5 × residents × 0.25; minus the advances.
    assert lines["A1a"].advances == D("10000.00") and lines["A1a"].balance == D("1250.00") - D("10000.00")
    assert lines["A2a"].advances == D("3296.70") and lines["A2a"].balance == D("416.25") - D("3296.70")
    assert run.total_advances == batch.total + D("100.00")
    x = lines["A1a"].explanation
    assert x["advance_schedule"]["method"] == "quarterly_share"
    assert x["advance_schedule"]["quarter_percents"] == ["25", "33.33", "25", "15"]
    assert x["advance_rows"] == [
        {"paid_on": "2026-01-01", "amount": "9900.00", "reference": "预拨2026年第1季度", "scheduled": True},
        {"paid_on": "2026-02-15", "amount": "100.00", "reference": "BK-7", "scheduled": False},
    ]
    # The next quarter's settlement does not deduct them.
    q2 = settlement.create_run(user=org.users.county, policy=policy, year=2026, quarter=2)
    assert q2.total_advances == 0
    # The explanation page shows the schedule and every advance.
    page = _client(org.users.county).get(reverse("settlement:line", args=[lines["A1a"].pk])).content.decode()
    assert "预拨计划" in page and "第1季度 25%" in page and "9900.00" in page and "BK-7" in page


# --------------------------------------------------------------------------- property


@given(
    rate=st.decimals(min_value=0, max_value=200, places=2),
    village=st.decimals(min_value=0, max_value=1, places=4),
    shares=st.lists(st.decimals(min_value=0, max_value=D("0.25"), places=4), min_size=4, max_size=4),
    quarter=st.integers(1, 4),
    populations=st.lists(st.integers(0, 20000), min_size=1, max_size=60),
)
def test_quarterly_advances_add_up_to_the_schedule_amount_to_the_fen(rate, village, shares, quarter, populations):
    schedule = AdvanceSchedule(
        method="quarterly_share", per_capita_rate=rate, village_share=village, quarter_shares=tuple(shares)
    )
    total, parts, _formula = scheduled_advances(schedule, populations=populations, quarter=quarter)
    assert total == money(rate * village * sum(populations) * shares[quarter - 1])
    if sum(populations):
        assert sum(parts) == total
    assert all(p >= 0 and p == p.quantize(D("0.01")) for p in parts)
    for part, population in zip(parts, populations, strict=True):
        if sum(populations):
            assert abs(part - total * population / sum(populations)) < D("0.01")


@given(
    amount=st.decimals(min_value=0, max_value=100000, places=2), clinics=st.integers(0, 500), month=st.integers(1, 12)
)
def test_monthly_advances_add_up_to_the_schedule_amount(amount, clinics, month):
    schedule = AdvanceSchedule(method="monthly_fixed", monthly_amount=amount)
    total, parts, _ = scheduled_advances(schedule, populations=[1000] * clinics, month=month)
    assert total == amount * clinics and sum(parts, D(0)) == total and set(parts) <= {amount}


# --------------------------------------------------------------------------- admin and command


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_admin_generates_once_and_lists_the_batch(org, populations):
    policy = make_policy(org)
    client = _client(org.users.county)
    page = client.get(reverse("settlement:advances")).content.decode()
    assert "第1季度 25%" in page and 'value="q2"' in page
    response = client.post(reverse("settlement:advances"), {"policy": policy.pk, "period": "q1"}, follow=True)
    batch = AdvanceBatch.objects.get()
    assert response.redirect_chain[-1][0] == reverse("settlement:advance_batch", args=[batch.pk])
    body = response.content.decode()
    assert "已生成 3 个村卫生室的预拨款，合计 21116.70 元" in body and "9900.00" in body
    again = client.post(reverse("settlement:advances"), {"policy": policy.pk, "period": "q1"}, follow=True)
    assert "没有重复拨付" in again.content.decode() and Advance.objects.count() == 3
    wrong = client.post(reverse("settlement:advances"), {"policy": policy.pk, "period": "m4"}, follow=True)
    assert "请选择季度" in wrong.content.decode()
    assert "县" in client.get(reverse("settlement:advances")).content.decode()


def test_other_county_cannot_generate_for_county_a(org):
    policy = make_policy(org)
    response = _client(org.users.other_county).post(
        reverse("settlement:advances"), {"policy": policy.pk, "period": "q1"}
    )
    assert response.status_code == 404 and not AdvanceBatch.objects.exists()


def test_policy_list_shows_the_schedule(org):
    make_policy(org)
    page = _client(org.users.county).get(reverse("subsidypolicy:index")).content.decode()
    assert "预拨计划" in page and "第2季度 33.33%" in page


def test_command_generates_idempotently(org, populations, capsys):
    make_policy(org)
    call_command("generate_advances", "--year", "2026", "--quarter", "1", "--county", "QS", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["created"] is True and data["total"] == "21116.70"
    assert {row["clinic"]: row["amount"] for row in data["advances"]} == {
        "A1a": "9900.00",
        "A1b": "7920.00",
        "A2a": "3296.70",
    }
    call_command("generate_advances", "--year", "2026", "--quarter", "1", "--county", "QS")
    assert "没有重复拨付" in capsys.readouterr().out
    assert Advance.objects.count() == 3


def test_generated_advances_cannot_be_edited_by_hand(org, client_for):
    policy = make_policy(org, advance_method="monthly_fixed", advance_monthly_amount=D("300"))
    batch, _ = services.generate_advances(user=org.users.county, policy=policy, month=5)
    advance = batch.advances.order_by("pk").first()
    response = client_for(org.users.county).post(
        reverse("advance:edit", args=[advance.pk]),
        {"clinic": advance.clinic_id, "paid_on": "2026-05-01", "amount": "1.00", "reference": "改"},
    )
    assert response.status_code == 200 and "不能手工修改" in response.content.decode()
    advance.refresh_from_db()
    assert advance.amount == D("300.00")
