"""Settlement runs: compute (and recompute while a draft), confirm, approve, announce, pay; adjustments.

An approved run never changes: corrections are new adjustment runs that reference it.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.copy import QueuedLibpqWriter

from clinics.models import Clinic, ClinicPopulation, County, Township
from clinics.selectors import can_administer_county, can_manage_township
from core import announcements
from doctors.selectors import doctor_counts
from programs.selectors.drugs import drug_subsidy_basis
from programs.selectors.reports import item_figures
from programs.services.periods import lock_periods
from subsidies import calculation
from subsidies.fields import dumps
from subsidies.models import Advance, PolicyItem, SettlementLine, SettlementRun, SubsidyPolicy
from subsidies.selectors.assessments import assessment_scores
from subsidies.services.background import background_reads

if TYPE_CHECKING:
    from django.contrib.auth.models import User


Status = SettlementRun.Status
# Clinic id → item code → the item's figures (``programs.selectors.reports.item_figures``).
Figures: TypeAlias = dict[int, dict[str, calculation.ItemFigures]]
# A settlement line as stored (``_LINE_COLUMNS``).
LineRow: TypeAlias = tuple[int, int, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal | None, str]


def period_months(quarter: int | None) -> list[int]:
    return list(range(1, 13)) if quarter is None else list(range(quarter * 3 - 2, quarter * 3 + 1))


def period_dates(year: int, quarter: int | None) -> tuple[date, date]:
    months = period_months(quarter)
    end_month = months[-1]
    end_day = 31 if end_month in (3, 12) else 30
    return date(year, months[0], 1), date(year, end_month, end_day)


def _stored_or_none(policy: SubsidyPolicy, name: str) -> Decimal | None:
    """A decimal field as the database returns it (``60`` → ``60.00``), so a run computed with a policy just
    saved explains itself exactly like its recomputation with the policy read back."""
    value = getattr(policy, name)
    if value is None:
        return None
    field = SubsidyPolicy._meta.get_field(name)
    assert isinstance(field, models.DecimalField)
    return Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places))


def _stored(policy: SubsidyPolicy, name: str) -> Decimal:
    """The same for a field that is never empty (NOT NULL)."""
    value = _stored_or_none(policy, name)
    assert value is not None, name
    return value


def policy_inputs(
    policy: SubsidyPolicy, *, quarter: int | None, items: list[PolicyItem] | None = None
) -> calculation.PolicyInputs:
    """The policy's numbers for the calculation; ``items``: its priced items, when already read (a province)."""
    if items is None:
        items = list(policy.items.select_related("item"))
    d = functools.partial(_stored, policy)
    d_or_none = functools.partial(_stored_or_none, policy)
    return calculation.PolicyInputs(
        method=policy.method,
        per_capita_rate=d("per_capita_rate"),
        village_share=d("village_share"),
        quota_cap=d("quota_cap"),
        quality_threshold=d("quality_threshold"),
        prices={i.item.code: (i.unit_price, i.work_points) for i in items},
        item_names={i.item.code: i.item.name for i in items},
        quality_bands=tuple(tuple(b) for b in policy.quality_bands or ()),
        drug_method=policy.drug_method,
        drug_amount=d("drug_amount"),
        violation_deduction=d("violation_deduction"),
        gap_tolerance=d_or_none("gap_tolerance"),
        remote_coefficient=d("remote_coefficient"),
        budget_cap=d_or_none("budget_cap"),
        period_fraction=Decimal(1) if quarter is None else Decimal("0.25"),
        advance_schedule=advance_schedule(policy).as_dict(),
    )


def advance_schedule(policy: SubsidyPolicy) -> calculation.AdvanceSchedule:
    d = functools.partial(_stored, policy)
    return calculation.AdvanceSchedule(
        method=policy.advance_method,
        per_capita_rate=d("per_capita_rate"),
        village_share=d("village_share"),
        quarter_shares=tuple(d(f"advance_q{q}_share") for q in range(1, 5)),
        monthly_amount=d("advance_monthly_amount"),
    )


def gather_inputs(
    *, county: County, year: int, quarter: int | None, township: Township | None = None
) -> list[calculation.ClinicInputs]:
    """Every active clinic's figures for the period, through the other apps' contract functions
    (docs/INTERFACES.md); a fixed number of queries whatever the number of clinics."""
    clinics = Clinic.objects.filter(township__county=county, status=Clinic.Status.ACTIVE)
    if township is not None:
        clinics = clinics.filter(township=township)
    return next(iter_inputs_by_county(clinics, county_ids=[county.pk], year=year, quarter=quarter))[1]


def gather_inputs_by_county(
    *, counties: Iterable[County | int], year: int, quarter: int | None
) -> dict[int, list[calculation.ClinicInputs]]:
    """The same for many counties at once (a province)."""
    county_ids = [c if isinstance(c, int) else c.pk for c in counties]
    chosen = Clinic.objects.filter(township__county__in=county_ids, status=Clinic.Status.ACTIVE)
    return dict(iter_inputs_by_county(chosen, county_ids=county_ids, year=year, quarter=quarter))


class ClinicFacts:
    """What the calculation needs of the chosen clinics, apart from their per item figures: clinics by county
    (in code order), scores, drug figures, doctors, population and advances — one query each, whatever the
    number of clinics. ``item_figures`` reads the per clinic × item figures of some counties (one statement,
    which PostgreSQL aggregates for a whole province with a parallel plan); ``inputs`` puts them together."""

    def __init__(self, chosen: QuerySet[Clinic], *, year: int, quarter: int | None) -> None:

        self.chosen, self.year, self.months = chosen, year, period_months(quarter)
        many = chosen.values_list("pk", flat=True)  # a subquery beats 30,000 literal ids
        start, end = period_dates(year, quarter)
        self.by_county: dict[int, list[tuple[int, str, bool, int]]] = {}
        for row in chosen.order_by("code").values_list("pk", "name", "remote", "township__county_id"):
            self.by_county.setdefault(row[3], []).append(row)
        if not self.by_county:
            return
        self.scores = assessment_scores(clinic_ids=many, year=year, quarter=quarter)
        self.drugs = drug_subsidy_basis(clinic_ids=many, start=start, end=end)
        self.doctors = doctor_counts(clinic_ids=many, on=end)
        self.populations = dict(
            ClinicPopulation.objects.filter(clinic_id__in=many, year=year).values_list("clinic_id", "resident")
        )
        self.advances: dict[int, Decimal] = {}
        self.advance_rows: dict[int, list[tuple[str, Decimal, str, bool]]] = {}
        for clinic_id, paid_on, amount, reference, batch_id in (
            Advance.objects.filter(clinic_id__in=many, paid_on__range=(start, end))
            .order_by("paid_on", "pk")
            .values_list("clinic_id", "paid_on", "amount", "reference", "batch_id")
        ):
            self.advances[clinic_id] = self.advances.get(clinic_id, Decimal(0)) + amount
            self.advance_rows.setdefault(clinic_id, []).append(
                (paid_on.isoformat(), amount, reference, batch_id is not None)
            )

    def clinic_count(self, county_id: int) -> int:
        return len(self.by_county.get(county_id, ()))

    def item_figures(self, county_ids: list[int]) -> Figures:

        if not any(self.by_county.get(c) for c in county_ids):
            return {}
        chosen = self.chosen
        if set(self.by_county) - set(county_ids):  # only some of the chosen counties
            chosen = chosen.filter(township__county_id__in=county_ids)
        return item_figures(clinic_ids=chosen.values_list("pk", flat=True), year=self.year, months=self.months)

    def inputs(self, county_id: int, figures: Figures) -> list[calculation.ClinicInputs]:
        result = []
        no_drugs, zero = calculation.DrugFigures(), Decimal(0)
        empty: dict[str, calculation.ItemFigures] = {}
        for pk, name, remote, _county in self.by_county.get(county_id, ()):
            basis = self.drugs.get(pk)
            drug = (
                calculation.DrugFigures(
                    purchase_value=basis.purchase_value,
                    sales_value=basis.sales_value,
                    overcharge_total=basis.overcharge_total,
                    violation_count=basis.violation_count,
                )
                if basis
                else no_drugs
            )
            result.append(
                calculation.ClinicInputs(
                    clinic_id=pk,
                    name=name,
                    population=self.populations.get(pk, 0),
                    remote=remote,
                    doctors=self.doctors.get(pk, 0),
                    score=self.scores.get(pk),
                    items=figures.get(pk, empty),
                    drug=drug,
                    advances=self.advances.get(pk, zero),
                    advance_rows=tuple(self.advance_rows.get(pk, ())),
                )
            )
        return result


def iter_inputs_by_county(
    chosen: QuerySet[Clinic], *, county_ids: list[int], year: int, quarter: int | None
) -> Iterator[tuple[int, list[calculation.ClinicInputs]]]:
    """(county id, its clinics' inputs in code order) for each county, in the given order; every figure read
    once for all the chosen clinics. Queries: 9, whatever the number of clinics and counties."""
    facts = ClinicFacts(chosen, year=year, quarter=quarter)
    figures = facts.item_figures(county_ids)
    for county_id in county_ids:
        yield county_id, facts.inputs(county_id, figures)


def _ensure_may_prepare(user: User | None, county_id: int, township: Township | None) -> None:
    if user is None:  # the command line (manage.py settle) is trusted
        return
    if can_administer_county(user, county_id):
        return
    if township is not None and can_manage_township(user, township):
        return
    raise PermissionDenied


_LINE_COLUMNS = (
    "run_id",
    "clinic_id",
    "public_health",
    "drug_subsidy",
    "deductions",
    "advances",
    "balance",
    "previous_balance",
    "explanation",
)


def _line_row(run_id: int, x: calculation.LineResult, previous_balance: Decimal | None) -> LineRow:
    """A line as the row stored, its explanation already encoded (text, much smaller than the objects)."""
    return (
        run_id,
        x.clinic_id,
        x.public_health,
        x.drug_subsidy,
        x.deductions,
        x.advances,
        x.balance,
        previous_balance,
        dumps(x.explanation),
    )


def _insert_lines(rows: Iterable[LineRow]) -> None:
    """Insert settlement lines given as ``_line_row`` tuples, possibly a generator that computes them while
    they are written.

    On PostgreSQL through one COPY: binding tens of thousands of JSON parameters dominates a province run
    otherwise (measured: ~0.7 s per 600 lines with bulk_create). The server takes in the rows while Python
    computes and encodes the next ones (psycopg's queued writer sends from its own thread); explanations are
    encoded with orjson (a province's 30,000: ~0.4 s instead of ~2.5 s with json)."""

    if connection.vendor != "postgresql":
        batch = []
        for row in rows:
            batch.append(SettlementLine(**dict(zip(_LINE_COLUMNS, row, strict=True))))
            if len(batch) == 2000:
                SettlementLine.objects.bulk_create(batch)
                batch = []
        SettlementLine.objects.bulk_create(batch)
        return

    statement = f"COPY {SettlementLine._meta.db_table} ({', '.join(_LINE_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(statement, writer=QueuedLibpqWriter(raw)) as copy:
            for row in rows:
                copy.write_row(row)


def _compute(
    policy: SubsidyPolicy, inputs: list[calculation.ClinicInputs], *, quarter: int | None
) -> tuple[list[calculation.LineResult], dict[str, Any]]:
    return calculation.compute(policy_inputs(policy, quarter=quarter), inputs)


def _set_totals(run: SettlementRun, totals: dict[str, Any]) -> None:
    run.total_public_health, run.total_drug = totals["public_health"], totals["drug"]
    run.total_deductions, run.total_advances, run.total_balance = (
        totals["deductions"],
        totals["advances"],
        totals["balance"],
    )
    run.scale_factor = totals["scale"].quantize(Decimal("0.0000000001")) if totals["scale"] else None
    run.computed_at = timezone.now()


_TOTAL_FIELDS = [
    "total_public_health",
    "total_drug",
    "total_deductions",
    "total_advances",
    "total_balance",
    "scale_factor",
    "computed_at",
]


def _write_lines(run: SettlementRun, inputs: list[calculation.ClinicInputs], *, fresh: bool = False) -> SettlementRun:
    """Compute and store a run's lines. ``fresh``: a run just created has no previous lines to keep."""
    lines, totals = _compute(run.policy, inputs, quarter=run.quarter)
    previous: dict[int, Decimal] = {}
    if not fresh:
        previous = dict(run.lines.values_list("clinic_id", "balance"))
        run.lines.all().delete()
    _insert_lines(_line_row(run.pk, x, previous.get(x.clinic_id)) for x in lines)
    _set_totals(run, totals)
    run.save()
    return run


@transaction.atomic
def create_run(
    *,
    user: User | None,
    policy: SubsidyPolicy,
    year: int,
    quarter: int | None,
    township: Township | None = None,
    inputs: list[calculation.ClinicInputs] | None = None,
    adjusts: SettlementRun | None = None,
) -> SettlementRun:
    """A draft run computed from the period's data (or from given inputs, e.g. in a simulation)."""
    county = policy.county
    _ensure_may_prepare(user, county.pk, township)
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
    run = SettlementRun.objects.create(
        county=county, township=township, year=year, quarter=quarter, policy=policy, prepared_by=user, adjusts=adjusts
    )
    if inputs is None:
        inputs = gather_inputs(county=county, year=year, quarter=quarter, township=township)
    return _write_lines(run, inputs, fresh=True)


@transaction.atomic
def create_province_runs(
    *, user: User | None, policies: Iterable[SubsidyPolicy], year: int, quarter: int | None
) -> list[SettlementRun]:
    """One draft run per county (each with its own policy), from one pass over the whole province.

    Queries: about twenty, whatever the number of clinics and counties — the small per-clinic figures are read
    once (``ClinicFacts``), the per item figures in at most PROVINCE_READ_GROUPS groups, the runs are created
    and their totals written in bulk, and every line goes through one COPY on PostgreSQL. Gives exactly the
    lines of one ``create_run`` per county (tested)."""
    policies = list(policies)
    for policy in policies:
        _ensure_may_prepare(user, policy.county_id, None)
        if policy.year != year:
            raise ValidationError(_("政策年度与结算年度不一致。"))
    county_ids = [p.county_id for p in policies]
    chosen = Clinic.objects.filter(township__county__in=county_ids, status=Clinic.Status.ACTIVE)
    runs = SettlementRun.objects.bulk_create(
        [SettlementRun(county_id=p.county_id, year=year, quarter=quarter, policy=p, prepared_by=user) for p in policies]
    )
    priced: dict[int, list[PolicyItem]] = {p.pk: [] for p in policies}
    for item in PolicyItem.objects.filter(policy__in=policies).select_related("item"):
        priced[item.policy_id].append(item)
    prepared = [policy_inputs(p, quarter=quarter, items=priced[p.pk]) for p in policies]
    facts = ClinicFacts(chosen, year=year, quarter=quarter)

    def compute(group: list[int], figures: Figures) -> Iterator[LineRow]:
        for i in group:
            lines, totals = calculation.compute(prepared[i], facts.inputs(county_ids[i], figures))
            _set_totals(runs[i], totals)
            for line in lines:
                yield _line_row(runs[i].pk, line, None)

    # The province's figures are read a group of counties at a time, the next group in the background while
    # this one is computed: the database aggregates while Python calculates. The last group is computed
    # while the lines are written (one COPY, which holds the connection until the end).
    groups = _county_groups(facts, county_ids)
    rows: list[LineRow] = []
    with background_reads() as reader:
        figures = facts.item_figures([county_ids[i] for i in groups[0]])
        for group, following in itertools.pairwise(groups):
            next_figures = reader.submit(facts.item_figures, [county_ids[i] for i in following])
            rows.extend(compute(group, figures))
            figures = next_figures.result()
    _insert_lines(itertools.chain(rows, compute(groups[-1], figures)))
    SettlementRun.objects.bulk_update(runs, _TOTAL_FIELDS)
    return runs


# Groups the province's figures are read in: the first is read alone, each following one in the background
# while the one before is computed. A fixed number, so the queries do not grow with the province
# (measured with 30,000 clinics: 4 groups take the run from 7.1 s in one read to 5.8 s).
PROVINCE_READ_GROUPS = 4


def _county_groups(facts: ClinicFacts, county_ids: list[int]) -> list[list[int]]:
    """Positions of the counties in at most PROVINCE_READ_GROUPS groups of consecutive counties with about as
    many clinics each."""
    sizes = [facts.clinic_count(c) for c in county_ids]
    share = sum(sizes) / PROVINCE_READ_GROUPS
    groups: list[list[int]] = [[]]
    read = 0
    for i, size in enumerate(sizes):
        if groups[-1] and len(groups) < PROVINCE_READ_GROUPS and read >= share * len(groups):
            groups.append([])
        groups[-1].append(i)
        read += size
    return groups


@transaction.atomic
def recompute_run(
    *, user: User | None, run: SettlementRun, inputs: list[calculation.ClinicInputs] | None = None
) -> SettlementRun:
    """Recompute a draft with the current data and policy numbers (what-if); keeps the previous balances."""
    run = SettlementRun.objects.select_for_update().get(pk=run.pk)
    _ensure_may_prepare(user, run.county_id, run.township)
    if run.status != Status.DRAFT:
        raise ValidationError(_("只有草稿可以重新计算；已确认或审批的结算不能更改。"))
    if inputs is None:
        inputs = gather_inputs(county=run.county, year=run.year, quarter=run.quarter, township=run.township)
    return _write_lines(run, inputs)


@transaction.atomic
def confirm_run(*, user: User | None, run: SettlementRun) -> SettlementRun:
    run = SettlementRun.objects.select_for_update().get(pk=run.pk)
    _ensure_may_prepare(user, run.county_id, run.township)
    if run.status != Status.DRAFT:
        raise ValidationError(_("只有草稿可以确认。"))
    run.status, run.confirmed_by = Status.CONFIRMED, user
    run.save(update_fields=["status", "confirmed_by"])
    return run


@transaction.atomic
def approve_run(*, user: User, run: SettlementRun) -> SettlementRun:
    """County approval. The row lock makes two simultaneous approvals record exactly one."""
    run = SettlementRun.objects.select_for_update().get(pk=run.pk)
    if not can_administer_county(user, run.county_id):
        raise PermissionDenied
    if run.status != Status.CONFIRMED:
        raise ValidationError(
            _("只有卫生院已确认的结算才能审批（当前状态：%(s)s）。") % {"s": run.get_status_display()}
        )
    if run.prepared_by_id == user.pk:
        raise ValidationError(_("审批人不能是制表人。"))

    township_ids = [run.township_id] if run.township_id else list(run.county.townships.values_list("pk", flat=True))
    lock_periods(
        township_ids=township_ids,
        year=run.year,
        months=period_months(run.quarter),
        user=user,
        reason=_("%(run)s审批后锁定") % {"run": run},
    )
    run.status, run.approved_by, run.approved_at = Status.APPROVED, user, timezone.now()
    run.save(update_fields=["status", "approved_by", "approved_at"])
    return run


@transaction.atomic
def announce_run(*, user: User | None, run: SettlementRun) -> Any:  # the announcement page (cms is a higher layer)
    """Publish the payout table as a public announcement (公示) through the CMS."""
    run = SettlementRun.objects.select_for_update().select_related("county").get(pk=run.pk)
    if not can_administer_county(user, run.county_id):
        raise PermissionDenied
    if run.status != Status.APPROVED:
        raise ValidationError(_("审批后才能公示。"))
    headers = [_("村卫生室"), _("公共卫生补助"), _("基本药物补助"), _("扣款"), _("已预拨"), _("应拨")]
    rows = [
        [
            line.clinic.name,
            str(line.public_health),
            str(line.drug_subsidy),
            str(line.deductions),
            str(line.advances),
            str(line.balance),
        ]
        for line in run.lines.select_related("clinic")
    ]
    try:
        page = announcements.publish(
            county=run.county,
            title=_("%(run)s公示") % {"run": run},
            intro=_("以下为补助结算结果，公示期 7 天。如有异议请向乡镇卫生院反映。"),
            table_headers=headers,
            table_rows=rows,
            user=user,
        )
    except announcements.AnnouncementsUnavailable:
        raise ValidationError(_("通知公告模块尚未启用，暂不能在网站公示；请先导出 Excel 张贴公示。")) from None
    run.status = Status.ANNOUNCED
    run.save(update_fields=["status"])
    return page


@transaction.atomic
def mark_paid(*, user: User | None, run: SettlementRun, reference: str) -> SettlementRun:
    run = SettlementRun.objects.select_for_update().get(pk=run.pk)
    if not can_administer_county(user, run.county_id):
        raise PermissionDenied
    if run.status not in (Status.APPROVED, Status.ANNOUNCED):
        raise ValidationError(_("审批后才能登记拨付。"))
    if not reference.strip():
        raise ValidationError({"reference": _("请填写拨付凭证号。")})
    run.status, run.payment_reference = Status.PAID, reference.strip()
    run.save(update_fields=["status", "payment_reference"])
    return run
