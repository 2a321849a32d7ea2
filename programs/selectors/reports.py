"""Reads of public-health services: catalogue, prices, quotas, reports and progress.

``item_prices``, ``verified_totals`` and ``quota_map`` are the contract other apps rely on
(docs/INTERFACES.md): they take clinic ids already scoped by the caller and use a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import connections
from django.db.models import Q, Sum

from clinics.models import ClinicPopulation
from clinics.selectors import id_filter, restrict
from programs.models import Quota, ServiceItem, ServiceItemPrice, ServiceReport, ServiceReportLine


@dataclass(frozen=True)
class ItemPrice:
    unit_price: Decimal
    work_points: Decimal
    name: str


class ItemTotals(NamedTuple):
    """A tuple rather than a dataclass: a province holds ~400,000 of them."""

    declared: int
    verified: int


def active_items():
    return ServiceItem.objects.filter(active=True).order_by("sort_order", "code")


def item_prices(*, county_id: int, year: int) -> dict[str, ItemPrice]:
    rows = ServiceItemPrice.objects.filter(county_id=county_id, year=year).select_related("item")
    return {r.item.code: ItemPrice(unit_price=r.unit_price, work_points=r.work_points, name=r.item.name) for r in rows}


def verified_totals(*, clinic_ids, year: int, months) -> dict[int, dict[str, ItemTotals]]:
    """Declared and verified counts per clinic and item over the months. Only verified reports count
    towards ``verified``; unverified lines contribute to ``declared`` only."""
    rows = (ServiceReportLine.objects
            .filter(report__clinic_id__in=id_filter(clinic_ids), report__year=year, report__month__in=list(months))
            .exclude(report__status=ServiceReport.Status.DRAFT)
            .values("report__clinic_id", "item__code")
            .annotate(declared=Sum("declared_count"),
                      verified=Sum("verified_count", filter=Q(report__status=ServiceReport.Status.VERIFIED)))
            .values_list("report__clinic_id", "item__code", "declared", "verified"))
    result: dict[int, dict[str, ItemTotals]] = defaultdict(dict)
    for clinic_id, code, declared, verified in _plain_rows(rows):
        result[clinic_id][code] = ItemTotals(declared or 0, verified or 0)
    return dict(result)


def quota_map(*, clinic_ids, year: int) -> dict[int, dict[str, int]]:
    result: dict[int, dict[str, int]] = defaultdict(dict)
    for clinic_id, code, target in _plain_rows(Quota.objects.filter(clinic_id__in=id_filter(clinic_ids), year=year)
                                               .values_list("clinic_id", "item__code", "target")):
        result[clinic_id][code] = target
    return dict(result)


def _plain_rows(queryset) -> list[tuple]:
    """The rows of a values_list of ids, codes and integer sums, fetched in one go without per-value converters
    (a province reads ~800,000 of them; the database already returns Python ints and strings)."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def reports_for(user):
    return restrict(ServiceReport.objects.select_related("clinic", "clinic__township"), user, clinic="clinic")


def usual_monthly_declared(*, clinic_id: int, before_year: int, before_month: int) -> dict[int, Decimal]:
    """Item id → the clinic's average declared count over its last 12 submitted months."""
    months = (ServiceReport.objects.filter(clinic_id=clinic_id)
              .exclude(status=ServiceReport.Status.DRAFT)
              .filter(Q(year__lt=before_year) | Q(year=before_year, month__lt=before_month))
              .order_by("-year", "-month").values_list("pk", flat=True)[:12])
    ids = list(months)
    if not ids:
        return {}
    sums = (ServiceReportLine.objects.filter(report_id__in=ids).values("item_id")
            .annotate(total=Sum("declared_count")))
    return {r["item_id"]: Decimal(r["total"]) / len(ids) for r in sums}


def year_to_date_declared(*, clinic_id: int, year: int, excluding_month: int) -> dict[int, int]:
    rows = (ServiceReportLine.objects.filter(report__clinic_id=clinic_id, report__year=year)
            .exclude(report__month=excluding_month).values("item_id").annotate(total=Sum("declared_count")))
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


def clinic_progress(*, clinic, year: int, through_month: int) -> list[ItemProgress]:
    """Year-to-date verified counts against quotas, with the count expected by now for being on pace."""
    quotas = quota_map(clinic_ids=[clinic.pk], year=year).get(clinic.pk, {})
    totals = verified_totals(clinic_ids=[clinic.pk], year=year, months=range(1, 13)).get(clinic.pk, {})
    progress = []
    for item in active_items():
        quota = quotas.get(item.code, 0)
        item_totals = totals.get(item.code, ItemTotals(0, 0))
        progress.append(ItemProgress(item=item, quota=quota, verified=item_totals.verified,
                                     declared=item_totals.declared, expected=quota * through_month // 12))
    return progress


@dataclass
class MatrixRow:
    clinic: object
    cells: list = field(default_factory=list)  # per item: (verified, quota, percent)
    overall: int = 0
    behind: bool = False


def township_matrix(*, user, year: int, through_month: int, township_id: int | None = None) -> tuple[list, list[MatrixRow]]:
    """Clinic × item completion for the year, behind-pace clinics first. Three queries whatever the size."""
    from clinics.selectors import clinics_for

    clinics = clinics_for(user)
    if township_id:
        clinics = clinics.filter(township_id=township_id)
    clinics = list(clinics)
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
    return (ClinicPopulation.objects.filter(clinic_id=clinic_id, year__lte=year).order_by("-year").first())
