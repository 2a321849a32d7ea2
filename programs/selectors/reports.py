"""Reads of public-health services: catalogue, prices, quotas, reports and progress.

``item_prices``, ``verified_totals``, ``quota_map`` and ``item_figures`` are the contract other apps rely on
(docs/INTERFACES.md): they take clinic ids already scoped by the caller and use a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from clinics.models import Clinic, ClinicPopulation
from clinics.selectors import clinics_for, id_filter, restrict
from programs.models import Quota, ServiceItem, ServiceItemPrice, ServiceReport, ServiceReportLine
from programs.selectors.periods import submission_deadline

if TYPE_CHECKING:
    from clinics.selectors import AnyUser, ClinicIds


@dataclass(frozen=True)
class ItemPrice:
    unit_price: Decimal
    work_points: Decimal
    name: str


class ItemTotals(NamedTuple):
    """A tuple rather than a dataclass: a province holds ~400,000 of them."""

    declared: int
    verified: int


class ItemFigures(NamedTuple):
    """One clinic's figures for one item: what the settlement pays on (a province holds ~400,000)."""

    declared: int
    verified: int
    quota: int


def active_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(active=True).order_by("sort_order", "code")


def item_prices(*, county_id: int, year: int) -> dict[str, ItemPrice]:
    rows = ServiceItemPrice.objects.filter(county_id=county_id, year=year).select_related("item")
    return {r.item.code: ItemPrice(unit_price=r.unit_price, work_points=r.work_points, name=r.item.name) for r in rows}


def verified_totals(*, clinic_ids: ClinicIds, year: int, months: Iterable[int]) -> dict[int, dict[str, ItemTotals]]:
    """Declared and verified counts per clinic and item over the months. Only verified reports count
    towards ``verified``; unverified lines contribute to ``declared`` only."""
    rows = (
        ServiceReportLine.objects.filter(
            report__clinic_id__in=id_filter(clinic_ids), report__year=year, report__month__in=list(months)
        )
        .exclude(report__status=ServiceReport.Status.DRAFT)
        .values("report__clinic_id", "item__code")
        .annotate(
            declared=Sum("declared_count"),
            verified=Sum("verified_count", filter=Q(report__status=ServiceReport.Status.VERIFIED)),
        )
        .values_list("report__clinic_id", "item__code", "declared", "verified")
    )
    result: dict[int, dict[str, ItemTotals]] = defaultdict(dict)
    for clinic_id, code, declared, verified in _plain_rows(rows):
        result[clinic_id][code] = ItemTotals(declared or 0, verified or 0)
    return dict(result)


def quota_map(*, clinic_ids: ClinicIds, year: int) -> dict[int, dict[str, int]]:
    result: dict[int, dict[str, int]] = defaultdict(dict)
    for clinic_id, code, target in _plain_rows(
        Quota.objects.filter(clinic_id__in=id_filter(clinic_ids), year=year).values_list(
            "clinic_id", "item__code", "target"
        )
    ):
        result[clinic_id][code] = target
    return dict(result)


def item_figures(*, clinic_ids: ClinicIds, year: int, months: Iterable[int]) -> dict[int, dict[str, ItemFigures]]:
    """Per clinic and item: the declared and verified counts over the months (as ``verified_totals``) and the
    year's quota (as ``quota_map``), in one query — a FULL JOIN, because an item may have counts without a
    quota or a quota without counts.

    One statement lets PostgreSQL aggregate a whole province with a parallel hash plan (~4.7 M report lines
    in about the time of a plain aggregate); two, or one per county, cost about twice as much."""
    clinics = id_filter(clinic_ids)
    counts = (
        ServiceReportLine.objects.filter(
            report__clinic_id__in=clinics, report__year=year, report__month__in=list(months)
        )
        .exclude(report__status=ServiceReport.Status.DRAFT)
        .order_by()
        .values(row_clinic=F("report__clinic_id"), row_item=F("item_id"))
        .annotate(
            declared=Sum("declared_count"),
            verified=Sum("verified_count", filter=Q(report__status=ServiceReport.Status.VERIFIED)),
        )
    )
    quotas = (
        Quota.objects.filter(clinic_id__in=clinics, year=year)
        .order_by()
        .values(row_clinic=F("clinic_id"), row_item=F("item_id"), row_quota=F("target"))
    )
    try:
        counts_sql, counts_params = counts.query.sql_with_params()
        quotas_sql, quotas_params = quotas.query.sql_with_params()
    except EmptyResultSet:  # no clinic ids: nothing to read
        return {}
    sql = (
        "SELECT COALESCE(c.row_clinic, q.row_clinic), COALESCE(c.row_item, q.row_item), c.declared, c.verified, "
        f"q.row_quota FROM ({counts_sql}) c FULL JOIN ({quotas_sql}) q "
        "ON q.row_clinic = c.row_clinic AND q.row_item = c.row_item"
    )
    codes = dict(ServiceItem.objects.values_list("pk", "code"))
    with connections[counts.db].cursor() as cursor:
        cursor.execute(sql, (*counts_params, *quotas_params))
        rows = cursor.fetchall()
    result: dict[int, dict[str, ItemFigures]] = {}
    for clinic_id, item_id, declared, verified, quota in rows:
        result.setdefault(clinic_id, {})[codes[item_id]] = ItemFigures(declared or 0, verified or 0, quota or 0)
    return result


def _plain_rows(queryset: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of a values_list of ids, codes and integer sums, fetched in one go without per-value converters
    (a province reads ~800,000 of them; the database already returns Python ints and strings).
    A filter that can match nothing (no clinic ids) has no SQL: Django raises EmptyResultSet, which means no rows."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def reports_for(user: AnyUser) -> QuerySet[ServiceReport]:
    return restrict(ServiceReport.objects.select_related("clinic", "clinic__township"), user, clinic="clinic")


def previous_month_figures(*, clinic_id: int, year: int, month: int) -> dict[int, tuple[int, int | None]]:
    """Item id → (declared, verified) of the clinic's report of the month before ``month`` (none: {}), for the
    "上月" figures of the report form and the verification page: a count far from last month's is the one to
    check."""
    year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    rows = ServiceReportLine.objects.filter(
        report__clinic_id=clinic_id, report__year=year, report__month=month
    ).values_list("item_id", "declared_count", "verified_count")
    return {item_id: (declared, verified) for item_id, declared, verified in rows}


def next_to_verify(*, user: AnyUser, after: ServiceReport) -> ServiceReport | None:
    """The next submitted report waiting for verification in the user's scope, after ``after`` in the list's
    order (month, then clinic code), wrapping round to the first; None when no other one waits."""
    waiting = (
        reports_for(user)
        .filter(status=ServiceReport.Status.SUBMITTED)
        .exclude(pk=after.pk)
        .order_by("year", "month", "clinic__code")
    )
    later = Q(year__gt=after.year) | Q(year=after.year, month__gt=after.month)
    later |= Q(year=after.year, month=after.month, clinic__code__gt=after.clinic.code)
    return waiting.filter(later).first() or waiting.first()


def usual_monthly_declared(*, clinic_id: int, before_year: int, before_month: int) -> dict[int, Decimal]:
    """Item id → the clinic's average declared count over its last 12 submitted months."""
    months = (
        ServiceReport.objects.filter(clinic_id=clinic_id)
        .exclude(status=ServiceReport.Status.DRAFT)
        .filter(Q(year__lt=before_year) | Q(year=before_year, month__lt=before_month))
        .order_by("-year", "-month")
        .values_list("pk", flat=True)[:12]
    )
    ids = list(months)
    if not ids:
        return {}
    sums = ServiceReportLine.objects.filter(report_id__in=ids).values("item_id").annotate(total=Sum("declared_count"))
    return {r["item_id"]: Decimal(r["total"]) / len(ids) for r in sums}


def year_to_date_declared(*, clinic_id: int, year: int, excluding_month: int) -> dict[int, int]:
    rows = (
        ServiceReportLine.objects.filter(report__clinic_id=clinic_id, report__year=year)
        .exclude(report__month=excluding_month)
        .values("item_id")
        .annotate(total=Sum("declared_count"))
    )
    return {r["item_id"]: r["total"] or 0 for r in rows}


@dataclass
class ItemProgress:
    item: ServiceItem
    quota: int
    verified: int
    declared: int
    expected: int

    @property
    def percent(self) -> int:
        return min(100, int(100 * self.verified / self.quota)) if self.quota else 0

    @property
    def on_pace(self) -> bool:
        return self.verified >= self.expected

    @property
    def behind_by(self) -> int:
        return max(0, self.expected - self.verified)


def clinic_progress(*, clinic: Clinic, year: int, through_month: int) -> list[ItemProgress]:
    """Year-to-date verified counts against quotas, with the count expected by now for being on pace."""
    quotas = quota_map(clinic_ids=[clinic.pk], year=year).get(clinic.pk, {})
    totals = verified_totals(clinic_ids=[clinic.pk], year=year, months=range(1, 13)).get(clinic.pk, {})
    progress = []
    for item in active_items():
        quota = quotas.get(item.code, 0)
        item_totals = totals.get(item.code, ItemTotals(0, 0))
        progress.append(
            ItemProgress(
                item=item,
                quota=quota,
                verified=item_totals.verified,
                declared=item_totals.declared,
                expected=quota * through_month // 12,
            )
        )
    return progress


@dataclass
class MatrixRow:
    clinic: Clinic
    cells: list[tuple[int, int, int | None]] = field(default_factory=list)  # per item: (verified, quota, percent)
    overall: int = 0
    behind: bool = False


def township_matrix(
    *,
    user: AnyUser,
    year: int,
    through_month: int,
    township_id: int | None = None,
    township_ids: Iterable[int] | None = None,
) -> tuple[list[ServiceItem], list[MatrixRow]]:
    """Clinic × item completion for the year, behind-pace clinics first. Three queries whatever the size.
    ``township_id`` / ``township_ids`` narrow the user's scope further (one township, or some)."""

    scoped = clinics_for(user)
    if township_id:
        scoped = scoped.filter(township_id=township_id)
    if township_ids is not None:
        scoped = scoped.filter(township_id__in=list(township_ids))
    clinics = list(scoped)
    items = list(active_items())
    ids = [c.pk for c in clinics]
    quotas = quota_map(clinic_ids=ids, year=year)
    totals = verified_totals(clinic_ids=ids, year=year, months=range(1, 13))
    rows = []
    for clinic in clinics:
        row = MatrixRow(clinic=clinic)
        quota_sum = verified_sum = expected_sum = 0
        for item in items:
            quota = quotas.get(clinic.pk, {}).get(item.code, 0)
            verified = totals.get(clinic.pk, {}).get(item.code, ItemTotals(0, 0)).verified
            percent = int(100 * verified / quota) if quota else None
            row.cells.append((verified, quota, percent))
            quota_sum += quota
            verified_sum += min(verified, quota)
            expected_sum += quota * through_month // 12
        row.overall = int(100 * verified_sum / quota_sum) if quota_sum else 0
        row.behind = verified_sum < expected_sum
        rows.append(row)
    rows.sort(key=lambda r: (not r.behind, r.overall, r.clinic.code))
    return items, rows


def population_for(*, clinic_id: int, year: int) -> ClinicPopulation | None:
    return ClinicPopulation.objects.filter(clinic_id=clinic_id, year__lte=year).order_by("-year").first()


# --------------------------------------------------------------------------- comparison of counties (per county)


def _clinics_of_counties(user: AnyUser, county_ids: Iterable[int]) -> QuerySet[Clinic, Any]:
    return clinics_for(user).filter(township__county_id__in=list(county_ids)).order_by()


def completion_by_county(
    *, user: AnyUser, county_ids: Iterable[int], year: int, through_month: int
) -> dict[int, tuple[int, int]]:
    """County id → (verified services counted towards the quotas, the year's quotas) over months 1..through_month,
    in the user's scope: each clinic's item counts at most up to its quota, as on the county dashboard. Two
    queries (``item_figures`` and the clinics' counties) whatever the number of counties."""
    clinics = _clinics_of_counties(user, county_ids)
    county_of = dict(clinics.values_list("id", "township__county_id"))
    figures = item_figures(clinic_ids=clinics.values("id"), year=year, months=range(1, through_month + 1))
    result: dict[int, list[int]] = {}
    for clinic_id, items in figures.items():
        totals = result.setdefault(county_of[clinic_id], [0, 0])
        for f in items.values():
            totals[0] += min(f.verified, f.quota)
            totals[1] += f.quota
    return {county: (done, quota) for county, (done, quota) in result.items()}


def verification_by_county(
    *, user: AnyUser, county_ids: Iterable[int], year: int, through_month: int
) -> dict[int, tuple[int, int]]:
    """County id → (services confirmed, services declared) on the verified reports of months 1..through_month, in
    the user's scope: the authenticity rate (核实真实率) behind the payouts. One query."""
    rows = (
        ServiceReportLine.objects.filter(
            report__clinic_id__in=_clinics_of_counties(user, county_ids).values("id"),
            report__year=year,
            report__month__lte=through_month,
            report__status=ServiceReport.Status.VERIFIED,
        )
        .order_by()
        .values("report__clinic__township__county_id")
        .annotate(verified=Sum("verified_count"), declared=Sum("declared_count"))
        .values_list("report__clinic__township__county_id", "verified", "declared")
    )
    return {county: (verified or 0, declared or 0) for county, verified, declared in rows}


# --------------------------------------------------------------------------- county dashboard (per township)


@dataclass(frozen=True)
class ReportCounts:
    reported: int = 0  # submitted or verified (not drafts)
    submitted: int = 0  # submitted, awaiting verification


def report_counts_by_township(
    *, user: AnyUser, township_ids: Iterable[int], year: int, month: int
) -> dict[int, ReportCounts]:
    """Per township in the user's scope: reports of the month that were handed in, and those still
    awaiting verification. One query whatever the number of townships."""
    rows = (
        reports_for(user)
        .filter(clinic__township_id__in=list(township_ids), year=year, month=month)
        .exclude(status=ServiceReport.Status.DRAFT)
        .values("clinic__township_id")
        .annotate(reported=Count("id"), submitted=Count("id", filter=Q(status=ServiceReport.Status.SUBMITTED)))
        .values_list("clinic__township_id", "reported", "submitted")
    )
    return {tid: ReportCounts(reported, submitted) for tid, reported, submitted in rows}


def _end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def on_time_by_month(
    *, user: AnyUser, township_ids: Iterable[int], year: int, through_month: int
) -> dict[tuple[int, int], int]:
    """(township id, month) → reports of that month handed in by the deadline (day
    ``REPORT_DEADLINE_DAY`` of the next month, local time), months 1..through_month. One query."""

    months = range(1, through_month + 1)
    if not months:
        return {}
    on_time = Q()
    for month in months:
        on_time |= Q(month=month, submitted_at__lt=_end_of_day(submission_deadline(year=year, month=month)))
    rows = (
        reports_for(user)
        .filter(clinic__township_id__in=list(township_ids), year=year, month__in=list(months))
        .exclude(status=ServiceReport.Status.DRAFT)
        .filter(on_time)
        .values("clinic__township_id", "month")
        .annotate(n=Count("id"))
        .values_list("clinic__township_id", "month", "n")
    )
    return {(tid, month): n for tid, month, n in rows}


@dataclass
class MonthlyCompletion:
    quota: int = 0  # Σ yearly quotas of the township's clinics (active items)
    done: list[int] = field(default_factory=list)  # per month 1..through: Σ min(verified so far, quota)

    @property
    def percents(self) -> list[int]:
        return [int(100 * d / self.quota) if self.quota else 0 for d in self.done]


def completion_by_month(
    *, user: AnyUser, township_ids: Iterable[int], year: int, through_month: int
) -> dict[int, MonthlyCompletion]:
    """Township id → cumulative completion at the end of each month 1..through_month, counted as
    ``township_matrix`` counts the year: Σ over clinics and active items of min(verified so far, quota)
    ÷ Σ quotas (verified reports only). Three queries whatever the number of clinics."""

    township_ids = list(township_ids)
    clinic_township = dict(clinics_for(user).filter(township_id__in=township_ids).values_list("pk", "township_id"))
    ids = list(clinic_township)
    quotas = {
        (c, i): t
        for c, i, t in Quota.objects.filter(clinic_id__in=ids, year=year, item__active=True).values_list(
            "clinic_id", "item_id", "target"
        )
    }
    monthly: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * (through_month + 1))
    lines = ServiceReportLine.objects.filter(
        report__clinic_id__in=ids,
        report__year=year,
        report__month__lte=through_month,
        report__status=ServiceReport.Status.VERIFIED,
        item__active=True,
    ).values_list("report__clinic_id", "item_id", "report__month", "verified_count")
    for clinic_id, item_id, month, verified in lines:
        monthly[(clinic_id, item_id)][month] += verified or 0
    result = {tid: MonthlyCompletion(0, [0] * through_month) for tid in township_ids}
    for (clinic_id, item_id), target in quotas.items():
        township = result[clinic_township[clinic_id]]
        township.quota += target
        counts = monthly.get((clinic_id, item_id))
        if counts is None:
            continue
        running = 0
        for month in range(1, through_month + 1):
            running += counts[month]
            township.done[month - 1] += min(running, target)
    return result


# --------------------------------------------------------------------------- the to-do inbox (core.inbox)


@dataclass(frozen=True)
class ReportInbox:
    """Township staff: reports waiting for verification (any month) and how many clinics reported a month."""

    submitted: int
    reported: int
    active_clinics: int


def report_inbox(*, user: AnyUser, year: int, month: int) -> ReportInbox:
    """Counts for the staff inbox within the user's scope: two aggregate queries whatever the size."""
    counts = reports_for(user).aggregate(
        submitted=Count("id", filter=Q(status=ServiceReport.Status.SUBMITTED)),
        reported=Count("id", filter=Q(year=year, month=month) & ~Q(status=ServiceReport.Status.DRAFT)),
    )
    active = clinics_for(user).filter(status=Clinic.Status.ACTIVE).count()
    return ReportInbox(counts["submitted"] or 0, counts["reported"] or 0, active)


@dataclass(frozen=True)
class DoctorReportInbox:
    """A doctor's clinic: the status of one month's report (None: not started) and the returned reports."""

    status: str | None
    returned: list[tuple[int, int, str]]  # (year, month, return comment), newest first


def doctor_report_inbox(*, user: AnyUser, year: int, month: int) -> DoctorReportInbox:
    """One query: the month's report and the reports returned to the doctor (at most 12 of them)."""
    rows = list(
        reports_for(user)
        .filter(Q(year=year, month=month) | Q(status=ServiceReport.Status.RETURNED))
        .order_by("-year", "-month")
        .values_list("year", "month", "status", "return_comment")[:13]
    )
    status = next((s for y, m, s, _c in rows if (y, m) == (year, month)), None)
    returned = [(y, m, c) for y, m, s, c in rows if s == ServiceReport.Status.RETURNED][:12]
    return DoctorReportInbox(status, returned)


class TablePrice(NamedTuple):
    """An item's line of a county's yearly price and work-point table (县服务项目单价表)."""

    item_id: int
    code: str
    name: str
    unit_price: Decimal
    work_points: Decimal


def county_price_table(*, county_id: int, year: int) -> dict[str, TablePrice]:
    """Item code → the county's price and work points for the year (one query). The settlement pays the prices of
    its policy's items; this table is where a policy's prices are copied from (subsidies' policy check)."""
    return {
        code: TablePrice(item_id, code, name, price, points)
        for item_id, code, name, price, points in ServiceItemPrice.objects.filter(county_id=county_id, year=year)
        .order_by("item__sort_order", "item__code")
        .values_list("item_id", "item__code", "item__name", "unit_price", "work_points")
    }
