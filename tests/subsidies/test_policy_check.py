"""The policy check (#19): what a policy pays nothing for is said before a run is prepared, kept on the run, and
a run with warnings is confirmed only by someone who says they checked them; prices come from the county's
yearly price table in one click; ``settle --policy`` and ``check_policy``."""

import json
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from programs.models import ServiceItem, ServiceItemPrice
from programs.selectors.reports import ItemFigures
from subsidies.calculation import ClinicInputs
from subsidies.models import PolicyItem, SettlementRun, SubsidyPolicy
from subsidies.selectors.policy_check import policy_warnings, stored_warnings, warnings_for
from subsidies.services import policies as policy_services
from subsidies.services import settlement as services
from tests.subsidies.test_settlement_approvals import approved


def figures(org, **items):
    """Two clinics' figures: item code → (declared, quota) for 张庄村, and PH09 only for 李家村."""
    return [
        ClinicInputs(
            clinic_id=org.ca1a.pk,
            name="张庄村卫生室",
            population=1000,
            score=D("80"),
            items={code: ItemFigures(declared=d, verified=d, quota=q) for code, (d, q) in items.items()},
        ),
        ClinicInputs(
            clinic_id=org.ca1b.pk,
            name="李家村卫生室",
            population=800,
            score=D("80"),
            items={"PH09": ItemFigures(declared=5, verified=5, quota=0)},
        ),
    ]


def table_price(org, code, price, points):
    return ServiceItemPrice.objects.create(
        county=org.county_a, year=2026, item=ServiceItem.objects.get(code=code), unit_price=price, work_points=points
    )


def test_warnings_name_each_unpaid_item_with_clinics_and_counts(org, policy):
    # PH09 is priced (40 元) in the policy; PH01 is not, but the county's price table has it.
    table_price(org, "PH01", D("12.50"), D("3"))
    clinics = [(x.name, x.items) for x in figures(org, PH09=(100, 480), PH01=(30, 200))]
    warnings = {w.item_code: w for w in warnings_for(policy=policy, clinics=clinics)}
    assert set(warnings) == {"PH01", "PH09"}
    no_price = warnings["PH01"]
    assert (no_price.kind, no_price.clinics, no_price.declared) == ("no_price", 1, 30)
    assert "没有这一项的单价" in no_price.message and "12.50 元、3.00 工分" in no_price.message
    # PH09 has a price; only 李家村 has counts without a quota (张庄村's quota is 480).
    no_quota = warnings["PH09"]
    assert (no_quota.kind, no_quota.clinics, no_quota.declared, no_quota.clinic_names) == (
        "no_quota",
        1,
        5,
        ("李家村卫生室",),
    )


def test_work_point_policy_warns_about_zero_points_not_quotas(org, policy):
    SubsidyPolicy.objects.filter(pk=policy.pk).update(method=SubsidyPolicy.Method.WORK_POINTS)
    policy.refresh_from_db()
    PolicyItem.objects.filter(policy=policy).update(work_points=0)
    clinics = [(x.name, x.items) for x in figures(org, PH09=(100, 480))]
    (warning,) = warnings_for(policy=policy, clinics=clinics)
    assert (warning.kind, warning.clinics, warning.declared) == ("no_points", 2, 105)


def test_no_counts_no_warnings(org, policy):
    assert warnings_for(policy=policy, clinics=[("张庄村卫生室", {})]) == []
    assert policy_warnings(policy=policy, quarter=1) == []  # no submitted report in the database


def test_a_run_keeps_its_warnings_and_confirming_needs_them_checked(org, policy):
    run = services.create_run(
        user=org.users.township,
        policy=policy,
        year=2026,
        quarter=1,
        township=org.ta1,
        inputs=figures(org, PH01=(30, 200)),
    )
    assert [w["item"] for w in run.warnings] == ["PH01", "PH09"]
    with pytest.raises(ValidationError, match="2 条政策检查提醒"):
        services.confirm_run(user=org.users.township, run=run)
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.DRAFT and run.warnings_acknowledged_by is None
    services.confirm_run(user=org.users.township, run=run, warnings_checked=True)
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.CONFIRMED and run.warnings_acknowledged_by == org.users.township


def test_a_run_keeps_figures_so_each_reader_gets_their_language(org, policy):
    table_price(org, "PH01", D("12.50"), D("3"))
    run = services.create_run(
        user=org.users.township,
        policy=policy,
        year=2026,
        quarter=1,
        township=org.ta1,
        inputs=figures(org, PH01=(30, 200)),
    )
    run.refresh_from_db()
    with translation.override("en"):
        english = stored_warnings(run.warnings)[0].message
    with translation.override("zh-hans"):
        chinese = stored_warnings(run.warnings)[0].message
    assert "pays 0.00" in english and "12.50 yuan" in english
    assert "没有这一项的单价" in chinese and "12.50 元" in chinese


def test_a_run_without_warnings_confirms_as_before(org, policy):
    run = services.create_run(
        user=org.users.township,
        policy=policy,
        year=2026,
        quarter=1,
        township=org.ta1,
        inputs=figures(org, PH09=(100, 480))[:1],
    )
    assert run.warnings == []
    services.confirm_run(user=org.users.township, run=run)
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.CONFIRMED and run.warnings_acknowledged_by is None


def test_fill_prices_from_the_table_adds_only_missing_items(org, policy):
    table_price(org, "PH01", D("12.50"), D("3"))
    table_price(org, "PH09", D("99.00"), D("9"))  # the policy's own 40 元 stays
    assert policy_services.fill_prices_from_table(user=org.users.county, policy=policy) == 1
    prices = dict(PolicyItem.objects.filter(policy=policy).values_list("item__code", "unit_price"))
    assert prices == {"PH01": D("12.50"), "PH09": D("40.00")}
    assert policy_services.fill_prices_from_table(user=org.users.county, policy=policy) == 0


def test_fill_prices_refuses_an_empty_table_and_a_frozen_policy(org, policy):
    with pytest.raises(ValidationError, match="县服务项目单价表是空的"):
        policy_services.fill_prices_from_table(user=org.users.county, policy=policy)
    table_price(org, "PH01", D("12.50"), D("3"))
    approved(org, policy)
    with pytest.raises(ValidationError, match="不能再修改"):
        policy_services.fill_prices_from_table(user=org.users.county, policy=policy)
    assert not PolicyItem.objects.filter(policy=policy, item__code="PH01").exists()


def test_the_check_page_and_its_button(org, policy, client_for):
    table_price(org, "PH01", D("12.50"), D("3"))
    url = reverse("settlement:policy_check", args=[policy.pk])
    # A township clerk reads the check but may not change the policy: the button is neither shown nor obeyed.
    township = client_for(org.users.township)
    assert township.post(url, {"fill": "1"}).status_code in (302, 403)
    assert not PolicyItem.objects.filter(policy=policy, item__code="PH01").exists()
    county = client_for(org.users.county)
    page = county.get(url, {"quarter": "1"}).content.decode()
    assert 'data-testid="policy-check-ok"' in page and 'data-testid="fill-prices"' in page
    response = county.post(url, {"fill": "1"}, follow=True)
    assert "已从县单价表补入 1 个项目" in response.content.decode()
    assert PolicyItem.objects.filter(policy=policy, item__code="PH01").exists()
    # A bad quarter checks the whole year instead of failing.
    page = township.get(url, {"quarter": "x²"})
    assert page.status_code == 200 and 'data-testid="fill-prices"' not in page.content.decode()


def test_confirming_through_the_pages_asks_for_the_check(org, policy, client_for):
    run = services.create_run(
        user=org.users.township,
        policy=policy,
        year=2026,
        quarter=1,
        township=org.ta1,
        inputs=figures(org, PH01=(30, 200)),
    )
    township = client_for(org.users.township)
    assert 'data-testid="policy-warnings"' in township.get(reverse("settlement:run", args=[run.pk])).content.decode()
    step = township.get(reverse("settlement:decide", args=[run.pk]), {"action": "confirm"}).content.decode()
    assert 'data-testid="warnings-checked"' in step and "没有这一项的单价" in step
    url = reverse("settlement:run", args=[run.pk])
    refused = township.post(url, {"action": "confirm", "version": run.version})
    assert refused.status_code == 200 and "请逐条核对" in refused.content.decode()
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.DRAFT
    township.post(url, {"action": "confirm", "version": run.version, "warnings_checked": "on"})
    run.refresh_from_db()
    assert run.status == SettlementRun.Status.CONFIRMED and run.warnings_acknowledged_by == org.users.township


def test_settle_with_a_chosen_policy_and_check_policy_command(org, policy):
    other = SubsidyPolicy.objects.create(
        county=org.county_a,
        year=2026,
        name="2026年试行",
        per_capita_rate=D("80"),
        village_share=D("0.4"),
        drug_amount=D("5"),
    )
    out = StringIO()
    call_command("settle", "--year", "2026", "--quarter", "1", "--policy", str(other.pk), "--json", stdout=out)
    assert json.loads(out.getvalue())["policy_id"] == other.pk
    with pytest.raises(Exception, match="找不到编号为 999999 的补助政策"):
        call_command("settle", "--year", "2026", "--policy", "999999", stdout=StringIO())
    out = StringIO()
    call_command("check_policy", "--policy", str(policy.pk), "--json", stdout=out)
    assert json.loads(out.getvalue())["warnings"] == []


# --------------------------------------------------------------------------- copying a policy (#19)

# What a copy changes; every other column of the policy is copied as it is.
COPY_CHANGES = {"id", "year", "name", "status", "effective_from", "version", "changed_by", "changed_at"}


def parameters(policy):
    return {
        f.attname: getattr(policy, f.attname) for f in SubsidyPolicy._meta.concrete_fields if f.name not in COPY_CHANGES
    }


def standards(policy):
    return set(policy.items.values_list("item__code", "unit_price", "work_points"))


def test_next_years_policy_is_a_draft_copy_and_the_original_stays(org, policy):
    policy.status = SubsidyPolicy.Status.ACTIVE
    policy.quality_bands = [[90, "1.0"], [60, "0.8"]]
    policy.save()
    table_price(org, "PH01", D("12.50"), D("3"))
    policy_services.fill_prices_from_table(user=org.users.county, policy=policy)
    assert policy_services.copy_name(policy=policy, year=2027) == "2027年村级补助"
    copy = policy_services.copy_policy(user=org.users.county, policy=policy, year=2027, name=" 2027年村级补助 ")
    assert (copy.year, copy.name, copy.status, copy.changed_by) == (2027, "2027年村级补助", "draft", org.users.county)
    assert parameters(copy) == parameters(policy)
    assert standards(copy) == standards(policy) == {("PH09", D("40.00"), D("15.00")), ("PH01", D("12.50"), D("3.00"))}
    policy.refresh_from_db()
    assert (policy.year, policy.status, policy.items.count()) == (2026, "active", 2)


def test_a_frozen_policy_is_revised_as_a_new_policy_of_the_same_year(org, policy):
    approved(org, policy)
    assert policy_services.copy_name(policy=policy, year=2026) == "2026年村级补助（修订）"
    with pytest.raises(ValidationError) as refused:
        policy_services.copy_policy(user=org.users.county, policy=policy, year=2026, name=policy.name)
    assert refused.value.message_dict == {"name": ["2026 年已有名为“2026年村级补助”的政策，请换一个名称。"]}
    revised = policy_services.copy_policy(
        user=org.users.county, policy=policy, year=2026, name="2026年村级补助（修订）"
    )
    assert standards(revised) == standards(policy)
    with pytest.raises(PermissionDenied):
        policy_services.copy_policy(user=org.users.other_county, policy=policy, year=2027, name="借用")


def test_the_check_page_copies_with_the_offered_defaults(org, policy, client_for):
    url = reverse("settlement:policy_check", args=[policy.pk])
    county = client_for(org.users.county)
    page = county.get(url).content.decode()
    assert 'data-testid="policy-copy"' in page and 'value="2027"' in page and 'value="2027年村级补助"' in page
    response = county.post(url, {"copy": "1", "year": "2027", "name": "2027年村级补助"}, follow=True)
    copy = SubsidyPolicy.objects.get(county=org.county_a, year=2027)
    assert response.redirect_chain[-1][0] == reverse("settlement:policy_check", args=[copy.pk])
    assert "已复制为“2027年村级补助”（草稿，1 个项目标准）" in response.content.decode()
    again = county.post(url, {"copy": "1", "year": "2027", "name": "2027年村级补助"})
    assert again.status_code == 200 and "2027 年已有名为“2027年村级补助”的政策" in again.content.decode()
    bad = county.post(url, {"copy": "1", "year": "２０２７", "name": ""})
    assert bad.status_code == 200 and bad.content.decode().count('data-testid="copy-error"') == 2
    assert SubsidyPolicy.objects.filter(county=org.county_a).count() == 2
    # A township clerk may read the check but not copy; another county does not see the policy at all.
    assert 'data-testid="policy-copy"' not in client_for(org.users.township).get(url).content.decode()
    assert client_for(org.users.township).post(url, {"copy": "1", "year": "2028", "name": "x"}).status_code in (
        302,
        403,
    )
    assert client_for(org.users.other_county).post(url, {"copy": "1", "year": "2028", "name": "x"}).status_code == 404
    assert SubsidyPolicy.objects.filter(county=org.county_a).count() == 2
