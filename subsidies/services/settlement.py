"""Settlement runs: compute (and recompute while a draft), confirm, approve, announce, pay; adjustments.

An approved run never changes: corrections are new adjustment runs that reference it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import Clinic, ClinicPopulation, County, Township
from clinics.selectors import can_manage_township, get_scope
from subsidies import calculation
from subsidies.models import Advance, SettlementLine, SettlementRun, SubsidyPolicy

Status = SettlementRun.Status


def period_months(quarter: int | None) -> list[int]:
    return list(range(1, 13)) if quarter is None else list(range(quarter * 3 - 2, quarter * 3 + 1))


def period_dates(year: int, quarter: int | None) -> tuple[date, date]:
    months = period_months(quarter)
    end_month = months[-1]
    end_day = 31 if end_month in (3, 12) else 30
    return date(year, months[0], 1), date(year, end_month, end_day)


def policy_inputs(policy: SubsidyPolicy, *, quarter: int | None) -> calculation.PolicyInputs:
    items = list(policy.items.select_related("item"))
    return calculation.PolicyInputs(
        method=policy.method, per_capita_rate=policy.per_capita_rate, village_share=policy.village_share,
        quota_cap=policy.quota_cap, quality_threshold=policy.quality_threshold,
        prices={i.item.code: (i.unit_price, i.work_points) for i in items},
        item_names={i.item.code: i.item.name for i in items},
        quality_bands=tuple(tuple(b) for b in policy.quality_bands or ()), drug_method=policy.drug_method,
        drug_amount=policy.drug_amount, violation_deduction=policy.violation_deduction,
        gap_tolerance=policy.gap_tolerance, remote_coefficient=policy.remote_coefficient,
        budget_cap=policy.budget_cap, period_fraction=Decimal(1) if quarter is None else Decimal("0.25"),
        advance_schedule=advance_schedule(policy).as_dict())


def advance_schedule(policy: SubsidyPolicy) -> calculation.AdvanceSchedule:
    return calculation.AdvanceSchedule(
        method=policy.advance_method, per_capita_rate=policy.per_capita_rate, village_share=policy.village_share,
        quarter_shares=tuple(Decimal(s) for s in policy.advance_shares),
        monthly_amount=Decimal(policy.advance_monthly_amount))


def gather_inputs(*, county: County, year: int, quarter: int | None, township: Township | None = None
                  ) -> list[calculation.ClinicInputs]:
    """Every active clinic's figures for the period, through the other apps' contract functions
    (docs/INTERFACES.md); a fixed number of queries whatever the number of clinics."""
    clinics = Clinic.objects.filter(township__county=county, status=Clinic.Status.ACTIVE)
    if township is not None:
        clinics = clinics.filter(township=township)
    return _gather(list(clinics.order_by("code")), year=year, quarter=quarter)


def gather_inputs_by_county(*, counties, year: int, quarter: int | None) -> dict[int, list[calculation.ClinicInputs]]:
    """The same for many counties at once (a province): one set of queries for all their clinics."""
    chosen = Clinic.objects.filter(township__county__in=list(counties), status=Clinic.Status.ACTIVE)
    clinics = list(chosen.select_related("township").order_by("code"))
    county_of = {c.pk: c.township.county_id for c in clinics}
    result: dict[int, list] = {}
    for inputs in _gather(clinics, year=year, quarter=quarter, id_query=chosen.values_list("pk", flat=True)):
        result.setdefault(county_of[inputs.clinic_id], []).append(inputs)
    return result


def _gather(clinics: list[Clinic], *, year: int, quarter: int | None, id_query=None) -> list[calculation.ClinicInputs]:
    from doctors.selectors import doctor_counts
    from programs.selectors.drugs import drug_subsidy_basis
    from programs.selectors.reports import quota_map, verified_totals
    from subsidies.selectors.assessments import assessment_scores

    ids = [c.pk for c in clinics]
    many = id_query if id_query is not None else ids  # a subquery beats 30,000 literal ids
    start, end = period_dates(year, quarter)
    totals = verified_totals(clinic_ids=many, year=year, months=period_months(quarter))
    quotas = quota_map(clinic_ids=many, year=year)
    scores = assessment_scores(clinic_ids=many, year=year, quarter=quarter)
    drugs = drug_subsidy_basis(clinic_ids=many, start=start, end=end)
    doctors = doctor_counts(clinic_ids=many, on=end)
    populations = dict(ClinicPopulation.objects.filter(clinic_id__in=many, year=year).values_list("clinic_id", "resident"))
    advances: dict[int, Decimal] = {}
    advance_rows: dict[int, list] = {}
    for clinic_id, paid_on, amount, reference, batch_id in (
            Advance.objects.filter(clinic_id__in=many, paid_on__range=(start, end))
            .order_by("paid_on", "pk").values_list("clinic_id", "paid_on", "amount", "reference", "batch_id")):
        advances[clinic_id] = advances.get(clinic_id, Decimal(0)) + amount
        advance_rows.setdefault(clinic_id, []).append((paid_on.isoformat(), amount, reference, batch_id is not None))
    result = []
    for clinic in clinics:
        clinic_totals = totals.get(clinic.pk, {})
        clinic_quotas = quotas.get(clinic.pk, {})
        items = {}
        for code in clinic_totals.keys() | clinic_quotas.keys():
            declared, verified = clinic_totals.get(code, (0, 0))
            items[code] = calculation.ItemFigures(declared, verified, clinic_quotas.get(code, 0))
        basis = drugs.get(clinic.pk)
        drug = calculation.DrugFigures(purchase_value=basis.purchase_value, sales_value=basis.sales_value,
                                       overcharge_total=basis.overcharge_total,
                                       violation_count=basis.violation_count) if basis else calculation.DrugFigures()
        result.append(calculation.ClinicInputs(
            clinic_id=clinic.pk, name=clinic.name, population=populations.get(clinic.pk, 0), remote=clinic.remote,
            doctors=doctors.get(clinic.pk, 0), score=scores.get(clinic.pk), items=items, drug=drug,
            advances=advances.get(clinic.pk, Decimal(0)), advance_rows=tuple(advance_rows.get(clinic.pk, ()))))
    return result


def _ensure_may_prepare(user, county: County, township: Township | None) -> None:
    if user is None:  # the command line (manage.py settle) is trusted
        return
    scope = get_scope(user)
    if scope.sees_everything:
        return
    if township is not None and can_manage_township(user, township):
        return
    if scope.is_county_admin and scope.county_id == county.pk:
        return
    raise PermissionDenied


def _insert_lines(run: SettlementRun, lines, previous: dict) -> None:
    """Insert a run's lines. On PostgreSQL through COPY: binding tens of thousands of JSON parameters
    dominates a province run otherwise (measured: ~0.7 s per 600 lines with bulk_create)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        SettlementLine.objects.bulk_create([SettlementLine(
            run=run, clinic_id=x.clinic_id, public_health=x.public_health, drug_subsidy=x.drug_subsidy,
            deductions=x.deductions, advances=x.advances, balance=x.balance, previous_balance=previous.get(x.clinic_id),
            explanation=x.explanation) for x in lines], batch_size=2000)
        return
    import json

    table = SettlementLine._meta.db_table
    columns = "run_id, clinic_id, public_health, drug_subsidy, deductions, advances, balance, previous_balance, explanation"
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for x in lines:
            copy.write_row((run.pk, x.clinic_id, x.public_health, x.drug_subsidy, x.deductions, x.advances, x.balance,
                            previous.get(x.clinic_id), json.dumps(x.explanation, ensure_ascii=False)))


def _write_lines(run: SettlementRun, inputs) -> SettlementRun:
    lines, totals = calculation.compute(policy_inputs(run.policy, quarter=run.quarter), inputs)
    previous = dict(run.lines.values_list("clinic_id", "balance"))
    run.lines.all().delete()
    _insert_lines(run, lines, previous)
    run.total_public_health, run.total_drug = totals["public_health"], totals["drug"]
    run.total_deductions, run.total_advances, run.total_balance = totals["deductions"], totals["advances"], totals["balance"]
    run.scale_factor = totals["scale"].quantize(Decimal("0.0000000001")) if totals["scale"] else None
    run.computed_at = timezone.now()
    run.save()
    return run


@transaction.atomic
def create_run(*, user, policy: SubsidyPolicy, year: int, quarter: int | None, township: Township | None = None,
               inputs=None, adjusts: SettlementRun | None = None) -> SettlementRun:
    """A draft run computed from the period's data (or from given inputs, e.g. in a simulation)."""
    county = policy.county
    _ensure_may_prepare(user, county, township)
    if township is not None and township.county_id != county.pk:
        raise ValidationError(_("乡镇不属于该政策所在的县。"))
    if quarter is not None and not 1 <= quarter <= 4:
        raise ValidationError({"quarter": _("季度必须是 1 到 4，或留空表示全年。")})
    if policy.year != year:
        raise ValidationError(_("政策年度与结算年度不一致。"))
    if adjusts is not None:
        adjusts = SettlementRun.objects.get(pk=adjusts.pk)
    if adjusts is not None and not adjusts.locked:
        raise ValidationError(_("只有已审批的结算才需要更正；草稿可以直接重新计算。"))
    run = SettlementRun.objects.create(county=county, township=township, year=year, quarter=quarter, policy=policy,
                                       prepared_by=user, adjusts=adjusts)
    if inputs is None:
        inputs = gather_inputs(county=county, year=year, quarter=quarter, township=township)
    return _write_lines(run, inputs)


@transaction.atomic
def create_province_runs(*, user, policies, year: int, quarter: int | None) -> list[SettlementRun]:
    """One draft run per county (each with its own policy), from a single read of the whole province."""
    policies = list(policies)
    for policy in policies:
        _ensure_may_prepare(user, policy.county, None)
        if policy.year != year:
            raise ValidationError(_("政策年度与结算年度不一致。"))
    by_county = gather_inputs_by_county(counties=[p.county_id for p in policies], year=year, quarter=quarter)
    runs = []
    for policy in policies:
        run = SettlementRun.objects.create(county=policy.county, year=year, quarter=quarter, policy=policy,
                                           prepared_by=user)
        runs.append(_write_lines(run, by_county.get(policy.county_id, [])))
    return runs


@transaction.atomic
def recompute_run(*, user, run: SettlementRun, inputs=None) -> SettlementRun:
    """Recompute a draft with the current data and policy numbers (what-if); keeps the previous balances."""
    run = SettlementRun.objects.select_for_update().get(pk=run.pk)
    _ensure_may_prepare(user, run.county, run.township)
    if run.status != Status.DRAFT:
        raise ValidationError(_("只有草稿可以重新计算；已确认或审批的结算不能更改。"))
    if inputs is None:
        inputs = gather_inputs(county=run.county, year=run.year, quarter=run.quarter, township=run.township)
    return _write_lines(run, inputs)


@transaction.atomic
def confirm_run(*, user, run: SettlementRun) -> SettlementRun:
    run = SettlementRun.objects.select_for_update().get(pk=run.pk)
    _ensure_may_prepare(user, run.county, run.township)
    if run.status != Status.DRAFT:
        raise ValidationError(_("只有草稿可以确认。"))
    run.status, run.confirmed_by = Status.CONFIRMED, user
    run.save(update_fields=["status", "confirmed_by"])
    return run


@transaction.atomic
def approve_run(*, user, run: SettlementRun) -> SettlementRun:
    """County approval. The row lock makes two simultaneous approvals record exactly one."""
    run = SettlementRun.objects.select_for_update().get(pk=run.pk)
    scope = get_scope(user)
    if not (scope.sees_everything or (scope.is_county_admin and scope.county_id == run.county_id)):
        raise PermissionDenied
    if run.status != Status.CONFIRMED:
        raise ValidationError(_("只有卫生院已确认的结算才能审批（当前状态：%(s)s）。") % {"s": run.get_status_display()})
    if run.prepared_by_id == user.pk:
        raise ValidationError(_("审批人不能是制表人。"))
    from programs.services.periods import lock_periods

    township_ids = [run.township_id] if run.township_id else list(run.county.townships.values_list("pk", flat=True))
    lock_periods(township_ids=township_ids, year=run.year, months=period_months(run.quarter), user=user,
                 reason=_("%(run)s审批后锁定") % {"run": run})
    run.status, run.approved_by, run.approved_at = Status.APPROVED, user, timezone.now()
    run.save(update_fields=["status", "approved_by", "approved_at"])
    return run


@transaction.atomic
def announce_run(*, user, run: SettlementRun):
    """Publish the payout table as a public announcement (公示) through the CMS."""
    run = SettlementRun.objects.select_for_update().select_related("county").get(pk=run.pk)
    scope = get_scope(user)
    if not (scope.sees_everything or (scope.is_county_admin and scope.county_id == run.county_id)):
        raise PermissionDenied
    if run.status != Status.APPROVED:
        raise ValidationError(_("审批后才能公示。"))
    try:
        from cms.services import publish_announcement
    except ImportError:
        raise ValidationError(_("通知公告模块尚未启用，暂不能在网站公示；请先导出 Excel 张贴公示。")) from None
    headers = [_("村卫生室"), _("公共卫生补助"), _("基本药物补助"), _("扣款"), _("已预拨"), _("应拨")]
    rows = [[line.clinic.name, str(line.public_health), str(line.drug_subsidy), str(line.deductions),
             str(line.advances), str(line.balance)] for line in run.lines.select_related("clinic")]
    page = publish_announcement(county=run.county, title=_("%(run)s公示") % {"run": run},
                                intro=_("以下为补助结算结果，公示期 7 天。如有异议请向乡镇卫生院反映。"),
                                table_headers=headers, table_rows=rows, user=user)
    run.status = Status.ANNOUNCED
    run.save(update_fields=["status"])
    return page


@transaction.atomic
def mark_paid(*, user, run: SettlementRun, reference: str) -> SettlementRun:
    run = SettlementRun.objects.select_for_update().get(pk=run.pk)
    scope = get_scope(user)
    if not (scope.sees_everything or (scope.is_county_admin and scope.county_id == run.county_id)):
        raise PermissionDenied
    if run.status not in (Status.APPROVED, Status.ANNOUNCED):
        raise ValidationError(_("审批后才能登记拨付。"))
    if not reference.strip():
        raise ValidationError({"reference": _("请填写拨付凭证号。")})
    run.status, run.payment_reference = Status.PAID, reference.strip()
    run.save(update_fields=["status", "payment_reference"])
    return run
