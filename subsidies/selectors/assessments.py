"""Reads of assessments. ``assessment_scores`` is the contract the settlement relies on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Avg, Count, F, Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext

from clinics.models import ClinicPopulation
from clinics.selectors import get_scope, id_filter, restrict
from programs.selectors.complaints import founded_counts
from programs.selectors.periods import locked_months
from programs.selectors.reports import quota_map, verified_totals
from residents.selectors import key_population_counts
from subsidies import scoring
from subsidies.explaining import EntryFacts, QuarterFacts, ScoreFacts
from subsidies.models import (
    Appeal,
    Assessment,
    AssessmentEntry,
    AssessmentEvidence,
    Finding,
    SatisfactionSurvey,
    ScoreItem,
    ScoreSheet,
)

if TYPE_CHECKING:
    from clinics.selectors import AnyUser, ClinicIds


def assessment_scores(*, clinic_ids: ClinicIds, year: int, quarter: int | None) -> dict[int, Decimal | None]:
    rows = Assessment.objects.filter(clinic_id__in=id_filter(clinic_ids), year=year, status=Assessment.Status.SUBMITTED)
    if quarter is not None:
        return dict(rows.filter(quarter=quarter).values_list("clinic_id", "total_score"))
    # Sum and count in the database; the mean is rounded here, in Decimal.
    totals = rows.values("clinic_id").annotate(total=Sum("total_score"), n=Count("id"))
    return {
        r["clinic_id"]: (Decimal(r["total"]) / r["n"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for r in totals
    }


def mean_score(total: Decimal, n: int) -> Decimal:
    """A mean of assessment scores, rounded half up to 0.1."""
    return (Decimal(total) / n).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def score_sums_by_county(
    *, user: AnyUser, county_ids: Iterable[int], year: int, through_month: int
) -> dict[int, tuple[Decimal, int]]:
    """County id → (Σ scores, number) of the submitted assessments of the quarters over by ``through_month``, in
    the user's scope: means are taken with ``mean_score`` from these sums, so a total over counties is not a mean
    of rounded means. One query."""
    rows = (
        assessments_for(user)
        .filter(
            clinic__township__county_id__in=list(county_ids),
            year=year,
            quarter__lte=through_month // 3,
            status=Assessment.Status.SUBMITTED,
        )
        .order_by()
        .values("clinic__township__county_id")
        .annotate(total=Sum("total_score"), n=Count("id"))
        .values_list("clinic__township__county_id", "total", "n")
    )
    return {county: (Decimal(total), n) for county, total, n in rows if n}


def assessments_for(user: AnyUser) -> QuerySet[Assessment]:
    return restrict(Assessment.objects.select_related("clinic", "clinic__township", "assessor"), user, clinic="clinic")


def evidence_for(user: AnyUser) -> QuerySet[AssessmentEvidence]:
    """Evidence files follow their assessment: staff in scope of the clinic (drafts included); a doctor
    only their own clinic's submitted assessments, as the portal shows them."""
    qs = AssessmentEvidence.objects.select_related("assessment__clinic")
    scope = get_scope(user)
    if scope.is_doctor:
        return qs.filter(assessment__clinic_id=scope.clinic_id, assessment__status=Assessment.Status.SUBMITTED)  # type: ignore[misc]  # a doctor scope has a clinic
    return restrict(qs, user, clinic="assessment__clinic")


def appeals_for(user: AnyUser) -> QuerySet[Appeal]:
    return restrict(
        Appeal.objects.select_related("entry__assessment__clinic", "entry__item", "appellant"),
        user,
        clinic="entry__assessment__clinic",
    )


def current_sheet(*, county_id: int, year: int) -> ScoreSheet | None:
    return ScoreSheet.objects.filter(county_id=county_id, year=year).order_by("-version").first()


@dataclass(frozen=True)
class SatisfactionRates:
    """Surveyed clinics' satisfaction rates, (clinic id, quarter) → rate, and each county's average, (county id,
    quarter) → the mean of its clinics' rates: what the satisfaction item is scored from."""

    clinics: dict[tuple[int, int], Decimal]
    averages: dict[tuple[int, int], Decimal]


def satisfaction_rates(*, county_ids: Iterable[int], year: int, quarters: Iterable[int]) -> SatisfactionRates:
    """The surveys of the counties' clinics in those quarters, in one query."""
    clinics: dict[tuple[int, int], Decimal] = {}
    by_county: dict[tuple[int, int], list[Decimal]] = {}
    surveys = (
        SatisfactionSurvey.objects.filter(
            clinic__township__county_id__in=list(county_ids), year=year, quarter__in=list(quarters)
        )
        .annotate(county_id=F("clinic__township__county_id"))
        .only("clinic_id", "quarter", "satisfied", "surveyed")
    )
    for survey in surveys:
        clinics[(survey.clinic_id, survey.quarter)] = survey.rate
        by_county.setdefault((survey.county_id, survey.quarter), []).append(survey.rate)
    return SatisfactionRates(
        clinics=clinics, averages={key: sum(rates, Decimal(0)) / len(rates) for key, rates in by_county.items()}
    )


def county_average_satisfaction(*, county_id: int, year: int, quarter: int) -> Decimal | None:
    return satisfaction_rates(county_ids=[county_id], year=year, quarters=[quarter]).averages.get((county_id, quarter))


def satisfaction_basis(*, assessment: Assessment) -> tuple[Decimal | None, Decimal | None]:
    """(the clinic's satisfaction rate, the county's average) for the assessment's quarter — what the
    satisfaction item's deduction is computed from, and what the doctor is shown beside it."""
    county_id = assessment.clinic.township.county_id
    rates = satisfaction_rates(county_ids=[county_id], year=assessment.year, quarters=[assessment.quarter])
    return (
        rates.clinics.get((assessment.clinic_id, assessment.quarter)),
        rates.averages.get((county_id, assessment.quarter)),
    )


def score_facts(*, clinic_ids: ClinicIds, year: int, quarter: int | None) -> dict[int, ScoreFacts]:
    """Clinic id → the submitted assessments behind its settlement score (the quarter's, or a year's four), with
    every item that lost points and what it was scored from, for the line's explanation (``subsidies.explaining``).
    Four queries whatever the number of clinics, so a run's statements are explained in one go."""
    assessments = Assessment.objects.filter(
        clinic_id__in=id_filter(clinic_ids), year=year, status=Assessment.Status.SUBMITTED
    ).select_related("clinic__township")
    if quarter is not None:
        assessments = assessments.filter(quarter=quarter)
    chosen = list(assessments.order_by("clinic_id", "quarter"))
    entries: dict[int, list[AssessmentEntry]] = {a.pk: [] for a in chosen}
    for entry in (
        AssessmentEntry.objects.filter(
            Q(deduction__gt=0) | Q(override_score__isnull=False), assessment__in=[a.pk for a in chosen]
        )
        .select_related("item")
        .order_by("item__sort_order", "item__code")
    ):
        entries[entry.assessment_id].append(entry)
    surveyed = {
        (a.clinic_id, a.quarter): a
        for a in chosen
        if any(e.item.mode == ScoreItem.Mode.SATISFACTION for e in entries[a.pk])
    }
    rates = SatisfactionRates(clinics={}, averages={})
    if surveyed:
        rates = satisfaction_rates(
            county_ids={a.clinic.township.county_id for a in surveyed.values()},
            year=year,
            quarters={q for _c, q in surveyed},
        )
    facts: dict[int, list[QuarterFacts]] = {}
    for assessment in chosen:
        key = (assessment.clinic_id, assessment.quarter)
        average = rates.averages.get((assessment.clinic.township.county_id, assessment.quarter))
        facts.setdefault(assessment.clinic_id, []).append(
            QuarterFacts(
                quarter=assessment.quarter,
                total_score=assessment.total_score or Decimal(0),
                entries=tuple(
                    EntryFacts(
                        name=e.item.name,
                        mode=e.item.mode,
                        max_points=e.item.max_points,
                        deduction=e.deduction,
                        score=e.score,
                        reason=e.reason,
                        per_occurrence=e.item.points_per_occurrence,
                        occurrences=e.occurrences,
                        doubled_occurrences=e.doubled_occurrences,
                        achieved=e.achieved,
                        target=e.item.target,
                        manual_score=e.manual_score,
                        satisfaction_rate=rates.clinics.get(key),
                        county_average=average,
                        lower_is_better=e.item.lower_is_better,
                        indicator=e.item.indicator,
                        denominator_label=e.item.get_denominator_display() if e.item.denominator else "",
                        due=scoring.due_by_quarter(e.item.target, assessment.quarter)
                        if e.item.mode == ScoreItem.Mode.MINIMUM
                        else None,
                        override_score=e.override_score,
                        override_reason=e.override_reason,
                    )
                    for e in entries[assessment.pk]
                ),
            )
        )
    return {clinic: ScoreFacts(yearly=quarter is None, quarters=tuple(q)) for clinic, q in facts.items()}


def latest_assessed_quarter(*, user: AnyUser) -> tuple[int, int] | None:
    """(year, quarter) of the latest submitted assessments in the user's scope: where the ranking opens."""
    row = (
        assessments_for(user)
        .filter(status=Assessment.Status.SUBMITTED)
        .order_by("-year", "-quarter")
        .values_list("year", "quarter")
        .first()
    )
    return (row[0], row[1]) if row else None


def quarter_end(year: int, quarter: int) -> date:
    month = quarter * 3
    return date(year, month, 30 if month in (6, 9) else 31)


def founded_complaints(*, clinic_id: int, year: int, quarter: int, kind: str) -> int:
    """Founded complaints about the clinic received in the quarter (of one kind, or of every kind when ``kind``
    is blank): what a complaints item of the score sheet deducts for."""
    zone = timezone.get_current_timezone()
    start = datetime(year, quarter * 3 - 2, 1, tzinfo=zone)
    end = datetime.combine(quarter_end(year, quarter) + timedelta(days=1), time(0), tzinfo=zone)
    counts = founded_counts(clinic_ids=[clinic_id], start=start, end=end, kinds=[kind] if kind else None)
    return counts.get(clinic_id, 0)


def indicator_achieved(*, clinic_id: int, year: int, quarter: int, indicator: str) -> Decimal | None:
    """Completion rate (verified ÷ quota due by the quarter's end) of one service item or of all ("all")."""

    quotas = quota_map(clinic_ids=[clinic_id], year=year).get(clinic_id, {})
    totals = verified_totals(clinic_ids=[clinic_id], year=year, months=range(1, quarter * 3 + 1)).get(clinic_id, {})
    codes = list(quotas) if indicator in ("", "all") else [indicator]
    due = sum(Decimal(quotas.get(code, 0)) * quarter * 3 / 12 for code in codes)
    if not due:
        return None
    done = sum(
        min(Decimal(totals[code].verified), Decimal(quotas.get(code, 0)) * quarter * 3 / 12)
        for code in codes
        if code in totals
    )
    return (done / due).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def rate_achieved(*, clinic_id: int, year: int, quarter: int, numerator: str, denominator: str) -> Decimal | None:
    """A rate item's value: the year's verified count of service item ``numerator`` up to the quarter's end,
    divided by ``denominator`` (ScoreItem.Denominator: a service-population figure of the year, or a count of
    the year's residents register). None when the denominator is 0 or missing (nothing to divide by)."""
    totals = verified_totals(clinic_ids=[clinic_id], year=year, months=range(1, quarter * 3 + 1)).get(clinic_id, {})
    done = Decimal(totals[numerator].verified) if numerator in totals else Decimal(0)
    if denominator.startswith("register_"):
        counts = key_population_counts(clinic_ids=[clinic_id], year=year).get(clinic_id, {})
        base = counts.get(denominator.removeprefix("register_"), 0)
    else:
        population = ClinicPopulation.objects.filter(clinic_id=clinic_id, year=year).values_list(denominator, flat=True)
        base = population.first() or 0
    if not base:
        return None
    return (done / Decimal(base)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def ranking(*, user: AnyUser, year: int, quarter: int, township_id: int | None = None) -> list[Assessment]:
    qs = assessments_for(user).filter(year=year, quarter=quarter, status=Assessment.Status.SUBMITTED)
    if township_id:
        qs = qs.filter(clinic__township_id=township_id)
    return list(qs.order_by("-total_score", "clinic__code"))


def township_averages(*, user: AnyUser, year: int, quarter: int) -> list[dict[str, Any]]:
    qs = assessments_for(user).filter(year=year, quarter=quarter, status=Assessment.Status.SUBMITTED)
    return list(qs.values("clinic__township__name").annotate(average=Avg("total_score")).order_by("-average"))


@dataclass(frozen=True)
class ScoreChange:
    """Average submitted score per township in the latest assessed quarter and the one before it."""

    latest: tuple[int, int] | None  # (year, quarter)
    previous: tuple[int, int] | None
    averages: dict[
        int, tuple[Decimal | None, ...]
    ]  # township id → (latest average | None, previous average | None), Decimal 2 places


def township_score_change(*, user: AnyUser, township_ids: Iterable[int]) -> ScoreChange:
    """The latest two quarters with submitted assessments in these townships of the user's scope, and
    each township's average score in both. Two queries whatever the number of townships."""
    township_ids = list(township_ids)
    qs = assessments_for(user).filter(clinic__township_id__in=township_ids, status=Assessment.Status.SUBMITTED)
    periods = list(qs.values_list("year", "quarter").distinct().order_by("-year", "-quarter")[:2])
    if not periods:
        return ScoreChange(None, None, {})
    period_q = Q()
    for year, quarter in periods:
        period_q |= Q(year=year, quarter=quarter)
    rows = (
        qs.filter(period_q)
        .values("clinic__township_id", "year", "quarter")
        .annotate(avg=Avg("total_score"))
        .values_list("clinic__township_id", "year", "quarter", "avg")
    )
    averages: dict[int, list[Decimal | None]] = {}
    for tid, year, quarter, avg in rows:
        slot = averages.setdefault(tid, [None, None])
        slot[periods.index((year, quarter))] = Decimal(avg).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return ScoreChange(
        periods[0], periods[1] if len(periods) > 1 else None, {tid: tuple(pair) for tid, pair in averages.items()}
    )


def settled_message(assessment: Assessment) -> str | None:
    """Why the assessment can no longer change (its quarter is locked by an approved settlement), or None."""
    months = range(assessment.quarter * 3 - 2, assessment.quarter * 3 + 1)
    if not locked_months(township_id=assessment.clinic.township_id, year=assessment.year, months=months):
        return None
    return gettext("%(a)s的补助已审批结算，考核结果不能再修改；如确有差错，请由卫健局发起更正结算。") % {
        "a": assessment
    }


# --------------------------------------------------------------------------- the to-do inbox (core.inbox)


def findings_for(user: AnyUser) -> QuerySet[Finding]:
    return restrict(Finding.objects.select_related("inspection__clinic"), user, clinic="inspection__clinic")


@dataclass(frozen=True)
class AssessmentInbox:
    pending_appeals: int  # appeals waiting for the township's answer
    overdue_findings: int  # findings still to rectify whose deadline has passed (to re-inspect)


def assessment_inbox(*, user: AnyUser, today: date) -> AssessmentInbox:
    """Two aggregate queries in the user's scope, whatever the size."""
    appeals = appeals_for(user).filter(status=Appeal.Status.PENDING).count()
    overdue = findings_for(user).filter(status=Finding.Status.OPEN, deadline__lt=today).count()
    return AssessmentInbox(appeals, overdue)


TO_RECTIFY = (Finding.Status.OPEN, Finding.Status.UNRECTIFIED)


def findings_to_rectify(*, user: AnyUser) -> QuerySet[Finding]:
    """Findings still to rectify in the user's scope (a doctor: their clinic's), nearest deadline first."""
    return findings_for(user).filter(status__in=TO_RECTIFY).select_related("inspection").order_by("deadline", "pk")


@dataclass(frozen=True)
class OpenFindings:
    """A clinic's findings to rectify (待整改 or 复查未整改): how many, the nearest deadline and its problem."""

    count: int
    first_deadline: date | None
    first_description: str


def open_findings(*, user: AnyUser) -> OpenFindings:
    """For a doctor (their clinic, through the scope). Two queries."""
    findings = findings_for(user).filter(status__in=TO_RECTIFY)
    row = findings.aggregate(n=Count("id"), first=Min("deadline"))
    first = findings.order_by("deadline", "pk").values_list("description", flat=True).first() if row["n"] else None
    return OpenFindings(row["n"] or 0, row["first"], first or "")
