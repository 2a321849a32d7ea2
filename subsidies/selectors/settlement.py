"""Reads of the settlement: scoped reads of runs and lines for the screens, and what a run is computed
from (the policy's numbers, every clinic's figures through the other apps' contract functions). The
services (``subsidies.services.settlement``, ``.advances``) call these and keep only the changes."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias

from django.db import models
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext

from clinics.models import Clinic, ClinicPopulation, County, Township
from clinics.selectors import get_scope, restrict, townships_for
from doctors.selectors import doctor_counts
from programs.models import ServiceReport
from programs.selectors.drugs import drug_subsidy_basis
from programs.selectors.reports import item_figures
from subsidies import calculation
from subsidies.explaining import Explanation, ScoreFacts, explain
from subsidies.models import (
    Advance,
    AdvanceBatch,
    Assessment,
    PolicyItem,
    SettlementLine,
    SettlementRun,
    StatementBatch,
    SubsidyPolicy,
)
from subsidies.models.settlement import period_label
from subsidies.selectors.assessments import assessment_scores, score_facts

if TYPE_CHECKING:
    from clinics.selectors import AnyUser


def runs_for(user: AnyUser) -> QuerySet[SettlementRun]:
    """County admins see their county's runs; township staff see their township's runs."""
    qs = SettlementRun.objects.select_related("county", "township", "policy", "prepared_by", "approved_by")
    scope = get_scope(user)
    if scope.level == "township":
        return qs.filter(township_id=scope.township_id)  # type: ignore[misc]  # a township scope has a township
    return restrict(qs, user, county="county")


def lines_for(user: AnyUser) -> QuerySet[SettlementLine]:
    return restrict(
        SettlementLine.objects.select_related("run__county", "run__township", "clinic__township"), user, clinic="clinic"
    )


@dataclass
class LineSources:
    """The records a settlement line was computed from, for the auditor's trail on its page: each links to its
    own page, which shows who entered and changed it (修改记录). The policy is the run's; the advances are listed
    in the line's explanation."""

    reports: list[ServiceReport]
    assessments: list[Assessment]


def line_sources(*, line: SettlementLine) -> LineSources:
    run = line.run
    months = period_months(run.quarter)
    quarters = [run.quarter] if run.quarter else [1, 2, 3, 4]
    return LineSources(
        reports=list(
            ServiceReport.objects.filter(clinic_id=line.clinic_id, year=run.year, month__in=months)
            .select_related("submitted_by", "verified_by", "clinic")
            .order_by("month")
        ),
        assessments=list(
            Assessment.objects.filter(clinic_id=line.clinic_id, year=run.year, quarter__in=quarters)
            .select_related("assessor", "clinic")
            .order_by("quarter")
        ),
    )


def line_explanations(lines: Iterable[SettlementLine]) -> dict[int, Explanation]:
    """Line id → the line in plain sentences, with the assessment behind its score: what the portal page, the
    admin page and the PDF statement all show. The lines are of one run; a bounded number of queries."""
    lines = list(lines)
    if not lines:
        return {}
    run = lines[0].run
    facts = score_facts(clinic_ids=[line.clinic_id for line in lines], year=run.year, quarter=run.quarter)
    return {
        line.pk: explain(
            x=line.explanation, line=line, score_facts=facts.get(line.clinic_id, ScoreFacts(yearly=run.quarter is None))
        )
        for line in lines
    }


def line_explanation(*, line: SettlementLine) -> Explanation:
    return line_explanations([line])[line.pk]


def statement_batches_for(user: AnyUser) -> QuerySet[StatementBatch]:
    """Statement ZIPs follow their run (``runs_for``); a batch of one township also needs that township
    in the user's scope."""

    batches = StatementBatch.objects.filter(run__in=runs_for(user)).select_related("run")
    return batches.filter(Q(township__isnull=True) | Q(township__in=townships_for(user)))


# Clinic id → item code → the item's figures (``programs.selectors.reports.item_figures``).
Figures: TypeAlias = dict[int, dict[str, calculation.ItemFigures]]


@dataclass(frozen=True)
class TownshipEstimate:
    run: SettlementRun
    balance: Decimal  # Σ balances of the township's clinics in that run
    clinics: int


def latest_estimates_by_township(*, user: AnyUser, townships: Iterable[Township]) -> dict[int, TownshipEstimate]:
    """Township id → the latest settlement run covering it (its own run or a county-wide one; not an
    adjustment run), whatever its status — a draft is an estimate — with the township's total balance
    in that run. Two queries whatever the number of townships and clinics."""
    townships = list(townships)
    county_ids = {t.county_id for t in townships}
    ids = [t.pk for t in townships]
    runs = list(runs_for(user).filter(county_id__in=county_ids, adjusts__isnull=True).order_by("-year", "-pk"))
    chosen: dict[int, SettlementRun] = {}
    for township in townships:
        chosen_run = next(
            (r for r in runs if r.county_id == township.county_id and r.township_id in (None, township.pk)), None
        )
        if chosen_run is not None:
            chosen[township.pk] = chosen_run
    if not chosen:
        return {}
    sums = {
        (run_id, tid): (total, n)
        for run_id, tid, total, n in SettlementLine.objects.filter(
            run_id__in={r.pk for r in chosen.values()}, clinic__township_id__in=ids
        )
        .values("run_id", "clinic__township_id")
        .annotate(total=Sum("balance"), n=Count("id"))
        .values_list("run_id", "clinic__township_id", "total", "n")
    }
    result = {}
    for tid, run in chosen.items():
        total, n = sums.get((run.pk, tid), (Decimal("0.00"), 0))
        balance = Decimal(total or 0).quantize(Decimal("0.01"))  # SQLite sums decimals with stray places
        result[tid] = TownshipEstimate(run=run, balance=balance, clinics=n or 0)
    return result


def money_paid_by_county(
    *, user: AnyUser, county_ids: Iterable[int], year: int, through_month: int
) -> dict[int, Decimal]:
    """County id → the subsidy money sent to the clinics for ``year`` by the end of ``through_month``, in the
    user's scope: the scheduled advances paid on or before that day, plus the balances of the settlements marked
    paid (已拨付) for the periods over by then (quarters, and the whole year once it is over); correction runs
    (更正) are left out, since they restate a paid run. Two queries."""
    ids = list(county_ids)
    cutoff = date(year, through_month + 1, 1) if through_month < 12 else date(year + 1, 1, 1)
    paid: dict[int, Decimal] = {}
    advances = (
        advance_batches_for(user)
        .filter(county_id__in=ids, year=year, paid_on__lt=cutoff)
        .order_by()
        .values("county_id")
        .annotate(total=Sum("total"))
        .values_list("county_id", "total")
    )
    periods = Q(quarter__lte=through_month // 3) | (Q(quarter__isnull=True) if through_month == 12 else Q(pk__in=[]))
    runs = (
        runs_for(user)
        .filter(county_id__in=ids, year=year, status=SettlementRun.Status.PAID, adjusts__isnull=True)
        .filter(periods)
        .order_by()
        .values("county_id")
        .annotate(total=Sum("total_balance"))
        .values_list("county_id", "total")
    )
    for county, total in [*advances, *runs]:
        paid[county] = paid.get(county, Decimal("0.00")) + Decimal(total or 0)
    return {county: total.quantize(Decimal("0.01")) for county, total in paid.items()}


def advance_batches_for(user: AnyUser) -> QuerySet[AdvanceBatch]:
    """Scheduled-advance batches of the user's county (superusers: all)."""
    return restrict(AdvanceBatch.objects.select_related("county", "policy", "created_by"), user, county="county")


# --------------------------------------------------------------------------- what a run is computed from


def active_clinics(*, county_ids: Iterable[int], township: Township | None = None) -> QuerySet[Clinic]:
    """The active clinics of some counties (of one township), the clinics a settlement pays."""
    clinics = Clinic.objects.filter(township__county__in=county_ids, status=Clinic.Status.ACTIVE)
    if township is not None:
        clinics = clinics.filter(township=township)
    return clinics


def priced_items_by_policy(policies: Iterable[SubsidyPolicy]) -> dict[int, list[PolicyItem]]:
    """Policy id → its priced items (with their service item), one query for many policies."""
    priced: dict[int, list[PolicyItem]] = {p.pk: [] for p in policies}
    for item in PolicyItem.objects.filter(policy__in=policies).select_related("item"):
        priced[item.policy_id].append(item)
    return priced


def previous_balances(run: SettlementRun) -> dict[int, Decimal]:
    """Clinic id → its balance in the run as last computed (shown as the change after a recomputation)."""
    return dict(run.lines.values_list("clinic_id", "balance"))


def township_ids_of_run(run: SettlementRun) -> list[int]:
    """The townships a run covers (its own, or every township of its county)."""
    return [run.township_id] if run.township_id else list(run.county.townships.values_list("pk", flat=True))


def announcement_rows(run: SettlementRun) -> list[list[str]]:
    """The payout table of a run as published (公示): clinic, the parts and the balance, as text."""
    return [
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


def active_clinics_with_population(*, county_id: int, year: int) -> tuple[list[Clinic], dict[int, int]]:
    """A county's active clinics in code order and clinic id → resident population of the year (advances)."""
    clinics = list(Clinic.objects.filter(township__county_id=county_id, status=Clinic.Status.ACTIVE).order_by("code"))
    populations = dict(
        ClinicPopulation.objects.filter(clinic__in=clinics, year=year).values_list("clinic_id", "resident")
    )
    return clinics, populations


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
    clinics = active_clinics(county_ids=[county.pk], township=township)
    return next(iter_inputs_by_county(clinics, county_ids=[county.pk], year=year, quarter=quarter))[1]


def gather_inputs_by_county(
    *, counties: Iterable[County | int], year: int, quarter: int | None
) -> dict[int, list[calculation.ClinicInputs]]:
    """The same for many counties at once (a province)."""
    county_ids = [c if isinstance(c, int) else c.pk for c in counties]
    chosen = active_clinics(county_ids=county_ids)
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


LOCKED_STATUSES = (SettlementRun.Status.APPROVED, SettlementRun.Status.ANNOUNCED, SettlementRun.Status.PAID)


def approved_run_using(policy_id: int) -> SettlementRun | None:
    """The first approved (or later) settlement run computed with the policy: it freezes the policy."""
    return (
        SettlementRun.objects.filter(policy_id=policy_id, status__in=LOCKED_STATUSES)
        .select_related("county", "township")
        .order_by("pk")
        .first()
    )


@dataclass(frozen=True)
class DecisionSummary:
    """What confirming / approving a run locks, as the confirmation step shows it."""

    townships: list[str]
    months: list[int]
    months_label: str  # 2026年1月、2026年2月、2026年3月 / 2026年全年（1–12月）
    clinic_count: int
    negative_count: int  # lines with a recovery (应拨为负)
    advances_total: Decimal
    balance_total: Decimal


def decision_summary(run: SettlementRun) -> DecisionSummary:
    lines = run.lines.aggregate(n=Count("pk"), negative=Count("pk", filter=Q(balance__lt=0)))
    township_ids = township_ids_of_run(run)
    names = list(Township.objects.filter(pk__in=township_ids).order_by("code").values_list("name", flat=True))
    months = period_months(run.quarter)
    if run.quarter is None:
        label = gettext("%(y)s年全年（1–12月）") % {"y": run.year}
    else:
        label = "、".join(period_label(run.year, month=m) for m in months)
    return DecisionSummary(
        townships=names,
        months=months,
        months_label=label,
        clinic_count=lines["n"],
        negative_count=lines["negative"],
        advances_total=run.total_advances,
        balance_total=run.total_balance,
    )


# --------------------------------------------------------------------------- the to-do inbox (core.inbox)


@dataclass(frozen=True)
class RunInbox:
    drafts: int  # drafts the user's level confirms (a township's runs; the county's county-wide runs)
    returned: int  # of which returned by the county with a comment
    confirmed: int  # confirmed by the township, waiting for the county's approval


def run_inbox(*, user: AnyUser) -> RunInbox:
    """One aggregate query over ``runs_for(user)``. Township staff confirm their township's drafts; a county
    admin confirms the county-wide drafts (no township) and approves every confirmed run."""
    runs = runs_for(user)
    scope = get_scope(user)
    own_drafts = Q(status=SettlementRun.Status.DRAFT)
    if scope.level != "township":
        own_drafts &= Q(township__isnull=True)
    row = runs.aggregate(
        drafts=Count("id", filter=own_drafts),
        returned=Count("id", filter=own_drafts & Q(returned_at__isnull=False)),
        confirmed=Count("id", filter=Q(status=SettlementRun.Status.CONFIRMED)),
    )
    return RunInbox(row["drafts"] or 0, row["returned"] or 0, row["confirmed"] or 0)
